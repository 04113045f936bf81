// The cost step's two counters, on traffic whose bill is known: the wire proxy on WebChannel
// exchanges from a stand-in emulator, the Admin SDK counter on the SDK's own funnels.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from './firestoreProxy';

const frame = (messages: unknown[], id = 1) => {
  const json = JSON.stringify([[id, messages]]);
  return `${json.length}\n${json}\n`;
};

/** Answers like the emulator's WebChannel: a listen session id, documents for target 2 only, a write ack. */
function standIn(): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    req.on('end', () => {
      if (url.pathname.includes('/Listen/') && req.method === 'POST' && !url.searchParams.get('SID')) {
        res.end(`${JSON.stringify([[0, ['c', 'sess-1', '', 8]]]).length}\n${JSON.stringify([[0, ['c', 'sess-1', '', 8]]])}\n`);
      } else if (url.pathname.includes('/Listen/') && req.method === 'GET') {
        // Two documents for target 2 (the second frame split across chunks), a deletion, nothing for target 4.
        const text =
          frame([{ targetChange: { targetChangeType: 'ADD', targetIds: [2, 4] } }]) +
          frame([{ documentChange: { document: { name: 'consults/a', fields: { note: { stringValue: 'a "quoted" ] bracket' } } }, targetIds: [2] } }], 2) +
          frame([{ documentChange: { document: { name: 'consults/b', fields: {} }, targetIds: [2] } }, { documentDelete: { document: 'consults/c' } }], 3);
        res.write(text.slice(0, 50));
        setTimeout(() => res.end(text.slice(50)), 20);
      } else {
        res.end(frame([{ streamToken: 'x', writeResults: [] }]));
      }
    });
  });
}

describe('the wire counter (browsers)', () => {
  let upstream: http.Server;
  let proxy: CountingProxy;
  let port: number;
  beforeAll(async () => {
    upstream = standIn();
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    proxy = await startCountingProxy(port);
  });
  afterAll(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  /** A request through the proxy, as a browser configured with --proxy-server sends it. */
  const via = (method: string, pathAndQuery: string, body = '') =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method, path: `http://127.0.0.1:${port}${pathAndQuery}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
  const form = (...messages: unknown[]) => new URLSearchParams(Object.fromEntries(messages.map((m, i) => [`req${i}___data__`, JSON.stringify(m)]))).toString();

  it('passes the exchange through untouched and bills it as Firestore would', async () => {
    const base = '/google.firestore.v1.Firestore';
    const opened = await via('POST', `${base}/Listen/channel?VER=8&RID=1`, form({ addTarget: { targetId: 2, documents: { documents: ['consults/a'] } } }, { addTarget: { targetId: 4, query: {} } }));
    expect(opened).toContain('sess-1');
    const listened = await via('GET', `${base}/Listen/channel?VER=8&SID=sess-1&RID=rpc`);
    expect(listened).toContain('a \\"quoted\\" ] bracket');
    await via('POST', `${base}/Write/channel?VER=8&SID=w1&RID=2`, form({ writes: [{ update: { name: 'a' } }, { update: { name: 'b' }, updateTransforms: [] }, { delete: 'c' }] }));
    await via('POST', '/v1/projects/p/databases/(default)/documents:commit', JSON.stringify({ writes: [{ update: { name: 'd' } }] }));
    // Not the emulator: not counted.
    expect(proxy.ops()).toMatchObject({ reads: 3, writes: 3, deletes: 1 });
  });
});

describe('the Admin SDK counter (functions)', () => {
  it('counts documents returned, a query that returned none as one read, and each write and delete committed', async () => {
    const require = createRequire(import.meta.url);
    const { countOps, counts } = require('./firestoreOps.cjs') as { countOps(F: unknown): unknown; counts: Record<string, number> };
    class FakeFirestore {
      async request(method: string, req: { writes?: unknown[] }) {
        return method === 'listDocuments' ? [{}, {}] : { writeResults: req.writes };
      }
      async requestStream(method: string) {
        if (method === 'batchGetDocuments') return Readable.from([{ found: {} }, { missing: 'x' }, { transaction: 't' }]);
        if (method === 'runQuery') return Readable.from([{ readTime: 1 }]);
        return Readable.from([]);
      }
    }
    countOps(FakeFirestore);
    const db = new FakeFirestore();
    const drain = async (s: Readable) => { for await (const _ of s) void _; };
    await drain(await db.requestStream('batchGetDocuments'));
    await drain(await db.requestStream('runQuery')); // no documents: one read
    await db.request('listDocuments', {});
    await db.request('commit', { writes: [{ update: {} }, { delete: 'x' }, { update: {}, updateTransforms: [] }] });
    await db.request('beginTransaction', {});
    expect(counts).toEqual({ reads: 2 + 1 + 2, writes: 2, deletes: 1 });
  });
});
