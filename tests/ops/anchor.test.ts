// Audit chain heads anchored outside Firestore, and `npm run audit:verify -- --anchor` (a child
// process) checking chains against them: a chain rewritten whole by someone with database access
// passes the plain check but not the anchored one.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR_FIELD, anchorAuditHeads, type AuditAnchor } from '../../functions/src/audit/anchor';
import { appendSystemAudit } from '../../functions/src/audit/append';
import { entryHash, type ChainedFields } from '../../functions/src/audit/chain';
import { fixedClock } from '../../functions/src/lib/clock';
import { isolatedProject } from './isolated';
import { DAY, HOUR, seedAudit, seedConsult } from './seed';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'anchors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let db: Firestore;
let projectId: string;
beforeAll(() => {
  ({ db, projectId } = isolatedProject('anchors'));
});

function verify(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/audit-verify.mjs'), ...args, '--project', projectId], { cwd: ROOT, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

/** A run's anchors as `gcloud logging read --format=json` prints them (an array of LogEntry). */
function asGcloudJson(anchors: AuditAnchor[], name: string): string {
  const file = path.join(tmp, name);
  const entries = anchors.map((a) => ({ severity: 'INFO', jsonPayload: { message: `audit head ${a.chain} #${a.seq}`, [ANCHOR_FIELD]: a } }));
  writeFileSync(file, JSON.stringify(entries, null, 2));
  return file;
}

/** The same as the sink writes them into the bucket: one LogEntry per line. */
function asSinkLines(anchors: AuditAnchor[], name: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, anchors.map((a) => JSON.stringify({ jsonPayload: { [ANCHOR_FIELD]: a } })).join('\n') + '\n');
  return file;
}

async function chainOf(consultId: string) {
  const snap = await db.collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => ({ ref: d.ref, data: d.data() as ChainedFields & { hash: string } })).sort((a, b) => a.data.seq - b.data.seq);
}

/** What someone with write access could do: change an entry, then recompute every later hash and the head. */
async function rewrite(consultId: string, seq: number, context: ChainedFields['context']) {
  const entries = await chainOf(consultId);
  let prev = entries[seq - 2]?.data.hash ?? '0'.repeat(64);
  const batch = db.batch();
  let head = { seq: 0, hash: prev };
  for (const { ref, data } of entries.slice(seq - 1)) {
    const fields: ChainedFields = { consultId: data.consultId, seq: data.seq, action: data.action, actorUid: data.actorUid, actorRole: data.actorRole, atMs: data.atMs, context: data.seq === seq ? context : data.context, prevHash: prev };
    const hash = entryHash(fields);
    batch.update(ref, { context: fields.context, prevHash: prev, hash });
    prev = hash;
    head = { seq: data.seq, hash };
  }
  batch.update(db.doc(`consults/${consultId}`), { auditHead: head });
  await batch.commit();
}

describe('audit chain anchors', () => {
  const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
  const clinician = { uid: 'clinician-anchor', role: 'clinician' } as const;

  it('anchors every chain head that moved since the last run, and audit:verify checks a chain against them', async () => {
    const kept = await seedConsult(db, { status: 'ended', scheduledForMs: T0 - DAY });
    const other = await seedConsult(db, { status: 'ended', scheduledForMs: T0 - DAY });
    for (const [i, action] of ['consult.scheduled', 'consent.recorded', 'consult.ended'].entries()) {
      await seedAudit(db, kept, action, T0 - 3 * HOUR + i * 60_000, clinician);
      await seedAudit(db, other, action, T0 - 3 * HOUR + i * 60_000, clinician);
    }
    await appendSystemAudit(db, { action: 'user.created', actor: { uid: null, role: 'system' }, atMs: T0 - 2 * HOUR });

    const first = await anchorAuditHeads(db, fixedClock(T0), () => {});
    expect(first.sinceMs).toBe(0);
    expect(first.anchors.map((a) => [a.chain, a.seq]).sort()).toEqual([[kept, 3], [other, 3], ['system', 1]].sort());
    const day1 = asGcloudJson(first.anchors, 'day1.json');

    // The next day only the chain that moved is anchored again.
    await seedAudit(db, kept, 'record.addendum', T0 + 2 * HOUR, clinician);
    const logged: AuditAnchor[] = [];
    const second = await anchorAuditHeads(db, fixedClock(T0 + DAY), (a) => logged.push(a));
    expect(second.sinceMs).toBe(T0 - HOUR);
    expect(logged.map((a) => [a.chain, a.seq])).toEqual([[kept, 4]]);
    const day2 = asSinkLines(logged, 'day2.jsonl');

    const ok = await verify(kept, '--anchor', day1);
    expect(ok.out).toContain('chain OK: 4 entries');
    expect(ok.out).toContain(`anchors OK: 1 anchor of consult ${kept} match the chain, the latest seq 3`);
    expect(ok.code).toBe(0);
    expect((await verify(kept, '--anchor', day2)).code).toBe(0);
    const system = await verify('--system', '--anchor', day1);
    expect(system.out).toContain('anchors OK: 1 anchor of system chain');
    expect(system.code).toBe(0);
    const missing = await verify(other, '--anchor', day2);
    expect(missing.out).toContain(`anchor MISSING: the file holds no anchor of consult ${other}`);
    expect(missing.code).toBe(1);

    // Rewritten whole: every hash and the head recomputed. The chain alone cannot tell; the anchors can.
    await rewrite(kept, 2, { uid: 'someone-else' });
    const plain = await verify(kept);
    expect(plain.out).toContain('chain OK: 4 entries');
    expect(plain.code).toBe(0);
    const caught = await verify(kept, '--anchor', day1);
    expect(caught.out).toContain(`anchor MISMATCH (consult ${kept})`);
    expect(caught.out).toContain('it was rewritten after it was anchored');
    expect(caught.code).toBe(1);
  });

  it('catches a chain cut short after it was anchored, and refuses a file that is not the anchor log', async () => {
    const id = await seedConsult(db, { status: 'ended', scheduledForMs: T0 - DAY });
    for (const [i, action] of ['consult.scheduled', 'photo.received', 'consult.ended'].entries()) await seedAudit(db, id, action, T0 + 3 * DAY + i * 1000, clinician);
    const run = await anchorAuditHeads(db, fixedClock(T0 + 4 * DAY), () => {});
    const anchors = asGcloudJson(run.anchors, 'cut.json');
    expect((await verify(id, '--anchor', anchors)).code).toBe(0);

    // The last entry deleted and the head moved back: a sound chain of two, anchored at three.
    const entries = await chainOf(id);
    await entries[2]!.ref.delete();
    await db.doc(`consults/${id}`).update({ auditHead: { seq: 2, hash: entries[1]!.data.hash } });
    expect((await verify(id)).code).toBe(0);
    const cut = await verify(id, '--anchor', anchors);
    expect(cut.out).toContain('entries were removed since');
    expect(cut.code).toBe(1);

    const garbage = path.join(tmp, 'garbage.txt');
    writeFileSync(garbage, 'not json at all\n');
    const refused = await verify(id, '--anchor', garbage);
    expect(refused.out).toContain('is not the anchor log');
    expect(refused.code).toBe(1);
    const forged = asSinkLines([{ chain: id, seq: 1, hash: 'not-a-hash', anchoredAtMs: T0 } as AuditAnchor], 'forged.jsonl');
    const malformed = await verify(id, '--anchor', forged);
    expect(malformed.out).toContain('has a malformed anchor');
    expect(malformed.code).toBe(1);
    expect((await verify(id, '--anchor', path.join(tmp, 'absent.json'))).out).toContain('no such file');
  });
});
