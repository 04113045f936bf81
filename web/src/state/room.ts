// The clinician's consult room: waiting room, clinician consent, admit, call, end, summary.
import { computed, effect, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { acquireMedia } from '../call/media';
import { CallError } from '../call/errors';
import { callReasonText, locale } from '../i18n';
import { appCallModel } from './appCall';
import type { Call, CallModel } from './call';
import type { Consult, Lobby } from './consult';
import { admitPatient, cancelConsult, endConsult, ensureClinicianStatsDoc, recordClinicianConsent, watchRoom } from './clinic';
import { loadConsent, type LoadedConsent } from './consent';
import { describeError } from './errors';

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

const RANK: Record<QualityLevel, number> = { unknown: 0, good: 1, fair: 2, poor: 3 };

type Busy = 'admit' | 'end' | 'cancel' | 'media' | null;

/** Where the patient is on the way to the waiting room, and whether they can be admitted. */
function progressOf(consult: ReadonlySignal<Consult | null>, patientLobby: ReadonlySignal<Lobby>) {
  const steps = computed(() => {
    const progress = consult.value?.patientProgress ?? 'invited';
    const lobby = patientLobby.value;
    const consented = progress === 'consented';
    return {
      link_opened: progress !== 'invited',
      consented,
      devices: consented && (lobby === 'devices_ok' || lobby === 'waiting'),
      waiting: consented && lobby === 'waiting',
    };
  });
  const canAdmit = computed(() => {
    const c = consult.value;
    return !!c && (c.status === 'scheduled' || c.status === 'waiting') && c.patientProgress === 'consented';
  });
  return { steps, canAdmit };
}

/** Keeps the worst quality seen during the call, for the summary. */
function followWorstQuality(call: ReadonlySignal<Call | null>, worst: Signal<QualityLevel>): () => void {
  return effect(function followWorstQuality() {
    const level = call.value?.quality.value?.level ?? 'unknown';
    if (RANK[level] > RANK[worst.peek()]) worst.value = level;
  });
}

/** Runs one of the room's actions: busy while it runs, its failure in a sentence. */
function runner(busy: Signal<Busy>, error: Signal<string | null>) {
  return async (kind: Exclude<Busy, 'media' | null>, action: () => Promise<unknown>): Promise<void> => {
    busy.value = kind;
    error.value = null;
    try {
      await action();
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = null;
    }
  };
}

interface AdmissionContext {
  consultId: string;
  clinicianUid: string;
  model: CallModel;
  clinicianConsented: ReadonlySignal<boolean | null>;
  consentText: ReadonlySignal<LoadedConsent | null>;
  busy: Signal<Busy>;
  error: Signal<string | null>;
  /** A transient failure is being retried: the screen says so instead of looking stuck. */
  retrying: Signal<boolean>;
}

/** Admitting the patient and joining (or rejoining) the call, with the camera opened as early as possible. */
function admission({ consultId, clinicianUid, model, clinicianConsented, consentText, busy, error, retrying }: AdmissionContext) {
  /** `media`: the camera already being opened (admit opens it while the server admits). */
  async function joinCall(media?: Promise<MediaStream>): Promise<void> {
    if (model.call.value || busy.value === 'media') {
      void media?.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => undefined);
      return;
    }
    busy.value = 'media';
    error.value = null;
    try {
      const [localStream] = await Promise.all([media ?? acquireMedia({ facingMode: 'user' }), ensureClinicianStatsDoc(consultId, clinicianUid)]);
      await model.join(localStream);
    } catch (err) {
      error.value = err instanceof CallError ? callReasonText(err.reason) : describeError(err);
    } finally {
      busy.value = null;
    }
  }

  async function admit(): Promise<void> {
    // The camera opens while the server records the consent and admits: both take a moment.
    const media = acquireMedia({ facingMode: 'user' });
    media.catch(() => undefined); // reported by joinCall
    const onRetry = () => (retrying.value = true);
    try {
      if (!clinicianConsented.value) {
        const text = consentText.value ?? (await loadConsent('clinician', locale.value));
        await recordClinicianConsent(consultId, text, onRetry);
      }
      model.prefetch();
      await admitPatient({ consultId }, onRetry);
    } catch (err) {
      void media.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => undefined);
      throw err;
    } finally {
      retrying.value = false;
    }
    await joinCall(media);
  }

  return { joinCall, admit };
}

export function createRoom(consultId: string, clinicianUid: string) {
  const model = appCallModel(consultId, clinicianUid, 'clinician');
  const around = watchRoom(consultId, clinicianUid, computed(() => model.consult.value?.patientUid ?? null));
  const consentText = signal<LoadedConsent | null>(null);
  const consentAccepted = signal(false);
  const busy = signal<Busy>(null);
  const retrying = signal(false);
  /** What the last action could not do, in a sentence. */
  const error = signal<string | null>(null);
  /** The worst quality seen during the call, for the summary. */
  const worstQuality = signal<QualityLevel>('unknown');

  const { steps, canAdmit } = progressOf(model.consult, around.patientLobby);

  async function loadClinicianConsent(): Promise<void> {
    try {
      consentText.value = await loadConsent('clinician', locale.value);
    } catch (err) {
      error.value = describeError(err);
    }
  }

  // A patient in the waiting room and our consent on record: fetch the connection settings now,
  // so that admitting (or rejoining) does not wait for them.
  const stopPrefetch = effect(function prefetchWhenExpected() {
    const status = model.consult.value?.status;
    if ((status === 'waiting' || status === 'admitted') && around.clinicianConsented.value === true && !model.call.value) model.prefetch();
  });

  const stopQualityWatch = followWorstQuality(model.call, worstQuality);

  const run = runner(busy, error);

  const { joinCall, admit } = admission({ consultId, clinicianUid, model, clinicianConsented: around.clinicianConsented, consentText, busy, error, retrying });

  return {
    consultId,
    consult: model.consult,
    /** Why the consult cannot be shown: it does not exist, or it is not this clinician's. */
    problem: model.problem,
    patientLobby: around.patientLobby,
    clinicianConsented: around.clinicianConsented,
    call: model.call,
    steps,
    canAdmit,
    consentText,
    consentAccepted,
    busy,
    retrying,
    error,
    worstQuality,
    loadClinicianConsent,
    joinCall,
    leaveCall: () => model.leave(),
    admit: () => run('admit', admit),
    end: () =>
      run('end', async () => {
        await endConsult({ consultId });
        await model.leave();
      }),
    cancel: () => run('cancel', () => cancelConsult({ consultId })),
    dispose() {
      stopPrefetch();
      stopQualityWatch();
      around.stop();
      model.dispose();
    },
  };
}

export type RoomModel = ReturnType<typeof createRoom>;
