// The functions' own structured lines (functions/src/lib/log.ts), read from what the logs are
// kept as: a Cloud Logging export (`gcloud logging read … --format=json`: an array of entries,
// or one entry per line) or the emulators' log (each line `> {json}`, coloured). Each line
// becomes the entry Cloud Logging stores: severity, jsonPayload (message included), resource.
import { median, percentile } from './quality.mjs';

/**
 * @typedef {{ severity: string, timestampMs: number | null, jsonPayload: Record<string, unknown>,
 *   resource: { type: string, labels: Record<string, string> } }} FunctionLine
 */

const ours = (payload) => payload && typeof payload.fn === 'string' && typeof payload.outcome === 'string';

/** @returns {FunctionLine} */
function fromEmulator(json) {
  const { severity, ...payload } = json;
  return {
    severity: String(severity ?? 'DEFAULT'),
    timestampMs: null,
    jsonPayload: payload,
    resource: { type: 'cloud_run_revision', labels: { service_name: String(payload.fn).toLowerCase() } },
  };
}

/** @returns {FunctionLine} */
function fromCloud(entry) {
  const t = Date.parse(entry.timestamp ?? '');
  return {
    severity: String(entry.severity ?? 'DEFAULT'),
    timestampMs: Number.isFinite(t) ? t : null,
    jsonPayload: entry.jsonPayload,
    resource: { type: String(entry.resource?.type ?? ''), labels: entry.resource?.labels ?? {} },
  };
}

/** Every line of ours in a log text, whichever of the three forms it is in; other lines are skipped. */
export function functionLines(text) {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let entries;
    try {
      entries = JSON.parse(trimmed);
    } catch {
      throw new Error('The log file starts like a JSON array but is not one: export it again with `gcloud logging read … --format=json`.');
    }
    return entries.filter((e) => ours(e?.jsonPayload)).map(fromCloud);
  }
  /** @type {FunctionLine[]} */
  const out = [];
  // The emulator colours its prefix even when told not to.
  for (const raw of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const m = /^\s*>?\s*(\{.*\})\s*$/.exec(raw);
    if (!m) continue;
    let json;
    try {
      json = JSON.parse(m[1]);
    } catch {
      continue;
    }
    if (ours(json?.jsonPayload)) out.push(fromCloud(json));
    else if (ours(json)) out.push(fromEmulator(json));
  }
  return out;
}

/**
 * Per function: calls, how they ended, and the latency of those that answered (ok, a refusal, a
 * degraded health check: each is the time someone waited; a failure is not an answer), median and
 * nearest-rank p95. Availability: the share of
 * health checks that found everything working.
 */
export function functionReport(lines) {
  const byFn = new Map();
  for (const line of lines) {
    const p = line.jsonPayload;
    const fn = String(p.fn);
    const row = byFn.get(fn) ?? { fn, calls: 0, ok: 0, rejected: 0, errors: 0, ms: [] };
    row.calls += 1;
    if (p.outcome === 'ok') row.ok += 1;
    else if (p.outcome === 'rejected') row.rejected += 1;
    else if (p.outcome === 'error') row.errors += 1;
    if (p.outcome !== 'error' && typeof p.ms === 'number' && Number.isFinite(p.ms)) row.ms.push(p.ms);
    byFn.set(fn, row);
  }
  const functions = [...byFn.values()]
    .map(({ ms, ...row }) => ({ ...row, p50Ms: median(ms), p95Ms: percentile(ms, 95) }))
    .sort((a, b) => a.fn.localeCompare(b.fn));
  const health = lines.filter((l) => l.jsonPayload.fn === 'health');
  const healthy = health.filter((l) => l.jsonPayload.outcome === 'ok').length;
  return { functions, availability: { checks: health.length, ok: healthy, ratio: health.length ? healthy / health.length : null } };
}

export function formatFunctionReport(r) {
  const n = (v) => (v === null ? '—' : `${Math.round(v)} ms`);
  const lines = ['  function              calls   ok  refused  errors      p50      p95'];
  for (const f of r.functions) {
    lines.push(`  ${f.fn.padEnd(20)} ${String(f.calls).padStart(6)} ${String(f.ok).padStart(4)} ${String(f.rejected).padStart(8)} ${String(f.errors).padStart(7)} ${n(f.p50Ms).padStart(8)} ${n(f.p95Ms).padStart(8)}`);
  }
  const a = r.availability;
  lines.push('', `  availability        ${a.ratio === null ? '— (no health checks in the log)' : `${(a.ratio * 100).toFixed(2)} %  (${a.ok} of ${a.checks} health checks ok)`}`);
  return lines.join('\n');
}
