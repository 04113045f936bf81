// The patient's side after consent: device check, waiting room, call, end. This module and
// Firestore load only after the consent is recorded.
import { signal } from '@preact/signals';
import { doc, onSnapshot, serverTimestamp, setDoc } from 'firebase/firestore';
import type { ConsultRef, WithdrawConsentResult } from '../../../functions/src/lib/api';
import type { ConsultDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { callable } from '../firebase';
import { createCall, prefetchIceServers, type Call } from './call';
import { consultFromDoc, isClosed, lobbyStats, type Consult, type Lobby } from './consult';
import { describeError } from './errors';
import { createDeviceCheck } from './media';

const withdrawConsent = callable<ConsultRef, WithdrawConsentResult>('withdrawConsent');

export type LobbyStep = 'devices' | 'waiting' | 'call' | 'left' | 'ended';

export function createLobby(consultId: string, uid: string) {
  const step = signal<LobbyStep>('devices');
  const consult = signal<Consult | null>(null);
  const call = signal<Call | null>(null);
  const error = signal<string | null>(null);
  const withdrawing = signal(false);
  const devices = createDeviceCheck();
  const statsRef = doc(db, 'consults', consultId, 'stats', uid);

  function report(lobby: Lobby): void {
    // Progress for the clinician's waiting room; a lost write only delays that display.
    setDoc(statsRef, lobbyStats(lobby, serverTimestamp())).catch(() => undefined);
  }

  /** The call made in the waiting room, reading the clinician's side until admission starts it. */
  let prepared: Call | null = null;

  function prepareCall(): void {
    if (prepared || call.value) return;
    const localStream = devices.release();
    if (!localStream) return;
    prepared = createCall({ consultId, uid, role: 'patient', localStream });
    prepared.session.prepare();
  }

  function enterCall(): void {
    prepareCall();
    const next = prepared;
    prepared = null;
    if (!next || call.value) return;
    call.value = next;
    step.value = 'call';
    next.start().catch((err: unknown) => (error.value = describeError(err)));
  }

  const stopConsult = onSnapshot(
    doc(db, 'consults', consultId),
    (snap) => {
      if (!snap.exists()) return;
      const next = consultFromDoc(snap.id, snap.data() as ConsultDoc);
      consult.value = next;
      if (isClosed(next.status) || next.patientProgress === 'withdrawn') {
        void finish();
      } else if (next.status === 'admitted' && step.value === 'waiting') {
        enterCall();
      }
    },
    (err) => (error.value = describeError(err)),
  );

  async function finish(): Promise<void> {
    const current = call.value ?? prepared;
    prepared = null;
    step.value = 'ended';
    devices.dispose();
    await current?.leave().catch(() => undefined);
    current?.localStream.getTracks().forEach((track) => track.stop());
  }

  function startDeviceCheck(): Promise<void> {
    report('device_check');
    return devices.start();
  }

  return {
    consultId,
    step,
    consult,
    call,
    error,
    withdrawing,
    devices,
    startDeviceCheck,
    confirmDevices() {
      report('devices_ok');
      report('waiting');
      step.value = 'waiting';
      // While waiting for admission: the clinician's side is read and the connection settings are
      // fetched, so that admission starts the call at once.
      prefetchIceServers(consultId);
      prepareCall();
      if (consult.value?.status === 'admitted') enterCall();
    },
    async leaveCall() {
      const current = call.value;
      call.value = null;
      await current?.leave().catch(() => undefined);
      current?.localStream.getTracks().forEach((track) => track.stop());
      report('left');
      step.value = isClosed(consult.value?.status ?? 'scheduled') ? 'ended' : 'left';
    },
    rejoin() {
      step.value = 'devices';
      return startDeviceCheck();
    },
    async withdraw() {
      withdrawing.value = true;
      error.value = null;
      try {
        await withdrawConsent({ consultId });
        report('left');
        await finish();
      } catch (err) {
        error.value = describeError(err);
      } finally {
        withdrawing.value = false;
      }
    },
    dispose() {
      stopConsult();
      void finish();
    },
  };
}

export type LobbyModel = ReturnType<typeof createLobby>;
