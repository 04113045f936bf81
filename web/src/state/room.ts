// The clinician's consult room: waiting room, clinician consent, admit, call, end, summary.
import { computed, effect, signal, untracked, type ReadonlySignal, type Signal } from '@preact/signals';
import { acquireMedia } from '../call/media';
import { CallError, type CallErrorReason } from '../call/errors';
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

/** A promise made once and shared; forgotten if it fails, so the next caller tries again. */
function once(make: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | null = null;
  return () => {
    if (!pending) {
      const made = make();
      pending = made;
      made.catch(() => {
        if (pending === made) pending = null;
      });
    }
    return pending;
  };
}

interface AdmissionContext {
  consultId: string;
  model: CallModel;
  clinicianConsented: ReadonlySignal<boolean | null>;
  /** Records the clinician's terms (once; ticking the box already started it). */
  recordTerms: () => Promise<void>;
  /** The clinician's stats document, written ahead of the call. */
  statsDoc: () => Promise<void>;
  busy: Signal<Busy>;
  error: Signal<string | null>;
  /** A transient failure is being retried: the screen says so instead of looking stuck. */
  retrying: Signal<boolean>;
  /** Why the camera did not open while the patient waits (it is tried again at admission). */
  cameraProblem: Signal<CallErrorReason | null>;
  /** The clinician's camera, shown while the patient waits and handed to the call. */
  camera: Signal<MediaStream | null>;
}

const failureText = (err: unknown) => (err instanceof CallError ? callReasonText(err.reason) : describeError(err));

/**
 * Admitting the patient and joining (or rejoining) the call. While the patient waits, the
 * clinician's camera opens and the call is made and gathered, silent: nothing is written until
 * the consult is admitted, and then the offer goes out at once.
 */
/** The clinician's camera, opened once and shown; `handOver` gives it to the call, which stops it at its end. */
function clinicianCamera(camera: Signal<MediaStream | null>, problem: Signal<CallErrorReason | null>) {
  let opening: Promise<MediaStream> | null = null;
  return {
    open(): Promise<MediaStream> {
      opening ??= acquireMedia({ facingMode: 'user' }).then(
        (stream) => {
          camera.value = stream;
          problem.value = null;
          return stream;
        },
        (err: unknown) => {
          opening = null;
          problem.value = err instanceof CallError ? err.reason : 'no-device';
          throw err;
        },
      );
      return opening;
    },
    handOver(): void {
      opening = null;
    },
    get opening(): boolean {
      return opening !== null;
    },
  };
}

function admission(ctx: AdmissionContext) {
  const { consultId, model, clinicianConsented, recordTerms, statsDoc, busy, error, retrying, cameraProblem, camera } = ctx;
  const lens = clinicianCamera(camera, cameraProblem);
  const openCamera = () => lens.open();
  let starting: Promise<void> | null = null;

  /** The camera and the call (one attempt at a time); before admission it writes nothing. */
  function startCall(): Promise<void> {
    if (model.call.value) return Promise.resolve();
    starting ??= (async () => {
      try {
        const [localStream] = await Promise.all([openCamera(), statsDoc()]);
        lens.handOver();
        await model.join(localStream);
      } finally {
        starting = null;
      }
    })();
    return starting;
  }

  /**
   * While the patient waits: the camera opens (the clinician sees themself); once our terms are
   * on record (the connection settings need them) the call is made, silent until admission.
   */
  function prepare(consented: boolean): void {
    const step = consented ? startCall() : openCamera();
    step.catch(() => undefined); // shown as cameraProblem, tried again at admission
  }

  /** The call ended (left, or the consult closed): its camera is off. */
  function callGone(): void {
    if (!lens.opening && !starting) camera.value = null;
  }

  /** Rejoining an admitted consult (after a reload, or after leaving the call). */
  async function joinCall(): Promise<void> {
    if (model.call.value || busy.value !== null) return;
    busy.value = 'media';
    error.value = null;
    try {
      await startCall();
    } catch (err) {
      error.value = failureText(err);
    } finally {
      busy.value = null;
    }
  }

  async function admit(): Promise<void> {
    if (!clinicianConsented.value) await recordTerms();
    // Usually made while the patient waited; otherwise it opens while the server admits.
    const joining = startCall();
    joining.catch(() => undefined); // reported below
    try {
      model.prefetch();
      await model.prefetched();
      await admitPatient({ consultId }, () => (retrying.value = true));
    } finally {
      retrying.value = false;
    }
    model.admitted();
    await joining.catch((err: unknown) => (error.value = failureText(err)));
  }

  return { prepare, callGone, joinCall, admit };
}

/** The clinician's terms for this consult: loaded to be read, recorded the moment they are ticked. */
function clinicianTerms(consultId: string, consented: ReadonlySignal<boolean | null>, error: Signal<string | null>, retrying: Signal<boolean>) {
  const text = signal<LoadedConsent | null>(null);
  const accepted = signal(false);
  /** Whether the clinician allows recording (ticked before the terms: the consent records it once). */
  const recording = signal(false);
  const record = once(async () => {
    const loaded = text.value ?? (await loadConsent('clinician', locale.value));
    await recordClinicianConsent(consultId, loaded, recording.peek(), () => (retrying.value = true));
    retrying.value = false;
  });
  return {
    text,
    accepted,
    recording,
    record,
    async load(): Promise<void> {
      try {
        text.value = await loadConsent('clinician', locale.value);
      } catch (err) {
        error.value = describeError(err);
      }
    },
    /** Ticking "Li e aceito" is the clinician's acceptance: it is recorded then, not at admission. */
    accept(checked: boolean): void {
      accepted.value = checked;
      if (!checked || consented.peek() !== false) return;
      record().catch((err: unknown) => {
        retrying.value = false;
        accepted.value = false;
        error.value = describeError(err);
      });
    },
  };
}

/**
 * What the room does before the click: with a patient waiting (or back in an admitted consult)
 * and our terms on record, the connection settings and the stats document; with a patient
 * waiting, the camera (the clinician sees themself) and, once the terms are on record, the call
 * itself, so that admitting only has to write the offer.
 */
function aheadOfAdmission(
  model: CallModel,
  consented: ReadonlySignal<boolean | null>,
  busy: ReadonlySignal<Busy>,
  on: { statsDoc(): Promise<void>; prepare(consented: boolean): void; callGone(): void },
): () => void {
  const stopPrefetch = effect(function prefetchWhenExpected() {
    const status = model.consult.value?.status;
    if ((status === 'waiting' || status === 'admitted') && consented.value === true && !model.call.value) {
      model.prefetch();
      void on.statsDoc().catch(() => undefined); // written again at joining if this failed
    }
  });
  const stopPreparing = effect(function prepareWhileWaiting() {
    const call = model.call.value;
    if (model.consult.value?.status === 'waiting' && !call && busy.peek() === null) on.prepare(consented.value === true);
    if (!call) untracked(() => on.callGone());
  });
  return () => {
    stopPreparing();
    stopPrefetch();
  };
}

export function createRoom(consultId: string, clinicianUid: string) {
  const model = appCallModel(consultId, clinicianUid, 'clinician');
  const around = watchRoom(consultId, clinicianUid, computed(() => model.consult.value?.patientUid ?? null));
  const busy = signal<Busy>(null);
  const retrying = signal(false);
  /** What the last action could not do, in a sentence. */
  const error = signal<string | null>(null);
  /** The worst quality seen during the call, for the summary. */
  const worstQuality = signal<QualityLevel>('unknown');

  const { steps, canAdmit } = progressOf(model.consult, around.patientLobby);

  const terms = clinicianTerms(consultId, around.clinicianConsented, error, retrying);
  const statsDoc = once(() => ensureClinicianStatsDoc(consultId, clinicianUid));
  const cameraProblem = signal<CallErrorReason | null>(null);
  const camera = signal<MediaStream | null>(null);

  const stopQualityWatch = followWorstQuality(model.call, worstQuality);

  const run = runner(busy, error);

  const { prepare, callGone, joinCall, admit } = admission({
    consultId,
    model,
    clinicianConsented: around.clinicianConsented,
    recordTerms: terms.record,
    statsDoc,
    busy,
    error,
    retrying,
    cameraProblem,
    camera,
  });

  const stopAhead = aheadOfAdmission(model, around.clinicianConsented, busy, { statsDoc, prepare, callGone });

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
    consentText: terms.text,
    consentAccepted: terms.accepted,
    consentRecording: terms.recording,
    busy,
    retrying,
    cameraProblem,
    camera,
    error,
    worstQuality,
    loadClinicianConsent: terms.load,
    /** The clinician ticks (or unticks) the terms; ticking records them at once. */
    acceptTerms: terms.accept,
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
      stopAhead();
      stopQualityWatch();
      around.stop();
      model.dispose();
    },
  };
}

export type RoomModel = ReturnType<typeof createRoom>;
