/**
 * Drift checks of the stamps flow through the local host, the Durable engine, the local health endpoints and Front
 * Door in the ARM emulator. In observe mode the monitors write nothing, so an origin switched off behind the control
 * plane's back stays off: the drift check reports it against the stamp's decided state (and never repairs). In
 * enforce mode with drift.repair.stamps on, the run wakes the group's monitor, whose round writes the origin back
 * through the profile's writer (the stamps' own mechanism); the run never writes Front Door itself.
 */
import type { DriftItem, DriftRun } from '../../../shared/drift/model';
import { DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS } from '../../../local/demo/stamps';
import { FAST_POLICY, startStampWorld, until, type StampWorld } from '../stamps/support';
import { setDrift } from './support';
import { createTablesRecordStore } from '../../../shared/store/tables-store';

async function runDrift(world: StampWorld): Promise<DriftRun & { items: DriftItem[] }> {
  const started = await world.api('/api/drift/runs', { method: 'POST' });
  expect(started.status).toBe(202);
  const { runId } = started.body as { runId: string };
  return until(`drift run ${runId}`, async () => {
    const r = (await world.api(`/api/drift/runs/${runId}`)).body as DriftRun & { items: DriftItem[] };
    return r.status === 'Running' ? undefined : r;
  }, 90_000);
}

const disable = async (world: StampWorld, origin: string): Promise<void> => {
  await world.cdn.afdOrigins.beginUpdateAndWait(DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS.standard.name, DEMO_FRONT_DOORS.standard.originGroup, origin, { enabledState: 'Disabled' }, { updateIntervalInMs: 5 });
};

describe('drift checks: stamps', () => {
  let world: StampWorld;

  beforeAll(async () => {
    world = await startStampWorld({ CONTROL_PLANE_MODE: 'observe' });
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 0, repair: { stamps: true } });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  const run = () => runDrift(world);

  it('reports an origin whose enabledState differs from the stamp\'s decided state; observe mode never repairs', async () => {
    await until('weu-1 recorded Healthy and Enabled', async () => {
      const s = await world.stamp('weu-1');
      return s.state === 'Healthy' && s.desired === 'Enabled' ? true : undefined;
    }, 60_000);
    await disable(world, 'weu-1');
    expect(await world.origin('weu-1')).toBe('Disabled');

    const report = await run();
    expect(report.items.filter((i) => i.flow === 'stamps')).toEqual([
      expect.objectContaining({ kind: 'originStateDiffers', resource: 'weu-1', action: 'reported', actual: 'Front Door shows Disabled', note: 'CONTROL_PLANE_MODE is observe: nothing is repaired', link: '/api/stamps/weu-1' }),
    ]);
    expect(report.flows.find((f) => f.flow === 'stamps')?.inspected).toMatchObject({ originGroups: expect.any(Number), origins: expect.any(Number) });
    expect(await world.origin('weu-1')).toBe('Disabled');
  });
});

describe('drift checks: stamps, enforce mode', () => {
  let world: StampWorld;
  // A probe round an hour apart: between rounds a monitor reads and writes nothing unless it is woken, so an origin
  // switched off behind its back stays off until something wakes it.
  const SLOW_POLICY = { ...FAST_POLICY, probeIntervalSeconds: 3600 };
  type Audit = Array<{ action: string; outcome: string; reason: string; at: string }>;

  beforeAll(async () => {
    world = await startStampWorld({ CONTROL_PLANE_MODE: 'enforce' }, SLOW_POLICY);
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 0, repair: { stamps: false } });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  it('repairs an origin switched off behind the control plane\'s back by waking the stamp\'s monitor, whose writer writes it back', async () => {
    const stamp = await until('weu-1 recorded Healthy and Enabled by its monitor\'s first round', async () => {
      const s = await world.stamp('weu-1');
      return s.state === 'Healthy' && s.desired === 'Enabled' && (s.frontDoor as { enabledState?: string } | undefined)?.enabledState === 'Enabled' ? s : undefined;
    }, 60_000);
    const monitor = String(stamp.monitor);
    await disable(world, 'weu-1');

    // drift.repair.stamps off (the default): reported, and nothing writes it back (the monitor sleeps till its next probe round).
    const reported = await runDrift(world);
    expect(reported.mode).toBe('enforce');
    expect(reported.items.filter((i) => i.flow === 'stamps')).toEqual([
      expect.objectContaining({ kind: 'originStateDiffers', resource: 'weu-1', action: 'reported', actual: 'Front Door shows Disabled', note: 'drift.repair.stamps is off', link: '/api/stamps/weu-1' }),
    ]);
    expect(await world.origin('weu-1')).toBe('Disabled');
    const enables = async (): Promise<Audit> => ((await world.stamp('weu-1')).audit as Audit).filter((a) => a.action === 'enable');
    expect(await enables()).toEqual([]);

    // On: the run signals the monitor (repairStarted, naming it); the monitor's round writes the origin back.
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 0, repair: { stamps: true } });
    const started = await runDrift(world);
    expect(started.items.filter((i) => i.flow === 'stamps')).toEqual([
      expect.objectContaining({ kind: 'originStateDiffers', resource: 'weu-1', action: 'repairStarted', repairInstanceId: monitor, note: 'signalled the stamp\'s orchestration' }),
    ]);
    await until('weu-1 enabled again in Front Door', async () => ((await world.origin('weu-1')) === 'Enabled' ? true : undefined), 60_000);
    // Written by the stamps' own writer, as any of the monitor's decisions is: audited as an enable of the monitor's round.
    const enabled = await until('the writer\'s audit entry', async () => {
      const found = await enables();
      return found.length > 0 ? found : undefined;
    });
    expect(enabled).toEqual([expect.objectContaining({ outcome: 'succeeded', reason: expect.stringContaining('Front Door shows Disabled, the flow decided Enabled') })]);
    expect(await world.origin('weu-1')).toBe('Enabled');

    // With a wait for repairs, the run reads the origin again after the monitor's write and reports it repaired.
    await disable(world, 'weu-1');
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 30, repair: { stamps: true } });
    const repaired = await runDrift(world);
    expect(repaired.items.filter((i) => i.flow === 'stamps')).toEqual([
      expect.objectContaining({ kind: 'originStateDiffers', resource: 'weu-1', action: 'repaired', repairInstanceId: monitor, note: expect.stringContaining('a direct read shows it as desired') }),
    ]);
    expect(repaired.actions).toMatchObject({ repaired: 1 });
    expect(await world.origin('weu-1')).toBe('Enabled');
    expect(await enables()).toHaveLength(2);
  }, 240_000);

  it('counts a stamp\'s decided state and Front Door writes as its recent changes, not its monitor recording a round', async () => {
    // As a monitor that has run for an hour leaves it: its record written by a round a moment ago, its condition,
    // state and last write an hour old.
    const records = createTablesRecordStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const age = async (lastWriteAt: string): Promise<void> => {
      const current = await records.getRecord('stamp', 'weu-1');
      if (!current) throw new Error('weu-1 has no record');
      const details = current.details as { lastTransition?: unknown; frontDoor?: Record<string, unknown> };
      await records.putRecord({
        ...current,
        condition: { ...current.condition, lastTransitionTime: hourAgo },
        details: { ...details, lastTransition: null, frontDoor: { ...details.frontDoor, lastWrite: { enabledState: 'Enabled', ok: true, acceptedAt: lastWriteAt } } },
        updatedAt: new Date().toISOString(),
      });
    };
    await disable(world, 'weu-1');
    await age(hourAgo);
    setDrift({ recentChangeMinutes: 5, repairWaitSeconds: 0, repair: { stamps: false } });
    const quiet = await runDrift(world);
    expect(quiet.items.filter((i) => i.flow === 'stamps')).toEqual([expect.objectContaining({ resource: 'weu-1', action: 'reported', note: 'drift.repair.stamps is off' })]);

    // A Front Door write a minute ago is a recent change: left to the monitor.
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    await age(minuteAgo);
    const recent = await runDrift(world);
    expect(recent.items.filter((i) => i.flow === 'stamps')).toEqual([expect.objectContaining({ resource: 'weu-1', action: 'skippedRecentChange', note: `its record changed at ${minuteAgo}, within drift.recentChangeMinutes (5)` })]);
  }, 240_000);
});
