// Bad-input sweep: every callable gets generated malformed requests over the raw callable
// protocol. Each must be refused with a typed error and a sentence — never `internal` — and
// Firestore must hold no change but the audit entries the design calls for.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { adminDb, createUser } from '../support/admin';
import { call, mapLimit, rawCall, signInPassword, signUpAnonymous, type SignedIn } from '../support/callableHttp';
import { CALLABLE_NAMES, malformedPayloads, type CallableName, type Json, type MalformedPayload, vanishingPrototypeKeys } from '../support/payloads';
import type { RecordConsentRequest, RedeemInviteResult, ScheduleConsultResult } from '../../functions/src/lib/api';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import { shownConsentText } from '../support/consentText';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONCURRENCY = 4;
/** Statuses that say "your request" rather than "our bug". */
const TYPED = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
  'ALREADY_EXISTS',
  'UNAUTHENTICATED',
  'DEADLINE_EXCEEDED',
]);

interface Arranged {
  clinician: SignedIn;
  /** Scheduled, invite not yet redeemed. */
  open: { consultId: string; secret: string };
  /** Redeemed by its patient, no consent yet. */
  unconsented: PatientConsult;
  /**
   * One consult in the waiting room (redeemed, consented) per callable that could change it, so
   * that a request wrongly accepted by one callable shows as a change, and no sweep masks another.
   */
  waiting: Record<WaitingFor, PatientConsult>;
  /** Likewise, one consult in the call (admitted) per callable that writes to one. */
  admitted: Record<AdmittedFor, PatientConsult>;
  /** Another clinician's consult. */
  foreign: string;
  foreignClinician: SignedIn;
  patientConsent: { version: string; textHash: string };
}

const WAITING_FOR = [
  'cancelConsult',
  'rescheduleConsult',
  'announceDelay',
  'admitPatient',
  'endConsult',
  'withdrawConsent',
  'getIceServers',
  'identifyPatient',
] as const;
type WaitingFor = (typeof WAITING_FOR)[number];
const ADMITTED_FOR = ['confirmIdentity', 'saveRecord', 'photoEvent', 'setRecording'] as const;
type AdmittedFor = (typeof ADMITTED_FOR)[number];

interface PatientConsult {
  consultId: string;
  patient: SignedIn;
}

function isoInDays(days: number): string {
  // Written as the clinic would: local time in São Paulo with its offset.
  const local = new Date(Date.now() + days * 86_400_000 - 3 * 3_600_000);
  return `${local.toISOString().slice(0, 19)}-03:00`;
}

function secretOf(inviteUrl: string): string {
  const secret = new URL(inviteUrl).hash.replace(/^#k=/, '');
  if (!secret) throw new Error(`No secret in the invite URL ${inviteUrl}`);
  return secret;
}

async function clinician(label: string): Promise<SignedIn> {
  const user = await createUser('clinician', label);
  return signInPassword(user.email, user.password);
}

async function schedule(by: SignedIn, label: string) {
  const result = await call<ScheduleConsultResult>(
    'scheduleConsult',
    { patientLabel: label, scheduledFor: isoInDays(1), durationMinutes: 30 },
    by.idToken,
  );
  return { consultId: result.consultId, secret: secretOf(result.inviteUrl) };
}

function patientConsentText(kind: 'patient' | 'clinician' = 'patient'): { textHash: string } {
  const text = shownConsentText(kind);
  return { textHash: createHash('sha256').update(text, 'utf8').digest('hex') };
}

async function redeemed(by: SignedIn, label: string): Promise<PatientConsult & { consentVersion: string }> {
  const invite = await schedule(by, label);
  const patient = await signUpAnonymous();
  const result = await call<RedeemInviteResult>('redeemInvite', invite, patient.idToken);
  return { consultId: invite.consultId, patient, consentVersion: result.consentVersion };
}

/** `recording`: both people allow it (the clinician consents too), so a recording can start. */
async function inWaitingRoom(by: SignedIn, label: string, recording = false): Promise<PatientConsult> {
  const consult = await redeemed(by, label);
  const consent: RecordConsentRequest = {
    consultId: consult.consultId,
    version: consult.consentVersion,
    locale: 'pt-BR',
    recording,
    ...patientConsentText(),
  };
  await call('recordConsent', consent, consult.patient.idToken);
  if (recording) {
    await call('recordConsent', { ...consent, ...patientConsentText('clinician') }, by.idToken);
  }
  return { consultId: consult.consultId, patient: consult.patient };
}

/** The recording the setRecording sweep could wrongly stop. */
const SWEEP_RECORDING_ID = 'sweep-recording-0001';

async function arrange(): Promise<Arranged> {
  const [doctor, otherDoctor] = await Promise.all([clinician('sweep-clinician'), clinician('sweep-other')]);
  const [open, unconsented, foreign] = await Promise.all([
    schedule(doctor, 'Sweep open'),
    redeemed(doctor, 'Sweep unconsented'),
    schedule(otherDoctor, 'Sweep foreign'),
  ]);
  const waiting = await mapLimit(WAITING_FOR, 3, (name) => inWaitingRoom(doctor, `Sweep ${name}`));
  const admitted = await mapLimit(ADMITTED_FOR, 3, async (name) => {
    const recording = name === 'setRecording';
    const consult = await inWaitingRoom(doctor, `Sweep ${name}`, recording);
    await call('admitPatient', { consultId: consult.consultId }, doctor.idToken);
    if (recording) await call('setRecording', { consultId: consult.consultId, action: 'start', recordingId: SWEEP_RECORDING_ID }, doctor.idToken);
    return consult;
  });
  return {
    clinician: doctor,
    open,
    unconsented: { consultId: unconsented.consultId, patient: unconsented.patient },
    waiting: Object.fromEntries(WAITING_FOR.map((name, i) => [name, waiting[i]!])) as Arranged['waiting'],
    admitted: Object.fromEntries(ADMITTED_FOR.map((name, i) => [name, admitted[i]!])) as Arranged['admitted'],
    foreign: foreign.consultId,
    foreignClinician: otherDoctor,
    patientConsent: { version: unconsented.consentVersion, ...patientConsentText() },
  };
}

function arrangedIds(world: Arranged): string[] {
  return [
    world.open.consultId,
    world.unconsented.consultId,
    world.foreign,
    ...Object.values(world.waiting).map((w) => w.consultId),
    ...Object.values(world.admitted).map((w) => w.consultId),
  ];
}

// ---- What Firestore holds about the arranged consults, to compare before and after.

type Snapshot = Map<string, Record<string, unknown>>;

function plain(snap: DocumentSnapshot): Record<string, unknown> {
  return JSON.parse(JSON.stringify(snap.data() ?? {})) as Record<string, unknown>;
}

async function snapshot(world: Arranged): Promise<Snapshot> {
  const db = adminDb();
  const ids = arrangedIds(world);
  const out: Snapshot = new Map();
  for (const id of ids) {
    const ref = db.collection('consults').doc(id);
    out.set(ref.path, plain(await ref.get()));
    for (const sub of await ref.listCollections()) {
      for (const doc of (await sub.get()).docs) out.set(doc.ref.path, plain(doc));
    }
  }
  for (const doc of (await db.collection('audit').where('consultId', 'in', ids).get()).docs) out.set(doc.ref.path, plain(doc));
  for (const who of [world.clinician, world.foreignClinician]) {
    const count = (await db.collection('consults').where('clinicianUid', '==', who.uid).count().get()).data().count;
    out.set(`count:consults of ${who.uid}`, { count });
  }
  return out;
}

interface Change {
  path: string;
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown> | undefined;
}

function changes(before: Snapshot, after: Snapshot): Change[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths]
    .filter((p) => JSON.stringify(before.get(p)) !== JSON.stringify(after.get(p)))
    .map((p) => ({ path: p, before: before.get(p), after: after.get(p) }));
}

function changedFields(change: Change): string[] {
  const keys = new Set([...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})]);
  return [...keys].filter((k) => JSON.stringify(change.before?.[k]) !== JSON.stringify(change.after?.[k])).sort();
}

/**
 * A wrong invite secret is guessing: the design counts it on the invite (failedAttempts, and a
 * lock after ten) and audits it as `invite.redeem_failed` on the consult's chain. Nothing else.
 */
function isAllowedRedeemFailure(change: Change): boolean {
  if (change.path.startsWith('audit/')) return !change.before && change.after?.['action'] === 'invite.redeem_failed';
  if (/^consults\/[^/]+\/private\/invite$/.test(change.path)) {
    return changedFields(change).every((f) => f === 'failedAttempts' || f === 'lockedUntil');
  }
  if (/^consults\/[^/]+$/.test(change.path)) return changedFields(change).every((f) => f === 'auditHead' || f === 'updatedAt');
  return false;
}

async function verifyConsultChain(consultId: string) {
  const db = adminDb();
  const [consult, entries] = await Promise.all([
    db.collection('consults').doc(consultId).get(),
    db.collection('audit').where('consultId', '==', consultId).get(),
  ]);
  const head = consult.get('auditHead') as { seq: number; hash: string };
  return verifyChain(entries.docs.map((d) => ({ ...(d.data() as ChainedFields & { hash: string }), id: d.id })), head);
}

// ---- The sweep.

interface Target {
  valid: Record<string, Json>;
  /** Callers to rotate through (several where a per-caller rate limit would otherwise answer for the edge). */
  callers: () => Promise<SignedIn[]>;
  allowedChange?: (change: Change) => boolean;
}

function targets(world: Arranged): Record<CallableName, Target> {
  const clinicianOnly = async () => [world.clinician];
  const ref = (name: WaitingFor) => ({ consultId: world.waiting[name].consultId });
  const patientOf = (name: WaitingFor) => async () => [world.waiting[name].patient];
  const inCall = (name: AdmittedFor) => ({ consultId: world.admitted[name].consultId });
  return {
    scheduleConsult: {
      valid: { patientLabel: 'Paciente Sweep', scheduledFor: isoInDays(2), durationMinutes: 30 },
      callers: clinicianOnly,
    },
    cancelConsult: { valid: ref('cancelConsult'), callers: clinicianOnly },
    rescheduleConsult: { valid: { ...ref('rescheduleConsult'), scheduledFor: isoInDays(3) }, callers: clinicianOnly },
    announceDelay: { valid: { ...ref('announceDelay'), minutes: 10, note: 'Trânsito na avenida' }, callers: clinicianOnly },
    // The open consult: the one whose link a clinician could reissue.
    reissueInvite: { valid: { consultId: world.open.consultId }, callers: clinicianOnly },
    admitPatient: { valid: ref('admitPatient'), callers: clinicianOnly },
    endConsult: { valid: ref('endConsult'), callers: clinicianOnly },
    redeemInvite: {
      valid: { consultId: world.open.consultId, secret: world.open.secret },
      callers: () => Promise.all(Array.from({ length: 4 }, () => signUpAnonymous())),
      allowedChange: isAllowedRedeemFailure,
    },
    recordConsent: {
      valid: { consultId: world.unconsented.consultId, locale: 'pt-BR', recording: true, ...world.patientConsent },
      callers: async () => [world.unconsented.patient],
    },
    withdrawConsent: { valid: ref('withdrawConsent'), callers: patientOf('withdrawConsent') },
    getIceServers: { valid: ref('getIceServers'), callers: patientOf('getIceServers') },
    // The waiting patient, who has not said who they are yet: an accepted request would write patientIdentity.
    identifyPatient: {
      valid: { ...ref('identifyPatient'), fullName: 'Paciente Sweep da Silva', birthDate: '1958-03-12', cpf: '529.982.247-25' },
      callers: patientOf('identifyPatient'),
    },
    // Admitted, no identity given: an accepted correction would write patientIdentity.
    confirmIdentity: {
      valid: {
        ...inCall('confirmIdentity'),
        document: 'RG 12.345.678-9',
        correction: { fullName: 'Paciente Sweep Corrigida', birthDate: '1960-07-01', cpf: '111.444.777-35' },
      },
      callers: clinicianOnly,
    },
    // Admitted, no record yet: an accepted request would create record/note.
    saveRecord: { valid: { ...inCall('saveRecord'), text: 'Ferida em cicatrização, sem sinais de infecção.', mode: 'draft' }, callers: clinicianOnly },
    // Admitted, no photo yet: an accepted request would append photo.received and create media/{photoId}.
    photoEvent: {
      valid: {
        ...inCall('photoEvent'),
        event: 'received',
        photoId: 'sweep-photo-000001',
        site: 'Calcanhar esquerdo',
        requested: true,
        sha256: 'ab'.repeat(32),
        bytes: 250_000,
        width: 1920,
        height: 1080,
      },
      callers: clinicianOnly,
    },
    // Admitted, a recording under way: an accepted stop would close it and create media/{recordingId}.
    setRecording: {
      valid: {
        ...inCall('setRecording'),
        action: 'stop',
        recordingId: SWEEP_RECORDING_ID,
        reason: 'clinician',
        file: { sha256: 'cd'.repeat(32), bytes: 5_000_000, durationMs: 60_000, mimeType: 'video/webm;codecs=vp8,opus' },
      },
      callers: clinicianOnly,
    },
  };
}

interface Refusal {
  payload: string;
  answer: string;
}

function judge(payload: MalformedPayload, answer: Awaited<ReturnType<typeof rawCall>>): string | null {
  if (answer.status === null || answer.httpStatus === 200) return 'was accepted';
  if (answer.httpStatus >= 500 || !TYPED.has(answer.status)) return `answered ${answer.status} (HTTP ${answer.httpStatus})`;
  if (payload.expect === 'invalid-argument' && answer.status !== 'INVALID_ARGUMENT') return `answered ${answer.status}, expected INVALID_ARGUMENT`;
  if (!answer.message || answer.message.trim().length < 2) return 'answered without a message';
  return null;
}

describe('bad-input sweep', () => {
  let world: Arranged;

  beforeAll(async () => {
    const started = Date.now();
    world = await arrange();
    console.log(`sweep: arranged ${arrangedIds(world).length} consults in ${Date.now() - started} ms`);
  }, 300_000);

  it('generates at least 50 malformed payloads per callable, the same ones on every run', () => {
    for (const name of CALLABLE_NAMES) {
      const valid = targets(world)[name].valid;
      const first = malformedPayloads(name, { valid, foreignConsultId: world.foreign });
      const again = malformedPayloads(name, { valid, foreignConsultId: world.foreign });
      expect(first.length, name).toBeGreaterThanOrEqual(50);
      expect(again.map((p) => p.body)).toEqual(first.map((p) => p.body));
      expect(new Set(first.map((p) => p.label)).size, `${name}: labels are unique`).toBe(first.length);
      expect(first.some((p) => p.body.includes('"__proto__"')), `${name}: has __proto__ keys`).toBe(true);
      expect(first.some((p) => p.body.includes('\\ud800')), `${name}: has lone surrogates`).toBe(true);
    }
  });

  it('arranged each consult in the state where a wrongly accepted request would show', async () => {
    const db = adminDb();
    const statusOf = async (id: string) => (await db.collection('consults').doc(id).get()).get('status') as string;
    expect(await statusOf(world.open.consultId)).toBe('scheduled');
    expect(await statusOf(world.unconsented.consultId)).toBe('scheduled');
    for (const w of Object.values(world.waiting)) expect(await statusOf(w.consultId)).toBe('waiting');
    for (const w of Object.values(world.admitted)) expect(await statusOf(w.consultId)).toBe('admitted');
    const identityOf = async (id: string) => (await db.collection('consults').doc(id).get()).get('patientIdentity') ?? null;
    expect(await identityOf(world.waiting.identifyPatient.consultId)).toBeNull();
    expect(await identityOf(world.admitted.confirmIdentity.consultId)).toBeNull();
    expect((await db.doc(`consults/${world.admitted.saveRecord.consultId}/record/note`).get()).exists).toBe(false);
    expect((await db.collection(`consults/${world.admitted.photoEvent.consultId}/media`).get()).size).toBe(0);
    const recording = (await db.doc(`consults/${world.admitted.setRecording.consultId}`).get()).get('recording') as { id: string; on: boolean };
    expect(recording).toMatchObject({ id: SWEEP_RECORDING_ID, on: true });
  });

  for (const name of CALLABLE_NAMES) {
    it(`${name} refuses every malformed request with a typed error and changes nothing it should not`, async () => {
      const target = targets(world)[name];
      const payloads = malformedPayloads(name, { valid: target.valid, foreignConsultId: world.foreign });
      const callers = await target.callers();
      const before = await snapshot(world);
      const started = Date.now();

      const answers = await mapLimit(payloads, CONCURRENCY, (p, i) => rawCall(name, p.body, callers[i % callers.length]!.idToken));
      console.log(`sweep: ${name} answered ${payloads.length} requests in ${Date.now() - started} ms`);

      const wrong: Refusal[] = [];
      payloads.forEach((p, i) => {
        const problem = judge(p, answers[i]!);
        if (problem) wrong.push({ payload: `${p.label}: ${problem}`, answer: answers[i]!.text });
      });
      expect(wrong).toEqual([]);

      const after = await snapshot(world);
      const unexpected = changes(before, after).filter((c) => !(target.allowedChange?.(c) ?? false));
      expect(unexpected).toEqual([]);
    }, 300_000);
  }

  it('refuses a __proto__ key whose value is null or a primitive instead of acting on the request it carries', async () => {
    const db = adminDb();
    const count = async () => (await db.collection('consults').where('clinicianUid', '==', world.clinician.uid).count().get()).data().count;
    const before = await count();
    const valid = { patientLabel: 'Paciente proto', scheduledFor: isoInDays(2), durationMinutes: 30 };
    const payloads = vanishingPrototypeKeys(valid);
    const answers = await mapLimit(payloads, CONCURRENCY, (p) => rawCall('scheduleConsult', p.body, world.clinician.idToken));
    const wrong = payloads.flatMap((p, i) => {
      const problem = judge(p, answers[i]!);
      return problem ? [{ payload: `${p.label}: ${problem}`, answer: answers[i]!.text }] : [];
    });
    expect(wrong).toEqual([]);
    expect(await count()).toBe(before);
  }, 300_000);

  it('counts every wrong invite secret on the invite and audits it, and the chain still verifies', async () => {
    const db = adminDb();
    const consultId = world.open.consultId;
    const invite = (await db.doc(`consults/${consultId}/private/invite`).get()).data() as { failedAttempts: number; redeemedBy: string | null };
    const failures = await db.collection('audit').where('consultId', '==', consultId).where('action', '==', 'invite.redeem_failed').get();
    // Off-by-one and random 43-character secrets reach the comparison; everything else is refused at the edge.
    expect(failures.size).toBeGreaterThanOrEqual(2);
    expect(invite.failedAttempts).toBe(failures.size);
    expect(invite.redeemedBy).toBeNull();
    for (const id of arrangedIds(world)) {
      expect(await verifyConsultChain(id), id).toMatchObject({ ok: true });
    }
  }, 120_000);
});
