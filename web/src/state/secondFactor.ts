// The second step of a clinician's sign-in when the account requires a code by SMS
// (`npm run users -- second-factor`). Only the sign-in screen loads this: the patient's path
// never does.
import {
  PhoneAuthProvider,
  PhoneMultiFactorGenerator,
  RecaptchaVerifier,
  getMultiFactorResolver,
  type MultiFactorError,
  type MultiFactorResolver,
  type PhoneMultiFactorInfo,
} from 'firebase/auth';
import { auth } from '../firebase';
import { session, toSession, type Session } from './auth';

export interface SecondFactor {
  /** The phone the code goes to, as Firebase shows it (all but the last digits hidden). */
  phone: string;
  /** Sends a code (again); `container` holds the invisible reCAPTCHA that guards the SMS. */
  send(container: HTMLElement): Promise<void>;
  confirm(code: string): Promise<Session>;
}

/** The second step, when a sign-in failed only for want of it; null for any other failure. */
export function secondFactorOf(error: unknown): SecondFactor | null {
  if ((error as { code?: unknown })?.code !== 'auth/multi-factor-auth-required') return null;
  const resolver: MultiFactorResolver = getMultiFactorResolver(auth, error as MultiFactorError);
  const hint = resolver.hints.find((h): h is PhoneMultiFactorInfo => h.factorId === PhoneMultiFactorGenerator.FACTOR_ID);
  if (!hint) return null;
  let verificationId: string | null = null;
  let verifier: RecaptchaVerifier | null = null;
  return {
    phone: hint.phoneNumber,
    async send(container) {
      verifier?.clear();
      verifier = new RecaptchaVerifier(auth, container, { size: 'invisible' });
      verificationId = await new PhoneAuthProvider(auth).verifyPhoneNumber({ multiFactorHint: hint, session: resolver.session }, verifier);
    },
    async confirm(code) {
      if (!verificationId) throw Object.assign(new Error('no code was sent'), { code: 'auth/missing-verification-id' });
      const assertion = PhoneMultiFactorGenerator.assertion(PhoneAuthProvider.credential(verificationId, code.replace(/\D/g, '')));
      const cred = await resolver.resolveSignIn(assertion);
      verifier?.clear();
      const s = await toSession(cred.user);
      session.value = s;
      return s;
    },
  };
}

/** What to tell the clinician when the code step fails. */
export function codeProblem(error: unknown): 'wrong' | 'expired' | 'not-sent' | null {
  switch ((error as { code?: unknown })?.code) {
    case 'auth/invalid-verification-code':
    case 'auth/missing-code':
      return 'wrong';
    case 'auth/code-expired':
    case 'auth/invalid-multi-factor-session':
      return 'expired';
    case 'auth/captcha-check-failed':
    case 'auth/quota-exceeded':
    case 'auth/invalid-phone-number':
    case 'auth/missing-verification-id':
      return 'not-sent';
    default:
      return null;
  }
}
