// What a Firestore database holds, as counts and SHA-256 hashes per collection, so two copies (before
// and after a restore) can be compared document by document. Used by `npm run dr:drill`.
import { createHash } from 'node:crypto';
import { admin } from './admin-cli.mjs';

/**
 * A field value as text that is the same for the same value on any run and any machine: map keys
 * sorted, every type tagged, so a string can never hash like the Timestamp or number it spells.
 */
export function canonicalValue(value) {
  const { Timestamp, GeoPoint, DocumentReference } = admin.firestore();
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return String(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value); // NaN and ±Infinity stay distinct too
    case 'string':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new Error(`A field holds a ${typeof value}, which Firestore does not store.`);
  }
  if (value instanceof Timestamp) return `ts(${value.seconds}.${String(value.nanoseconds).padStart(9, '0')})`;
  if (value instanceof GeoPoint) return `geo(${value.latitude},${value.longitude})`;
  if (value instanceof DocumentReference) return `ref(${JSON.stringify(value.path)})`;
  if (value instanceof Uint8Array) return `bytes(${Buffer.from(value).toString('base64')})`;
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
  if (typeof value.toArray === 'function' && value.constructor?.name === 'VectorValue') return `vector(${value.toArray().join(',')})`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalValue(value[k])}`).join(',')}}`;
}

/** "consults/{id}/consents" for consults/abc/consents/xyz: the collection a document counts under. */
export function collectionOf(docPath) {
  const segments = docPath.split('/').slice(0, -1);
  return segments.map((s, i) => (i % 2 === 1 ? '{id}' : s)).join('/');
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Runs fn over items with at most `limit` at a time (a production database has many documents). */
async function eachLimited(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/**
 * Every document of the database, subcollections included, as path → SHA-256 of its canonical
 * fields. listDocuments also yields documents that exist only as the parent of a subcollection,
 * so a subcollection under a deleted document is still found.
 */
export async function readDocuments(db) {
  const documents = new Map();
  const walk = async (collection) => {
    const refs = await collection.listDocuments();
    for (let i = 0; i < refs.length; i += 300) {
      for (const snap of await db.getAll(...refs.slice(i, i + 300))) {
        if (snap.exists) documents.set(snap.ref.path, sha256(canonicalValue(snap.data())));
      }
    }
    await eachLimited(refs, 16, async (ref) => {
      for (const sub of await ref.listCollections()) await walk(sub);
    });
  };
  for (const collection of await db.listCollections()) await walk(collection);
  return documents;
}

/**
 * Counts and a content hash per collection (subcollections grouped as "consults/{id}/consents")
 * and for the whole database: SHA-256 over the documents sorted by path, each as "path hash".
 * `documents` (path → hash) is kept so a comparison can name what differs.
 */
export function manifestOf(documents) {
  const paths = [...documents.keys()].sort();
  const groups = new Map();
  const whole = createHash('sha256');
  for (const path of paths) {
    const line = `${path} ${documents.get(path)}\n`;
    whole.update(line);
    const name = collectionOf(path);
    if (!groups.has(name)) groups.set(name, { count: 0, hash: createHash('sha256') });
    const group = groups.get(name);
    group.count += 1;
    group.hash.update(line);
  }
  const collections = Object.fromEntries([...groups.keys()].sort().map((name) => {
    const { count, hash } = groups.get(name);
    return [name, { count, sha256: hash.digest('hex') }];
  }));
  return { count: paths.length, sha256: whole.digest('hex'), collections, documents: Object.fromEntries(paths.map((p) => [p, documents.get(p)])) };
}

/**
 * What `after` lost or changed of `before`: documents missing, documents whose fields differ, and
 * documents only `after` has (not a loss, but reported). Plus one row per collection.
 */
export function compareManifests(before, after) {
  const lost = [];
  const changed = [];
  for (const [path, hash] of Object.entries(before.documents)) {
    if (!(path in after.documents)) lost.push(path);
    else if (after.documents[path] !== hash) changed.push(path);
  }
  const added = Object.keys(after.documents).filter((path) => !(path in before.documents));
  const names = [...new Set([...Object.keys(before.collections), ...Object.keys(after.collections)])].sort();
  const rows = names.map((name) => {
    const b = before.collections[name];
    const a = after.collections[name];
    return { collection: name, before: b?.count ?? 0, after: a?.count ?? 0, same: !!b && !!a && b.sha256 === a.sha256 };
  });
  return { lost, changed, added, rows, same: before.sha256 === after.sha256 };
}
