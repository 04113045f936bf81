import { logger } from 'firebase-functions/v2';

/**
 * One structured line per function outcome. Only identifiers and figures go in: no patient
 * labels, e-mails, IPs, user agents or tokens. `consultId` is the correlation id that ties
 * every function's lines about one consult together (Cloud Logging: jsonPayload.consultId).
 */
export interface LogFields {
  /** The deployed function's name. */
  fn: string;
  consultId?: string | null;
  outcome: 'ok' | 'rejected' | 'error' | 'degraded';
  ms: number;
  /** An error reason from lib/errors.ts or a short machine word; never a free sentence. */
  reason?: string;
  /** Counts and other figures (purged documents, latencies). */
  figures?: Record<string, number | boolean | string>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Keeps only values that look like ids, so a stray value cannot smuggle personal data in. */
export function logEntry(fields: LogFields): Record<string, unknown> {
  const entry: Record<string, unknown> = { fn: fields.fn, outcome: fields.outcome, ms: Math.round(fields.ms) };
  if (fields.consultId && ID.test(fields.consultId)) entry['consultId'] = fields.consultId;
  if (fields.reason && ID.test(fields.reason)) entry['reason'] = fields.reason;
  if (fields.figures) entry['figures'] = fields.figures;
  return entry;
}

export function logOutcome(fields: LogFields): void {
  const entry = logEntry(fields);
  const message = `${fields.fn} ${fields.outcome}`;
  if (fields.outcome === 'error') logger.error(message, entry);
  else if (fields.outcome === 'ok') logger.info(message, entry);
  else logger.warn(message, entry);
}

/** The consult id of an already-parsed callable input, when it has one. */
export function consultIdOf(data: unknown): string | null {
  if (data && typeof data === 'object' && Object.hasOwn(data, 'consultId')) {
    const id = (data as { consultId: unknown }).consultId;
    return typeof id === 'string' && ID.test(id) ? id : null;
  }
  return null;
}
