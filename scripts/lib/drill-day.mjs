// A realistic clinic day for the restore drill: consults in every state with what each state
// leaves behind (invites, consents and a withdrawal, signaling, stats, the note, media), every
// audit entry appended with the functions' own appendAudit, and the system chain.
import { admin, functionsLib } from './admin-cli.mjs';

const DAY_START = Date.UTC(2026, 11, 2, 11, 0, 0); // 08:00 in São Paulo
const MIN = 60_000;
const CLINICIANS = ['drill-clinician-ana', 'drill-clinician-bruno'];

/** One consult per line: its state at the end of the day and what happened to it. */
const CONSULTS = [
  { status: 'scheduled', story: ['consult.scheduled'] },
  { status: 'scheduled', story: ['consult.scheduled', 'invite.reissued', 'consult.rescheduled'], runningLate: true },
  { status: 'waiting', story: ['consult.scheduled', 'invite.redeemed', 'consent.recorded:patient'] },
  { status: 'admitted', story: ['consult.scheduled', 'invite.redeemed', 'consent.recorded:patient', 'consent.recorded:clinician', 'patient.identified', 'patient.admitted', 'turn.issued', 'recording.started'], live: true },
  { status: 'ended', story: ['consult.scheduled', 'invite.redeemed', 'consent.recorded:patient', 'consent.recorded:clinician', 'patient.identified', 'patient.admitted', 'turn.issued', 'photo.requested', 'photo.received', 'recording.started', 'recording.stopped', 'consult.ended', 'record.saved', 'record.signed'], record: true },
  { status: 'ended', story: ['consult.scheduled', 'invite.redeemed', 'consent.recorded:patient', 'consent.recorded:clinician', 'patient.admitted', 'consent.withdrawn'], endReason: 'consent_withdrawn' },
  { status: 'ended', story: ['consult.scheduled', 'invite.redeemed', 'consent.recorded:patient', 'consult.expired'], endReason: 'expired' },
  { status: 'cancelled', story: ['consult.scheduled', 'consult.cancelled'] },
];

const hex = (n, seed) => seed.repeat(64).slice(0, n);

/**
 * Writes the day into db (an empty project) and returns how many consults and audit entries it wrote.
 * Timestamps are fixed, so two runs write the same content (only the random ids differ).
 */
export async function seedDrillDay(db) {
  const { Timestamp, FieldValue } = admin.firestore();
  const { NO_HEAD, appendAudit, appendSystemAudit } = functionsLib('audit/append');
  const { CONSENT_VERSIONS } = functionsLib('consent/versions');
  const ts = (ms) => Timestamp.fromMillis(ms);
  let entries = 0;

  for (const [i, uid] of CLINICIANS.entries()) {
    const actor = { uid: 'drill-admin', role: 'admin' };
    await appendSystemAudit(db, { action: 'user.created', actor, atMs: DAY_START - 30 * 86_400_000 + i, details: { uid, role: 'clinician' } });
    entries += 1;
  }

  for (const [n, plan] of CONSULTS.entries()) {
    const ref = db.collection('consults').doc();
    const clinicianUid = CLINICIANS[n % 2];
    const patientUid = plan.story.includes('invite.redeemed') ? `drill-patient-${n}` : null;
    const at = DAY_START + n * 40 * MIN;
    const closed = plan.status === 'ended' || plan.status === 'cancelled';
    const started = plan.story.includes('patient.admitted');
    const consult = {
      clinicianUid, patientUid, patientLabel: `Paciente ${n + 1}`, scheduledFor: ts(at), durationMinutes: 30,
      status: plan.status, patientProgress: plan.story.includes('consent.withdrawn') ? 'withdrawn' : patientUid ? 'consented' : 'invited',
      createdAt: ts(at - 86_400_000), updatedAt: ts(at + 35 * MIN), admittedAt: started ? ts(at + 2 * MIN) : null,
      endedAt: closed ? ts(at + 35 * MIN) : null, endReason: plan.status === 'ended' ? plan.endReason ?? 'clinician' : null, auditHead: NO_HEAD,
      clinician: { name: `Enf. ${clinicianUid.split('-').pop()}`, council: 'COREN', number: `${100_000 + n}-ENF`, uf: 'SP' },
      runningLate: plan.runningLate ? { minutes: 10, note: 'Trânsito na Marginal — já chego', at: ts(at - 5 * MIN) } : null,
      patientIdentity: plan.story.includes('patient.identified')
        ? { fullName: `Maria ${n} da Silva`, birthDate: '1958-03-12', cpf: null, statedBy: 'patient', statedAt: ts(at), confirmedAt: ts(at + 3 * MIN), document: 'RG 12.345.678-9' }
        : null,
      recording: plan.live ? { id: 'rec-live-0123456789', on: true, startedAt: ts(at + 5 * MIN), stoppedAt: null, closed: false }
        : plan.record ? { id: 'rec-done-0123456789', on: false, startedAt: ts(at + 5 * MIN), stoppedAt: ts(at + 30 * MIN), closed: true } : null,
    };
    await ref.set(consult);

    const writes = [];
    const set = (path, data) => writes.push([db.doc(`consults/${ref.id}/${path}`), data]);
    set('private/invite', { secretHash: hex(64, 'a'), expiresAt: ts(at + 6 * 3600_000), failedAttempts: n % 3, lockedUntil: null, redeemedBy: patientUid });
    for (const step of plan.story.filter((s) => s.startsWith('consent.recorded'))) {
      const kind = step.split(':')[1];
      const uid = kind === 'patient' ? patientUid : clinicianUid;
      set(`consents/${uid}`, { uid, kind, textVersion: CONSENT_VERSIONS[kind], locale: 'pt-BR', textHash: hex(64, 'b'), recording: kind === 'clinician' || n % 2 === 0, userAgent: 'Mozilla/5.0 (Linux; Android 14)', acceptedAt: ts(at - MIN) });
    }
    if (plan.story.includes('consent.withdrawn')) set(`consents/${patientUid}-withdrawal`, { uid: patientUid, withdrawnAt: ts(at + 10 * MIN), userAgent: 'Mozilla/5.0 (Linux; Android 14)' });
    if (patientUid) {
      set(`stats/${patientUid}`, {
        lobby: started ? 'left' : 'waiting', lobbySeenAt: ts(at), connectMs: started ? 412 : null, candidateType: started ? (n % 2 ? 'relay' : 'host') : null,
        rttMs: started ? 38.5 : null, jitterMs: started ? 2.25 : null, packetLossPct: started ? 0.1 : null, bitrateKbps: started ? 1450 : null,
        framesDecoded: started ? 40_213 : null, iceRestarts: n % 2, final: closed, updatedAt: ts(at + 34 * MIN),
      });
    }
    if (plan.live) {
      for (const [uid, role] of [[clinicianUid, 'clinician'], [patientUid, 'patient']]) {
        set(`peers/${uid}`, {
          sessionId: `session-${role}-${n}`, role, seq: 1, description: { type: role === 'clinician' ? 'offer' : 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
          candidates: [{ candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 }], candidatesComplete: true, updatedAt: ts(at + 3 * MIN),
        });
      }
    }
    if (plan.record) {
      set('record/note', {
        note: 'Lesão em calcâneo esquerdo, granulação 80%. Curativo trocado com orientação.', noteHash: hex(64, 'c'), savedAt: ts(at + 33 * MIN),
        signedAt: ts(at + 34 * MIN), signedBy: clinicianUid, addenda: [{ text: 'Retorno em 7 dias.', hash: hex(64, 'd'), at: ts(at + 50 * MIN), by: clinicianUid }],
      });
      set('media/photo-0123456789ab', { kind: 'photo', site: 'Calcanhar esquerdo', sha256: hex(64, 'e'), bytes: 254_312, width: 1920, height: 1440, requested: true, at: ts(at + 12 * MIN), seq: 9, by: clinicianUid });
      set('media/rec-done-0123456789', {
        kind: 'recording', sha256: hex(64, 'f'), bytes: 48_000_000, durationMs: 1_500_000, mimeType: 'video/webm;codecs=vp8,opus',
        startedAt: ts(at + 5 * MIN), stoppedAt: ts(at + 30 * MIN), reason: 'clinician', at: ts(at + 30 * MIN), seq: 11, by: clinicianUid,
      });
    }
    const batch = db.batch();
    for (const [docRef, data] of writes) batch.set(docRef, data);
    await batch.commit();

    // The chain, as the callables leave it: one appendAudit per change, the head kept in the consult.
    await db.runTransaction(async (tx) => {
      let head = NO_HEAD;
      for (const [k, step] of plan.story.entries()) {
        const [action, kind] = step.split(':');
        const system = action === 'consult.expired';
        const byPatient = kind === 'patient' || ['invite.redeemed', 'consent.withdrawn', 'patient.identified'].includes(action);
        const actor = system ? { uid: null, role: 'system' } : byPatient ? { uid: patientUid, role: 'patient' } : { uid: clinicianUid, role: 'clinician' };
        const request = system ? undefined : { ipPrefix: '203.0.113.0/24', userAgent: 'Mozilla/5.0' };
        head = appendAudit(db, tx, head, { consultId: ref.id, action, actor, atMs: at + k * MIN, request, details: kind ? { kind } : { step: k } });
      }
      tx.update(ref, { auditHead: head, updatedAt: FieldValue.serverTimestamp() });
    });
    entries += plan.story.length;
  }

  await db.doc('rateLimits/redeem-failures_drill').set({ count: 2, windowStartMs: DAY_START, expiresAt: ts(DAY_START + 3600_000) });
  await appendSystemAudit(db, { action: 'purge.run', actor: { uid: null, role: 'system' }, atMs: DAY_START + 86_400_000, details: { signalingDeleted: 2, statsDeleted: 0 } });
  entries += 1;
  return { consults: CONSULTS.length, auditEntries: entries };
}
