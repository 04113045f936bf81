// The call model as the app makes it: the app's Firestore and its getIceServers callable. The
// engine's test page (web/harness) makes the same model with its own.
import { db } from '../db';
import type { GetIceServersResult } from '../../../functions/src/lib/api';
import { callable, emulators } from '../firebase';
import { createCallModel, type CallModel, type SettingsKeeping } from './call';
import { effect } from '@preact/signals';
import type { CallRole, CallSession } from '../call';

const getIceServers = callable('getIceServers');

const ICE_KEY_PREFIX = 'tc.ice.';

/** The connection settings kept for this tab: a reload during the call reconnects at once. */
const tabKeeping: SettingsKeeping = {
  read: (consultId) => JSON.parse(sessionStorage.getItem(ICE_KEY_PREFIX + consultId) ?? 'null') as GetIceServersResult | null,
  write: (consultId, settings) => sessionStorage.setItem(ICE_KEY_PREFIX + consultId, JSON.stringify(settings)),
};

/**
 * On the emulators only: every step of the call engine, for the bench and the browser tests to
 * read where a call's time went (`window.tcCallTrace`). Production builds carry no trace.
 */
function traceSink(): ((event: string, detail?: Record<string, unknown>) => void) | undefined {
  if (!emulators) return undefined;
  const trace: Array<{ at: number; event: string } & Record<string, unknown>> = [];
  (window as unknown as { tcCallTrace: typeof trace }).tcCallTrace = trace;
  return (event, detail) => {
    if (trace.length < 2000) trace.push({ at: Date.now(), event, ...detail });
  };
}

/**
 * On the emulators only: the current call session as `window.tcCall`, for the browser tests to
 * cause what a network would (an ICE restart). Production builds carry no handle.
 */
function exposeForTests(model: CallModel): void {
  if (!emulators) return;
  effect(function exposeCall() {
    (window as unknown as { tcCall: CallSession | null }).tcCall = model.call.value?.session ?? null;
  });
}

export function appCallModel(consultId: string, uid: string, role: CallRole): CallModel {
  const model = createCallModel({ consultId, uid, role, db, getIceServers, keeping: tabKeeping, session: { onTrace: traceSink() } });
  exposeForTests(model);
  return model;
}
