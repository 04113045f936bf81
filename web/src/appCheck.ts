// App Check: every callable refuses a request that no instance of this app made
// (functions/src/lib/callable.ts), and Firestore does too once enforcement is on in the console
// (docs/operations.md, "App Check"). In production the proof is reCAPTCHA Enterprise's, scored
// invisibly; on the emulators, which verify nothing, a local token stands in for it.
import type { FirebaseApp } from 'firebase/app';
import { CustomProvider, ReCaptchaEnterpriseProvider, initializeAppCheck, type AppCheck } from 'firebase/app-check';

const HOUR_MS = 3_600_000;

const base64url = (value: string) => btoa(value).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * A token shaped like App Check's (a JWT whose subject is the app id) that the emulators decode
 * without verifying; no real project accepts it, since it carries no signature.
 */
export function emulatorAppCheckToken(appId: string, nowMs = Date.now()): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub: appId, iss: 'teleconsulta-emulators', iat: Math.floor(nowMs / 1000), exp: Math.floor((nowMs + HOUR_MS) / 1000) }));
  return `${header}.${payload}.`;
}

export type AppCheckSetup = { kind: 'recaptcha-enterprise'; siteKey: string } | { kind: 'emulators'; appId: string };

/** Which provider a build uses: the emulators' local token, or reCAPTCHA Enterprise with the project's site key. */
export function appCheckSetup(options: { emulators: boolean; siteKey: string | undefined; appId: string | undefined }): AppCheckSetup {
  if (options.emulators) return { kind: 'emulators', appId: options.appId || 'demo-app' };
  if (!options.siteKey) throw new Error('VITE_RECAPTCHA_SITE_KEY is not set: a build for a real project needs its reCAPTCHA Enterprise site key for App Check.');
  return { kind: 'recaptcha-enterprise', siteKey: options.siteKey };
}

export function startAppCheck(app: FirebaseApp, setup: AppCheckSetup): AppCheck {
  const provider =
    setup.kind === 'emulators'
      ? new CustomProvider({ getToken: async () => ({ token: emulatorAppCheckToken(setup.appId), expireTimeMillis: Date.now() + HOUR_MS }) })
      : new ReCaptchaEnterpriseProvider(setup.siteKey);
  return initializeAppCheck(app, { provider, isTokenAutoRefreshEnabled: true });
}
