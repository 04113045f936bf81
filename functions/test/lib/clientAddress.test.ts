import { describe, expect, it } from 'vitest';
import { clientAddress, truncateIp } from '../../src/lib/callable';

const request = (xff: string | string[] | undefined, peer = '169.254.8.1') => ({ headers: { 'x-forwarded-for': xff }, socket: { remoteAddress: peer } });

describe('the caller address the audit chain records', () => {
  it('on the platform, believes only the address its front end appended, never what the caller wrote before it', () => {
    expect(clientAddress(request('203.0.113.7, 198.51.100.23'), true)).toBe('198.51.100.23');
    expect(clientAddress(request('203.0.113.7,203.0.113.8,  198.51.100.23 '), true)).toBe('198.51.100.23');
    expect(clientAddress(request(['203.0.113.7', '198.51.100.23']), true)).toBe('198.51.100.23');
    expect(clientAddress(request('198.51.100.23'), true)).toBe('198.51.100.23');
    expect(truncateIp(clientAddress(request('203.0.113.7, 2001:db8:85a3:8d3:1319:8a2e:370:7348'), true))).toBe('2001:db8:85a3::/48');
  });

  it('records nothing rather than something unbounded or malformed', () => {
    expect(clientAddress(request(`${'1.1.1.1, '.repeat(300)}198.51.100.23`), true)).toBeUndefined();
    expect(clientAddress(request(undefined), true)).toBeUndefined();
    expect(truncateIp(clientAddress(request('203.0.113.7, not-an-address'), true))).toBeNull();
    expect(truncateIp(clientAddress(request(`203.0.113.7, ${'a'.repeat(60)}`), true))).toBeNull();
    expect(truncateIp('zzzz:1::1')).toBeNull();
  });

  it('off the platform, the connection\'s peer: a header is only a claim there', () => {
    expect(clientAddress(request('203.0.113.7', '127.0.0.1'), false)).toBe('127.0.0.1');
    expect(truncateIp(clientAddress(request('203.0.113.7', '::ffff:127.0.0.1'), false))).toBe('127.0.0.0/24');
  });
});
