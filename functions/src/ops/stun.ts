import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';

// RFC 5389: every STUN message starts with a 20-byte header carrying this cookie.
export const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;

export function bindingRequest(transactionId: Buffer): Buffer {
  if (transactionId.length !== 12) throw new Error('A STUN transaction id has 12 bytes.');
  const header = Buffer.alloc(20);
  header.writeUInt16BE(BINDING_REQUEST, 0);
  header.writeUInt16BE(0, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  return header;
}

export type BindingAnswer = 'success' | 'error' | 'unrelated';

/** Classifies a datagram as the answer to our request, or something to ignore. */
export function classifyAnswer(message: Buffer, transactionId: Buffer): BindingAnswer {
  if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) return 'unrelated';
  if (!message.subarray(8, 20).equals(transactionId)) return 'unrelated';
  if (message.readUInt16BE(2) + 20 !== message.length) return 'unrelated';
  const type = message.readUInt16BE(0);
  if (type === BINDING_SUCCESS) return 'success';
  if (type === BINDING_ERROR) return 'error';
  return 'unrelated';
}

export interface StunTarget {
  host: string;
  port: number;
}

/**
 * The host and port to probe over UDP: the first `turn:` (or `stun:`) URL that is not TCP-only.
 * `turns:` runs over TLS and cannot answer a UDP binding request.
 */
export function udpTargetOf(urls: string[]): StunTarget | null {
  for (const url of urls) {
    const m = /^(turn|stun):(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?(\?.*)?$/.exec(url.trim());
    if (!m) continue;
    if (/transport=tcp/i.test(m[4] ?? '')) continue;
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : 3478;
    if (port < 1 || port > 65535) continue;
    return { host, port };
  }
  return null;
}

export interface BindingResult {
  ok: boolean;
  ms: number;
  detail: 'answered' | 'error_response' | 'timeout' | 'unresolvable' | 'send_failed';
}

/**
 * Sends a real Binding Request and waits for the Binding Success Response with the same
 * transaction id, retransmitting as RFC 5389 asks of UDP (here at 0, 250 and 750 ms).
 */
export async function stunBinding(target: StunTarget, timeoutMs = 2000, now: () => number = Date.now): Promise<BindingResult> {
  const started = now();
  let address: { address: string; family: number };
  try {
    address = await lookup(target.host);
  } catch {
    return { ok: false, ms: now() - started, detail: 'unresolvable' };
  }
  const transactionId = randomBytes(12);
  const request = bindingRequest(transactionId);
  const socket = createSocket(address.family === 6 ? 'udp6' : 'udp4');
  return new Promise<BindingResult>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: Omit<BindingResult, 'ms'>) => {
      timers.forEach(clearTimeout);
      socket.removeAllListeners('message');
      try { socket.close(); } catch { /* already closed */ }
      resolve({ ...result, ms: now() - started });
    };
    const send = () =>
      socket.send(request, target.port, address.address, (error) => {
        if (error) finish({ ok: false, detail: 'send_failed' });
      });
    socket.on('error', () => finish({ ok: false, detail: 'send_failed' }));
    socket.on('message', (message) => {
      const answer = classifyAnswer(message, transactionId);
      if (answer === 'success') finish({ ok: true, detail: 'answered' });
      else if (answer === 'error') finish({ ok: false, detail: 'error_response' });
    });
    send();
    for (const at of [250, 750]) if (at < timeoutMs) timers.push(setTimeout(send, at));
    timers.push(setTimeout(() => finish({ ok: false, detail: 'timeout' }), timeoutMs));
  });
}
