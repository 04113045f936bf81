// The clinician's side: the live consult list, one consult's waiting room, and actions.
import { effect, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import {
  collection,
  doc,
  limitToLast,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  where,
} from 'firebase/firestore';
import type { ScheduleConsultResult } from '../../../functions/src/lib/api';
import type { ConsultDoc, StatsDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { callable } from '../firebase';
import { consultFromDoc, lobbyStats, toDate, type Consult, type Lobby } from './consult';
import type { LoadedConsent } from './consent';
import { reasonOf } from './errors';

export const scheduleConsult = callable('scheduleConsult');
export const cancelConsult = callable('cancelConsult');
export const rescheduleConsult = callable('rescheduleConsult');
export const announceDelay = callable('announceDelay');
export const reissueInvite = callable('reissueInvite');
export const admitPatient = callable('admitPatient');
export const endConsult = callable('endConsult');
const recordConsent = callable('recordConsent');

export interface Live<T> {
  value: Signal<T>;
  error: Signal<unknown>;
  stop(): void;
}

/** A listener that failed is opened again after this long (the desk lives for the whole session). */
const RELISTEN_MS = [2_000, 5_000, 15_000, 30_000] as const;

/**
 * The clinician's consults, live, oldest first (the last 200). A listener the server ended (a
 * token refreshed too late, the service briefly unavailable) is opened again, with a growing
 * pause, instead of leaving the list frozen; the error shows meanwhile.
 */
export function watchMyConsults(clinicianUid: string): Live<Consult[] | null> {
  const value = signal<Consult[] | null>(null);
  const error = signal<unknown>(null);
  const q = query(
    collection(db, 'consults'),
    where('clinicianUid', '==', clinicianUid),
    orderBy('scheduledFor', 'asc'),
    limitToLast(200),
  );
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let unsubscribe: () => void = () => undefined;
  const listen = () => {
    unsubscribe = onSnapshot(
      q,
      (snap) => {
        failures = 0;
        value.value = snap.docs.map((d) => consultFromDoc(d.id, d.data() as ConsultDoc));
        error.value = null;
      },
      (err) => {
        error.value = err;
        retry = setTimeout(listen, RELISTEN_MS[Math.min(failures++, RELISTEN_MS.length - 1)]);
      },
    );
  };
  listen();
  return {
    value,
    error,
    stop() {
      if (retry !== null) clearTimeout(retry);
      unsubscribe();
    },
  };
}

export interface RoomWatch {
  /** The patient's lobby progress (device check, waiting), from its stats document. */
  patientLobby: Signal<Lobby>;
  clinicianConsented: Signal<boolean | null>;
  stop(): void;
}

/** Around one consult (which the call model watches): where its patient is, and whether our consent is on record. */
export function watchRoom(consultId: string, clinicianUid: string, patientUid: ReadonlySignal<string | null>): RoomWatch {
  const patientLobby = signal<Lobby>(null);
  const clinicianConsented = signal<boolean | null>(null);
  const stopStats = effect(function followPatientLobby() {
    const uid = patientUid.value;
    if (!uid) return;
    return onSnapshot(
      doc(db, 'consults', consultId, 'stats', uid),
      (s) => {
        patientLobby.value = (s.data() as StatsDoc | undefined)?.lobby ?? null;
      },
      () => {
        patientLobby.value = null;
      },
    );
  });
  const stopConsent = onSnapshot(
    doc(db, 'consults', consultId, 'consents', clinicianUid),
    (snap) => {
      clinicianConsented.value = snap.exists();
    },
    () => {
      clinicianConsented.value = false;
    },
  );
  return {
    patientLobby,
    clinicianConsented,
    stop() {
      stopStats();
      stopConsent();
    },
  };
}

/** The clinician's stats document, with every key the rules expect, before the call merges its summary. */
export function ensureClinicianStatsDoc(consultId: string, uid: string): Promise<void> {
  return setDoc(doc(db, 'consults', consultId, 'stats', uid), lobbyStats(null, serverTimestamp()));
}

/** Already on record (a retry whose first answer was lost, another tab) counts as recorded. */
export async function recordClinicianConsent(consultId: string, consent: LoadedConsent, recording: boolean, onRetry?: (attempt: number) => void): Promise<void> {
  try {
    await recordConsent({ consultId, version: consent.version, locale: consent.locale, textHash: consent.textHash, recording }, onRetry);
  } catch (err) {
    if (reasonOf(err) !== 'consent_exists') throw err;
  }
}

/** The invite link for this app's own origin: the secret travels in the fragment only. */
export function inviteLinkFor(result: ScheduleConsultResult): string {
  return `${location.origin}/join/${result.consultId}#k=${result.secret}`;
}

export { toDate };
