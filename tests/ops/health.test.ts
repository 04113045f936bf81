import { Firestore } from '@google-cloud/firestore';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFirestore, checkTurn, healthReport, type TurnSettings } from '../../functions/src/ops/healthChecks';
import { stunBinding, udpTargetOf } from '../../functions/src/ops/stun';
import { adminDb } from '../support/admin';
import { closeSessions, idTokenOf, signedInAs } from '../functions/consults.support';
import { PROJECT_ID, REGION, functionsOrigin } from '../support/emulators';
import { startCoturn, type Coturn } from '../../scripts/lib/coturn.mjs';

/** A UDP port nobody holds right now (the kernel picks it). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const ROOT = path.resolve(__dirname, '../..');
const healthUrl = () => `${functionsOrigin()}/${PROJECT_ID}/${REGION}/health`;

/** An administrator's ID token: the details of /health are theirs. */
async function adminToken(): Promise<string> {
  return idTokenOf(await signedInAs('admin'));
}
afterAll(closeSessions);

function demoParams(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of ['functions/.env', `functions/.env.${PROJECT_ID}`, 'functions/.secret.local']) {
    const full = path.join(ROOT, file);
    if (!existsSync(full)) continue;
    for (const line of readFileSync(full, 'utf8').split('\n')) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (m) out[m[1]!] = m[2]!;
    }
  }
  return out;
}

const coturnSettings = (port: number, over: Partial<TurnSettings> = {}): TurnSettings => ({
  provider: 'coturn',
  urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
  coturnSecretSet: true,
  twilioCredentialsSet: false,
  demoProject: true,
  ...over,
});

describe('GET /health on the functions emulator', () => {
  it('answers an administrator JSON with both checks and their latencies, 200 exactly when everything is ok and 503 otherwise', async () => {
    const res = await fetch(healthUrl(), { headers: { authorization: `Bearer ${await adminToken()}` } });
    const body = (await res.json()) as Awaited<ReturnType<typeof healthReport>>;
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.checks.firestore).toMatchObject({ ok: true });
    expect(body.checks.firestore.ms).toBeGreaterThanOrEqual(0);
    expect(body.checks.turn.provider).toBe(demoParams()['TURN_PROVIDER'] ?? 'stun');
    expect(typeof body.version).toBe('string');

    // What the endpoint should have found, checked here independently of it.
    const params = demoParams();
    let turnReachable = params['TURN_PROVIDER'] === 'stun';
    const target = udpTargetOf((params['TURN_URLS'] ?? '').split(','));
    if (params['TURN_PROVIDER'] === 'coturn' && target) turnReachable = (await stunBinding(target, 1000)).ok;
    expect(body.checks.turn.ok).toBe(turnReachable);
    expect(body.status).toBe(turnReachable ? 'ok' : 'degraded');
    expect(res.status).toBe(turnReachable ? 200 : 503);
  });

  it('never shows a secret', async () => {
    const text = await (await fetch(healthUrl())).text();
    const secrets = Object.entries(demoParams()).filter(([k, v]) => /SECRET|SID|TOKEN/.test(k) && v.length >= 4 && v !== 'unused');
    for (const [, value] of secrets) expect(text).not.toContain(value);
  });

  it('tells anyone else only up or degraded, the same verdict, and a clinician or a forged token no more', async () => {
    const admin = (await (await fetch(healthUrl(), { headers: { authorization: `Bearer ${await adminToken()}` } })).json()) as { status: string };
    const clinicianToken = await idTokenOf(await signedInAs('clinician'));
    const tries: Array<Record<string, string>> = [{}, { authorization: `Bearer ${clinicianToken}` }, { authorization: `Bearer ${clinicianToken.slice(0, -4)}AAAA` }, { authorization: 'Basic YWRtaW46YWRtaW4=' }];
    for (const headers of tries) {
      const res = await fetch(healthUrl(), { headers });
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ status: admin.status });
      expect(res.status).toBe(admin.status === 'ok' ? 200 : 503);
    }
  });

  it('writes nothing per request: its Firestore probe is a read', async () => {
    await adminDb().doc('system/health').delete();
    for (let i = 0; i < 3; i++) await fetch(healthUrl());
    expect((await adminDb().doc('system/health').get()).exists).toBe(false);
  });

  it('refuses anything but GET', async () => {
    const res = await fetch(healthUrl(), { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});

describe('the coturn check against a real coturn', () => {
  let coturn: Coturn;
  beforeAll(async () => { coturn = await startCoturn({ port: await freeUdpPort(), secrets: ['ops-health-secret'] }); });
  afterAll(async () => { await coturn?.stop(); });

  it('is ok when coturn answers the STUN binding request', async () => {
    const check = await checkTurn(coturnSettings(coturn.port));
    expect(check).toMatchObject({ ok: true, provider: 'coturn', detail: `STUN binding answered by 127.0.0.1:${coturn.port}` });
  });

  it('makes the whole report ok when Firestore answers too', async () => {
    const report = await healthReport(adminDb(), coturnSettings(coturn.port), 'test');
    expect(report).toMatchObject({ status: 'ok', checks: { firestore: { ok: true }, turn: { ok: true } }, version: 'test' });
  });

  it('is degraded when nothing listens on the TURN port', async () => {
    const closed = await freeUdpPort();
    const report = await healthReport(adminDb(), coturnSettings(closed), 'test');
    expect(report.status).toBe('degraded');
    expect(report.checks.turn).toMatchObject({ ok: false, detail: `STUN binding to 127.0.0.1:${closed} failed: timeout` });
    expect(report.checks.firestore.ok).toBe(true);
  });

  it('is degraded without the shared secret or without a UDP turn: URL, before any packet is sent', async () => {
    expect(await checkTurn(coturnSettings(coturn.port, { coturnSecretSet: false }))).toMatchObject({ ok: false, detail: 'TURN_SHARED_SECRET is not set' });
    expect(await checkTurn(coturnSettings(coturn.port, { urls: ['turns:turn.example.com:443?transport=tcp'] }))).toMatchObject({ ok: false });
  });
});

describe('the other providers and Firestore', () => {
  it('accepts STUN only on a demo project and flags it on a real one', async () => {
    const stun = { ...coturnSettings(1), provider: 'stun', urls: [] };
    expect((await checkTurn(stun)).ok).toBe(true);
    expect((await checkTurn({ ...stun, demoProject: false })).ok).toBe(false);
  });

  it('requires all Twilio credentials for twilio, and an unknown provider is degraded', async () => {
    const twilio = { ...coturnSettings(1), provider: 'twilio', urls: [] };
    expect(await checkTurn({ ...twilio, twilioCredentialsSet: true })).toMatchObject({ ok: true, provider: 'twilio' });
    expect(await checkTurn(twilio)).toMatchObject({ ok: false, detail: 'Twilio credentials are not set' });
    expect(await checkTurn({ ...twilio, provider: 'xirsys' })).toMatchObject({ ok: false });
  });

  it('reports Firestore degraded, within its timeout, when the database does not answer', async () => {
    const unreachable = new Firestore({ projectId: 'demo-ops-health-down', host: '127.0.0.1', port: await freeUdpPort(), ssl: false });
    try {
      const check = await checkFirestore(unreachable, 1500);
      expect(check).toMatchObject({ ok: false });
    } finally {
      void unreachable.terminate().catch(() => undefined);
    }
  });
});
