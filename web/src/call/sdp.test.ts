import { describe, expect, it } from 'vitest';
import { addressOf, fingerprintOf, ufragOf, ufragOfCandidate, withAddress, withoutAddress, withoutCandidates } from './sdp';

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=ice-ufrag:Ab1x',
  'a=ice-pwd:0123456789abcdef01234567',
  'a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35',
  'a=candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host generation 0 ufrag Ab1x network-id 1',
  'a=end-of-candidates',
  'a=mid:0',
  '',
].join('\r\n');

describe('SDP helpers', () => {
  it('addresses a description at session level and reads the address back', () => {
    const sdp = withAddress(SDP, { to: 'sess-42', seq: 3 });
    expect(sdp.split('\r\n')[4]).toBe('a=tc-to:sess-42/3');
    expect(addressOf(sdp)).toEqual({ to: 'sess-42', seq: 3 });
    expect(addressOf(withAddress(sdp, { to: '*', seq: null }))).toEqual({ to: '*', seq: null });
  });

  it('removes the address before the browser sees the SDP', () => {
    expect(withoutAddress(withAddress(SDP, { to: 'x', seq: 1 }))).toBe(SDP);
    expect(addressOf(SDP)).toBeNull();
  });

  it('keeps candidates out of the published SDP (they travel in the document list)', () => {
    const clean = withoutCandidates(SDP);
    expect(clean).not.toContain('a=candidate');
    expect(clean).not.toContain('end-of-candidates');
    expect(clean).toContain('a=mid:0');
  });

  it('reads the ICE generation and the DTLS identity', () => {
    expect(ufragOf(SDP)).toBe('Ab1x');
    expect(fingerprintOf(SDP)).toBe('sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35');
    expect(ufragOfCandidate('candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host generation 0 ufrag Ab1x network-id 1')).toBe('Ab1x');
  });
});
