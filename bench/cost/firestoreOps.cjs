// Counts the Firestore operations this process makes through the Admin SDK, as Firestore bills
// them: a document read per document a get, a query or a list returns (a query or list that
// returns nothing: one), a get of a missing document is one read too; a write or a delete per
// write in a commit or batch write. Loaded only by `npm run bench` (the cost step): with
// NODE_OPTIONS="--require …/firestoreOps.cjs" and TC_FIRESTORE_OPS_DIR set, in the functions'
// emulator processes, or called directly (countOps) in the bench's own process. The counts go to
// TC_FIRESTORE_OPS_DIR/<pid>.json, written a moment after each operation and at exit.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { Transform } = require('node:stream');

const counts = { reads: 0, writes: 0, deletes: 0 };
let timer = null;
let patched = false;

function write() {
  timer = null;
  const dir = process.env.TC_FIRESTORE_OPS_DIR;
  if (!dir) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${process.pid}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    fs.renameSync(`${file}.tmp`, file);
  } catch {
    // The counts are the bench's; a process must never fail for them.
  }
}

function changed() {
  if (timer) return;
  timer = setTimeout(write, 50);
  timer.unref();
}

const STREAMED = new Set(['batchGetDocuments', 'runQuery', 'runAggregationQuery']);

/** Patches the SDK's two funnels (request, requestStream) of a Firestore class, once. */
function countOps(Firestore) {
  if (patched || !Firestore?.prototype?.request || !Firestore.prototype.requestStream) return counts;
  patched = true;
  const request = Firestore.prototype.request;
  Firestore.prototype.request = async function countedRequest(method, req, ...rest) {
    const result = await request.call(this, method, req, ...rest);
    if (method === 'commit' || method === 'batchWrite') {
      for (const w of req?.writes ?? []) {
        if (w.delete) counts.deletes += 1;
        else counts.writes += 1;
      }
    } else if (method === 'listDocuments') {
      counts.reads += Math.max(1, Array.isArray(result) ? result.length : 0);
    } else if (method === 'listCollectionIds') {
      counts.reads += 1;
    }
    changed();
    return result;
  };
  const requestStream = Firestore.prototype.requestStream;
  Firestore.prototype.requestStream = async function countedStream(method, ...args) {
    const stream = await requestStream.call(this, method, ...args);
    if (!STREAMED.has(method)) return stream;
    let docs = 0;
    const counter = new Transform({
      objectMode: true,
      transform(chunk, _encoding, done) {
        if (method === 'batchGetDocuments' ? chunk.found || chunk.missing : method === 'runQuery' ? chunk.document : chunk.result) docs += 1;
        done(null, chunk);
      },
      flush(done) {
        counts.reads += method === 'batchGetDocuments' ? docs : Math.max(1, docs);
        changed();
        done();
      },
    });
    stream.on('error', (error) => counter.destroy(error));
    return stream.pipe(counter);
  };
  return counts;
}

if (process.env.TC_FIRESTORE_OPS_DIR) {
  const load = Module._load;
  Module._load = function loadCounted(request, ...rest) {
    const exported = load.call(this, request, ...rest);
    if (!patched && request === '@google-cloud/firestore') countOps(exported.Firestore);
    return exported;
  };
  process.on('exit', write);
}

module.exports = { countOps, counts };
