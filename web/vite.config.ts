import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { preloadFirstScreen } from './preloadJoin';

export default defineConfig({
  plugins: [preact(), preloadFirstScreen()],
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
});
