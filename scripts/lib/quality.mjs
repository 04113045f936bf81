// Call-quality figures from what the system already records: the audit log says which consults
// were admitted and when; each participant's stats document says whether and how the call
// connected. Pure functions: the CLI (scripts/report.mjs) reads, this computes.

export const CLINIC_TIME_ZONE = 'America/Sao_Paulo';
const DAY = 86_400_000;

/**
 * @typedef {{ consultId: string, atMs: number }} Admission  an audit `patient.admitted` entry
 * @typedef {{ consultId: string, connectMs: number | null, candidateType: string | null,
 *             rttMs: number | null, packetLossPct: number | null }} StatsRow  one stats/{uid} document
 */

const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One stats/{uid} document of a consult, as the report reads it (anything malformed as null). */
export function statsRow(consultId, data) {
  return {
    consultId,
    connectMs: finite(data.connectMs),
    candidateType: typeof data.candidateType === 'string' ? data.candidateType : null,
    rttMs: finite(data.rttMs),
    packetLossPct: finite(data.packetLossPct),
  };
}

/** Median of numbers (mean of the two middle values for an even count); null when empty. */
export function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p% of values at or below it. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1];
}

/** YYYY-MM-DD of an instant in the clinic's time zone. */
export function clinicDate(ms, timeZone = CLINIC_TIME_ZONE) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const round = (v, digits = 0) => (v === null ? null : Number(v.toFixed(digits)));

/**
 * One consult's call: connected when either side reports a connect time; its setup time is the
 * slower side's (the call is up when both see each other); relayed when either side used TURN.
 */
function consultCall(rows) {
  const connects = rows.map((r) => r.connectMs).filter(isNumber);
  return {
    connected: connects.length > 0,
    setupMs: connects.length > 0 ? Math.max(...connects) : null,
    relayed: rows.some((r) => r.candidateType === 'relay'),
  };
}

/**
 * @param {{ admissions: Admission[], stats: StatsRow[], sinceMs: number, untilMs: number, timeZone?: string }} input
 */
export function qualityReport({ admissions, stats, sinceMs, untilMs, timeZone = CLINIC_TIME_ZONE }) {
  // A consult counts once, on the day of its first admission within the window.
  const admittedAt = new Map();
  for (const a of admissions) {
    if (a.atMs < sinceMs || a.atMs > untilMs) continue;
    const prev = admittedAt.get(a.consultId);
    if (prev === undefined || a.atMs < prev) admittedAt.set(a.consultId, a.atMs);
  }
  const statsByConsult = new Map();
  for (const row of stats) {
    if (!admittedAt.has(row.consultId)) continue;
    if (!statsByConsult.has(row.consultId)) statsByConsult.set(row.consultId, []);
    statsByConsult.get(row.consultId).push(row);
  }
  const calls = [...admittedAt].map(([consultId, atMs]) => ({ consultId, atMs, ...consultCall(statsByConsult.get(consultId) ?? []) }));
  const connected = calls.filter((c) => c.connected);
  const setups = connected.map((c) => c.setupMs).filter(isNumber);
  const rowsOfAdmitted = [...statsByConsult.values()].flat();
  const rtts = rowsOfAdmitted.map((r) => r.rttMs).filter(isNumber);
  const losses = rowsOfAdmitted.map((r) => r.packetLossPct).filter(isNumber);

  const days = [];
  for (let t = sinceMs; clinicDate(t, timeZone) <= clinicDate(untilMs, timeZone); t += DAY) {
    const date = clinicDate(t, timeZone);
    if (days.at(-1)?.date !== date) days.push({ date });
  }
  const daily = days.map(({ date }) => {
    const ofDay = calls.filter((c) => clinicDate(c.atMs, timeZone) === date);
    const ok = ofDay.filter((c) => c.connected);
    return {
      date,
      admitted: ofDay.length,
      connected: ok.length,
      successRate: ofDay.length ? round(ok.length / ofDay.length, 4) : null,
      setupMsMedian: round(median(ok.map((c) => c.setupMs).filter(isNumber))),
    };
  });

  return {
    window: { from: new Date(sinceMs).toISOString(), to: new Date(untilMs).toISOString(), timeZone },
    consults: {
      admitted: calls.length,
      connected: connected.length,
      successRate: calls.length ? round(connected.length / calls.length, 4) : null,
    },
    setupMs: { median: round(median(setups)), p95: round(percentile(setups, 95)), n: setups.length },
    relayedShare: connected.length ? round(connected.filter((c) => c.relayed).length / connected.length, 4) : null,
    rttMs: { p95: round(percentile(rtts, 95)), n: rtts.length },
    packetLossPct: { p95: round(percentile(losses, 95), 2), n: losses.length },
    daily,
  };
}

const pct = (v) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const ms = (v) => (v === null ? '—' : `${v} ms`);

/** The report as lines for a person at a terminal. */
export function formatReport(r) {
  const lines = [
    `Call quality ${r.window.from.slice(0, 10)} → ${r.window.to.slice(0, 10)} (${r.window.timeZone})`,
    '',
    `  connection success   ${pct(r.consults.successRate)}  (${r.consults.connected} of ${r.consults.admitted} admitted consults connected)`,
    `  time to connect      median ${ms(r.setupMs.median)}, p95 ${ms(r.setupMs.p95)}  (n=${r.setupMs.n})`,
    `  relayed calls        ${pct(r.relayedShare)}  (of connected consults, through TURN)`,
    `  round-trip time      p95 ${ms(r.rttMs.p95)}  (n=${r.rttMs.n})`,
    `  packet loss          p95 ${r.packetLossPct.p95 === null ? '—' : `${r.packetLossPct.p95} %`}  (n=${r.packetLossPct.n})`,
    '',
    '  day          admitted  connected  success  median setup',
  ];
  for (const d of r.daily) {
    if (d.admitted === 0) continue;
    lines.push(`  ${d.date}  ${String(d.admitted).padStart(8)}  ${String(d.connected).padStart(9)}  ${pct(d.successRate).padStart(7)}  ${ms(d.setupMsMedian).padStart(12)}`);
  }
  return lines.join('\n');
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/**
 * A small two-panel SVG for people: daily success rate (bars, 0–100 %) above daily median time
 * to connect (line). Days without admitted consults are left blank.
 */
export function renderChart(r) {
  const width = 720;
  const left = 56;
  const right = 16;
  const panel = 150;
  const top1 = 40;
  const top2 = top1 + panel + 50;
  const height = top2 + panel + 40;
  const n = Math.max(r.daily.length, 1);
  const slot = (width - left - right) / n;
  const x = (i) => left + i * slot;
  const setups = r.daily.map((d) => d.setupMsMedian).filter(isNumber);
  const maxSetup = Math.max(100, ...setups);
  const setupScale = Math.ceil(maxSetup / 100) * 100;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<title>${esc(`Call quality ${r.window.from.slice(0, 10)} to ${r.window.to.slice(0, 10)}`)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="${top1 - 16}" font-size="13" font-weight="bold">Connection success per day (admitted consults that connected)</text>`);
  out.push(`<text x="${left}" y="${top2 - 16}" font-size="13" font-weight="bold">Median time to connect per day (ms)</text>`);
  for (const [top, labels] of [[top1, ['100 %', '50 %', '0 %']], [top2, [`${setupScale}`, `${setupScale / 2}`, '0']]]) {
    labels.forEach((label, k) => {
      const y = top + (k * panel) / 2;
      out.push(`<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
      out.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" fill="#555">${label}</text>`);
    });
  }
  r.daily.forEach((d, i) => {
    if (d.successRate !== null) {
      const h = d.successRate * panel;
      out.push(`<rect class="success" x="${(x(i) + slot * 0.15).toFixed(1)}" y="${(top1 + panel - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="#2e7d32"><title>${esc(`${d.date}: ${(d.successRate * 100).toFixed(1)} % of ${d.admitted}`)}</title></rect>`);
    }
  });
  const points = r.daily
    .map((d, i) => (d.setupMsMedian === null ? null : [x(i) + slot / 2, top2 + panel - (d.setupMsMedian / setupScale) * panel, d]))
    .filter(Boolean);
  if (points.length > 1) {
    out.push(`<polyline fill="none" stroke="#1565c0" stroke-width="2" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`);
  }
  for (const [px, py, d] of points) {
    out.push(`<circle class="setup" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="#1565c0"><title>${esc(`${d.date}: ${d.setupMsMedian} ms`)}</title></circle>`);
  }
  const every = Math.max(1, Math.ceil(n / 10));
  r.daily.forEach((d, i) => {
    if (i % every === 0) out.push(`<text x="${(x(i) + slot / 2).toFixed(1)}" y="${top2 + panel + 16}" text-anchor="middle" fill="#555">${d.date.slice(5)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
