import { defineInt } from 'firebase-functions/params';

/**
 * How long each kind of data is kept (set per project in functions/.env.<projectId>).
 * The reasoning behind every default is in docs/operations.md ("Retention").
 */
export interface Retention {
  /** Call-quality summaries (consults/{id}/stats/{uid}): operational data, not the clinical record. */
  statsDays: number;
  /**
   * The consult record, its consents and its audit chain are part of the patient's record, which
   * Lei 13.787/2018 art. 6 lets a clinic eliminate only after at least 20 years from the last entry
   * (CFM Resolução 1.821/2007: 20 years on paper, permanent when electronic). A floor, not a ceiling.
   */
  clinicalRecordYears: number;
  /** A consult still open this long after its scheduled end was abandoned: it is ended as `expired`. */
  abandonedAfterHours: number;
}

export const DEFAULT_RETENTION: Retention = { statsDays: 90, clinicalRecordYears: 20, abandonedAfterHours: 24 };

export const STATS_RETENTION_DAYS = defineInt('STATS_RETENTION_DAYS', {
  default: DEFAULT_RETENTION.statsDays,
  description: 'Days to keep call-quality stats (default 90).',
});
export const CLINICAL_RECORD_RETENTION_YEARS = defineInt('CLINICAL_RECORD_RETENTION_YEARS', {
  default: DEFAULT_RETENTION.clinicalRecordYears,
  description: 'Years to keep consults, consents and their audit chain (CFM 1.821/2007, Lei 13.787/2018: 20).',
});
export const ABANDONED_CONSULT_HOURS = defineInt('ABANDONED_CONSULT_HOURS', {
  default: DEFAULT_RETENTION.abandonedAfterHours,
  description: 'Hours after a consult’s scheduled end before an open consult is ended as expired (default 24).',
});

/** A period that is missing, zero or negative falls back to its default rather than purging everything. */
export function retentionOf(values: Partial<Record<keyof Retention, number>>): Retention {
  const pick = (key: keyof Retention) => {
    const v = values[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_RETENTION[key];
  };
  return { statsDays: pick('statsDays'), clinicalRecordYears: pick('clinicalRecordYears'), abandonedAfterHours: pick('abandonedAfterHours') };
}

export function retentionFromParams(): Retention {
  return retentionOf({
    statsDays: STATS_RETENTION_DAYS.value(),
    clinicalRecordYears: CLINICAL_RECORD_RETENTION_YEARS.value(),
    abandonedAfterHours: ABANDONED_CONSULT_HOURS.value(),
  });
}
