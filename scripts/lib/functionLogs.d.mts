// Types of functionLogs.mjs for the TypeScript tests.
export interface FunctionLine {
  severity: string;
  timestampMs: number | null;
  jsonPayload: Record<string, unknown>;
  resource: { type: string; labels: Record<string, string> };
}
export interface FunctionRow {
  fn: string;
  calls: number;
  ok: number;
  rejected: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
}
export interface FunctionReport {
  functions: FunctionRow[];
  availability: { checks: number; ok: number; ratio: number | null };
}
export declare function functionLines(text: string): FunctionLine[];
export declare function functionReport(lines: FunctionLine[]): FunctionReport;
export declare function formatFunctionReport(report: FunctionReport): string;
