// The patient's side after consent: device check, waiting room, call, end. This module and
// Firestore load only after the consent is recorded.
import { computed, effect, signal, untracked, type ReadonlySignal, type Signal } from '@preact/signals';
import { doc, serverTimestamp, setDoc } from 'firebase/firestore';
import type { PatientIdentityInput } from '../../../functions/src/lib/api';
import { db } from '../db';
import { callable } from '../firebase';
import { appCallModel } from './appCall';
import type { CallModel } from './call';
import { isClosed, lobbyStats, type Lobby } from './consult';
import { describeError } from './errors';
import { createDeviceCheck, reopenDevices, type DeviceCheck } from './media';
import { forgetCall, rememberCall, rememberedCall } from './rejoin';

const withdrawConsent = callable('withdrawConsent');
const identifyPatient = callable('identifyPatient');

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

/**
 * The call remembered across a reload (see rejoin.ts): remembered while in it and as the page
 * goes, forgotten when the person leaves on purpose or the consult ends; and the way back in.
 */
function callMemory(consultId: string, uid: string, model: CallModel, step: ReadonlySignal<LobbyStep>) {
  /** Set the moment the person leaves on purpose: a reload during the leaving does not rejoin. */
  let leaving = false;
  const remember = () => {
    leaving = false;
    rememberCall(consultId, uid, model.call.peek()?.localStream);
  };
  // A camera switched during the call is the one to reopen after a reload.
  const onPageHide = () => {
    if (step.peek() === 'call' && !leaving) remember();
  };
  addEventListener('pagehide', onPageHide);
  const rejoined = signal(false);
  return {
    rejoined,
    remember,
    forget: () => forgetCall(consultId),
    /** The person leaves on purpose: forgotten, and not remembered again as the page goes. */
    leaving(): void {
      leaving = true;
      forgetCall(consultId);
    },
    /**
     * After a reload during the call: the same devices reopened without a tap where the browser
     * still grants them, and the consult still readable. 'check': the device check, as on a first
     * visit; 'unreadable': removed, or no longer this patient's.
     */
    async reopen(devices: DeviceCheck): Promise<'resume' | 'check' | 'unreadable'> {
      const memory = rememberedCall(consultId, uid);
      const stream = memory ? await reopenDevices(memory).catch(() => null) : null;
      if (!stream || !devices.adopt(stream)) return 'check';
      const readable = await Promise.race([model.consultKnown.then(() => true), problemOf(model)]);
      rejoined.value = readable;
      return readable ? 'resume' : 'unreadable';
    },
    stop: () => removeEventListener('pagehide', onPageHide),
  };
}

interface LobbyParts {
  model: CallModel;
  devices: DeviceCheck;
  step: Signal<LobbyStep>;
  error: Signal<string | null>;
  report: (lobby: Lobby) => void;
  memory: ReturnType<typeof callMemory>;
}

/** The devices confirmed: the waiting room (the call prepared), then the call once admitted. */
function waitingThenCall({ model, devices, step, error, report, memory }: LobbyParts) {
  const explain = (err: unknown) => (error.value = describeError(err));
  function enterCall(): void {
    if (step.value === 'call') return;
    step.value = 'call';
    model
      .join(devices.release() ?? undefined)
      .then(() => memory.remember())
      .catch(explain);
  }
  return {
    enterCall,
    confirmDevices(): void {
      report('devices_ok');
      report('waiting');
      step.value = 'waiting';
      // While waiting for admission: the connection settings are fetched and the clinician's side
      // is read (the call prepared, nothing written), so that admission starts the call at once.
      model.prefetch();
      model.prepare(devices.release() ?? undefined).catch(explain);
      if (model.consult.value?.status === 'admitted') enterCall();
    },
  };
}

/** What the screens show of the call model. */
function streamsShown(model: CallModel, step: ReadonlySignal<LobbyStep>) {
  return {
    /** The call shows once admitted; before that it is only prepared, in the waiting room. */
    call: computed(() => (step.value === 'call' ? model.call.value : null)),
    /** Our own camera while waiting (the prepared call holds it): a self-view to fix the framing. */
    selfStream: computed(() => model.call.value?.localStream ?? null),
  };
}

export function createLobby(consultId: string, uid: string) {
  const model = appCallModel(consultId, uid, 'patient');
  // Back after a reload during the call: the first screen says so (see rejoin()).
  const step = signal<LobbyStep>(rememberedCall(consultId, uid) ? 'rejoining' : 'devices');
  const error = signal<string | null>(null);
  const withdrawing = signal(false);
  const devices = createDeviceCheck();
  const report = progressReporter(consultId, uid);
  const memory = callMemory(consultId, uid, model, step);
  const { call, selfStream } = streamsShown(model, step);

  const { enterCall, confirmDevices } = waitingThenCall({ model, devices, step, error, report, memory });

  /** The consult is over (the call model ends the call itself). */
  function closeLobby(): void {
    step.value = 'ended';
    memory.forget();
    devices.dispose();
  }

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

  /** Back after a reload during the call: straight into it; otherwise the device check. */
  async function rejoin(): Promise<void> {
    if (step.peek() !== 'rejoining') return startDeviceCheck();
    model.prefetch();
    const outcome = await memory.reopen(devices);
    if (outcome !== 'resume') memory.forget();
    if (outcome === 'check') return startDeviceCheck();
    // A consult it can no longer read: the invite's own path explains why.
    if (outcome === 'unreadable') return void location.reload();
    if (step.peek() === 'rejoining') confirmDevices();
  }

  return {
    consultId,
    step,
    consult: model.consult,
    call,
    selfStream,
    error,
    withdrawing,
    rejoined: memory.rejoined, // back in the call after a reload: the call screen says so
    devices,
    /** The first screen: the call again after a reload, or the device check. */
    begin: rejoin,
    startDeviceCheck,
    confirmDevices,
    async leaveCall() {
      memory.leaving();
      await model.leave();
      report('left');
      step.value = isClosed(model.consult.value?.status ?? 'scheduled') ? 'ended' : 'left';
    },
    rejoin: startDeviceCheck,
    /** Name, date of birth (and CPF) for the record; a refusal comes back as a sentence. */
    async identify(identity: PatientIdentityInput): Promise<void> {
      try {
        await identifyPatient({ consultId, ...identity });
      } catch (err) {
        throw new Error(describeError(err));
      }
    },
    withdraw: () =>
      withdraw(consultId, withdrawing, error, async () => {
        report('left');
        closeLobby();
        await model.leave();
      }),
    dispose() {
      memory.stop();
      stopFollowing();
      model.dispose();
      devices.dispose();
    },
  };
}

export type LobbyModel = ReturnType<typeof createLobby>;
