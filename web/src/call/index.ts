/**
 * The call engine: WebRTC between the clinician and the patient of one consult, signaled through
 * `consults/{id}/peers/{uid}` (one document per participant, rewritten whole on each change).
 * Framework-free: no Preact, no signals, no DOM beyond WebRTC and media APIs. Firebase is used
 * only by `createFirestoreSignaling` (signaling.ts); import it lazily where bundle size matters.
 *
 * Usage:
 *   const localStream = await acquireMedia({ facingMode: 'user' });          // throws CallError
 *   const signaling = createFirestoreSignaling(db, consultId, uid, remoteUid);
 *   const call = createCallSession({ consultId, uid, role, signaling, getIceServers, localStream });
 *   call.state.subscribe((s) => …); call.remoteStream.subscribe((stream) => video.srcObject = stream);
 *   await call.start();  …  await call.leave();
 *
 * The app does not wire this by hand: web/src/state/call.ts (the call model of a consult) does it
 * once for the lobby, the consult room and the engine's test page.
 *
 * Parts: negotiation.ts (owns the peer connection; offer/answer against the other document),
 * outbox.ts (what our document says and when it is written), recovery.ts (when to restart: a pure
 * policy on a clock), credentials.ts (TURN refresh and refusal), quality.ts and uplink.ts (getStats
 * in, quality and our encoder's limits out), localMedia.ts (our tracks), control.ts (data channel:
 * goodbyes, microphone and camera state, chat), chat.ts (messages with receipts, resent until acknowledged).
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
export type { Clock } from './clock';
export { realClock } from './clock';
export { createCallSession } from './session';
export type { ChatMessage } from './chat';
export { CHAT_TEXT_MAX } from './chat';
export type { RemoteMedia } from './control';
