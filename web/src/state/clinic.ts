// The clinician's side: the live consult list, one consult's waiting room, and actions.
import { signal, type Signal } from '@preact/signals';
import {
  collection,
  doc,
  limitToLast,
  onSnapshot,
  orderBy,
  query,
  where,
} from 'firebase/firestore';
import type {
  ConsultRef,
  RecordConsentRequest,
  RecordConsentResult,
  ScheduleConsultRequest,
  ScheduleConsultResult,
  StatusResult,
} from '../../../functions/src/lib/api';
import type { ConsultDoc, StatsDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { callable } from '../firebase';
import { consultFromDoc, toDate, type Consult, type Lobby } from './consult';
import type { LoadedConsent } from './consent';

export const scheduleConsult = callable<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult');
export const cancelConsult = callable<ConsultRef, StatusResult>('cancelConsult');
export const admitPatient = callable<ConsultRef, StatusResult>('admitPatient');
export const endConsult = callable<ConsultRef, StatusResult>('endConsult');
const recordConsent = callable<RecordConsentRequest, RecordConsentResult>('recordConsent');

export interface Live<T> {
  value: Signal<T>;
  error: Signal<unknown>;
  stop(): void;
}

/** The clinician's consults, live, oldest first (the last 200). */
export function watchMyConsults(clinicianUid: string): Live<Consult[] | null> {
  const value = signal<Consult[] | null>(null);
  const error = signal<unknown>(null);
  const q = query(
    collection(db, 'consults'),
    where('clinicianUid', '==', clinicianUid),
    orderBy('scheduledFor', 'asc'),
    limitToLast(200),
  );
  const stop = onSnapshot(
    q,
    (snap) => {
      value.value = snap.docs.map((d) => consultFromDoc(d.id, d.data() as ConsultDoc));
      error.value = null;
    },
    (err) => {
      error.value = err;
    },
  );
  return { value, error, stop };
}

export interface Room {
  consult: Signal<Consult | null>;
  patientLobby: Signal<Lobby>;
  clinicianConsented: Signal<boolean | null>;
  error: Signal<unknown>;
  stop(): void;
}

/** One consult and where its patient is, live. */
export function watchRoom(consultId: string, clinicianUid: string): Room {
  const consult = signal<Consult | null>(null);
  const patientLobby = signal<Lobby>(null);
  const clinicianConsented = signal<boolean | null>(null);
  const error = signal<unknown>(null);
  let stopStats: (() => void) | null = null;
  let statsFor: string | null = null;

  const stopConsult = onSnapshot(
    doc(db, 'consults', consultId),
    (snap) => {
      if (!snap.exists()) {
        error.value = { code: 'not-found' };
        return;
      }
      const next = consultFromDoc(snap.id, snap.data() as ConsultDoc);
      consult.value = next;
      if (next.patientUid && next.patientUid !== statsFor) {
        stopStats?.();
        statsFor = next.patientUid;
        stopStats = onSnapshot(
          doc(db, 'consults', consultId, 'stats', next.patientUid),
          (s) => {
            const data = s.data() as StatsDoc | undefined;
            patientLobby.value = data?.lobby ?? null;
          },
          () => {
            patientLobby.value = null;
          },
        );
      }
    },
    (err) => {
      error.value = err;
    },
  );
  const consentId = clinicianUid;
  const stopConsent = onSnapshot(
    doc(db, 'consults', consultId, 'consents', consentId),
    (snap) => {
      clinicianConsented.value = snap.exists();
    },
    () => {
      clinicianConsented.value = false;
    },
  );
  return {
    consult,
    patientLobby,
    clinicianConsented,
    error,
    stop() {
      stopConsult();
      stopConsent();
      stopStats?.();
    },
  };
}

export function recordClinicianConsent(consultId: string, consent: LoadedConsent): Promise<RecordConsentResult> {
  return recordConsent({
    consultId,
    version: consent.version,
    locale: consent.locale,
    textHash: consent.textHash,
    recording: false,
  });
}

/** The invite link for this app's own origin: the secret travels in the fragment only. */
export function inviteLinkFor(result: ScheduleConsultResult): string {
  return `${location.origin}/join/${result.consultId}#k=${result.secret}`;
}

export { toDate };
