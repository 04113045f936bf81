// Callables over plain HTTP, as the callable protocol has them, and id tokens from the Auth emulator:
// what the sweep and the load test send their payloads with.
import { FUNCTIONS_REGION } from '../../functions/src/lib/api';
import { emulatorAppCheckToken } from '../../web/src/appCheck';

export interface CallableAnswer {
  httpStatus: number;
  /** `error.status` of the callable protocol (INVALID_ARGUMENT, NOT_FOUND, …), or null on success. */
  status: string | null;
  message: string | null;
  details: unknown;
  result: unknown;
  /** The raw body, for failure messages. */
  text: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\`, which starts the emulators.`);
  return value;
}

export function callableUrl(name: string): string {
  return `${env('TC_FUNCTIONS_ORIGIN')}/${process.env.TC_PROJECT_ID ?? 'demo-teleconsulta'}/${process.env.TC_REGION ?? FUNCTIONS_REGION}/${name}`;
}

/** How long one request may take before it counts as lost (the functions emulator drops a request whose worker failed to load). */
const REQUEST_TIMEOUT_MS = 60_000;
const ATTEMPTS = 3;

/**
 * POSTs a raw body to a callable and reads the protocol's answer. A request lost by the emulator
 * itself (no answer, or a 5xx that is not the callable protocol) is sent again; an answer in the
 * callable protocol, `internal` included, is always returned as it came.
 */
export async function rawCall(name: string, body: string, idToken: string | null, appCheck = true): Promise<CallableAnswer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (appCheck) headers['X-Firebase-AppCheck'] = emulatorAppCheckToken('demo-app');
  if (idToken) headers['Authorization'] = `Bearer ${idToken}`;
  let lastProblem = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let response: Response;
    let text: string;
    try {
      response = await fetch(callableUrl(name), { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      text = await response.text();
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
      continue;
    }
    const answer = readAnswer(response.status, text);
    if (response.status >= 500 && answer.status === 'NO_PROTOCOL') {
      lastProblem = `HTTP ${response.status} ${answer.text}`;
      continue;
    }
    return answer;
  }
  return { httpStatus: 0, status: 'NO_ANSWER', message: null, details: undefined, result: undefined, text: `no answer after ${ATTEMPTS} attempts: ${lastProblem}` };
}

type ProtocolBody = { result?: unknown; error?: { status?: unknown; message?: unknown; details?: unknown } };

function parseProtocol(text: string): ProtocolBody | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as ProtocolBody) : null;
  } catch {
    return null;
  }
}

function readAnswer(httpStatus: number, text: string): CallableAnswer {
  const parsed = parseProtocol(text);
  const error = parsed?.error;
  const protocol = parsed !== null && ('result' in parsed || (typeof error === 'object' && error !== null));
  return {
    httpStatus,
    status: !protocol ? 'NO_PROTOCOL' : error ? (typeof error.status === 'string' ? error.status : 'NO_STATUS') : null,
    message: error && typeof error.message === 'string' ? error.message : null,
    details: error?.details,
    result: parsed?.result,
    text: text.length > 400 ? `${text.slice(0, 400)}…` : text,
  };
}

/** Calls with a well-formed request; throws with the server's answer if it fails. */
export async function call<Res>(name: string, data: unknown, idToken: string): Promise<Res> {
  const answer = await rawCall(name, JSON.stringify({ data }), idToken);
  if (answer.status !== null || answer.httpStatus !== 200) {
    throw new Error(`${name} failed: HTTP ${answer.httpStatus} ${answer.status ?? ''} ${answer.message ?? answer.text}`);
  }
  return answer.result as Res;
}

export interface SignedIn {
  uid: string;
  idToken: string;
}

async function identityToolkit(method: string, body: Record<string, unknown>): Promise<SignedIn> {
  const response = await fetch(`http://${env('FIREBASE_AUTH_EMULATOR_HOST')}/identitytoolkit.googleapis.com/v1/accounts:${method}?key=demo-key`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, returnSecureToken: true }),
  });
  const answer = (await response.json()) as { idToken?: string; localId?: string; error?: { message?: string } };
  if (!response.ok || !answer.idToken || !answer.localId) throw new Error(`Auth emulator ${method} failed: ${answer.error?.message ?? response.status}`);
  return { uid: answer.localId, idToken: answer.idToken };
}

/** A fresh anonymous user, as a patient's browser makes one. */
export function signUpAnonymous(): Promise<SignedIn> {
  return identityToolkit('signUp', {});
}

/** Signs in an existing email/password user (custom claims set before sign-in are in the token). */
export function signInPassword(email: string, password: string): Promise<SignedIn> {
  return identityToolkit('signInWithPassword', { email, password });
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
