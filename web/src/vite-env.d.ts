/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_FIREBASE_PROJECT_ID?: string;
  readonly VITE_FIREBASE_API_KEY?: string;
  readonly VITE_FIREBASE_AUTH_DOMAIN?: string;
  readonly VITE_FIREBASE_APP_ID?: string;
  readonly VITE_FUNCTIONS_REGION?: string;
  /** JSON {auth, firestore, functions} of host:port, set when building for the emulators. */
  readonly VITE_EMULATORS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
