import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock';
import { DEFAULT_RECOVERY, RecoveryPolicy, createRecovery, type RecoveryAction, type RecoveryEvent } from './recovery';

type Acted = Exclude<RecoveryAction, { type: 'arm' | 'cancel' }>['type'];

/** The policy on a fake clock, with what it did recorded as [ms since start, action]. */
function recovery(role: 'clinician' | 'patient') {
  const clock = new FakeClock();
  const t0 = clock.now();
  const log: Array<[number, Acted]> = [];
  const r = createRecovery({ polite: role === 'patient', timing: DEFAULT_RECOVERY, clock, act: (a) => log.push([clock.now() - t0, a.type]) });
  const send = (...events: RecoveryEvent[]) => events.forEach((e) => r.handle(e));
  const did = (type: Acted) => log.filter(([, t]) => t === type).map(([at]) => at);
  /** A bound call whose media flows. */
  const connectedCall = () => {
    send({ type: 'connection-replaced' }, { type: 'remote-present' }, { type: 'connection', state: 'connected' });
    log.length = 0;
  };
  return { clock, log, send, did, connectedCall, t0 };
}

describe('the recovery policy, on a fake clock', () => {
  it('a connection that stays disconnected past the grace is restarted, then retried every 1.5 s while it stays down', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'connection', state: 'disconnected' });
    expect(r.did('media-interrupted')).toEqual([0]);
    r.clock.advance(1499);
    expect(r.did('restart-ice')).toEqual([]);
    r.clock.advance(1);
    expect(r.did('restart-ice')).toEqual([1500]);
    r.clock.advance(3000);
    expect(r.did('restart-ice')).toEqual([1500, 3000, 4500]);
  });

  it('the patient waits longer than the clinician before restarting, so that usually only one side offers', () => {
    const r = recovery('patient');
    r.connectedCall();
    r.send({ type: 'connection', state: 'disconnected' });
    r.clock.advance(2249);
    expect(r.did('restart-ice')).toEqual([]);
    r.clock.advance(1);
    expect(r.did('restart-ice')).toEqual([2250]);
    r.clock.advance(3000);
    expect(r.did('restart-ice')).toEqual([2250, 5250]);
  });

  it('the device changing networks restarts ICE at once on either side, without telling the person of an interruption', () => {
    for (const role of ['clinician', 'patient'] as const) {
      const r = recovery(role);
      r.connectedCall();
      r.send({ type: 'network-changed' });
      expect(r.did('restart-ice')).toEqual([0]);
      expect(r.did('media-interrupted')).toEqual([]);
      // Media that keeps flowing on the new path: nothing more happens.
      r.clock.advance(10_000);
      expect(r.did('restart-ice')).toEqual([0]);
    }
    // Alone in the call, there is nobody to reconnect to.
    const alone = recovery('patient');
    alone.send({ type: 'connection-replaced' }, { type: 'network-changed' });
    expect(alone.did('restart-ice')).toEqual([]);
  });

  it('a connection that comes back within the grace costs no restart, and the call shows connected again', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'connection', state: 'disconnected' });
    r.clock.advance(800);
    r.send({ type: 'connection', state: 'connected' });
    r.clock.advance(60_000);
    expect(r.did('restart-ice')).toEqual([]);
    expect(r.log.map(([, t]) => t)).toEqual(['media-interrupted', 'clear-error', 'media-connected']);
    expect(r.clock.pending).toBe(0);
  });

  it('a failed connection is restarted at once by the clinician, and a second later by the patient', () => {
    const clinician = recovery('clinician');
    clinician.connectedCall();
    clinician.send({ type: 'connection', state: 'failed' });
    clinician.clock.advance(0);
    expect(clinician.did('restart-ice')).toEqual([0]);

    const patient = recovery('patient');
    patient.connectedCall();
    patient.send({ type: 'connection', state: 'failed' });
    patient.clock.advance(999);
    expect(patient.did('restart-ice')).toEqual([]);
    patient.clock.advance(1);
    expect(patient.did('restart-ice')).toEqual([1000]);
  });

  it('media that stops arriving on a connection still called connected is restarted after two silent samples (three for the patient)', () => {
    const clinician = recovery('clinician');
    clinician.connectedCall();
    clinician.send({ type: 'stats', connected: true, stalled: true });
    expect(clinician.did('restart-ice')).toEqual([]);
    clinician.send({ type: 'stats', connected: true, stalled: true });
    expect(clinician.did('media-interrupted')).toEqual([0]);
    expect(clinician.did('restart-ice')).toEqual([0]);

    const patient = recovery('patient');
    patient.connectedCall();
    patient.send({ type: 'stats', connected: true, stalled: true }, { type: 'stats', connected: true, stalled: true });
    expect(patient.did('restart-ice')).toEqual([]);
    patient.send({ type: 'stats', connected: true, stalled: true });
    expect(patient.did('restart-ice')).toEqual([0]);
  });

  it('a stall restarts once: samples taken while the restart has the connection not connected restart nothing more', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'stats', connected: true, stalled: true }, { type: 'stats', connected: true, stalled: true });
    expect(r.did('restart-ice')).toEqual([0]);
    r.send({ type: 'connection', state: 'disconnected' });
    for (let i = 0; i < 5; i++) r.send({ type: 'stats', connected: false, stalled: false });
    expect(r.did('restart-ice')).toEqual([0]);
  });

  it('media flowing again after a stall shows the call connected and stops the retries', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'stats', connected: true, stalled: true }, { type: 'stats', connected: true, stalled: true });
    r.clock.advance(1500);
    expect(r.did('restart-ice')).toEqual([0, 1500]);
    r.send({ type: 'stats', connected: true, stalled: false });
    expect(r.did('media-connected')).toEqual([1500]);
    r.clock.advance(1500);
    expect(r.did('restart-ice')).toEqual([0, 1500]);
  });

  it('a call that never connects escalates: an ICE restart at 6 s, a new connection at 12 s and 18 s, then tells the person', () => {
    const r = recovery('clinician');
    r.send({ type: 'connection-replaced' }, { type: 'remote-present' });
    r.clock.advance(6000);
    expect(r.did('restart-ice')).toEqual([6000]);
    r.clock.advance(6000);
    expect(r.did('new-connection')).toEqual([12_000]);
    expect(r.did('give-up')).toEqual([]);
    r.clock.advance(6000);
    expect(r.did('new-connection')).toEqual([12_000, 18_000]);
    expect(r.did('give-up')).toEqual([18_000]);
    r.clock.advance(6000);
    expect(r.did('give-up')).toEqual([18_000, 24_000]);
    r.clock.advance(600_000);
    // Four steps, then it waits for the other side's next session.
    expect(r.log.length).toBe(5);
    expect(r.clock.pending).toBe(0);
  });

  it('the other side arriving again (a reload) starts the escalation over', () => {
    const r = recovery('clinician');
    r.send({ type: 'connection-replaced' }, { type: 'remote-present' });
    r.clock.advance(12_000);
    expect(r.did('new-connection')).toEqual([12_000]);
    r.send({ type: 'remote-left' }, { type: 'remote-present' });
    r.clock.advance(5999);
    expect(r.did('restart-ice')).toEqual([6000]);
    r.clock.advance(1);
    expect(r.did('restart-ice')).toEqual([6000, 18_000]);
  });

  it('nobody to restart with: no restart is asked for while the other side is away', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'remote-left' }, { type: 'connection', state: 'disconnected' });
    r.clock.advance(120_000);
    expect(r.did('restart-ice')).toEqual([]);
    expect(r.did('new-connection')).toEqual([]);
  });

  it('retries stop after twenty, and the end of the call cancels every timer', () => {
    const r = recovery('clinician');
    r.connectedCall();
    r.send({ type: 'connection', state: 'disconnected' });
    r.clock.advance(120_000);
    // One at the grace, twenty retries 1.5 s apart, and the watchdog's first step at 6 s.
    const retries = Array.from({ length: 20 }, (_, i) => 3000 + i * 1500);
    expect(r.did('restart-ice')).toEqual([1500, 3000, 4500, 6000, 6000, ...retries.slice(3)]);
    expect(r.did('new-connection')).toEqual([12_000, 18_000]);
    const before = r.log.length;
    r.send({ type: 'ended' });
    r.clock.advance(600_000);
    expect(r.log.length).toBe(before);
    expect(r.clock.pending).toBe(0);
  });

  it('is a pure policy: the same events give the same actions, timers included', () => {
    const events: RecoveryEvent[] = [
      { type: 'connection-replaced' },
      { type: 'remote-present' },
      { type: 'connection', state: 'connected' },
      { type: 'connection', state: 'disconnected' },
      { type: 'timer', timer: 'grace' },
    ];
    const run = () => {
      const policy = new RecoveryPolicy(false, DEFAULT_RECOVERY);
      return events.map((e) => policy.handle(e));
    };
    expect(run()).toEqual(run());
    expect(run()[4]).toEqual([{ type: 'restart-ice' }, { type: 'arm', timer: 'retry', ms: 1500 }]);
  });
});
