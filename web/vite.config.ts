import { defineConfig, loadEnv } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { preloadFirstScreen } from './preloadJoin';
import { clinicForProject } from './clinicConfig';
import { cspMeta, type CspTarget } from './csp';
import { FUNCTIONS_REGION } from '../functions/src/lib/api';

/** The project a build is for, as the app will see it (web/src/firebase.ts reads the same values). */
function cspTarget(env: Record<string, string | undefined>): CspTarget {
  const projectId = env['VITE_FIREBASE_PROJECT_ID'] || 'demo-teleconsulta';
  const raw = env['VITE_EMULATORS'];
  const emulators = raw ? (JSON.parse(raw) as CspTarget['emulators']) : null;
  if (!emulators && !env['VITE_RECAPTCHA_SITE_KEY']) {
    throw new Error(`A build for ${projectId} needs VITE_RECAPTCHA_SITE_KEY (its reCAPTCHA Enterprise key for App Check: docs/operations.md, "App Check"), or VITE_EMULATORS for the emulators.`);
  }
  return { projectId, functionsRegion: env['VITE_FUNCTIONS_REGION'] || FUNCTIONS_REGION, emulators };
}

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig(({ command, mode }) => {
  const env = { ...loadEnv(mode, here, 'VITE_'), ...process.env };
  const clinic = clinicForProject(env['VITE_FIREBASE_PROJECT_ID'] || 'demo-teleconsulta', path.join(here, '../functions'));
  return {
    plugins: [preact(), preloadFirstScreen(), ...(command === 'build' ? [cspMeta(cspTarget(env))] : [])],
    define: { 'import.meta.env.VITE_CLINIC': JSON.stringify(JSON.stringify(clinic)) },
    build: {
      target: 'es2020',
      sourcemap: false,
      // A suite on a shifted port set builds beside the others (scripts/lib/emulators.mjs webOutDir).
      outDir: process.env.TC_WEB_OUT_DIR || 'dist',
      emptyOutDir: true,
      // dist/.vite/manifest.json: chunk graph for the patient bundle budget (web/bundle-budget.mjs).
      manifest: true,
    },
    server: { fs: { allow: ['..'] } },
  };
});
