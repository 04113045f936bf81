// Builds the call engine's test page (web/harness) for the browser tests and the bench.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('./harness', import.meta.url)),
  logLevel: 'warn',
  build: {
    target: 'es2022',
    outDir: fileURLToPath(new URL('./dist-harness', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: {
      input: {
        call: fileURLToPath(new URL('./harness/call.html', import.meta.url)),
        // The bench's baseline (bench/classic.ts).
        classic: fileURLToPath(new URL('./harness/classic.html', import.meta.url)),
      },
    },
  },
});
