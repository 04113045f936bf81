import type { GetIceServersResult, IceServer } from '../lib/api';

export type ProviderName = GetIceServersResult['provider'];

export interface IssueRequest {
  /** The Firebase uid the credentials are for (coturn puts it in the username). */
  uid: string;
  /** How long the credentials must stay valid, from now (see ttlForConsult). */
  ttlSeconds: number;
}

export interface IssuedServers {
  iceServers: IceServer[];
  expiresAtMs: number;
  /** The lifetime actually granted: at least the requested one, except for capped providers. */
  ttlSeconds: number;
}

/** One way of handing out ICE servers; each provider lives in its own file. */
export interface TurnProvider {
  readonly name: ProviderName;
  issue(request: IssueRequest): Promise<IssuedServers>;
}

export const TTL = {
  /** Added to the consult's scheduled end: consults run late. */
  marginSeconds: 30 * 60,
  /** A consult running well past its end still gets credentials for a while. */
  minSeconds: 30 * 60,
  /** A leaked credential relays for an hour at most; the call's engine renews before expiry. */
  maxSeconds: 60 * 60,
} as const;

/** Seconds of validity covering the rest of the consult plus a margin, clamped to [min, max]. */
export function ttlForConsult(consultEndMs: number, nowMs: number): number {
  const wanted = Math.ceil((consultEndMs - nowMs) / 1000) + TTL.marginSeconds;
  return Math.min(TTL.maxSeconds, Math.max(TTL.minSeconds, wanted));
}
