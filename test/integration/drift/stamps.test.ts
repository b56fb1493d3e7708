/**
 * Drift checks of the stamps flow through the local host, the Durable engine, the local health endpoints and Front
 * Door in the ARM emulator. In observe mode the monitors write nothing, so an origin switched off behind the control
 * plane's back stays off: the drift check reports it against the stamp's decided state (and never repairs).
 */
import type { DriftItem, DriftRun } from '../../../shared/drift/model';
import { DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS } from '../../../local/demo/stamps';
import { startStampWorld, until, type StampWorld } from '../stamps/support';
import { setDrift } from './support';

describe('drift checks: stamps', () => {
  let world: StampWorld;

  beforeAll(async () => {
    world = await startStampWorld({ CONTROL_PLANE_MODE: 'observe' });
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 0, repair: { stamps: true } });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  const run = async (): Promise<DriftRun & { items: DriftItem[] }> => {
    const started = await world.api('/api/drift/runs', { method: 'POST' });
    expect(started.status).toBe(202);
    const { runId } = started.body as { runId: string };
    return until(`drift run ${runId}`, async () => {
      const r = (await world.api(`/api/drift/runs/${runId}`)).body as DriftRun & { items: DriftItem[] };
      return r.status === 'Running' ? undefined : r;
    }, 60_000);
  };

  it('reports an origin whose enabledState differs from the stamp\'s decided state; observe mode never repairs', async () => {
    await until('weu-1 recorded Healthy and Enabled', async () => {
      const s = await world.stamp('weu-1');
      return s.state === 'Healthy' && s.desired === 'Enabled' ? true : undefined;
    }, 60_000);
    await world.cdn.afdOrigins.beginUpdateAndWait(DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS.standard.name, DEMO_FRONT_DOORS.standard.originGroup, 'weu-1', { enabledState: 'Disabled' }, { updateIntervalInMs: 5 });
    expect(await world.origin('weu-1')).toBe('Disabled');

    const report = await run();
    expect(report.items.filter((i) => i.flow === 'stamps')).toEqual([
      expect.objectContaining({ kind: 'originStateDiffers', resource: 'weu-1', action: 'reported', actual: 'Front Door shows Disabled', note: 'CONTROL_PLANE_MODE is observe: nothing is repaired', link: '/api/stamps/weu-1' }),
    ]);
    expect(report.flows.find((f) => f.flow === 'stamps')?.inspected).toMatchObject({ originGroups: expect.any(Number), origins: expect.any(Number) });
    expect(await world.origin('weu-1')).toBe('Disabled');
  });
});
