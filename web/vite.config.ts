import { defineConfig, loadEnv } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { preloadFirstScreen } from './preloadJoin';
import { clinicForProject } from './clinicConfig';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig(({ mode }) => {
  const env = { ...loadEnv(mode, here, 'VITE_'), ...process.env };
  const clinic = clinicForProject(env['VITE_FIREBASE_PROJECT_ID'] || 'demo-teleconsulta', path.join(here, '../functions'));
  return {
    plugins: [preact(), preloadFirstScreen()],
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
