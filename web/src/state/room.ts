// The clinician's consult room: waiting room, clinician consent, admit, call, end, summary.
import { computed, effect, signal } from '@preact/signals';
import { acquireMedia } from '../call/media';
import { CallError } from '../call/errors';
import { callReasonText, locale } from '../i18n';
import { createCall, ensureClinicianStatsDoc, prefetchIceServers, type Call } from './call';
import { admitPatient, cancelConsult, endConsult, recordClinicianConsent, watchRoom } from './clinic';
import { loadConsent, type LoadedConsent } from './consent';
import { describeError } from './errors';

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

export function createRoom(consultId: string, clinicianUid: string) {
  const live = watchRoom(consultId, clinicianUid);
  const consentText = signal<LoadedConsent | null>(null);
  const consentAccepted = signal(false);
  const busy = signal<'admit' | 'end' | 'cancel' | 'media' | null>(null);
  const error = signal<string | null>(null);
  const call = signal<Call | null>(null);
  /** The worst quality seen during the call, for the summary. */
  const worstQuality = signal<QualityLevel>('unknown');
  let stopQualityWatch: (() => void) | null = null;

  const steps = computed(() => {
    const c = live.consult.value;
    const lobby = live.patientLobby.value;
    const progress = c?.patientProgress ?? 'invited';
    const opened = progress !== 'invited';
    const consented = progress === 'consented';
    return {
      link_opened: opened,
      consented,
      devices: consented && (lobby === 'devices_ok' || lobby === 'waiting'),
      waiting: consented && lobby === 'waiting',
    };
  });
  const canAdmit = computed(() => {
    const c = live.consult.value;
    return !!c && (c.status === 'scheduled' || c.status === 'waiting') && c.patientProgress === 'consented';
  });

  async function loadClinicianConsent(): Promise<void> {
    try {
      consentText.value = await loadConsent('clinician', locale.value);
    } catch (err) {
      error.value = describeError(err);
    }
  }

  // A patient in the waiting room and our consent on record: fetch the connection settings now,
  // so that admitting (or rejoining) does not wait for them.
  const stopPrefetch = effect(() => {
    const status = live.consult.value?.status;
    if ((status === 'waiting' || status === 'admitted') && live.clinicianConsented.value === true && !call.value) {
      prefetchIceServers(consultId);
    }
  });

  /** `media`: the camera already being opened (admit opens it while the server admits). */
  async function joinCall(media?: Promise<MediaStream>): Promise<void> {
    if (call.value || busy.value === 'media') {
      void media?.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => undefined);
      return;
    }
    busy.value = 'media';
    error.value = null;
    try {
      const [localStream] = await Promise.all([media ?? acquireMedia({ facingMode: 'user' }), ensureClinicianStatsDoc(consultId, clinicianUid)]);
      const next = createCall({ consultId, uid: clinicianUid, role: 'clinician', localStream });
      call.value = next;
      const rank: Record<QualityLevel, number> = { unknown: 0, good: 1, fair: 2, poor: 3 };
      stopQualityWatch = next.quality.subscribe((q) => {
        const level = q?.level ?? 'unknown';
        if (rank[level] > rank[worstQuality.value]) worstQuality.value = level;
      });
      await next.start();
    } catch (err) {
      error.value = err instanceof CallError ? callReasonText(err.reason) : describeError(err);
    } finally {
      busy.value = null;
    }
  }

  async function leaveCall(): Promise<void> {
    const current = call.value;
    call.value = null;
    stopQualityWatch?.();
    await current?.leave().catch(() => undefined);
    current?.localStream.getTracks().forEach((track) => track.stop());
  }

  async function run(kind: 'admit' | 'end' | 'cancel', action: () => Promise<unknown>): Promise<void> {
    busy.value = kind;
    error.value = null;
    try {
      await action();
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = null;
    }
  }

  return {
    consultId,
    ...live,
    steps,
    canAdmit,
    consentText,
    consentAccepted,
    busy,
    error,
    call,
    worstQuality,
    loadClinicianConsent,
    joinCall,
    leaveCall,
    admit: () =>
      run('admit', async () => {
        // The camera opens while the server records the consent and admits: both take a moment.
        const media = acquireMedia({ facingMode: 'user' });
        media.catch(() => undefined); // reported by joinCall
        try {
          if (!live.clinicianConsented.value) {
            const text = consentText.value ?? (await loadConsent('clinician', locale.value));
            await recordClinicianConsent(consultId, text);
          }
          prefetchIceServers(consultId);
          await admitPatient({ consultId });
        } catch (err) {
          void media.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => undefined);
          throw err;
        }
        await joinCall(media);
      }),
    end: () =>
      run('end', async () => {
        await endConsult({ consultId });
        await leaveCall();
      }),
    cancel: () => run('cancel', () => cancelConsult({ consultId })),
    dispose() {
      stopPrefetch();
      live.stop();
      void leaveCall();
    },
  };
}

export type RoomModel = ReturnType<typeof createRoom>;
