#!/usr/bin/env node
// The patient's JS before consent, from Vite's manifest: what the browser must download for
// /join/… to show an interactive consent screen. Run after `vite build`:
//   node web/bundle-budget.mjs [distDir]   → JSON { patient_js_gzip_kb, files }
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Entry points of the patient's path up to consent: the app shell, Join (+ Consent) and the pt-BR text. */
export const PATIENT_PRE_CONSENT = ['index.html', 'src/screens/Join.tsx', '../functions/src/consent/texts/patient.pt-BR.md?raw'];

export function patientPreConsentJs(distDir, entries = PATIENT_PRE_CONSENT) {
  const manifest = JSON.parse(readFileSync(path.join(distDir, '.vite/manifest.json'), 'utf8'));
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the Vite manifest of ${distDir}`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    // Static imports only: dynamic ones (Lobby, Firestore, the call engine) load after consent.
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  entries.forEach(visit);
  const sizes = [...files].map((file) => ({ file, gzipBytes: gzipSync(readFileSync(path.join(distDir, file)), { level: 9 }).length }));
  const total = sizes.reduce((sum, s) => sum + s.gzipBytes, 0);
  return { patient_js_gzip_kb: Math.round((total / 1024) * 10) / 10, files: sizes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist'));
  console.log(JSON.stringify(patientPreConsentJs(dist), null, 2));
}
