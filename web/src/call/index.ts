/**
 * The call engine: WebRTC between the clinician and the patient of one consult, signaled through
 * `consults/{id}/peers/{uid}` (one document per participant, rewritten whole on each change).
 * Framework-free: no Preact, no signals, no DOM beyond WebRTC and media APIs. Firebase is used
 * only by `createFirestoreSignaling` (signaling.ts); import it lazily where bundle size matters.
 *
 * Usage:
 *   const localStream = await acquireMedia({ facingMode: 'user' });          // throws CallError
 *   const signaling = createFirestoreSignaling(db, consultId, uid);
 *   const call = createCallSession({ consultId, uid, role, signaling, getIceServers, localStream });
 *   call.state.subscribe((s) => …); call.remoteStream.subscribe((stream) => video.srcObject = stream);
 *   await call.start();  …  await call.leave();
 *
 * Protocol (see negotiation.ts): perfect negotiation, the clinician impolite and the patient polite.
 * A participant alone publishes an offer at once, so the one who arrives second answers it in its
 * first write: two writes set up a call, two deletes end it. Descriptions carry their addressee
 * (`a=tc-to:` line in the SDP) so offers and answers of an earlier session are never applied.
 */
export type { CallState, CallEvent, Observable } from './state';
export { transition } from './state';
export type { CallErrorReason } from './errors';
export { CallError } from './errors';
export type { Signaling, PeerSignal, CallRole, CallStatsSummary } from './types';
export type { QualitySnapshot } from './stats';
export { createFirestoreSignaling } from './signaling';
export type { FirestoreSignaling } from './signaling';
export { acquireMedia } from './media';
export type { MediaRequest } from './media';
export type { CallSession, CallSessionOptions, IceServersResult } from './session';
export { createCallSession } from './session';
