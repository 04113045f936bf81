import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, entryHash, verifyChain, type ChainedFields } from '../../src/audit/chain';

type Entry = ChainedFields & { hash: string; id: string };

/** A well-formed chain of n entries, built the way appendAudit builds it. */
function chain(n: number, consultId: string | null = 'AbCdEfGhIjKlMnOpQrSt'): Entry[] {
  const entries: Entry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const fields: ChainedFields = {
      consultId,
      seq,
      action: seq === 1 ? 'consult.scheduled' : 'consent.recorded',
      actorUid: `uid-${seq}`,
      actorRole: seq === 1 ? 'clinician' : 'patient',
      atMs: 1_790_000_000_000 + seq * 1000,
      context: { kind: 'patient', version: '2026-11-01', recording: seq % 2 === 0, ipPrefix: null },
      prevHash,
    };
    const hash = entryHash(fields);
    entries.push({ ...fields, hash, id: `event-${seq}` });
    prevHash = hash;
  }
  return entries;
}

const headOf = (entries: Entry[]) => ({ seq: entries.length, hash: entries.at(-1)?.hash ?? GENESIS_HASH });

describe('canonicalJson', () => {
  it('sorts keys at every level, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('leaves out undefined values and keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'ção\n' })).toBe('{"k\\"":"ção\\n"}');
  });
});

describe('entryHash', () => {
  it('is a hex SHA-256 that changes with any covered field, the context included', () => {
    const [entry] = chain(1);
    expect(entry!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash({ ...entry!, context: { ...entry!.context, recording: true } })).not.toBe(entry!.hash);
    expect(entryHash({ ...entry!, actorUid: 'someone-else' })).not.toBe(entry!.hash);
    expect(entryHash({ ...entry!, atMs: entry!.atMs + 1 })).not.toBe(entry!.hash);
  });

  it('does not depend on fields outside the chain (the stored hash, the server time, the id)', () => {
    const [entry] = chain(1);
    const withExtras = { ...entry!, at: new Date(), hash: 'x', id: 'other' } as ChainedFields;
    expect(entryHash(withExtras)).toBe(entry!.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain in any order and reports its length and head', () => {
    const entries = chain(5);
    const shuffled = [entries[3]!, entries[0]!, entries[4]!, entries[2]!, entries[1]!];
    expect(verifyChain(shuffled, headOf(entries))).toEqual({ ok: true, length: 5, head: entries[4]!.hash });
  });

  it('accepts an empty chain against the genesis head', () => {
    expect(verifyChain([], { seq: 0, hash: GENESIS_HASH })).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
  });

  it('finds an altered entry and names its seq and event id', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, context: { ...entries[2]!.context, recording: true } };
    expect(verifyChain(entries, headOf(entries))).toMatchObject({ ok: false, atSeq: 3, eventId: 'event-3', problem: expect.stringMatching(/altered/) });
  });

  it('finds an altered entry whose hash was recomputed, at the next entry', () => {
    const entries = chain(5);
    const { hash: _old, id, ...fields } = entries[1]!;
    const forged = { ...fields, action: 'consent.withdrawn' };
    entries[1] = { ...forged, hash: entryHash(forged), id };
    expect(verifyChain(entries, headOf(chain(5)))).toMatchObject({ ok: false, atSeq: 3, problem: expect.stringMatching(/prevHash/) });
  });

  it('finds a removed entry in the middle', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyChain(entries)).toMatchObject({ ok: false, atSeq: 3, eventId: 'event-3', problem: expect.stringMatching(/expected entry 2/) });
  });

  it('finds two entries that swapped places in the chain', () => {
    const entries = chain(5);
    const [second, third] = [entries[1]!, entries[2]!];
    entries[1] = { ...third, seq: 2 };
    entries[2] = { ...second, seq: 3 };
    expect(verifyChain(entries, headOf(chain(5)))).toMatchObject({ ok: false, atSeq: 2, eventId: 'event-3' });
  });

  it('finds a duplicated entry', () => {
    const entries = chain(3);
    entries.push({ ...entries[2]!, id: 'copy' });
    expect(verifyChain(entries)).toMatchObject({ ok: false, atSeq: 3, problem: expect.stringMatching(/missing or duplicate/) });
  });

  it('finds a truncated tail only against the expected head', () => {
    const entries = chain(5);
    const head = headOf(entries);
    const truncated = entries.slice(0, 3);
    expect(verifyChain(truncated)).toMatchObject({ ok: true, length: 3 });
    expect(verifyChain(truncated, head)).toMatchObject({ ok: false, atSeq: 3, eventId: null, problem: expect.stringMatching(/removed at the end/) });
  });

  it('finds a chain that does not start at genesis', () => {
    const entries = chain(3);
    expect(verifyChain(entries.slice(1).map((e, i) => ({ ...e, seq: i + 1 })))).toMatchObject({ ok: false, atSeq: 1 });
  });

  it('finds a head whose hash differs though the length matches', () => {
    const entries = chain(2);
    expect(verifyChain(entries, { seq: 2, hash: GENESIS_HASH })).toMatchObject({ ok: false, atSeq: 2 });
  });
});
