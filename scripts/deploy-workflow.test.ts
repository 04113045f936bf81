// The deploy in .github/workflows/ci.yml: only main is deployed, and without any stored key.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step { uses?: string; run?: string; with?: Record<string, string> }
interface Job { if?: string; needs?: string; permissions?: Record<string, string>; steps: Step[] }

const ROOT = path.resolve(import.meta.dirname, '..');
const text = readFileSync(path.join(ROOT, '.github/workflows/ci.yml'), 'utf8');
const workflow = parse(text) as { jobs: Record<string, Job> };
const deploy = workflow.jobs['deploy']!;

describe('the deploy workflow', () => {
  it('deploys only from main, after the tests, whatever started it', () => {
    expect(deploy.needs).toBe('test');
    // Every way into the job goes through the branch check, a manual run included.
    expect(deploy.if).toMatch(/^github\.ref == 'refs\/heads\/main' && \(/);
  });

  it('authenticates with Workload Identity Federation: an OIDC token, no JSON key anywhere', () => {
    expect(deploy.permissions).toMatchObject({ 'id-token': 'write' });
    const auth = deploy.steps.find((s) => s.uses?.startsWith('google-github-actions/auth@'))!;
    expect(Object.keys(auth.with ?? {}).sort()).toEqual(['service_account', 'workload_identity_provider']);
    expect(text).not.toMatch(/credentials_json|secrets\.FIREBASE_SERVICE_ACCOUNT|GOOGLE_APPLICATION_CREDENTIALS/);
  });

  it("builds the web app with the project's App Check key", () => {
    const build = deploy.steps.find((s) => s.run?.includes('npm run build -w web'))!;
    expect(build.run).toContain('VITE_RECAPTCHA_SITE_KEY=');
    expect(build.run).not.toContain('VITE_EMULATORS');
  });
});
