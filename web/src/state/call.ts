// The call model of one consult: the consult document (listened to once for the whole page), the
// other participant's uid, the connection settings (fetched once, ahead of the call) and the call
// session, its observables as signals. The patient's lobby, the clinician's room and the engine's
// test page all drive this same model; only the Firestore instance and the settings fetch differ.
import { computed, signal, type ReadonlySignal } from '@preact/signals';
import { doc, onSnapshot, type Firestore } from 'firebase/firestore';
import type { GetIceServersRequest, GetIceServersResult } from '../../../functions/src/lib/api';
import type { ConsultDoc } from '../../../functions/src/lib/model';
import {
  CallError,
  createCallSession,
  createFirestoreSignaling,
  type CallRole,
  type CallSession,
  type CallSessionOptions,
  type CallState,
  type FirestoreSignaling,
  type Observable,
  type QualitySnapshot,
  type ChatMessage,
  type RemoteMedia,
} from '../call';
import type { PhotoAsk, PhotoTransfer } from '../call/photo';
import { consultFromDoc, isClosed, type Consult } from './consult';
import { reasonOf } from './errors';

/** Settings fetched ahead of the call, or kept from an earlier page, are used only with at least this much validity left. */
const SETTINGS_MIN_VALIDITY_MS = 10 * 60_000;

/**
 * Where a tab keeps the connection settings across its pages (the app: sessionStorage), so that
 * a reload during the call reconnects without waiting for a function call first.
 */
export interface SettingsKeeping {
  read(consultId: string): GetIceServersResult | null;
  write(consultId: string, settings: GetIceServersResult): void;
}

export interface CallModelOptions {
  consultId: string;
  uid: string;
  role: CallRole;
  db: Firestore;
  getIceServers(request: GetIceServersRequest): Promise<GetIceServersResult>;
  /** Settings kept from an earlier page of this tab; none by default. */
  keeping?: SettingsKeeping;
  /** What the engine's test page sets apart from the app: relay only, traces, no stats writes. */
  session?: Pick<CallSessionOptions, 'iceTransportPolicy' | 'onTrace'> & { writeStats?: boolean };
  now?: () => number;
}

function toSignal<T>(source: Observable<T>, stops: Array<() => void>): ReadonlySignal<T> {
  const s = signal(source.get());
  stops.push(source.subscribe((v) => (s.value = v)));
  return s;
}

/** A call session with its observables as signals, for the screens. */
function callView(session: CallSession, signaling: FirestoreSignaling, localStream: MediaStream) {
  const stops: Array<() => void> = [];
  return {
    session,
    signaling,
    localStream,
    state: toSignal<CallState>(session.state, stops),
    remoteStream: toSignal<MediaStream | null>(session.remoteStream, stops),
    remotePresent: toSignal<boolean>(session.remotePresent, stops),
    remoteAway: toSignal<boolean>(session.remoteAway, stops),
    quality: toSignal<QualitySnapshot | null>(session.quality, stops),
    error: toSignal<CallError | null>(session.error, stops),
    micEnabled: toSignal<boolean>(session.micEnabled, stops),
    cameraEnabled: toSignal<boolean>(session.cameraEnabled, stops),
    facing: toSignal<'user' | 'environment' | null>(session.facing, stops),
    torchAvailable: toSignal<boolean>(session.torchAvailable, stops),
    torchOn: toSignal<boolean>(session.torchOn, stops),
    remoteMedia: toSignal<RemoteMedia | null>(session.remoteMedia, stops),
    videoPaused: toSignal<boolean>(session.videoPaused, stops),
    chatMessages: toSignal<ChatMessage[]>(session.chat.messages, stops),
    chatUnread: toSignal<number>(session.chat.unread, stops),
    photoAsks: toSignal<PhotoAsk[]>(session.photos.asks, stops),
    photoTransfers: toSignal<PhotoTransfer[]>(session.photos.transfers, stops),
    start: () => session.start(),
    async leave() {
      await session.leave();
      stops.forEach((stop) => stop());
    },
  };
}

export type Call = ReturnType<typeof callView>;

/**
 * The consult document, listened to once for the page. `onClosed`: it was ended, cancelled or
 * removed. `problem`: why it cannot be read (it does not exist, or it is not this person's).
 */
function watchConsult(db: Firestore, consultId: string, onClosed: () => void) {
  const consult = signal<Consult | null>(null);
  const problem = signal<unknown>(null);
  /** Signaling writes wait for this: the rules accept them only in an admitted consult. */
  const admitted = opened<void>();
  let firstRead: (c: Consult) => void = () => undefined;
  const known = new Promise<Consult>((resolve) => (firstRead = resolve));
  const stop = onSnapshot(
    doc(db, 'consults', consultId),
    (snap) => {
      if (!snap.exists()) {
        problem.value = { code: 'not-found' };
        onClosed();
        return;
      }
      const next = consultFromDoc(snap.id, snap.data() as ConsultDoc);
      consult.value = next;
      problem.value = null;
      if (next.status === 'admitted') admitted.resolve();
      firstRead(next);
      if (isClosed(next.status)) onClosed();
    },
    (err) => (problem.value = err),
  );
  return { consult, problem, known, admitted, stop };
}

/** A promise with its resolve, for a moment that one of several events brings. */
function opened<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The call's connection settings. The first call's come from, in order: a fetch made ahead of it
 * (`prefetch`), the settings kept from an earlier page of this tab, a fetch. Every later request
 * (a renewal, a refusal) fetches. Whatever is fetched is kept.
 */
/** How long until a `turn_too_early` refusal's relay opens (with a second's margin), if within two hours. */
function opensIn(error: unknown, nowMs: number): number | null {
  if (reasonOf(error) !== 'turn_too_early') return null;
  const opensAt = (error as { details?: { opensAt?: unknown } }).details?.opensAt;
  if (typeof opensAt !== 'string') return null;
  const wait = Date.parse(opensAt) - nowMs + 1000;
  return Number.isFinite(wait) && wait > 0 && wait <= 2 * 3600_000 ? wait : null;
}

function connectionSettings(
  consultId: string,
  fetchFresh: () => Promise<GetIceServersResult>,
  keeping: SettingsKeeping | undefined,
  now: () => number,
  /** Resolves when the consult is admitted: the relay opens then, whatever the time. */
  whenAdmitted: () => Promise<void>,
) {
  let ahead: Promise<GetIceServersResult> | null = null;
  let keptOffered = false;
  /** A waiting room early for its consult is refused until the relay opens (15 min before): fetched again then. */
  let retry: ReturnType<typeof setTimeout> | null = null;
  const validEnough = (s: GetIceServersResult | null): s is GetIceServersResult =>
    !!s && Array.isArray(s.iceServers) && Date.parse(s.expiresAt) - now() > SETTINGS_MIN_VALIDITY_MS;

  async function fetch(): Promise<GetIceServersResult> {
    const fresh = await fetchFresh();
    try {
      keeping?.write(consultId, fresh);
    } catch {
      // Not kept: the next page fetches again.
    }
    return fresh;
  }

  function kept(): GetIceServersResult | null {
    if (keptOffered) return null;
    keptOffered = true;
    try {
      const found = keeping?.read(consultId) ?? null;
      return validEnough(found) ? found : null;
    } catch {
      return null; // unreadable: fetched afresh
    }
  }

  function prefetch(): void {
    if (ahead) return;
    const found = kept();
    const pending = found ? Promise.resolve(found) : fetch();
    ahead = pending;
    // A failed prefetch is forgotten: the call fetches again, and explains the error if it recurs.
    pending.catch((error: unknown) => {
      if (ahead === pending) ahead = null;
      const wait = opensIn(error, now());
      if (wait !== null && retry === null) {
        retry = setTimeout(() => {
          retry = null;
          prefetch();
        }, wait);
      }
    });
  }

  return {
    /** Fetches now, so that admission does not wait for a function call (seconds on a cold instance). */
    prefetch,
    stop(): void {
      if (retry !== null) clearTimeout(retry);
      retry = null;
    },
    /** Once the fetch under way (if any) has answered, whatever it answered. */
    settled(): Promise<void> {
      return ahead ? ahead.then(() => undefined, () => undefined) : Promise.resolve();
    },
    /** The settings for the session: the prefetched or kept ones once (if still valid long enough), otherwise fresh ones. */
    async take(): Promise<GetIceServersResult> {
      const pending = ahead;
      ahead = null;
      const early = pending ? await pending.catch(() => null) : null;
      if (validEnough(early)) return early;
      const found = kept();
      if (found) return found;
      try {
        return await fetch();
      } catch (error) {
        // A call made ahead of an admission more than 15 minutes early: its relay opens with the admission.
        if (reasonOf(error) !== 'turn_too_early') throw error;
        await whenAdmitted();
        return fetch();
      }
    },
  };
}

/** The session of one participant, signaled through Firestore, with its observables as signals. */
function makeCall(opts: CallModelOptions, remoteUid: string, localStream: MediaStream, getIceServers: () => Promise<GetIceServersResult>, writesFrom: Promise<unknown>): Call {
  const signaling = createFirestoreSignaling(opts.db, opts.consultId, opts.uid, remoteUid, { writesFrom });
  const session = createCallSession({
    consultId: opts.consultId,
    uid: opts.uid,
    role: opts.role,
    signaling,
    localStream,
    getIceServers,
    // A merge into the full stats document written before the call (the lobby's, or the clinician's).
    writeStats: opts.session?.writeStats === false ? undefined : (summary) => signaling.writeStats(summary),
    iceTransportPolicy: opts.session?.iceTransportPolicy,
    onTrace: opts.session?.onTrace,
  });
  return callView(session, signaling, localStream);
}

export function createCallModel(opts: CallModelOptions) {
  const { consultId, uid, role, db, now = Date.now } = opts;
  const call = signal<Call | null>(null);
  const { consult, problem, known: consultKnown, admitted: admission, stop: stopConsult } = watchConsult(db, consultId, () => void call.value?.session.consultEnded());
  const remoteUid = computed(() => {
    const c = consult.value;
    return (role === 'clinician' ? c?.patientUid : c?.clinicianUid) ?? null;
  });

  const settings = connectionSettings(consultId, () => opts.getIceServers({ consultId }), opts.keeping, now, () => admission.promise);
  let opening: Promise<Call> | null = null;

  /**
   * The call session, made once the consult is read. The model owns `localStream` from here on
   * (the session stops its tracks); a stream given while a session exists is not needed and stopped.
   */
  function open(localStream?: MediaStream): Promise<Call> {
    if (opening) {
      localStream?.getTracks().forEach((track) => track.stop());
      return opening;
    }
    if (!localStream) return Promise.reject(new CallError('no-device', 'The call has no camera or microphone stream.'));
    const made = consultKnown.then(() => {
      const remote = remoteUid.value;
      if (!remote) {
        localStream.getTracks().forEach((track) => track.stop());
        throw new CallError('signaling-denied', 'The other participant of this consult is not known yet.');
      }
      const view = makeCall(opts, remote, localStream, settings.take, admission.promise);
      if (opening === made) call.value = view;
      else void view.leave(); // left while the consult was being read
      return view;
    });
    opening = made;
    made.catch(() => {
      if (opening === made) opening = null;
    });
    return made;
  }

  async function leave(): Promise<void> {
    const current = call.value;
    call.value = null;
    opening = null;
    await current?.leave().catch(() => undefined);
  }

  return {
    consultId,
    uid,
    role,
    consult,
    problem,
    remoteUid,
    call,
    consultKnown,
    prefetch: settings.prefetch,
    /** The settings fetch under way answered: its audit append would make admission's transaction contend. */
    prefetched: settings.settled,
    open,
    /** While waiting to be admitted: the session reads the other side's document; nothing is written. */
    async prepare(localStream?: MediaStream): Promise<void> {
      (await open(localStream)).session.prepare();
    },
    /**
     * Starts the call: the session prepared in the waiting room, or one made with `localStream`.
     * Before the consult is admitted it goes as far as it can without writing (see `admitted`).
     */
    async join(localStream?: MediaStream): Promise<void> {
      await (await open(localStream)).start();
    },
    /** The server admitted the patient (the admitting page knows it before the consult's snapshot). */
    admitted: admission.resolve,
    leave,
    dispose(): void {
      stopConsult();
      settings.stop();
      void leave();
    },
  };
}

export type CallModel = ReturnType<typeof createCallModel>;
