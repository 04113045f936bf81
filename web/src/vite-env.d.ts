/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_FIREBASE_PROJECT_ID?: string;
  readonly VITE_FIREBASE_API_KEY?: string;
  readonly VITE_FIREBASE_AUTH_DOMAIN?: string;
  readonly VITE_FIREBASE_APP_ID?: string;
  readonly VITE_FUNCTIONS_REGION?: string;
  /** reCAPTCHA Enterprise site key for App Check; required by a build for a real project. */
  readonly VITE_RECAPTCHA_SITE_KEY?: string;
  /** JSON {auth, firestore, functions} of host:port, set when building for the emulators. */
  readonly VITE_EMULATORS?: string;
  /** JSON of the clinic's identity (functions/src/lib/clinic.ts), set by vite.config.ts from functions/.env.<projectId>. */
  readonly VITE_CLINIC: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
