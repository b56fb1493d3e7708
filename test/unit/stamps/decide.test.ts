import { DEFAULT_STAMP_POLICY, StampPolicy } from '../../../shared/stamps/config';
import { applySignal, decideRound, maxOut, minEjectionSeconds, RoundResult, StampDecision, StampSignal } from '../../../shared/stamps/decide';
import { newStampStatus, ProbeResult, StampStatus } from '../../../shared/stamps/model';
import { StampAlert } from '../../../shared/stamps/alerts';

const T0 = Date.parse('2026-11-28T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const ok = (seconds: number): ProbeResult => ({ ok: true, status: 200, detail: '200', latencyMs: 12, at: at(seconds) });
const fail = (seconds: number): ProbeResult => ({ ok: false, status: 503, detail: '503', latencyMs: 8, at: at(seconds) });

type Schedule = (stamp: string, round: number) => boolean | undefined;

interface Run {
  stamps: StampStatus[];
  /** Every decision with the round it was taken in. */
  log: Array<StampDecision & { round: number }>;
  last: RoundResult;
}

/** Runs `rounds` probe rounds on a virtual clock (one per probe interval) from the given statuses. */
function simulate(stamps: StampStatus[], schedule: Schedule, rounds: number, policy: StampPolicy = DEFAULT_STAMP_POLICY, opts: { from?: number; mode?: 'enforce' | 'observe' } = {}): Run {
  const log: Run['log'] = [];
  let current = stamps;
  let last: RoundResult = { stamps, decisions: [], failOpen: false };
  const from = opts.from ?? 0;
  for (let round = from; round < from + rounds; round++) {
    const now = round * policy.probeIntervalSeconds;
    const probes: Record<string, ProbeResult | undefined> = {};
    for (const s of current) {
      const verdict = schedule(s.name, round);
      if (verdict !== undefined) probes[s.name] = verdict ? ok(now) : fail(now);
    }
    last = decideRound({ stamps: current, probes, policy, now: at(now), mode: opts.mode ?? 'enforce' });
    log.push(...last.decisions.map((d) => ({ ...d, round })));
    current = last.stamps;
  }
  return { stamps: current, log, last };
}

const group = (...names: string[]) => names.map(newStampStatus);
const byName = (run: Run, name: string): StampStatus => {
  const s = run.stamps.find((x) => x.name === name);
  if (!s) throw new Error(`no stamp ${name}`);
  return s;
};
const healthyExcept = (failing: string[], fromRound = 0) => (stamp: string, round: number) => !(failing.includes(stamp) && round >= fromRound);

function signal(status: StampStatus, sig: StampSignal, policy: StampPolicy = DEFAULT_STAMP_POLICY, now = at(0)): StampStatus {
  return applySignal(status, sig, policy, now).status;
}

function alert(overrides: Partial<StampAlert> = {}): StampAlert {
  return { alertId: '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/A1', rule: 'stamp-weu-1-5xx', severity: 'Sev1', condition: 'Fired', kind: 'metric', signalType: 'Metric', monitoringService: 'Platform', targetIds: [], firedAt: at(0), detail: 'stamp-weu-1-5xx Fired', ...overrides };
}

describe('limits', () => {
  it.each([
    [1, 0], [2, 1], [3, 1], [4, 2], [5, 2], [6, 2], [7, 3], [20, 7],
  ])('of %i stamps at most %i are out with the default third', (n, expected) => {
    expect(maxOut(n, DEFAULT_STAMP_POLICY)).toBe(expected);
  });

  it.each([
    [0, 300], [1, 300], [2, 600], [5, 1500], [12, 3600], [40, 3600],
  ])('the minimum ejection time of ejection %i is %i s (5 min x n, capped at 60 min)', (count, seconds) => {
    expect(minEjectionSeconds(count, DEFAULT_STAMP_POLICY)).toBe(seconds);
  });
});

describe('decideRound: probes', () => {
  it('ejects a stamp on its third consecutive failed probe, passing through Suspect', () => {
    const states: string[] = [];
    let stamps = group('a', 'b', 'c');
    for (let round = 0; round < 3; round++) {
      const run = simulate(stamps, healthyExcept(['a']), 1, DEFAULT_STAMP_POLICY, { from: round });
      stamps = run.stamps;
      states.push(byName(run, 'a').state);
      if (round < 2) expect(run.log).toEqual([]);
      else expect(run.log).toEqual([expect.objectContaining({ stamp: 'a', action: 'Eject', enabledState: 'Disabled', why: '3 consecutive failed probes (503)' })]);
    }
    expect(states).toEqual(['Suspect', 'Suspect', 'Ejected']);
    expect(stamps.find((s) => s.name === 'a')).toMatchObject({ desired: 'Disabled', ejectionCount: 1, ejectedAt: at(60) });
  });

  it('a success while Suspect goes back to Healthy and resets the count', () => {
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && (r === 0 || r === 1 || r === 3 || r === 4)), 5);
    expect(byName(run, 'a')).toMatchObject({ state: 'Suspect', consecutiveFailures: 2, desired: 'Enabled' });
    expect(run.log).toEqual([]);
  });

  it('readmits only after 5 consecutive successes and the minimum ejection time (virtual clock)', () => {
    // Fails rounds 0-2 (ejected at 60 s), healthy from round 3 (90 s): 5 successes by 210 s, but the minimum
    // ejection time of the first ejection (300 s) runs until 360 s = round 12.
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && r < 3), 14);
    expect(run.log.map((d) => [d.round, d.action])).toEqual([[2, 'Eject'], [12, 'Readmit']]);
    expect(byName(run, 'a')).toMatchObject({ state: 'Healthy', desired: 'Enabled', lastTransition: { from: 'Probation', to: 'Healthy', at: at(360) } });
  });

  it('stays in Probation while the successes are too few, even when the minimum time has passed', () => {
    const policy = { ...DEFAULT_STAMP_POLICY, minEjectionSeconds: 0 };
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && r < 3), 7, policy);
    // Successes at rounds 3..7 would be needed; after round 6 it has 4.
    expect(byName(run, 'a')).toMatchObject({ state: 'Probation', consecutiveSuccesses: 4, desired: 'Disabled' });
    expect(run.log.map((d) => d.action)).toEqual(['Eject']);
  });

  it('a failure in Probation sends it back to Ejected, restarts the minimum time and does not count a new ejection', () => {
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && (r < 3 || r === 6)), 20);
    const a = byName(run, 'a');
    expect(a.ejectionCount).toBe(1);
    // Re-ejected at 180 s (round 6): readmitted at 180 + 300 = 480 s (round 16), not at 360 s.
    expect(run.log.map((d) => [d.round, d.action])).toEqual([[2, 'Eject'], [16, 'Readmit']]);
  });

  it('damps a flapping stamp: each ejection lasts longer, so writes stay bounded', () => {
    // The stamp fails 3 probes out of every 6 for six simulated hours.
    const rounds = (6 * 3600) / DEFAULT_STAMP_POLICY.probeIntervalSeconds;
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && r % 6 < 3), rounds);
    const ejects = run.log.filter((d) => d.action === 'Eject');
    const readmits = run.log.filter((d) => d.action === 'Readmit');
    const durations = readmits.map((r, i) => (r.round - (ejects[i]?.round ?? 0)) * DEFAULT_STAMP_POLICY.probeIntervalSeconds);
    // Without damping it would flap 120 times (every 6 rounds); with it, a handful of ejections, each longer.
    expect(ejects.length).toBeLessThanOrEqual(12);
    expect(durations.slice(0, 4).every((d, i, all) => i === 0 || d > (all[i - 1] ?? 0))).toBe(true);
    expect(durations.every((d) => d >= 300)).toBe(true);
    expect(byName(run, 'a').ejectionCount).toBe(ejects.length);
  });

  it('the ejection count decays after 24 h without an ejection', () => {
    const flapped = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && r < 3), 14);
    expect(byName(flapped, 'a').ejectionCount).toBe(1);
    const dayLater = (24 * 3600) / 30 + 2;
    const again = simulate(flapped.stamps, (s, r) => !(s === 'a' && r >= dayLater && r < dayLater + 3), 3, DEFAULT_STAMP_POLICY, { from: dayLater });
    expect(byName(again, 'a')).toMatchObject({ state: 'Ejected', ejectionCount: 1 });
    const soonAfter = simulate(flapped.stamps, (s, r) => !(s === 'a' && r >= 20 && r < 23), 3, DEFAULT_STAMP_POLICY, { from: 20 });
    expect(byName(soonAfter, 'a')).toMatchObject({ state: 'Ejected', ejectionCount: 2 });
  });
});

describe('decideRound: hard limits', () => {
  it('never disables the last enabled origin of a group', () => {
    const run = simulate(group('only'), () => false, 5);
    expect(byName(run, 'only')).toMatchObject({ state: 'Suspect', desired: 'Enabled' });
    // A group of one is all-unhealthy too: fail open is the reason recorded.
    expect(run.log.map((d) => d.action)).toEqual(['FailOpen']);
  });

  it('never disables the last enabled origin even when the fraction would allow it', () => {
    const policy = { ...DEFAULT_STAMP_POLICY, maxEjectedFraction: 1 };
    const run = simulate(group('a', 'b'), (s, r) => s === 'b' && r < 1000 ? true : false, 4, policy);
    // a fails; b healthy: a goes out (1 of 2 allowed at fraction 1 but never 2).
    expect(byName(run, 'a').desired).toBe('Disabled');
    const next = simulate(run.stamps, () => false, 4, policy, { from: 4 });
    expect(byName(next, 'b')).toMatchObject({ desired: 'Enabled' });
    expect(next.stamps.filter((s) => s.desired === 'Enabled')).toHaveLength(1);
  });

  it('ejects at most a third of the group (rounded up), worst first, and holds the rest in with a reason', () => {
    const run = simulate(group('a', 'b', 'c', 'd', 'e', 'f'), healthyExcept(['b', 'd', 'f']), 3);
    expect(run.stamps.filter((s) => s.desired === 'Disabled').map((s) => s.name)).toEqual(['b', 'd']);
    expect(byName(run, 'f')).toMatchObject({ state: 'Suspect', desired: 'Enabled', why: 'held in: 2 of 6 stamps are out already (at most 2); 3 consecutive failed probes (503)' });
    expect(run.log.map((d) => [d.stamp, d.action])).toEqual([['f', 'Held'], ['b', 'Eject'], ['d', 'Eject']]);
  });

  it('a held stamp goes out once another comes back', () => {
    const first = simulate(group('a', 'b', 'c'), healthyExcept(['a', 'b']), 3);
    expect(first.stamps.map((s) => s.desired)).toEqual(['Disabled', 'Enabled', 'Enabled']);
    // a recovers (readmitted at round 12 as above), b still fails.
    const later = simulate(first.stamps, (s) => s !== 'b', 12, DEFAULT_STAMP_POLICY, { from: 3 });
    expect(later.log.map((d) => [d.round, d.stamp, d.action])).toEqual([[12, 'a', 'Readmit'], [12, 'b', 'Eject']]);
  });

  it('fails open when every stamp looks unhealthy: nothing more goes out, FailOpen recorded once', () => {
    const run = simulate(group('a', 'b', 'c'), () => false, 6);
    expect(run.stamps.every((s) => s.desired === 'Enabled')).toBe(true);
    expect(run.last.failOpen).toBe(true);
    expect(run.log.map((d) => [d.round, d.stamp, d.action])).toEqual([[2, 'a', 'FailOpen'], [2, 'b', 'FailOpen'], [2, 'c', 'FailOpen']]);
  });

  it('fails open by restoring the least bad stamp when none is left in', () => {
    const ejected = (name: string): StampStatus => ({ ...newStampStatus(name), state: 'Ejected', desired: 'Disabled', ejectionCount: 1, ejectedAt: at(0), why: 'x' });
    let a = ejected('a');
    a = signal(a, { kind: 'alert', alert: alert() });
    const run = simulate([a, ejected('b')], () => false, 1);
    expect(run.stamps.map((s) => [s.name, s.desired, s.failOpen ?? false])).toEqual([['a', 'Disabled', false], ['b', 'Enabled', true]]);
    expect(run.log).toEqual([expect.objectContaining({ stamp: 'b', action: 'FailOpen', enabledState: 'Enabled' })]);
    // Once a stamp is healthy again the fail-open keep ends and the machine decides.
    const healed = simulate(run.stamps, (s) => s === 'b', 1, DEFAULT_STAMP_POLICY, { from: 1 });
    expect(byName(healed, 'b').failOpen).toBeUndefined();
  });
});

describe('decideRound: other signals', () => {
  it('a deleted stamp resource ejects at once, without a failed probe', () => {
    const [a, b, c] = group('a', 'b', 'c') as [StampStatus, StampStatus, StampStatus];
    const deleted = signal(a, { kind: 'deleted', resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app-a', at: at(0) });
    const run = simulate([deleted, b, c], () => true, 1);
    expect(run.log).toEqual([expect.objectContaining({ stamp: 'a', action: 'Eject', why: 'resource deleted: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app-a' })]);
    // It is written again: back through probation.
    const restored = signal(byName(run, 'a'), { kind: 'restored', resourceId: '/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.web/sites/app-a', at: at(30) });
    expect(restored.signals.deleted).toBeUndefined();
    expect(byName(simulate([restored, b, c], () => true, 1, DEFAULT_STAMP_POLICY, { from: 1 }), 'a').state).toBe('Probation');
  });

  it('a Fired alert ejects at once and holds the stamp out until Resolved', () => {
    const [a, b, c] = group('a', 'b', 'c') as [StampStatus, StampStatus, StampStatus];
    const fired = simulate([signal(a, { kind: 'alert', alert: alert() }), b, c], () => true, 20);
    expect(fired.log.map((d) => [d.round, d.action])).toEqual([[0, 'Eject']]);
    expect(byName(fired, 'a')).toMatchObject({ state: 'Ejected', desired: 'Disabled' });
    const resolved = signal(byName(fired, 'a'), { kind: 'alert', alert: alert({ condition: 'Resolved' }) });
    const after = simulate([resolved, ...fired.stamps.slice(1)], () => true, 5, DEFAULT_STAMP_POLICY, { from: 20 });
    expect(after.log.map((d) => [d.round, d.action])).toEqual([[24, 'Readmit']]);
  });

  it('an activity log alert that never resolves lapses after the hold time', () => {
    const policy = { ...DEFAULT_STAMP_POLICY, nonResolvingAlertHoldSeconds: 120 };
    const [a, b, c] = group('a', 'b', 'c') as [StampStatus, StampStatus, StampStatus];
    const held = signal(a, { kind: 'alert', alert: alert({ kind: 'activityLog', signalType: 'Activity Log' }) }, policy);
    expect(held.signals.alerts[0]?.until).toBe(at(120));
    const run = simulate([held, b, c], () => true, 20, policy);
    expect(byName(run, 'a').signals.alerts).toEqual([]);
    expect(run.log.map((d) => d.action)).toEqual(['Eject', 'Readmit']);
  });

  it.each<[string, 'Unavailable' | 'Degraded' | 'Available' | 'Unknown', boolean, boolean]>([
    ['Unavailable ejects', 'Unavailable', false, true],
    ['Degraded does not eject by default', 'Degraded', false, false],
    ['Degraded ejects when configured unhealthy', 'Degraded', true, true],
    ['Unknown does not eject', 'Unknown', false, false],
    ['Available does not eject', 'Available', false, false],
  ])('Health Resources event: %s', (_label, state, degradedIsUnhealthy, ejects) => {
    const policy = { ...DEFAULT_STAMP_POLICY, degradedIsUnhealthy };
    const [a, b, c] = group('a', 'b', 'c') as [StampStatus, StampStatus, StampStatus];
    const vm = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-a';
    const withHealth = signal(a, { kind: 'health', health: { resourceId: vm, availabilityState: state, occurredTime: at(0) } }, policy);
    const run = simulate([withHealth, b, c], () => true, 1, policy);
    expect(byName(run, 'a').desired).toBe(ejects ? 'Disabled' : 'Enabled');
  });

  it('Health Resources: Available clears Unavailable; an older event never overrides a newer one', () => {
    const vm = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-a';
    const down = signal(newStampStatus('a'), { kind: 'health', health: { resourceId: vm, availabilityState: 'Unavailable', occurredTime: at(10) } });
    const older = applySignal(down, { kind: 'health', health: { resourceId: vm.toLowerCase(), availabilityState: 'Available', occurredTime: at(5) } }, DEFAULT_STAMP_POLICY, at(20));
    expect(older.outcome).toBe('stale');
    const again = applySignal(down, { kind: 'health', health: { resourceId: vm, availabilityState: 'Unavailable', occurredTime: at(10) } }, DEFAULT_STAMP_POLICY, at(20));
    expect(again.outcome).toBe('duplicate');
    const up = applySignal(down, { kind: 'health', health: { resourceId: vm.toLowerCase(), availabilityState: 'Available', occurredTime: at(15) } }, DEFAULT_STAMP_POLICY, at(20));
    expect(up.outcome).toBe('applied');
    expect(up.status.signals.health).toEqual([{ resourceId: vm.toLowerCase(), availabilityState: 'Available', occurredTime: at(15) }]);
  });

  it('dedupes alerts on alert ID + condition; a Fired retried after Resolved is stale', () => {
    const first = applySignal(newStampStatus('a'), { kind: 'alert', alert: alert() }, DEFAULT_STAMP_POLICY, at(0));
    expect(first.outcome).toBe('applied');
    expect(applySignal(first.status, { kind: 'alert', alert: alert({ alertId: alert().alertId.toLowerCase() }) }, DEFAULT_STAMP_POLICY, at(1)).outcome).toBe('duplicate');
    const resolved = applySignal(first.status, { kind: 'alert', alert: alert({ condition: 'Resolved' }) }, DEFAULT_STAMP_POLICY, at(2));
    expect(resolved.outcome).toBe('applied');
    expect(resolved.status.signals.alerts).toEqual([]);
    expect(applySignal(resolved.status, { kind: 'alert', alert: alert() }, DEFAULT_STAMP_POLICY, at(3)).outcome).toBe('duplicate');
    // Out of order: the Resolved arrives first, the Fired (a retried delivery) after it does not fire again.
    const resolvedFirst = applySignal(newStampStatus('a'), { kind: 'alert', alert: alert({ condition: 'Resolved' }) }, DEFAULT_STAMP_POLICY, at(0));
    const lateFired = applySignal(resolvedFirst.status, { kind: 'alert', alert: alert() }, DEFAULT_STAMP_POLICY, at(1));
    expect(lateFired.outcome).toBe('stale');
    expect(lateFired.status.signals.alerts).toEqual([]);
    // A new firing is a new alert ID.
    const refired = applySignal(resolved.status, { kind: 'alert', alert: alert({ alertId: 'A2' }) }, DEFAULT_STAMP_POLICY, at(4));
    expect(refired.status.signals.alerts.map((x) => x.alertId)).toEqual(['a2']);
  });

  it('keeps a bounded number of alert keys', () => {
    let status = newStampStatus('a');
    for (let i = 0; i < 200; i++) status = signal(status, { kind: 'alert', alert: alert({ alertId: `A${i}` }) });
    expect(status.signals.seenAlerts.length).toBeLessThanOrEqual(50);
    expect(status.signals.alerts.length).toBeLessThanOrEqual(50);
  });
});

describe('decideRound: pins and observe mode', () => {
  const pin = (mode: 'out' | 'in' | 'auto', until?: string): StampSignal => ({ kind: 'pin', mode, reason: 'maintenance', by: 'ops@contoso', at: at(0), ...(until ? { until } : {}) });

  it('pin out drains a healthy stamp, even the last one (an operator overrides the limits)', () => {
    const run = simulate([signal(newStampStatus('only'), pin('out'))], () => true, 1);
    expect(run.log).toEqual([expect.objectContaining({ stamp: 'only', action: 'Eject', enabledState: 'Disabled', why: 'pinned out by ops@contoso: maintenance' })]);
  });

  it('pin in keeps a failing stamp in, and auto hands it back to the signals', () => {
    const [a, b, c] = group('a', 'b', 'c') as [StampStatus, StampStatus, StampStatus];
    const pinned = simulate([signal(a, pin('in')), b, c], healthyExcept(['a']), 4);
    expect(byName(pinned, 'a')).toMatchObject({ desired: 'Enabled', state: 'Suspect' });
    expect(pinned.log.map((d) => [d.stamp, d.action])).toEqual([['a', 'Held']]);
    const auto = simulate([signal(byName(pinned, 'a'), pin('auto')), ...pinned.stamps.slice(1)], healthyExcept(['a']), 1, DEFAULT_STAMP_POLICY, { from: 4 });
    expect(auto.log.map((d) => [d.stamp, d.action])).toEqual([['a', 'Eject']]);
  });

  it('a pin with until lapses back to automatic', () => {
    const run = simulate([signal(newStampStatus('a'), pin('out', at(90))), ...group('b', 'c')], () => true, 20);
    expect(run.log.map((d) => [d.round, d.action])).toEqual([[0, 'Eject'], [3, 'Readmit']]);
    expect(byName(run, 'a').pin).toBeUndefined();
  });

  it('observe mode records WouldEject and WouldReadmit with the same timing', () => {
    const run = simulate(group('a', 'b', 'c'), (s, r) => !(s === 'a' && r < 3), 14, DEFAULT_STAMP_POLICY, { mode: 'observe' });
    expect(run.log.map((d) => [d.round, d.action])).toEqual([[2, 'WouldEject'], [12, 'WouldReadmit']]);
  });
});
