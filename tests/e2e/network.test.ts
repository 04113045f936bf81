// Calls across the networks patients really have, built by the test in network namespaces:
// symmetric NATs on both sides, a firewall that only lets TCP 443 out, and a phone walking from
// Wi-Fi to 4G mid-call. Each connects with frames both ways on the pair the network allows.
// The whole matrix (weak links, thin uplinks, a blackout, ten tries each) is in `npm run bench`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { printTrace, until } from '../../web/harness/driver';
import { framesBothWays, labCall, openLabWorld, pairKind, selectedPair, type LabCall, type LabWorld } from '../support/netlab';

let world: LabWorld;
const calls: LabCall[] = [];

beforeAll(async () => {
  world = await openLabWorld((lab) => {
    lab.router('clinic', { nat: 'symmetric' });
    lab.router('home', { nat: 'symmetric' });
    lab.router('guest', { nat: 'symmetric', filter: 'tcp443' });
    lab.router('wifi', { nat: 'eim' });
    lab.router('cell', { nat: 'symmetric' });
    lab.router('weak', { nat: 'eim' });
    lab.host('clin-nat', { via: ['clinic'] });
    lab.host('pat-nat', { via: ['home'] });
    lab.host('pat-443', { via: ['guest'] });
    lab.host('pat-phone', { via: ['wifi', 'cell'] });
    lab.host('pat-weak', { via: ['weak'] });
    lab.host('clin-pub', { via: 'internet' });
  });
}, 60_000);
afterEach(async () => {
  await Promise.all(calls.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  const lab = world?.lab;
  await world?.close();
  // Nothing the lab made is left on the machine.
  expect(lab?.leftovers() ?? []).toEqual([]);
});

describe('calls across real networks', () => {
  it('both sides behind symmetric NATs: relayed, connected at the first attempt', async () => {
    const c = await labCall(world, 'clin-nat', 'pat-nat');
    calls.push(c);
    const t0 = Date.now();
    const [ci, pi] = await framesBothWays(c);
    if (ci.iceRestarts + pi.iceRestarts > 0) await printTrace({ clinician: c.clinician, patient: c.patient }, t0, true);
    expect(pairKind(await selectedPair(c.clinician))).toBe('relay');
    expect(pairKind(await selectedPair(c.patient))).toBe('relay');
    expect([ci.iceRestarts, pi.iceRestarts, ci.error, pi.error]).toEqual([0, 0, null, null]);
  });

  it('a patient network that drops UDP and every TCP port but 443: relayed over TLS on 443', async () => {
    const c = await labCall(world, 'clin-pub', 'pat-443');
    calls.push(c);
    await framesBothWays(c);
    const pair = await selectedPair(c.patient);
    expect(pair?.local).toMatchObject({ type: 'relay', relayProtocol: 'tls' });
    expect(world.relayUrls.some((u) => u.startsWith('turns:') && u.includes(':443'))).toBe(true);
  });

  it('a phone leaving Wi-Fi for 4G mid-call: frames come back on both sides with no action', async () => {
    const c = await labCall(world, 'clin-pub', 'pat-phone');
    calls.push(c);
    await framesBothWays(c);
    const before = await selectedPair(c.patient);
    const switchedAt = Date.now();
    world.lab.switchTo('pat-phone', 'cell');
    // Media on the new network: the patient's pair no longer uses the Wi-Fi address, and frames grow on both sides from there.
    await until(() => selectedPair(c.patient), (p) => p !== null && p.local.address !== before?.local.address, 'a pair on the 4G network', 30_000);
    const [c0, p0] = await Promise.all([c.clinician.info(), c.patient.info()]);
    await framesBothWays(c, [c0.framesDecoded ?? 0, p0.framesDecoded ?? 0], 30_000);
    const gapMs = Date.now() - switchedAt;
    await printTrace({ clinician: c.clinician, patient: c.patient }, switchedAt);
    console.log(`Wi-Fi → 4G: frames back on both sides ${gapMs} ms after the switch (pair ${pairKind(before)} → ${pairKind(await selectedPair(c.patient))})`);
    const after = await Promise.all([c.clinician.info(), c.patient.info()]);
    expect(after.map((i) => [i.state, i.error])).toEqual([['connected', null], ['connected', null]]);
  });

  it('20 s of total loss on the patient’s side: both sides say they are reconnecting, and the call comes back by itself once the link does', async () => {
    const c = await labCall(world, 'clin-pub', 'pat-weak');
    calls.push(c);
    await framesBothWays(c);
    const weak = `${world.lab.prefix}-weak`;
    world.lab.iptables(weak, '-I', 'FORWARD', '-j', 'DROP');
    try {
      await Promise.all([
        until(() => c.clinician.info(), (i) => i.state === 'reconnecting', 'the clinician reconnecting', 15_000),
        until(() => c.patient.info(), (i) => i.state === 'reconnecting', 'the patient reconnecting', 15_000),
      ]);
      await new Promise((r) => setTimeout(r, 20_000 - 5_000));
    } finally {
      world.lab.iptables(weak, '-D', 'FORWARD', '-j', 'DROP');
    }
    const restoredAt = Date.now();
    const [c0, p0] = await Promise.all([c.clinician.info(), c.patient.info()]);
    await framesBothWays(c, [c0.framesDecoded ?? 0, p0.framesDecoded ?? 0], 60_000);
    console.log(`blackout: frames back on both sides ${Date.now() - restoredAt} ms after the restore (bench: net_blackout_recovery_ms)`);
    const after = await Promise.all([c.clinician.info(), c.patient.info()]);
    expect(after.map((i) => [i.state, i.error])).toEqual([['connected', null], ['connected', null]]);
  });
});
