import { describe, expect, it } from 'vitest';
import { clinicDate, formatReport, median, percentile, qualityReport, renderChart } from './quality.mjs';

const T0 = Date.UTC(2026, 10, 20, 15, 0, 0); // 20 Nov 2026, 12:00 in São Paulo
const DAY = 86_400_000;
const row = (consultId: string, over: Record<string, unknown> = {}) => ({
  consultId, connectMs: null, candidateType: null, rttMs: null, packetLossPct: null, ...over,
});

describe('median and percentile', () => {
  it('median averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNull();
  });

  it('p95 is the nearest-rank value', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile([10, 20, 30], 95)).toBe(30);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNull();
  });

  it('days are counted in the clinic’s time zone', () => {
    expect(clinicDate(Date.UTC(2026, 10, 21, 2, 0, 0))).toBe('2026-11-20'); // 23:00 in São Paulo
  });
});

describe('the quality report', () => {
  // Four consults admitted over two days: A and B connect directly, C through TURN, D never connects.
  const admissions = [
    { consultId: 'A', atMs: T0 },
    { consultId: 'A', atMs: T0 + 60_000 }, // readmitted after a reload: still one consult
    { consultId: 'B', atMs: T0 + 3_600_000 },
    { consultId: 'C', atMs: T0 + DAY },
    { consultId: 'D', atMs: T0 + DAY + 60_000 },
    { consultId: 'OLD', atMs: T0 - 40 * DAY }, // outside the window
  ];
  const stats = [
    row('A', { connectMs: 200, candidateType: 'host', rttMs: 10, packetLossPct: 0 }),
    row('A', { connectMs: 260, candidateType: 'host', rttMs: 12, packetLossPct: 0.5 }),
    row('B', { connectMs: 400, candidateType: 'srflx', rttMs: 40, packetLossPct: 1 }),
    row('C', { connectMs: 900, candidateType: 'relay', rttMs: 120, packetLossPct: 3 }),
    row('C', { connectMs: 700, candidateType: 'relay', rttMs: 110, packetLossPct: 2 }),
    row('D', { connectMs: null }),
    row('OLD', { connectMs: 5000, rttMs: 999 }),
  ];
  const report = qualityReport({ admissions, stats, sinceMs: T0 - 2 * DAY, untilMs: T0 + 2 * DAY });

  it('counts admitted consults and those that connected', () => {
    expect(report.consults).toEqual({ admitted: 4, connected: 3, successRate: 0.75 });
  });

  it('takes each consult’s setup time from its slower side', () => {
    // A 260, B 400, C 900
    expect(report.setupMs).toEqual({ median: 400, p95: 900, n: 3 });
  });

  it('gives the share of connected consults that went through a relay', () => {
    expect(report.relayedShare).toBe(0.3333);
  });

  it('gives p95 RTT and packet loss over every participant summary of admitted consults', () => {
    expect(report.rttMs).toEqual({ p95: 120, n: 5 });
    expect(report.packetLossPct).toEqual({ p95: 3, n: 5 });
  });

  it('has one entry per clinic day of the window, with that day’s success rate and median setup', () => {
    expect(report.daily).toHaveLength(5);
    expect(report.daily.find((d: { date: string }) => d.date === '2026-11-20')).toEqual({ date: '2026-11-20', admitted: 2, connected: 2, successRate: 1, setupMsMedian: 330 });
    expect(report.daily.find((d: { date: string }) => d.date === '2026-11-21')).toEqual({ date: '2026-11-21', admitted: 2, connected: 1, successRate: 0.5, setupMsMedian: 900 });
    expect(report.daily[0]).toEqual({ date: '2026-11-18', admitted: 0, connected: 0, successRate: null, setupMsMedian: null });
  });

  it('has no figures, rather than zeros, when nothing was admitted', () => {
    const empty = qualityReport({ admissions: [], stats: [], sinceMs: T0, untilMs: T0 + DAY });
    expect(empty.consults).toEqual({ admitted: 0, connected: 0, successRate: null });
    expect(empty.setupMs.median).toBeNull();
    expect(formatReport(empty)).toContain('connection success   —');
  });

  it('prints the figures for people', () => {
    const text = formatReport(report);
    expect(text).toContain('75.0 %  (3 of 4 admitted consults connected)');
    expect(text).toContain('median 400 ms, p95 900 ms');
    expect(text).toContain('2026-11-21         2          1   50.0 %');
  });

  it('draws a bar per day with admissions and a point per day with a setup time', () => {
    const svg = renderChart(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/class="success"/g)).toHaveLength(2);
    expect(svg.match(/class="setup"/g)).toHaveLength(2);
    expect(svg).toContain('2026-11-21: 50.0 % of 2');
  });
});
