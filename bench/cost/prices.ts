// List prices the cost step multiplies its counts by, in US$, each with where it was read and
// when. A price that changes is one edit here; the counts the bench prints do not depend on it.
// Firebase and Cloud Run publish Tier 1 (Iowa-like) rates; São Paulo (southamerica-east1, where
// the functions run) is priced higher on some lines, so the dollar figures are a floor for it.
export const PRICES = {
  /** firebase.google.com/docs/firestore/pricing, multi-region rates (read 2026-12). */
  firestore: { perRead: 0.06 / 100_000, perWrite: 0.18 / 100_000, perDelete: 0.02 / 100_000 },
  /**
   * cloud.google.com/run/pricing, Tier 1, request-based billing (read 2026-12): what a function
   * costs while it handles a request (Cloud Functions 2nd gen are Cloud Run services).
   */
  run: { perVcpuSecond: 0.000024, perGibSecond: 0.0000025, perRequest: 0.4 / 1_000_000 },
  /**
   * The same page's idle rate for instances kept by minInstances (request-based billing, Tier 1),
   * as last published there; check it before relying on the monthly figure.
   */
  runIdle: { perVcpuSecond: 0.0000025, perGibSecond: 0.0000025 },
  /**
   * A function's size: 256 MiB (setGlobalOptions in functions/src/lib/options.ts) and the vCPU
   * firebase-tools gives 2nd-gen functions of that size when none is set (memoryToGen2Cpu: 1).
   */
  functionSize: { vcpu: 1, gib: 0.25 },
  /**
   * Relay: Twilio bills the bytes its TURN client sent plus received (twilio.com/docs/stun-turn/faq),
   * at a per-GB rate that varies by region (US rate shown; check Brazil's on twilio.com/stun-turn/pricing).
   * A self-hosted coturn pays its VM's internet egress once per relayed byte (Premium tier,
   * first-TB rate to the Americas, cloud.google.com/vpc/network-pricing) plus the VM itself.
   */
  relay: { twilioPerGb: 0.4, coturnEgressPerGb: 0.12 },
  asOf: '2026-12',
} as const;

/** Cloud Run bills a request's instance time rounded up to the next 100 ms. */
export const billedSeconds = (ms: number) => Math.ceil(ms / 100) / 10;

export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/** One instance kept warm for a month at the idle rate. */
export function idleInstanceMonthlyUsd(size = PRICES.functionSize): number {
  return SECONDS_PER_MONTH * (size.vcpu * PRICES.runIdle.perVcpuSecond + size.gib * PRICES.runIdle.perGibSecond);
}
