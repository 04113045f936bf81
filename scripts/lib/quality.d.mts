// Types of quality.mjs for the bench.
export interface Admission {
  consultId: string;
  atMs: number;
}
export interface StatsRow {
  consultId: string;
  connectMs: number | null;
  candidateType: string | null;
  rttMs: number | null;
  packetLossPct: number | null;
}
export interface QualityReport {
  window: { from: string; to: string; timeZone: string };
  consults: { admitted: number; connected: number; successRate: number | null };
  setupMs: { median: number | null; p95: number | null; n: number };
  relayedShare: number | null;
  rttMs: { p95: number | null; n: number };
  packetLossPct: { p95: number | null; n: number };
  daily: unknown[];
}
export declare function statsRow(consultId: string, data: Record<string, unknown>): StatsRow;
export declare function qualityReport(input: { admissions: Admission[]; stats: StatsRow[]; sinceMs: number; untilMs: number; timeZone?: string }): QualityReport;
export declare function formatReport(r: QualityReport): string;
