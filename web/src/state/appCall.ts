// The call model as the app makes it: the app's Firestore and its getIceServers callable. The
// engine's test page (web/harness) makes the same model with its own.
import { db } from '../db';
import type { GetIceServersRequest, GetIceServersResult } from '../../../functions/src/lib/api';
import { callable, emulators } from '../firebase';
import { createCallModel, type CallModel } from './call';
import type { CallRole } from '../call';

const fetchIceServers = callable('getIceServers');

const ICE_KEY_PREFIX = 'tc.ice.';
/** Settings kept from an earlier page of this tab are used with at least this much validity left. */
const KEPT_MIN_VALIDITY_MS = 10 * 60_000;

/** Consults whose kept settings this page already used once: later requests (a refresh, a refusal) fetch. */
const keptUsed = new Set<string>();

/**
 * The connection settings, kept for this tab (sessionStorage) until shortly before they expire:
 * a reload during the call reconnects without waiting for a function call first. Only a page's
 * first request is answered from them.
 */
async function getIceServers(request: GetIceServersRequest): Promise<GetIceServersResult> {
  const key = ICE_KEY_PREFIX + request.consultId;
  if (!keptUsed.has(key)) {
    keptUsed.add(key);
    try {
      const kept = JSON.parse(sessionStorage.getItem(key) ?? 'null') as GetIceServersResult | null;
      if (kept && Array.isArray(kept.iceServers) && Date.parse(kept.expiresAt) - Date.now() > KEPT_MIN_VALIDITY_MS) return kept;
    } catch {
      // Unreadable: fetched afresh below.
    }
  }
  const fresh = await fetchIceServers(request);
  try {
    sessionStorage.setItem(key, JSON.stringify(fresh));
  } catch {
    // Storage refused: the next page fetches again.
  }
  return fresh;
}

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

export function appCallModel(consultId: string, uid: string, role: CallRole): CallModel {
  return createCallModel({ consultId, uid, role, db, getIceServers, session: { onTrace: traceSink() } });
}
