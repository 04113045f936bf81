// The Content Security Policy a build writes, for a real project and for the emulators, and what
// Hosting's shared header still says: no emulator address in a production page, and no source
// that anyone could host their own content behind (*.run.app, *.cloudfunctions.net, a bucket on
// storage.googleapis.com, someone else's *.firebaseio.com).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './csp';

const ROOT = path.resolve(import.meta.dirname, '..');

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

/** Every host source of a policy (anything that is not a keyword or a bare scheme). */
const hostSources = (policy: string) => [...directives(policy).values()].flat().filter((v) => !v.startsWith("'") && !/^[a-z-]+:$/.test(v));

describe('the Content Security Policy', () => {
  const production = contentSecurityPolicy({ projectId: 'teleconsulta-prod', functionsRegion: 'southamerica-east1', emulators: null });

  it("names exactly the project's hosts in production: no wildcard, no emulator, no host anyone else can serve from", () => {
    const sources = hostSources(production);
    expect(sources.filter((s) => s.includes('*'))).toEqual([]);
    expect(sources.filter((s) => /127\.0\.0\.1|localhost|^http:|^ws:/.test(s))).toEqual([]);
    expect(directives(production).get('connect-src')).toEqual([
      "'self'",
      'https://identitytoolkit.googleapis.com',
      'https://securetoken.googleapis.com',
      'https://firestore.googleapis.com',
      'https://southamerica-east1-teleconsulta-prod.cloudfunctions.net',
      'https://content-firebaseappcheck.googleapis.com',
      'https://www.google.com/recaptcha/',
    ]);
    // A bare googleapis host that serves anyone's files is never allowed.
    expect(sources).not.toContain('https://storage.googleapis.com');
    expect(directives(production).get('object-src')).toEqual(["'none'"]);
    expect(directives(production).get('script-src')).not.toContain("'unsafe-inline'");
  });

  it("names the emulators' own addresses, and nothing of Google's, on the emulators", () => {
    const local = contentSecurityPolicy({ projectId: 'demo-teleconsulta', functionsRegion: 'southamerica-east1', emulators: { auth: '127.0.0.1:9102', firestore: '127.0.0.1:9183', functions: '127.0.0.1:5004' } });
    expect(directives(local).get('connect-src')).toEqual(["'self'", 'http://127.0.0.1:9102', 'http://127.0.0.1:9183', 'ws://127.0.0.1:9183', 'http://127.0.0.1:5004']);
    expect(hostSources(local).filter((s) => s.includes('google'))).toEqual([]);
    expect(directives(local).get('frame-src')).toEqual(["'none'"]);
  });

  it("leaves Hosting's shared header with no host at all: only what holds for every project", () => {
    const config = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')) as { hosting: { headers: Array<{ headers: Array<{ key: string; value: string }> }> } };
    const header = config.hosting.headers.flatMap((h) => h.headers).find((h) => h.key === 'Content-Security-Policy')!.value;
    expect(hostSources(header)).toEqual([]);
    expect(directives(header).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('is written into index.html by a build for a real project, before any script, and such a build needs its App Check key', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'csp-build-'));
    try {
      const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
      // A real project's build (no emulators); the demo project id only because its clinic identity is complete.
      const env = { ...process.env, VITE_EMULATORS: '', VITE_FIREBASE_PROJECT_ID: 'demo-teleconsulta', VITE_FUNCTIONS_REGION: 'southamerica-east1', TC_WEB_OUT_DIR: out };
      const refused = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'error'], { cwd: ROOT, env: { ...env, VITE_RECAPTCHA_SITE_KEY: '' }, encoding: 'utf8' });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr + refused.stdout).toContain('needs VITE_RECAPTCHA_SITE_KEY');
      const built = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'error'], { cwd: ROOT, env: { ...env, VITE_RECAPTCHA_SITE_KEY: '6LcTeleconsultaTestKey' }, encoding: 'utf8' });
      expect(built.status, built.stderr).toBe(0);
      const html = readFileSync(path.join(out, 'index.html'), 'utf8');
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
      expect(meta?.[1]).toBe(contentSecurityPolicy({ projectId: 'demo-teleconsulta', functionsRegion: 'southamerica-east1', emulators: null }));
      expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
      expect(html.indexOf('<meta charset')).toBeLessThan(200);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
