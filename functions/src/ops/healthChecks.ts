import type { Firestore } from 'firebase-admin/firestore';
import { stunBinding, udpTargetOf } from './stun';

export interface FirestoreCheck {
  ok: boolean;
  ms: number;
  detail?: string;
}

export interface TurnCheck {
  ok: boolean;
  provider: string;
  ms: number;
  detail: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { firestore: FirestoreCheck; turn: TurnCheck };
  version: string;
}

/** What the health check may know of the TURN configuration: which provider, its URLs, and whether secrets are set — never their values. */
export interface TurnSettings {
  provider: string;
  urls: string[];
  coturnSecretSet: boolean;
  twilioCredentialsSet: boolean;
  /** A `demo-` project (emulators) may run STUN only; a real one needs a relay. */
  demoProject: boolean;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Writes a fresh nonce to system/health and reads it back. */
export async function checkFirestore(db: Firestore, timeoutMs = 3000): Promise<FirestoreCheck> {
  const started = Date.now();
  // A read is a full round trip to the database, and writes nothing: an uptime check every few
  // minutes (or anyone polling the endpoint) costs no write and leaves no document behind.
  const probe = db.doc('system/health').get().then(() => true);
  probe.catch(() => undefined);
  try {
    const outcome = await withTimeout(probe, timeoutMs);
    const ms = Date.now() - started;
    if (outcome === 'timeout') return { ok: false, ms, detail: 'timeout' };
    return { ok: true, ms };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, ms: Date.now() - started, detail: `error${typeof code === 'number' || typeof code === 'string' ? ` ${code}` : ''}` };
  }
}

/** Checks the provider's configuration; for coturn also that the server answers a STUN binding request. */
export async function checkTurn(settings: TurnSettings, timeoutMs = 2000): Promise<TurnCheck> {
  const started = Date.now();
  const provider = settings.provider;
  const result = (ok: boolean, detail: string): TurnCheck => ({ ok, provider, ms: Date.now() - started, detail });
  switch (provider) {
    case 'twilio':
      return settings.twilioCredentialsSet
        ? result(true, 'credentials configured (Twilio is not called by the health check)')
        : result(false, 'Twilio credentials are not set');
    case 'stun':
      return settings.demoProject
        ? result(true, 'STUN only, no relay (development)')
        : result(false, 'STUN only: calls behind strict NATs will fail; set TURN_PROVIDER to twilio or coturn');
    case 'coturn': {
      if (!settings.coturnSecretSet) return result(false, 'TURN_SHARED_SECRET is not set');
      const target = udpTargetOf(settings.urls);
      if (!target) return result(false, 'TURN_URLS has no turn: URL reachable over UDP to probe');
      const binding = await stunBinding(target, timeoutMs);
      const where = `${target.host}:${target.port}`;
      return binding.ok
        ? { ok: true, provider, ms: binding.ms, detail: `STUN binding answered by ${where}` }
        : { ok: false, provider, ms: binding.ms, detail: `STUN binding to ${where} failed: ${binding.detail}` };
    }
    default:
      return result(false, 'TURN_PROVIDER must be twilio, coturn or stun');
  }
}

export async function healthReport(db: Firestore, turn: TurnSettings, version: string): Promise<HealthReport> {
  const [firestore, turnCheck] = await Promise.all([checkFirestore(db), checkTurn(turn)]);
  return {
    status: firestore.ok && turnCheck.ok ? 'ok' : 'degraded',
    checks: { firestore, turn: turnCheck },
    version,
  };
}
