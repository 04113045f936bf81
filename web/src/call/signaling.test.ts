import { describe, expect, it } from 'vitest';
import { peerSignalOf } from './signaling';

const good = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('the other side\'s signaling document, as the engine reads it', () => {
  it('keeps each well-formed candidate and drops, one by one, what is not one', () => {
    const signal = peerSignalOf({
      sessionId: 'abcdef0123456789',
      role: 'clinician',
      seq: 3,
      description: { type: 'offer', sdp: 'v=0' },
      candidates: [
        null, 5, 'candidate:1', { candidate: 7 }, { candidate: '' }, { candidate: 'c'.repeat(1025) },
        { ...good, sdpMid: { nested: true } }, { ...good, sdpMLineIndex: -1 }, { ...good, sdpMLineIndex: 1.5 }, { ...good, sdpMLineIndex: '0' },
        good, { candidate: good.candidate.replace('54321', '54322') },
      ],
      candidatesComplete: true,
    });
    expect(signal?.candidates).toEqual([good, { candidate: good.candidate.replace('54321', '54322'), sdpMid: null, sdpMLineIndex: null }]);
    expect(signal).toMatchObject({ sessionId: 'abcdef0123456789', role: 'clinician', seq: 3, candidatesComplete: true, description: { type: 'offer', sdp: 'v=0' } });
  });

  it('reads no more candidates than a document may hold, and a malformed description as none', () => {
    const signal = peerSignalOf({ sessionId: 's1s1s1s1', seq: 1, description: { type: 'pranswer', sdp: 1 }, candidates: Array.from({ length: 200 }, () => good) });
    expect(signal?.candidates).toHaveLength(64);
    expect(signal?.description).toBeNull();
    expect(signal?.role).toBe('patient');
  });

  it('is no signal at all without a session, a seq and a list', () => {
    for (const d of [null, 'x', {}, { sessionId: 's', seq: '1', candidates: [] }, { sessionId: 's', seq: 1, candidates: {} }]) expect(peerSignalOf(d)).toBeNull();
  });
});
