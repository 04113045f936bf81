import type { Clock } from '../lib/clock';
import type { IssueRequest, IssuedServers, TurnProvider } from './provider';

/**
 * Development only: STUN (or nothing) and no relay, so calls work on one machine or one
 * network without any TURN account. Patients behind strict NATs cannot connect with it.
 */
export function stunProvider(urls: string[], clock: Clock): TurnProvider {
  const stunUrls = urls.filter((u) => u.startsWith('stun'));
  return {
    name: 'stun',
    async issue({ ttlSeconds }: IssueRequest): Promise<IssuedServers> {
      return {
        iceServers: stunUrls.length > 0 ? [{ urls: stunUrls }] : [],
        expiresAtMs: clock.now() + ttlSeconds * 1000,
        ttlSeconds,
      };
    },
  };
}
