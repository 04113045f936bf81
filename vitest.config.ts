import { defineConfig } from 'vitest/config';
import { clinicForProject } from './web/clinicConfig';

// The web's unit tests see the demo clinic as the emulator build does (web/vite.config.ts).
const clinic = clinicForProject('demo-teleconsulta', new URL('./functions', import.meta.url).pathname);

// Three groups, run by scripts/test.mjs against one emulator suite:
// unit (pure logic), emulators (rules, callables, ops) and browser (Chromium journeys, one file at a time).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['functions/test/**/*.test.ts', 'web/src/**/*.test.ts', 'web/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
        define: { 'import.meta.env.VITE_CLINIC': JSON.stringify(JSON.stringify(clinic)) },
      },
      {
        test: {
          name: 'emulators',
          include: ['tests/rules/**/*.test.ts', 'tests/functions/**/*.test.ts', 'tests/ops/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
