import { onRequest } from 'firebase-functions/v2/https';
import { projectID } from 'firebase-functions/params';
import { getAuth } from 'firebase-admin/auth';
import { firestore } from '../lib/firebase';
import { logOutcome } from '../lib/log';
import { TURN_PROVIDER, TURN_SECRETS, TURN_SHARED_SECRET, TURN_URLS, TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SECRET, TWILIO_API_KEY_SID } from '../turn/config';
import { healthReport, type TurnSettings } from './healthChecks';

/** Cloud Run sets K_REVISION to the deployed revision; the emulator has none. */
const VERSION = process.env['K_REVISION'] ?? 'local';

/** Secrets a provider does not use hold the placeholder `unused` (Secret Manager has no empty secrets). */
const isSet = (value: string) => value.length > 0 && value !== 'unused';

function turnSettings(): TurnSettings {
  return {
    provider: TURN_PROVIDER.value(),
    urls: TURN_URLS.value().split(',').map((u) => u.trim()).filter(Boolean),
    coturnSecretSet: isSet(TURN_SHARED_SECRET.value()),
    twilioCredentialsSet: [TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET].every((s) => isSet(s.value())),
    demoProject: projectID.value().startsWith('demo-'),
  };
}

/**
 * GET /health for uptime checks: a Firestore read probe and the TURN provider's state. 200 with
 * status ok, or 503 with status degraded; the checks' details to an administrator only; never a
 * secret, a URL credential or a uid.
 */
export const health = onRequest(
  { secrets: TURN_SECRETS, maxInstances: 2, timeoutSeconds: 15 },
  async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, HEAD').status(405).json({ error: 'Use GET.' });
      return;
    }
    const started = Date.now();
    const report = await healthReport(firestore(), turnSettings(), VERSION);
    const ok = report.status === 'ok';
    logOutcome({
      fn: 'health',
      outcome: ok ? 'ok' : 'degraded',
      ms: Date.now() - started,
      figures: { firestoreOk: report.checks.firestore.ok, firestoreMs: report.checks.firestore.ms, turnOk: report.checks.turn.ok, turnMs: report.checks.turn.ms },
    });
    // Anyone learns up or degraded (what an uptime check needs); which check failed, the relay's
    // provider and address and the revision only an administrator, by their ID token.
    res.status(ok ? 200 : 503).json((await isAdmin(req.get('authorization'))) ? report : { status: report.status });
  },
);

/** Whether the request carries a valid, unrevoked ID token of an account with the admin role. */
async function isAdmin(authorization: string | undefined): Promise<boolean> {
  const token = /^Bearer ([A-Za-z0-9._-]{20,4096})$/.exec(authorization ?? '')?.[1];
  if (!token) return false;
  try {
    firestore(); // the admin app, initialised once
    const decoded = await getAuth().verifyIdToken(token, true);
    return decoded['role'] === 'admin';
  } catch {
    return false;
  }
}
