import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock';
import { AppError } from '../../src/lib/errors';
import { coturnProvider, parseIceUrls, turnRestCredential } from '../../src/turn/coturn';

// Expected values computed outside this code, with:
//   printf '%s' "$username" | openssl dgst -sha1 -hmac "$secret" -binary | base64
const VECTORS = [
  { secret: 's3cr3t-current', expiry: 1764028800, uid: 'abcDEF123uid', credential: '0JaATHgifvzkJirS9zk+zKP67zE=' },
  { secret: 'north-wing-relay', expiry: 1700000000, uid: 'patientUid0001', credential: 'QjYQ2Begw+aPXTXy/K5Lj8k43rA=' },
  { secret: 's3cr3t-previous', expiry: 1764028800, uid: 'abcDEF123uid', credential: '57JEyOqu93cDtwziXyO2z1PwwXQ=' },
];

describe('TURN REST API credentials', () => {
  it.each(VECTORS)('sign $expiry:$uid with HMAC-SHA1 of the shared secret, base64 ($secret)', ({ secret, expiry, uid, credential }) => {
    expect(turnRestCredential(secret, uid, expiry)).toEqual({ username: `${expiry}:${uid}`, credential });
  });

  it('put the expiry in whole Unix seconds before the uid', () => {
    expect(turnRestCredential('k', 'uid42', 1764028800.9).username).toBe('1764028800:uid42');
  });

  it('refuse a uid with a colon, which would make the username ambiguous', () => {
    expect(() => turnRestCredential('k', 'a:b', 1)).toThrow(/colon/);
  });
});

describe('the coturn provider', () => {
  const urls = ['turn:127.0.0.1:3578?transport=udp', 'turn:127.0.0.1:3578?transport=tcp', 'turns:turn.example.com:443?transport=tcp'];

  it('issues credentials valid for the requested TTL from now, for every TURN URL', async () => {
    const clock = fixedClock(Date.UTC(2026, 10, 24, 21, 0, 0));
    const issued = await coturnProvider({ secret: 's3cr3t-current', urls }, clock).issue({ uid: 'abcDEF123uid', ttlSeconds: 3600 });
    const expiry = Date.UTC(2026, 10, 24, 22, 0, 0) / 1000;
    expect(issued.expiresAtMs).toBe(expiry * 1000);
    expect(issued.ttlSeconds).toBe(3600);
    expect(issued.iceServers).toEqual([{ urls, ...turnRestCredential('s3cr3t-current', 'abcDEF123uid', expiry) }]);
  });

  it('signs with the current secret only, so a rotated-out secret stops being used at once', async () => {
    const clock = fixedClock(1764028800_000 - 3600_000);
    const issued = await coturnProvider({ secret: 's3cr3t-current', urls }, clock).issue({ uid: 'abcDEF123uid', ttlSeconds: 3600 });
    expect(issued.iceServers[0]?.credential).toBe(VECTORS[0]!.credential);
    expect(issued.iceServers[0]?.credential).not.toBe(VECTORS[2]!.credential);
  });

  it('lists STUN URLs apart, without credentials', async () => {
    const issued = await coturnProvider({ secret: 'k', urls: ['stun:127.0.0.1:3578', urls[0]!] }, fixedClock(0)).issue({ uid: 'u', ttlSeconds: 60 });
    expect(issued.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3578'] });
    expect(issued.iceServers[1]?.urls).toEqual([urls[0]]);
  });

  it('refuses to issue without a secret', async () => {
    const issue = coturnProvider({ secret: '', urls }, fixedClock(0)).issue({ uid: 'u', ttlSeconds: 60 });
    await expect(issue).rejects.toSatisfy((e) => e instanceof AppError && e.reason === 'turn_not_configured');
  });
});

describe('TURN_URLS', () => {
  it('accepts UDP, TCP and TLS on 443', () => {
    expect(parseIceUrls(' turn:relay.example.com:3478?transport=udp, turn:relay.example.com:3478?transport=tcp,turns:relay.example.com:443?transport=tcp ')).toEqual([
      'turn:relay.example.com:3478?transport=udp',
      'turn:relay.example.com:3478?transport=tcp',
      'turns:relay.example.com:443?transport=tcp',
    ]);
  });

  it('rejects anything that is not a turn:, turns: or stun: URL', () => {
    expect(() => parseIceUrls('https://relay.example.com')).toThrow(/not turn:/);
    expect(() => parseIceUrls('turn:relay.example.com:3478?transport=udp&x=1')).toThrow(/not turn:/);
  });
});
