// The patient's journey up to consent: open the link, sign in anonymously, redeem the invite,
// read and accept (or decline) the consent. Nothing here loads Firestore.
import { signal, type Signal } from '@preact/signals';
import type { RedeemInviteResult } from '../../../functions/src/lib/api';
import { callable } from '../firebase';
import { locale } from '../i18n';
import { ensurePatientUser, renewPatientUser } from './auth';
import { loadConsent, type LoadedConsent } from './consent';
import { isClosed } from './consult';
import { describeError, reasonOf } from './errors';
import { rememberedCall } from './rejoin';

const redeemInvite = callable('redeemInvite');
const recordConsent = callable('recordConsent');

export type JoinStep =
  | { step: 'opening'; detail: 'signing-in' | 'redeeming' }
  | { step: 'invite-problem'; message: string; canRetry: boolean }
  | { step: 'closed' }
  | { step: 'consent' }
  | { step: 'declined' }
  | { step: 'lobby' };

const KEY_PREFIX = 'tc.invite.';

/**
 * The invite secret from the fragment (#k=…). It is moved to sessionStorage and removed from
 * the address bar, so a reload still works and the secret is not left visible on screen.
 * `fromLink`: this visit opened the link itself (not a reload of the page it led to).
 */
export function takeInviteSecret(consultId: string): { secret: string | null; fromLink: boolean } {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('k');
  try {
    if (fromHash) {
      sessionStorage.setItem(KEY_PREFIX + consultId, fromHash);
      history.replaceState(null, '', location.pathname + location.search);
      return { secret: fromHash, fromLink: true };
    }
    return { secret: sessionStorage.getItem(KEY_PREFIX + consultId), fromLink: false };
  } catch {
    return { secret: fromHash, fromLink: !!fromHash };
  }
}

/** What a failed redemption leaves the patient with. */
function afterFailure(err: unknown): JoinStep {
  const reason = reasonOf(err);
  if (reason === 'consult_closed') return { step: 'closed' };
  const final = reason === 'invite_invalid' || reason === 'invite_expired' || reason === 'invite_taken' || reason === 'consult_not_found';
  return { step: 'invite-problem', message: describeError(err), canRetry: !final };
}

interface Redemption {
  consultId: string;
  secret: string;
  phase: Signal<JoinStep>;
  uid: Signal<string | null>;
  invite: Signal<RedeemInviteResult | null>;
}

/** Signs in and redeems the invite; while the consent is being read, without changing the screen. */
async function redeem({ consultId, secret, phase, uid, invite }: Redemption): Promise<void> {
  const reading = phase.peek().step === 'consent';
  if (!reading) phase.value = { step: 'opening', detail: 'signing-in' };
  // Only a look: the invite is bound when the patient accepts the consent (see accept), so a
  // link scanner or a chat preview that runs this page takes nothing.
  const look = () => redeemInvite({ consultId, secret, look: true });
  try {
    let looked: RedeemInviteResult | null = null;
    // An identity kept by an earlier version of this page is this invite's only if it is bound to it.
    uid.value = await ensurePatientUser(async () => (looked = await look()).bound);
    // Back after a reload during the call: this tab redeemed and consented already; the lobby
    // goes straight back in (the rules still decide what this user may read).
    if (!reading && rememberedCall(consultId, uid.value)) {
      phase.value = { step: 'lobby' };
      return;
    }
    if (!reading) phase.value = { step: 'opening', detail: 'redeeming' };
    let result: RedeemInviteResult;
    try {
      result = looked && (looked as RedeemInviteResult).bound ? looked : await look();
    } catch (err) {
      // The identity kept on this device no longer exists (the daily purge deletes unused ones):
      // a new one for this invite, and the look again.
      if (reasonOf(err) !== 'unauthenticated') throw err;
      uid.value = await renewPatientUser();
      result = await look();
    }
    invite.value = result;
    if (isClosed(result.status)) phase.value = { step: 'closed' };
    else if (result.consentRecorded) phase.value = { step: 'lobby' };
    else if (phase.peek().step === 'opening') phase.value = { step: 'consent' };
  } catch (err) {
    phase.value = afterFailure(err);
  }
}

export function createJoin(consultId: string) {
  const { secret, fromLink } = takeInviteSecret(consultId);
  // A first visit from the link shows the consent at once, to be read while the sign-in and the
  // invite's redemption happen behind it (accepting waits for them). A reload, which may be
  // already consented or in the call, waits for the answer instead.
  const phase = signal<JoinStep>(secret && fromLink ? { step: 'consent' } : { step: 'opening', detail: 'signing-in' });
  const invite = signal<RedeemInviteResult | null>(null);
  const uid = signal<string | null>(null);
  const consent = signal<LoadedConsent | null>(null);
  const consentError = signal<string | null>(null);
  const saving = signal(false);
  let opened: Promise<void> = Promise.resolve();

  function open(): Promise<void> {
    if (!secret) {
      phase.value = { step: 'invite-problem', message: '', canRetry: false };
      return Promise.resolve();
    }
    opened = redeem({ consultId, secret, phase, uid, invite });
    return opened;
  }

  async function showConsent(): Promise<void> {
    consentError.value = null;
    try {
      consent.value = await loadConsent('patient', locale.value);
    } catch (err) {
      consentError.value = describeError(err);
    }
  }

  async function accept(recording: boolean): Promise<void> {
    const text = consent.value;
    if (!text || saving.value) return;
    saving.value = true;
    consentError.value = null;
    try {
      // Accepted while the invite was still being redeemed: record it once that is done.
      await opened;
      const looked = invite.value;
      if (!looked || phase.peek().step !== 'consent') return;
      // The patient's own action binds the invite to this browser's identity.
      if (!looked.bound) invite.value = await redeemInvite({ consultId, secret: secret! });
      await recordConsent({ consultId, version: text.version, locale: text.locale, textHash: text.textHash, recording });
      phase.value = { step: 'lobby' };
    } catch (err) {
      const reason = reasonOf(err);
      if (reason === 'consent_exists') phase.value = { step: 'lobby' };
      // Taken on another device, or closed, between the look and the acceptance.
      else if (reason === 'invite_taken' || reason === 'consult_closed' || reason === 'invite_expired') phase.value = afterFailure(err);
      else consentError.value = describeError(err);
    } finally {
      saving.value = false;
    }
  }

  // The text is bundled with the app: its download starts with the sign-in, not after it.
  if (phase.peek().step === 'consent') void showConsent();

  return {
    consultId,
    phase,
    invite,
    uid,
    consent,
    consentError,
    saving,
    open,
    showConsent,
    accept,
    decline: () => (phase.value = { step: 'declined' }),
    review: () => (phase.value = { step: 'consent' }),
  };
}

export type Join = ReturnType<typeof createJoin>;
