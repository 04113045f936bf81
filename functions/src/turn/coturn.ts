import { createHmac } from 'node:crypto';
import type { IceServer } from '../lib/api';
import type { Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import type { IssueRequest, IssuedServers, TurnProvider } from './provider';

export interface TurnRestCredential {
  username: string;
  credential: string;
}

/**
 * The TURN REST API scheme coturn checks with `use-auth-secret`: the username is
 * `expiry:uid` (expiry in Unix seconds) and the password is base64(HMAC-SHA1(secret, username)).
 */
export function turnRestCredential(secret: string, uid: string, expiresAtSeconds: number): TurnRestCredential {
  if (uid.includes(':')) throw new Error('A TURN REST username cannot hold a colon in its user part.');
  const username = `${Math.floor(expiresAtSeconds)}:${uid}`;
  const credential = createHmac('sha1', secret).update(username, 'utf8').digest('base64');
  return { username, credential };
}

const TURN_URL = /^(turns?|stuns?):[A-Za-z0-9.\-\[\]:]+(\?transport=(udp|tcp))?$/;

/** TURN_URLS: comma-separated turn:/turns:/stun: URLs. Anything else is a configuration error. */
export function parseIceUrls(raw: string): string[] {
  const urls = raw.split(',').map((u) => u.trim()).filter(Boolean);
  const bad = urls.filter((u) => !TURN_URL.test(u));
  if (bad.length > 0) throw new Error(`TURN_URLS has entries that are not turn:, turns: or stun: URLs: ${bad.join(', ')}`);
  return urls;
}

export interface CoturnConfig {
  /** The current shared secret (coturn `static-auth-secret`); the only one we sign with. */
  secret: string;
  /** turn:/turns: URLs, e.g. UDP and TCP on 3478 and TLS on 443. */
  urls: string[];
}

export function coturnProvider(config: CoturnConfig, clock: Clock): TurnProvider {
  const turnUrls = config.urls.filter((u) => u.startsWith('turn'));
  const stunUrls = config.urls.filter((u) => u.startsWith('stun'));
  return {
    name: 'coturn',
    async issue({ uid, ttlSeconds }: IssueRequest): Promise<IssuedServers> {
      if (!config.secret || turnUrls.length === 0) {
        fail('turn_not_configured', 'The relay server is not configured. Please tell the clinic.');
      }
      const expiresAtSeconds = Math.floor(clock.now() / 1000) + ttlSeconds;
      const { username, credential } = turnRestCredential(config.secret, uid, expiresAtSeconds);
      const iceServers: IceServer[] = [{ urls: turnUrls, username, credential }];
      if (stunUrls.length > 0) iceServers.unshift({ urls: stunUrls });
      return { iceServers, expiresAtMs: expiresAtSeconds * 1000, ttlSeconds };
    },
  };
}
