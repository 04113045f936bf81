// Load: 200 consults scheduled, redeemed (twice each, concurrently, by different patients) and
// ended at once against the emulators. Afterwards every consult has exactly one patient, and
// its audit chain holds exactly one entry per change that succeeded, and verifies.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb, createUser } from '../support/admin';
import { call, mapLimit, rawCall, signInPassword, signUpAnonymous, type CallableAnswer, type SignedIn } from '../support/callableHttp';
import type { RecordConsentRequest, RedeemInviteResult, ScheduleConsultResult } from '../../functions/src/lib/api';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import { shownConsentText } from '../support/consentText';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** 200 by default; TC_LOAD_CONSULTS (a multiple of 4) shrinks it for a quick local run. */
const CONSULTS = Number(process.env.TC_LOAD_CONSULTS ?? 200);
const CLINICIANS = 4;
/** Requests in flight at once: enough to race, within what the emulators manage on two cores. */
// The functions emulator starts one process (~65 MB) per concurrent request per function and keeps it:
// a modest concurrency still races every transaction without exhausting memory.
const CONCURRENCY = 8;
/** Every fourth consult goes the whole way: consent, admission, end. The rest are ended from the waiting list. */
const fullJourney = (i: number) => i % 4 === 0;

interface Planned {
  index: number;
  clinician: SignedIn;
  consultId: string;
  secret: string;
  /** Two different patients open the same link at the same moment. */
  redeemers: [SignedIn, SignedIn];
  redeemAnswers: CallableAnswer[];
  /** Audit actions this test caused, in order. */
  actions: string[];
  /** Answers that were not a success, for the report. */
  refusals: string[];
}

function isoInHours(hours: number): string {
  const local = new Date(Date.now() + hours * 3_600_000 - 3 * 3_600_000);
  return `${local.toISOString().slice(0, 19)}-03:00`;
}

function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  return work().then((result) => {
    console.log(`load: ${label} in ${Date.now() - started} ms`);
    return result;
  });
}

/** Calls a callable; a typed refusal is returned, anything else (internal, transport) is kept as a refusal too. */
async function attempt(name: string, data: unknown, by: SignedIn): Promise<CallableAnswer> {
  return rawCall(name, JSON.stringify({ data }), by.idToken);
}

const ok = (a: CallableAnswer) => a.httpStatus === 200 && a.status === null;

describe(`load: ${CONSULTS} consults at once`, () => {
  const consults: Planned[] = [];
  const textHash = createHash('sha256')
    .update(shownConsentText('patient'), 'utf8')
    .digest('hex');

  beforeAll(async () => {
    const clinicians = await timed(`${CLINICIANS} clinicians signed in`, () =>
      Promise.all(
        Array.from({ length: CLINICIANS }, async (_, i) => {
          const user = await createUser('clinician', `load-${i}`);
          return signInPassword(user.email, user.password);
        }),
      ),
    );
    const patients = await timed(`${CONSULTS * 2} anonymous patients signed up`, () =>
      mapLimit(Array.from({ length: CONSULTS * 2 }), 40, () => signUpAnonymous()),
    );

    await timed(`${CONSULTS} consults scheduled`, () =>
      mapLimit(Array.from({ length: CONSULTS }, (_, i) => i), CONCURRENCY, async (index) => {
        const clinician = clinicians[index % CLINICIANS]!;
        const result = await call<ScheduleConsultResult>(
          'scheduleConsult',
          { patientLabel: `Paciente carga ${index}`, scheduledFor: isoInHours(1 + (index % 48)), durationMinutes: 30 },
          clinician.idToken,
        );
        consults[index] = {
          index,
          clinician,
          consultId: result.consultId,
          secret: new URL(result.inviteUrl).hash.replace(/^#k=/, ''),
          redeemers: [patients[2 * index]!, patients[2 * index + 1]!],
          redeemAnswers: [],
          actions: ['consult.scheduled'],
          refusals: [],
        };
      }),
    );

    await timed(`${CONSULTS * 2} concurrent redemptions`, () =>
      mapLimit(consults, CONCURRENCY / 2, async (c) => {
        c.redeemAnswers = await Promise.all(
          c.redeemers.map((patient) => attempt('redeemInvite', { consultId: c.consultId, secret: c.secret }, patient)),
        );
        if (c.redeemAnswers.some(ok)) c.actions.push('invite.redeemed');
      }),
    );

    await timed(`${CONSULTS} consults taken to the end (${CONSULTS / 4} through consent and admission)`, () =>
      mapLimit(consults, CONCURRENCY, async (c) => {
        const winner = c.redeemers.find((_, i) => ok(c.redeemAnswers[i]!));
        const steps: Array<[string, unknown, SignedIn, string]> = [];
        if (fullJourney(c.index) && winner) {
          const consent: RecordConsentRequest = { consultId: c.consultId, version: '', locale: 'pt-BR', textHash, recording: false };
          const redeemed = c.redeemAnswers.find(ok)!.result as RedeemInviteResult;
          consent.version = redeemed.consentVersion;
          steps.push(['recordConsent', consent, winner, 'consent.recorded']);
          steps.push(['admitPatient', { consultId: c.consultId }, c.clinician, 'patient.admitted']);
        }
        steps.push(['endConsult', { consultId: c.consultId }, c.clinician, 'consult.ended']);
        for (const [name, data, by, action] of steps) {
          const answer = await attempt(name, data, by);
          if (ok(answer)) c.actions.push(action);
          else c.refusals.push(`${name}: HTTP ${answer.httpStatus} ${answer.status} ${answer.message ?? answer.text}`);
        }
      }),
    );
  }, 900_000);

  it('binds every invite to exactly one of its two concurrent redeemers and refuses the other with a typed error', async () => {
    const db = adminDb();
    const problems: string[] = [];
    const snaps = await db.getAll(...consults.map((c) => db.collection('consults').doc(c.consultId)));
    const invites = await db.getAll(...consults.map((c) => db.doc(`consults/${c.consultId}/private/invite`)));
    consults.forEach((c, i) => {
      const winners = c.redeemers.filter((_, k) => ok(c.redeemAnswers[k]!));
      const losers = c.redeemAnswers.filter((a) => !ok(a));
      if (winners.length !== 1) problems.push(`${c.consultId}: ${winners.length} redemptions succeeded`);
      for (const loser of losers) {
        if (loser.status !== 'ALREADY_EXISTS') problems.push(`${c.consultId}: the second redeemer got HTTP ${loser.httpStatus} ${loser.status} ${loser.message}`);
      }
      const bound = snaps[i]!.get('patientUid') as string | null;
      if (winners.length === 1 && bound !== winners[0]!.uid) problems.push(`${c.consultId}: bound to ${bound}, not to the redeemer who succeeded`);
      if (invites[i]!.get('redeemedBy') !== bound) problems.push(`${c.consultId}: invite redeemed by ${invites[i]!.get('redeemedBy')}, consult bound to ${bound}`);
    });
    expect(problems).toEqual([]);
  });

  it('ends every consult, the full journeys through consent and admission', async () => {
    const db = adminDb();
    const snaps = await db.getAll(...consults.map((c) => db.collection('consults').doc(c.consultId)));
    expect(consults.flatMap((c) => c.refusals)).toEqual([]);
    const statuses = snaps.map((s) => s.get('status') as string);
    expect(statuses.filter((s) => s !== 'ended')).toEqual([]);
    const admitted = snaps.filter((s) => s.get('admittedAt') !== null).length;
    expect(admitted).toBe(consults.filter((c) => fullJourney(c.index)).length);
  });

  it('keeps one audit entry per successful change in each consult, and every chain verifies to its head', async () => {
    const db = adminDb();
    const byConsult = new Map<string, Array<ChainedFields & { hash: string; id: string }>>();
    const ids = consults.map((c) => c.consultId);
    for (let i = 0; i < ids.length; i += 30) {
      const snap = await db.collection('audit').where('consultId', 'in', ids.slice(i, i + 30)).get();
      for (const doc of snap.docs) {
        const entry = { ...(doc.data() as ChainedFields & { hash: string }), id: doc.id };
        byConsult.set(entry.consultId!, [...(byConsult.get(entry.consultId!) ?? []), entry]);
      }
    }
    const heads = await db.getAll(...ids.map((id) => db.collection('consults').doc(id)));
    const problems: string[] = [];
    let expectedTotal = 0;
    let actualTotal = 0;
    consults.forEach((c, i) => {
      const entries = (byConsult.get(c.consultId) ?? []).sort((a, b) => a.seq - b.seq);
      expectedTotal += c.actions.length;
      actualTotal += entries.length;
      const actions = entries.map((e) => e.action);
      if (JSON.stringify(actions) !== JSON.stringify(c.actions)) problems.push(`${c.consultId}: audit says ${actions.join(' → ')}, calls made ${c.actions.join(' → ')}`);
      const verdict = verifyChain(entries, heads[i]!.get('auditHead') as { seq: number; hash: string });
      if (!verdict.ok) problems.push(`${c.consultId}: chain breaks at ${verdict.atSeq}: ${verdict.problem}`);
    });
    console.log(`load: ${actualTotal} audit entries for ${expectedTotal} successful changes`);
    expect(problems).toEqual([]);
    expect(actualTotal).toBe(expectedTotal);
    expect(expectedTotal).toBe(CONSULTS * 3 + (CONSULTS / 4) * 2);
  });
});
