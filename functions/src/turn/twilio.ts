import twilio from 'twilio';
import { logger } from 'firebase-functions/v2';
import type { IceServer } from '../lib/api';
import type { Clock } from '../lib/clock';
import { AppError, fail } from '../lib/errors';
import { TTL, type IssueRequest, type IssuedServers, type TurnProvider } from './provider';

export interface TwilioConfig {
  accountSid: string;
  /** An API key (SK…) and its secret; the account's auth token works too, with accountSid as key. */
  apiKeySid: string;
  apiKeySecret: string;
}

export interface TwilioOptions {
  /** Twilio answers in well under a second; a slow answer means trouble, not patience. */
  timeoutMs?: number;
  /**
   * Tests only: an http://127.0.0.1:port origin that stands in for https://api.twilio.com.
   * Anything but a loopback origin is refused, so no deploy can send the key elsewhere.
   */
  apiBase?: string;
  /** Where failures are reported; defaults to the functions logger. */
  log?: (message: string, fields: Record<string, string | number | null>) => void;
}

export const TWILIO_TIMEOUT_MS = 5_000;
/** A token is requested for this much longer than asked, so the next callers can reuse it. */
export const REUSE_SECONDS = 15 * 60;

const LOOPBACK_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;

type RequestOptions<TData> = Parameters<typeof twilio.RequestClient.prototype.request<TData>>[0];

/** Sends the library's requests to a local stand-in for api.twilio.com (tests). */
class LoopbackRequestClient extends twilio.RequestClient {
  constructor(
    private readonly origin: string,
    timeout: number,
  ) {
    super({ timeout });
  }

  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, this.origin) });
  }
}

interface Token {
  iceServers: IceServer[];
  expiresAtMs: number;
}

function configured(value: string): boolean {
  return value.length > 0 && value !== 'unused';
}

/** Callers whose tokens an instance keeps for reuse; the oldest go first beyond this. */
export const CACHED_CALLERS = 1000;

/**
 * Twilio's Network Traversal Service. Each caller gets tokens of their own, never another
 * caller's: a token leaked from one consult relays nobody else's. A caller's token is reused
 * while it still covers what they ask (a reload, a renewal), and a burst from one caller shares
 * one request.
 */
export function twilioProvider(config: TwilioConfig, clock: Clock, options: TwilioOptions = {}): TurnProvider {
  if (options.apiBase !== undefined && !LOOPBACK_ORIGIN.test(options.apiBase)) {
    throw new Error('The Twilio API base can only be overridden with a loopback origin (tests).');
  }
  const log = options.log ?? ((message, fields) => logger.error(message, fields));
  const timeout = options.timeoutMs ?? TWILIO_TIMEOUT_MS;
  let client: twilio.Twilio | null = null;
  const perCaller = new Map<string, { token: Token | null; pending: Promise<Token> | null }>();

  function twilioClient(): twilio.Twilio {
    if (![config.accountSid, config.apiKeySid, config.apiKeySecret].every(configured)) {
      fail('turn_not_configured', 'The relay service is not configured. Please tell the clinic.');
    }
    client ??= twilio(config.apiKeySid, config.apiKeySecret, {
      accountSid: config.accountSid,
      timeout,
      ...(options.apiBase ? { httpClient: new LoopbackRequestClient(options.apiBase, timeout) } : {}),
    });
    return client;
  }

  async function requestToken(ttlSeconds: number): Promise<Token> {
    const startedMs = clock.now();
    const askSeconds = Math.min(TTL.maxSeconds, ttlSeconds + REUSE_SECONDS);
    try {
      const token = await twilioClient().tokens.create({ ttl: askSeconds });
      const grantedSeconds = Math.min(askSeconds, Number(token.ttl) || askSeconds);
      return { iceServers: token.iceServers.map(toIceServer), expiresAtMs: startedMs + grantedSeconds * 1000 };
    } catch (error) {
      throw twilioFailure(error, log);
    }
  }

  const fits = (token: Token | null, ttlSeconds: number): token is Token =>
    token !== null && token.expiresAtMs - clock.now() >= ttlSeconds * 1000;

  const served = (token: Token): IssuedServers => ({
    iceServers: token.iceServers,
    expiresAtMs: token.expiresAtMs,
    ttlSeconds: Math.floor((token.expiresAtMs - clock.now()) / 1000),
  });

  /** The caller's entry, moved to the newest end; entries of no more use, and the oldest beyond the cap, go. */
  function entryOf(uid: string) {
    const entry = perCaller.get(uid) ?? { token: null, pending: null };
    perCaller.delete(uid);
    perCaller.set(uid, entry);
    for (const [key, e] of perCaller) {
      if (key === uid) break;
      const spent = !e.pending && (!e.token || e.token.expiresAtMs <= clock.now());
      if (spent || perCaller.size > CACHED_CALLERS) perCaller.delete(key);
    }
    return entry;
  }

  return {
    name: 'twilio',
    async issue({ uid, ttlSeconds }: IssueRequest): Promise<IssuedServers> {
      const entry = entryOf(uid);
      if (fits(entry.token, ttlSeconds)) return served(entry.token);
      // The same caller asking twice at once (two tabs, a reload racing a renewal) shares one request.
      if (entry.pending) {
        const shared = await entry.pending;
        if (fits(shared, ttlSeconds)) return served(shared);
      }
      if (!entry.pending) {
        const request = requestToken(ttlSeconds).finally(() => { if (entry.pending === request) entry.pending = null; });
        entry.pending = request;
        entry.token = await request;
        return served(entry.token);
      }
      // Twilio may grant less than asked: take what it gave rather than asking again.
      return served(await entry.pending);
    },
  };
}

function toIceServer(server: { urls?: string; url?: string; username?: string; credential?: string }): IceServer {
  return {
    urls: server.urls ?? server.url ?? '',
    ...(server.username ? { username: server.username } : {}),
    ...(server.credential ? { credential: server.credential } : {}),
  };
}

/**
 * Turns whatever the library threw into an AppError, logging Twilio's status and code only:
 * the library's errors carry the request, whose Authorization header holds the key secret.
 */
function twilioFailure(error: unknown, log: NonNullable<TwilioOptions['log']>): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof twilio.RestException) {
    log('Twilio refused a TURN token request', {
      status: error.status,
      twilioCode: error.code ?? null,
      moreInfo: error.moreInfo ?? null,
    });
    if (error.status === 429 || error.code === 20429) {
      return new AppError('turn_rate_limited', 'The relay service is busy. Please try again in a minute.');
    }
    return new AppError('turn_unavailable', 'The relay service is unavailable right now. Please try again in a moment.');
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
  log('Twilio could not be reached for a TURN token', { status: null, twilioCode: null, networkError: code });
  return new AppError('turn_unavailable', 'The relay service did not answer in time. Please try again in a moment.');
}
