import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { defineString } from 'firebase-functions/params';
import { actorOf, NO_HEAD, appendAudit } from '../audit/append';
import type { ScheduleConsultRequest, ScheduleConsultResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zScheduleConsultRequest } from '../lib/schemas';
import { createConsult, newConsultId, type StoredConsult, type StoredInvite } from './store';
import { hashInviteSecret, inviteExpiresAtMs, inviteUrl, newInviteSecret } from './invite';

/** Where patients open invite links; the web app may build its own link from consultId + secret. */
export const APP_ORIGIN = defineString('APP_ORIGIN', {
  default: 'http://127.0.0.1:5050',
  description: 'Origin of the web app, used in the invite links returned by scheduleConsult.',
});

const DAY_MS = 24 * 60 * 60 * 1000;
export const SCHEDULE_PAST_LIMIT_MS = DAY_MS;
export const SCHEDULE_FUTURE_LIMIT_MS = 365 * DAY_MS;

/** A consult may be scheduled up to a day late (entered after the fact) and up to a year ahead. */
export function checkScheduledFor(scheduledForMs: number, nowMs: number): void {
  if (scheduledForMs < nowMs - SCHEDULE_PAST_LIMIT_MS) {
    fail('invalid_input', 'Invalid request — scheduledFor: is more than a day in the past.');
  }
  if (scheduledForMs > nowMs + SCHEDULE_FUTURE_LIMIT_MS) {
    fail('invalid_input', 'Invalid request — scheduledFor: is more than a year ahead.');
  }
}

export async function scheduleConsultWith(
  db: Firestore,
  clock: Clock,
  origin: string,
  { data, caller, request }: CallableContext<ScheduleConsultRequest>,
): Promise<ScheduleConsultResult> {
  // CFM 2.314/2022: the patient knows who treats them, so a consult needs the clinician's registration.
  const clinician = caller.professional ?? fail('professional_unregistered',
    'Your account has no professional registration (name, council, number, UF), which the patient is shown. ' +
    'Ask an administrator to add it with `npm run users -- update`, then sign in again.');
  const nowMs = clock.now();
  const scheduledForMs = Date.parse(data.scheduledFor);
  checkScheduledFor(scheduledForMs, nowMs);
  const secret = newInviteSecret();
  const expiresAtMs = inviteExpiresAtMs(scheduledForMs, data.durationMinutes);
  const consultId = newConsultId(db);
  const now = Timestamp.fromMillis(nowMs);

  await db.runTransaction(async (tx) => {
    const auditHead = appendAudit(db, tx, NO_HEAD, {
      consultId,
      action: 'consult.scheduled',
      actor: actorOf(caller),
      atMs: nowMs,
      request,
      details: { scheduledForMs, durationMinutes: data.durationMinutes, inviteExpiresAtMs: expiresAtMs },
    });
    const consult: StoredConsult = {
      clinicianUid: caller.uid,
      clinician,
      patientUid: null,
      patientLabel: data.patientLabel,
      scheduledFor: Timestamp.fromMillis(scheduledForMs),
      durationMinutes: data.durationMinutes,
      status: 'scheduled',
      patientProgress: 'invited',
      createdAt: now,
      updatedAt: now,
      admittedAt: null,
      endedAt: null,
      endReason: null,
      auditHead,
    };
    const invite: StoredInvite = {
      secretHash: hashInviteSecret(secret),
      expiresAt: Timestamp.fromMillis(expiresAtMs),
      failedAttempts: 0,
      lockedUntil: null,
      redeemedBy: null,
    };
    createConsult(tx, db, consultId, consult, invite);
  });

  return {
    consultId,
    secret,
    inviteUrl: inviteUrl(origin, consultId, secret),
    inviteExpiresAt: new Date(expiresAtMs).toISOString(),
  };
}

export const scheduleConsult = callable('scheduleConsult', zScheduleConsultRequest, 'clinician', (ctx) =>
  scheduleConsultWith(firestore(), systemClock, APP_ORIGIN.value(), ctx),
);
