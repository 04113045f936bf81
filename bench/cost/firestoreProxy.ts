// The browsers' Firestore operations, counted on the wire: the bench's Chromium processes use this
// HTTP proxy (--proxy-server, loopback included), which passes everything through and reads what
// goes to and from the Firestore emulator. The web SDK speaks WebChannel there: requests are form
// posts whose reqN___data__ fields carry the Listen and Write messages; responses are a stream of
// length-prefixed JSON arrays of messages. Billing, as Firestore counts it for a listener: one read
// per document delivered (documentChange), and one for a query that delivered none; a write or a
// delete per write sent; a transaction's commit and lookups (REST :commit, :batchGet) likewise.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BrowserOps {
  reads: number;
  writes: number;
  deletes: number;
  /** Requests and response bytes through the proxy to the Firestore emulator, for the record. */
  requests: number;
}

type Message = Record<string, unknown>;

/**
 * The whole frames at the start of a WebChannel response text (each a length line, then a JSON
 * array found by matching brackets outside strings), and how much of the text they take: the
 * rest waits for the next chunk.
 */
export function scanFrames(text: string): { frames: unknown[]; consumed: number } {
  const frames: unknown[] = [];
  let consumed = 0;
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) break;
    if (!/^\d+$/.test(text.slice(i, nl).trim())) {
      i = consumed = nl + 1;
      continue;
    }
    let depth = 0;
    let inString = false;
    let j = nl + 1;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '[' || c === '{') depth++;
      else if (c === ']' || c === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0 || j >= text.length) break; // incomplete
    try {
      frames.push(JSON.parse(text.slice(nl + 1, j + 1)));
    } catch {
      // not a frame after all
    }
    i = consumed = j + 1;
  }
  return { frames, consumed };
}

/** Every message object inside a frame ([[id, [msg…]], …]). */
function messagesOf(frame: unknown): Message[] {
  const out: Message[] = [];
  if (!Array.isArray(frame)) return out;
  for (const entry of frame) {
    if (!Array.isArray(entry) || !Array.isArray(entry[1])) continue;
    for (const m of entry[1]) if (m && typeof m === 'object' && !Array.isArray(m)) out.push(m as Message);
  }
  return out;
}

/** The session id a WebChannel announces in its first frame ([[0, ["c", sid, …]]]). */
function sessionIdOf(frame: unknown): string | null {
  if (!Array.isArray(frame)) return null;
  for (const entry of frame) {
    if (Array.isArray(entry) && Array.isArray(entry[1]) && entry[1][0] === 'c' && typeof entry[1][1] === 'string') return entry[1][1];
  }
  return null;
}

/** The request messages of a WebChannel form post (reqN___data__ fields). */
function postedMessages(body: string): Message[] {
  const out: Message[] = [];
  for (const [key, value] of new URLSearchParams(body)) {
    if (!/^req\d+___data__$/.test(key)) continue;
    try {
      const m = JSON.parse(value) as unknown;
      if (m && typeof m === 'object') out.push(m as Message);
    } catch {
      // not ours
    }
  }
  return out;
}

function countWrites(ops: BrowserOps, writes: unknown): void {
  if (!Array.isArray(writes)) return;
  for (const w of writes) {
    if (w && typeof w === 'object' && 'delete' in w) ops.deletes += 1;
    else ops.writes += 1;
  }
}

export interface CountingProxy {
  port: number;
  ops(): BrowserOps;
  close(): Promise<void>;
}

/** A forward proxy for plain HTTP; what goes to `firestorePort` on loopback is counted. */
export async function startCountingProxy(firestorePort: number): Promise<CountingProxy> {
  const ops: BrowserOps = { reads: 0, writes: 0, deletes: 0, requests: 0 };
  // Per listen stream (WebChannel session id): the targets it added and whether each delivered a document.
  const targets = new Map<string, Map<number, boolean>>();
  const sessionOf = (url: URL) => url.searchParams.get('SID') ?? 'new';

  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const counted = Number(target.port) === firestorePort;
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const sent = Buffer.concat(body);
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          let pending = '';
          const isListen = target.pathname.includes('/Listen/');
          up.on('data', (chunk: Buffer) => {
            res.write(chunk);
            if (!counted) return;
            pending += chunk.toString('utf8');
            const { frames, consumed } = scanFrames(pending);
            for (const frame of frames) {
              // A new listen session learns its id from the first answer: its targets move there.
              const sid = sessionIdOf(frame);
              if (isListen && sid && !target.searchParams.get('SID') && targets.has('new')) {
                targets.set(sid, targets.get('new')!);
                targets.delete('new');
              }
              for (const m of messagesOf(frame)) {
                if (isListen && m.documentChange) {
                  ops.reads += 1;
                  const dc = m.documentChange as { targetIds?: number[] };
                  const session = targets.get(sessionOf(target));
                  for (const id of dc.targetIds ?? []) if (session?.has(id)) session.set(id, true);
                }
              }
            }
            pending = pending.slice(consumed);
          });
          up.on('end', () => res.end());
          up.on('error', () => res.destroy());
          if (counted && !isListen) {
            // REST: a transaction's lookups and commit.
            let text = '';
            up.on('data', (c: Buffer) => { text += c.toString('utf8'); });
            up.on('end', () => {
              if (target.pathname.endsWith(':batchGet')) ops.reads += (text.match(/"(found|missing)"/g) ?? []).length;
            });
          }
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(sent);
      if (!counted) return;
      ops.requests += 1;
      const text = sent.toString('utf8');
      if (target.pathname.endsWith(':commit')) {
        try {
          countWrites(ops, (JSON.parse(text) as { writes?: unknown }).writes);
        } catch {
          // not JSON: nothing to count
        }
        return;
      }
      for (const m of postedMessages(text)) {
        if (target.pathname.includes('/Write/')) countWrites(ops, m.writes);
        if (target.pathname.includes('/Listen/')) {
          const add = m.addTarget as { targetId?: number } | undefined;
          if (add && typeof add.targetId === 'number') {
            const key = sessionOf(target);
            if (!targets.has(key)) targets.set(key, new Map());
            targets.get(key)!.set(add.targetId, false);
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ops() {
      // A listener whose query delivered nothing is billed one read.
      let empty = 0;
      for (const session of targets.values()) for (const delivered of session.values()) if (!delivered) empty += 1;
      return { ...ops, reads: ops.reads + empty };
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
