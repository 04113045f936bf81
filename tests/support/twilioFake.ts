// A stand-in for Twilio's REST API on 127.0.0.1, speaking only the Network Traversal Service:
// POST /2010-04-01/Accounts/{AccountSid}/Tokens.json (form body Ttl, HTTP Basic auth).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TwilioFakeMode = 'success' | 'unauthorized' | 'too-many-requests' | 'server-error' | 'hang';

export interface TokenRequest {
  accountSid: string;
  /** The user part of HTTP Basic auth: the API key sid. */
  keySid: string;
  ttl: number | null;
}

export interface TwilioFake {
  /** http://127.0.0.1:port — what the provider's apiBase points at. */
  origin: string;
  requests: TokenRequest[];
  /** What the next requests get; a wrong key always gets 401. */
  mode: TwilioFakeMode;
  /** Grants at most this TTL, whatever was asked (Twilio's own cap is 24 h). */
  maxTtl: number;
  close(): Promise<void>;
}

const TOKENS_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Tokens\.json$/;

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => resolve(body));
  });
}

function tokenBody(accountSid: string, ttl: number) {
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const username = `fake${Math.random().toString(16).slice(2)}`;
  const credential = Buffer.from(String(Math.random())).toString('base64');
  const turn = (urls: string) => ({ url: urls, urls, username, credential });
  return {
    account_sid: accountSid,
    date_created: now,
    date_updated: now,
    ice_servers: [
      { url: 'stun:global.stun.twilio.com:3478', urls: 'stun:global.stun.twilio.com:3478' },
      turn('turn:global.turn.twilio.com:3478?transport=udp'),
      turn('turn:global.turn.twilio.com:3478?transport=tcp'),
      turn('turn:global.turn.twilio.com:443?transport=tcp'),
    ],
    password: credential,
    ttl: String(ttl),
    username,
  };
}

/** Starts the fake; it accepts exactly one account sid and key. */
export async function startTwilioFake(account: { accountSid: string; keySid: string; keySecret: string }): Promise<TwilioFake> {
  const fake: TwilioFake = { origin: '', requests: [], mode: 'success', maxTtl: 86_400, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const match = TOKENS_PATH.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return twilioError(res, 404, 20404, 'The requested resource was not found');
    const body = new URLSearchParams(await readBody(req));
    const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    const ttlText = body.get('Ttl');
    fake.requests.push({ accountSid: match[1]!, keySid: user ?? '', ttl: ttlText === null ? null : Number(ttlText) });
    if (match[1] !== account.accountSid || user !== account.keySid || pass !== account.keySecret) {
      return twilioError(res, 401, 20003, 'Authenticate');
    }
    switch (fake.mode) {
      case 'unauthorized': return twilioError(res, 401, 20003, 'Authenticate');
      case 'too-many-requests': return twilioError(res, 429, 20429, 'Too Many Requests');
      case 'server-error': return twilioError(res, 500, 20500, 'Internal Server Error');
      case 'hang': return; // never answers: the client's timeout must end it
      case 'success': {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(tokenBody(match[1]!, Math.min(fake.maxTtl, ttlText === null ? 86_400 : Number(ttlText)))));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}
