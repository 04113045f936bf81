// ice_servers_p99_ratio: p99 latency of getIceServers with 50 concurrent callers, divided by
// the p99 of a no-op callable (same caller check and input edge) measured in the same run.
import type { ClientSession } from '../tests/support/emulators';
import { clinicianConsent, clinicianSession, consentingPatient, scheduleConsult } from './fixtures';
import { log, percentile, pool, round, type Metrics } from './lib';

const CALLERS = 50;
const ROUNDS = 3;

async function timedRound(callers: Array<{ session: ClientSession; consultId: string }>, name: string): Promise<number[]> {
  return Promise.all(
    callers.map(async ({ session, consultId }) => {
      const start = performance.now();
      try {
        await session.call(name, { consultId });
      } catch (error) {
        // Which of the two timed paths gave up, and after how long: the emulator or our code.
        throw new Error(`${name} failed after ${Math.round(performance.now() - start)} ms: ${String(error)}`);
      }
      return performance.now() - start;
    }),
  );
}

export async function measureIceServers(): Promise<Metrics> {
  const consults = CALLERS / 2;
  // One clinician per consult: the per-user rate limit must not shape the figure.
  const callers = (
    await pool(Array.from({ length: consults }, (_, i) => i), 5, async () => {
      const { session: clinician } = await clinicianSession();
      const { consultId, secret } = await scheduleConsult(clinician);
      await clinicianConsent(clinician, consultId);
      const patient = await consentingPatient(consultId, secret);
      return [{ session: clinician, consultId }, { session: patient.session, consultId }];
    })
  ).flat();

  // Warm both paths before measuring. The functions emulator starts one process per concurrent
  // request: ramp up so that 50 cold starts at once do not time out, and forgive the warm-up.
  for (const width of [5, 10, 25, CALLERS]) {
    for (const name of ['benchNoop', 'getIceServers']) {
      await Promise.allSettled(callers.slice(0, width).map(({ session, consultId }) => session.call(name, { consultId })));
    }
  }
  const noop: number[] = [];
  const ice: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    noop.push(...(await timedRound(callers, 'benchNoop')));
    ice.push(...(await timedRound(callers, 'getIceServers')));
  }
  const noopP99 = percentile(noop, 99);
  const iceP99 = percentile(ice, 99);
  log(`getIceServers p99 ${round(iceP99)} ms, no-op p99 ${round(noopP99)} ms (${CALLERS} concurrent, ${ice.length} calls each)`);
  await Promise.all(callers.map((c) => c.session.close()));
  return {
    ice_servers_p99_ratio: {
      value: round(iceP99 / noopP99, 2),
      unit: 'x',
      target: 1.5,
      better: 'lower',
      note: `p99 ${round(iceP99)} ms vs no-op ${round(noopP99)} ms, ${CALLERS} concurrent callers, ${ice.length} calls`,
    },
    ice_servers_p99_ms: { value: round(iceP99), unit: 'ms', target: 500, better: 'lower', note: 'absolute, on the emulator' },
  };
}
