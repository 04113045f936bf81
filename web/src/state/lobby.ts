// The patient's side after consent: device check, waiting room, call, end. This module and
// Firestore load only after the consent is recorded.
import { computed, effect, signal, untracked, type Signal } from '@preact/signals';
import { doc, serverTimestamp, setDoc } from 'firebase/firestore';
import { db } from '../db';
import { callable } from '../firebase';
import { appCallModel } from './appCall';
import type { CallModel } from './call';
import { isClosed, lobbyStats, type Lobby } from './consult';
import { describeError } from './errors';
import { createDeviceCheck, reopenDevices } from './media';
import { forgetCall, rememberCall, rememberedCall } from './rejoin';

const withdrawConsent = callable('withdrawConsent');

export type LobbyStep = 'rejoining' | 'devices' | 'waiting' | 'call' | 'left' | 'ended';

/** Progress for the clinician's waiting room; a lost write only delays that display. */
function progressReporter(consultId: string, uid: string): (lobby: Lobby) => void {
  const statsRef = doc(db, 'consults', consultId, 'stats', uid);
  return (lobby) => void setDoc(statsRef, lobbyStats(lobby, serverTimestamp())).catch(() => undefined);
}

/** Resolves false once the consult turns out unreadable. */
function problemOf(model: CallModel): Promise<false> {
  return new Promise((resolve) => {
    const stop = effect(function unreadable() {
      if (model.problem.value) {
        resolve(false);
        queueMicrotask(() => stop());
      }
    });
  });
}

/** The lobby follows its consult: closed ends it, admitted starts the call. */
function followConsult(model: CallModel, on: { closed(): void; admitted(): void }): () => void {
  return effect(function followConsult() {
    const consult = model.consult.value;
    untracked(() => {
      if (!consult) return;
      if (isClosed(consult.status) || consult.patientProgress === 'withdrawn') on.closed();
      else if (consult.status === 'admitted') on.admitted();
    });
  });
}

/** LGPD revocation from the waiting room or the call: `after` runs once it is recorded. */
async function withdraw(consultId: string, busy: Signal<boolean>, error: Signal<string | null>, after: () => Promise<void>): Promise<void> {
  busy.value = true;
  error.value = null;
  try {
    await withdrawConsent({ consultId });
    await after();
  } catch (err) {
    error.value = describeError(err);
  } finally {
    busy.value = false;
  }
}

export function createLobby(consultId: string, uid: string) {
  const model = appCallModel(consultId, uid, 'patient');
  // Back after a reload during the call: the first screen says so (see rejoin()).
  const step = signal<LobbyStep>(rememberedCall(consultId, uid) ? 'rejoining' : 'devices');
  const error = signal<string | null>(null);
  const withdrawing = signal(false);
  const devices = createDeviceCheck();
  const report = progressReporter(consultId, uid);
  /** The call shows once admitted; before that it is only prepared, in the waiting room. */
  const call = computed(() => (step.value === 'call' ? model.call.value : null));

  /** The call made in the waiting room: it reads the clinician's side until admission starts it. */
  function prepareCall(): void {
    model.prepare(devices.release() ?? undefined).catch((err: unknown) => (error.value = describeError(err)));
  }

  function enterCall(): void {
    if (step.value === 'call') return;
    step.value = 'call';
    model
      .join(devices.release() ?? undefined)
      .then(() => rememberCall(consultId, uid, model.call.peek()?.localStream))
      .catch((err: unknown) => (error.value = describeError(err)));
  }

  /** The consult is over (the call model ends the call itself). */
  function closeLobby(): void {
    step.value = 'ended';
    forgetCall(consultId);
    devices.dispose();
  }

  /** Set the moment the person leaves on purpose: a reload during the leaving does not rejoin. */
  let leaving = false;
  // A camera switched during the call is the one to reopen after a reload.
  const onPageHide = () => {
    if (step.peek() === 'call' && !leaving) rememberCall(consultId, uid, model.call.peek()?.localStream);
  };
  addEventListener('pagehide', onPageHide);

  const stopFollowing = followConsult(model, {
    closed: closeLobby,
    admitted: () => {
      if (step.peek() === 'waiting') enterCall();
    },
  });

  function startDeviceCheck(): Promise<void> {
    step.value = 'devices';
    report('device_check');
    return devices.start();
  }

  function confirmDevices(): void {
    report('devices_ok');
    report('waiting');
    step.value = 'waiting';
    // While waiting for admission: the connection settings are fetched and the clinician's side
    // is read, so that admission starts the call at once.
    model.prefetch();
    prepareCall();
    if (model.consult.value?.status === 'admitted') enterCall();
  }

  /**
   * Back after a reload during the call: the same devices reopen without a tap where the browser
   * still grants them, and the call resumes; otherwise the device check, as on a first visit.
   */
  async function rejoin(): Promise<void> {
    const memory = rememberedCall(consultId, uid);
    if (!memory) return startDeviceCheck();
    step.value = 'rejoining';
    model.prefetch();
    const stream = await reopenDevices(memory).catch(() => null);
    if (!stream || !devices.adopt(stream)) {
      forgetCall(consultId);
      return startDeviceCheck();
    }
    const readable = await Promise.race([model.consultKnown.then(() => true), problemOf(model)]);
    if (!readable) {
      // The consult cannot be read any more (removed, or no longer this patient's): the invite's
      // own path explains why.
      forgetCall(consultId);
      devices.dispose();
      location.reload();
      return;
    }
    if (step.peek() === 'rejoining') confirmDevices();
  }

  return {
    consultId,
    step,
    consult: model.consult,
    call,
    error,
    withdrawing,
    devices,
    /** The first screen: the call again after a reload, or the device check. */
    begin: rejoin,
    startDeviceCheck,
    confirmDevices,
    async leaveCall() {
      leaving = true;
      forgetCall(consultId);
      await model.leave();
      leaving = false;
      report('left');
      step.value = isClosed(model.consult.value?.status ?? 'scheduled') ? 'ended' : 'left';
    },
    rejoin: startDeviceCheck,
    withdraw: () =>
      withdraw(consultId, withdrawing, error, async () => {
        forgetCall(consultId);
        report('left');
        closeLobby();
        await model.leave();
      }),
    dispose() {
      removeEventListener('pagehide', onPageHide);
      stopFollowing();
      model.dispose();
      devices.dispose();
    },
  };
}

export type LobbyModel = ReturnType<typeof createLobby>;
