import { onCall, type CallableRequest, type CallableOptions, type Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { logger } from 'firebase-functions/v2';
import type { z } from 'zod';
import type { CallableName, RequestOf, ResultOf } from './api';
import { AppError, fail, toHttpsError } from './errors';
import { firestore } from './firebase';
import { professionalOf, type Professional } from './identity';
import { parseInput } from './input';
import { consultIdOf, logOutcome } from './log';
import { callableCors } from './origins';
import { isRevoked } from './revocation';

export interface Caller {
  uid: string;
  /** Custom-claim role; patients have none. */
  role: 'clinician' | 'admin' | null;
  anonymous: boolean;
  /** The council registration in the account's `pro` claim (staff only; users CLI). */
  professional: Professional | null;
}

export type Audience = 'signed-in' | 'clinician' | 'admin';

export interface RequestContext {
  /** IPv4 truncated to /24, IPv6 to /48: enough to spot abuse, not to identify a person. */
  ipPrefix: string | null;
  userAgent: string | null;
}

export interface CallableContext<Input> {
  data: Input;
  caller: Caller;
  request: RequestContext;
  /** Figures for the call's log line (what the alerts count: whether a call connected, say); ids and numbers only. */
  note?: (figures: Record<string, number | boolean | string>) => void;
}

function callerOf(request: CallableRequest<unknown>): Caller | null {
  const auth = request.auth;
  if (!auth) return null;
  const claim = auth.token['role'];
  const role = claim === 'clinician' || claim === 'admin' ? claim : null;
  return {
    uid: auth.uid,
    role,
    anonymous: auth.token.firebase?.sign_in_provider === 'anonymous',
    professional: role ? professionalOf(auth.token['pro']) : null,
  };
}

export function truncateIp(ip: string | undefined): string | null {
  if (!ip || ip.length > 45) return null;
  const v4 = ip.replace(/^::ffff:/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.split('::')[0]!.split(':').filter(Boolean).slice(0, 3);
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
    return `${groups.join(':')}::/48`;
  }
  return null;
}

/** Running on Cloud Run behind Google's front end (not the emulator, not a test process). */
const ON_PLATFORM = !process.env['FUNCTIONS_EMULATOR'] && Boolean(process.env['K_SERVICE']);

type RawRequest = { headers?: Record<string, string | string[] | undefined>; socket?: { remoteAddress?: string } } | undefined;

/**
 * The address the platform saw the caller at. Google's front end appends the address it received
 * the request from to X-Forwarded-For, after whatever the caller wrote there; so only the last
 * entry is the platform's word (express's req.ip, trusting the proxy, takes the first: the
 * caller's own claim). Off the platform (the emulator), the connection's peer.
 */
export function clientAddress(raw: RawRequest, onPlatform: boolean = ON_PLATFORM): string | undefined {
  if (!raw) return undefined;
  if (!onPlatform) return raw.socket?.remoteAddress;
  const header = raw.headers?.['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  return value.split(',').at(-1)?.trim() || undefined;
}

function requestContext(request: CallableRequest<unknown>): RequestContext {
  const ua = request.rawRequest?.headers?.['user-agent'];
  return {
    ipPrefix: truncateIp(clientAddress(request.rawRequest as RawRequest)),
    userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null,
  };
}

function checkAudience(caller: Caller | null, audience: Audience): Caller {
  if (!caller) fail('unauthenticated', 'Sign in first.');
  if (audience === 'clinician' && caller.role !== 'clinician' && caller.role !== 'admin') {
    fail('not_clinician', 'Only clinicians can do this.');
  }
  if (audience === 'admin' && caller.role !== 'admin') fail('not_admin', 'Only administrators can do this.');
  return caller;
}

/**
 * A callable in the order every one of ours follows: check the caller, parse the input, run
 * the handler. Every expected failure becomes an HttpsError with a sentence; anything else is
 * logged and answered as `internal` without details. Its schema and handler are typed against
 * the callable's entry in `Callables` (api.ts), the contract the web calls it by.
 */
export function callable<N extends CallableName, S extends z.ZodType<RequestOf<N>>>(
  name: N,
  schema: S,
  audience: Audience,
  handler: (ctx: CallableContext<z.infer<S>>) => Promise<ResultOf<N>>,
  options: CallableOptions = {},
) {
  // App Check on every callable, everywhere: a request that no instance of our app made (a script
  // with a stolen or anonymous ID token) is refused before the handler runs. In production the
  // token is reCAPTCHA Enterprise's, verified; the emulators accept the web app's local token
  // unverified, and still refuse a request without one (README, "App Check").
  const fn = onCall({ cors: callableCors(), enforceAppCheck: true, ...options }, async (request: CallableRequest<unknown>): Promise<ResultOf<N>> => {
    const started = Date.now();
    let consultId: string | null = null;
    try {
      const caller = checkAudience(callerOf(request), audience);
      // Staff sessions from before a revocation carry the old role claim until their token
      // expires: refused here at once (patients have no role to lose).
      if (caller.role !== null && (await isRevoked(firestore(), caller.uid, Number(request.auth?.token.auth_time)))) {
        fail('unauthenticated', 'Your access was revoked. Sign in again.');
      }
      const rawBody: unknown = request.rawRequest?.body;
      const rawData = rawBody !== null && typeof rawBody === 'object' ? (rawBody as { data?: unknown }).data : undefined;
      const data = parseInput(schema, request.data, rawData);
      consultId = consultIdOf(data);
      const figures: Record<string, number | boolean | string> = {};
      const result = await handler({ data, caller, request: requestContext(request), note: (f) => Object.assign(figures, f) });
      // scheduleConsult has no id in its input: its new consult's id correlates the lines that follow.
      logOutcome({
        fn: name, consultId: consultId ?? consultIdOf(result), outcome: 'ok', ms: Date.now() - started,
        ...(Object.keys(figures).length ? { figures } : {}),
      });
      return result;
    } catch (error) {
      const known = error instanceof AppError;
      logOutcome({ fn: name, consultId, outcome: known ? 'rejected' : 'error', reason: known ? error.reason : 'internal', ms: Date.now() - started });
      if (!known) {
        logger.error(`${name} failed`, { fn: name, consultId, error: error instanceof Error ? error.stack ?? error.message : String(error) });
      }
      throw toHttpsError(error);
    }
  });
  return withPreflightCache(fn);
}

/** How long a browser may reuse a callable's CORS preflight (Chromium caps it at 2 h, Firefox at 24 h). */
export const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * Each callable is cross-origin to the app, so a browser asks first (OPTIONS) before every call
 * unless it may remember the answer: without a max age it remembers it for 5 s only, and each
 * admission paid a round trip to São Paulo before the real request. The wrapper keeps everything
 * the deploy and the emulator read from the function (its endpoint, trigger, `run`).
 */
function withPreflightCache<F extends (req: Request, res: Response) => unknown>(fn: F): F {
  const wrapped = (req: Request, res: Response) => {
    if (req.method === 'OPTIONS') res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    return fn(req, res);
  };
  const { length: _length, name: _name, ...rest } = Object.getOwnPropertyDescriptors(fn);
  return Object.defineProperties(wrapped, rest) as unknown as F;
}
