/**
 * Drift checks of the peering flow through the local host, the Durable engine and the ARM emulator: drift made while
 * event delivery is paused (so only the check can see it), found by a run, repaired (or not) as the policy says.
 */
import { ids } from '../../../local/demo';
import { createVnet, getSpoke, quiesce, settledSpoke, startWorld, until, POLL, type PeeringWorld } from '../peering/support';
import { endedRun, eventGrid, getRun, itemsFor, runDrift, setDrift, type RunView } from './support';
import { apiFetch } from '../operator-token';
import { TableClient } from '@azure/data-tables';
import { createTablesDriftStore, DRIFT_ITEMS_TABLE } from '../../../shared/drift/store';
import { newRunId, runStart } from '../../../shared/drift/model';
import { DRIFT_INSTANCE_ID } from '../../../orchestrations/drift/names';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';
const REPAIR_ALL = { repair: { peering: true, dns: true }, recentChangeMinutes: 0, repairWaitSeconds: 30 };

describe('drift checks: peering', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    world = await startWorld();
    setDrift(REPAIR_ALL);
    await quiesce(world);
    // A first run repairs whatever the demo world started with, so each test sees only its own drift.
    await runDrift(world);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(async () => {
    world.embedded.arm.faults.clear();
    await eventGrid(world, 'resume');
    setDrift(REPAIR_ALL);
  });

  const net = () => world.network(PAYMENTS);
  const peeringsOf = async (vnetId: string) => {
    const [, , sub, , rg, , , , name] = vnetId.split('/');
    const out = [];
    for await (const p of world.network(sub as string).virtualNetworkPeerings.list(rg as string, name as string)) out.push(p);
    return out;
  };
  const peeringTo = async (vnetId: string, remoteId: string) => (await peeringsOf(vnetId)).find((p) => p.remoteVirtualNetwork?.id?.toLowerCase() === remoteId.toLowerCase());
  const newSpoke = async (name: string, prefix: string, tags?: Record<string, string>): Promise<string> => {
    const id = ids.vnet(PAYMENTS, 'rg-payments-weu', name);
    await createVnet(world, id, { location: 'westeurope', prefixes: [prefix], ...(tags ? { tags } : {}) });
    await settledSpoke(world, id, 'Converged');
    return id;
  };

  it('finds a spoke-side peering deleted while events were lost, and repairs it through the spoke\'s orchestration', async () => {
    const spoke = await newSpoke('vnet-drift-missing', '10.70.0.0/24');
    const spokeSide = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-missing', spokeSide?.name ?? '', POLL);
    await eventGrid(world, 'resume');

    const run = await runDrift(world);
    const items = itemsFor(run, spoke);
    expect(items.map((i) => i.kind).sort()).toEqual(['missingPeering', 'peeringDisconnected']);
    expect(items.map((i) => i.action)).toEqual(['repaired', 'repaired']);
    expect(items[0]?.link).toBe(`/api/spokes/${PAYMENTS}/rg-payments-weu/vnet-drift-missing`);
    expect(run.status).toBe('Completed');
    expect(run.flows.find((f) => f.flow === 'peering')?.inspected).toMatchObject({ subscriptions: expect.any(Number), vnets: expect.any(Number), hubs: 2 });
    await settledSpoke(world, spoke, 'Converged');
    expect(await peeringTo(spoke, world.hubWeu)).toMatchObject({ peeringState: 'Connected' });

    // A second run finds nothing more about it.
    expect(itemsFor(await runDrift(world), spoke)).toEqual([]);
  });

  it('reports wrong flags without repairing when drift.repair.peering is off', async () => {
    const spoke = await newSpoke('vnet-drift-flags', '10.70.1.0/24');
    const side = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-payments-weu', 'vnet-drift-flags', side?.name ?? '', { ...side, allowForwardedTraffic: false }, POLL);
    await eventGrid(world, 'resume');
    setDrift({ ...REPAIR_ALL, repair: { peering: false } });

    const run = await runDrift(world);
    const items = itemsFor(run, spoke);
    expect(items).toEqual([expect.objectContaining({ kind: 'wrongPeering', action: 'reported', note: 'drift.repair.peering is off' })]);
    expect(await peeringTo(spoke, world.hubWeu)).toMatchObject({ allowForwardedTraffic: false });
  });

  it('skips a spoke whose record changed within the recent-change window', async () => {
    const spoke = await newSpoke('vnet-drift-recent', '10.70.2.0/24');
    const side = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-recent', side?.name ?? '', POLL);
    await eventGrid(world, 'resume');
    setDrift({ ...REPAIR_ALL, recentChangeMinutes: 60 });

    const run = await runDrift(world);
    // The spoke side is gone and the hub side Disconnected: two items, both skipped.
    expect(itemsFor(run, spoke).map((i) => i.kind).sort()).toEqual(['missingPeering', 'peeringDisconnected']);
    for (const item of itemsFor(run, spoke)) expect(item).toMatchObject({ action: 'skippedRecentChange', note: expect.stringMatching(/within drift.recentChangeMinutes \(60\)/) });
    expect(await peeringTo(spoke, world.hubWeu)).toBeUndefined();
  });

  it('reports the orphan hub-side peering left on the old hub by a spoke that moved hubs (orphan removal off)', async () => {
    const spoke = await newSpoke('vnet-drift-moved', '10.70.3.0/24');
    const oldHubSide = await peeringTo(world.hubWeu, spoke);
    await eventGrid(world, 'pause');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.70.3.0/24'], tags: { 'hubspoke-hub': 'northeurope' } });
    await eventGrid(world, 'resume');

    const run = await runDrift(world);
    const orphan = run.items.find((i) => i.kind === 'orphanPeering' && i.resource.toLowerCase() === (oldHubSide?.id ?? '').toLowerCase());
    expect(orphan).toMatchObject({ action: 'reported', actual: 'the spoke now belongs to hub northeurope' });
    // The spoke itself drifted too (no peering with its new hub): repaired through its orchestration.
    expect(itemsFor(run, spoke).map((i) => `${i.kind}:${i.action}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^missingPeering:(repaired|repairStarted)$/)]));
    await settledSpoke(world, spoke, 'Converged');
    expect(await peeringTo(world.hubNeu, spoke)).toMatchObject({ peeringState: 'Connected' });
    expect(await peeringTo(world.hubWeu, spoke)).toBeDefined();
  });

  it('removes the orphan left on the old hub by a spoke that moved hubs through that hub\'s writer when drift.repair.orphans is on, with an audit entry', async () => {
    const spoke = await newSpoke('vnet-drift-moved2', '10.70.8.0/24');
    const oldHubSide = await peeringTo(world.hubWeu, spoke);
    expect(oldHubSide).toBeDefined();
    await eventGrid(world, 'pause');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.70.8.0/24'], tags: { 'hubspoke-hub': 'northeurope' } });
    await eventGrid(world, 'resume');
    setDrift({ ...REPAIR_ALL, repair: { peering: true, dns: true, orphans: true } });

    const run = await runDrift(world);
    const orphan = run.items.find((i) => i.kind === 'orphanPeering' && i.resource.toLowerCase() === (oldHubSide?.id ?? '').toLowerCase());
    expect(orphan).toMatchObject({ action: 'repaired', actual: 'the spoke now belongs to hub northeurope', note: expect.stringMatching(/writer queue.*the writer says: deleted/), repairInstanceId: expect.stringMatching(/^drift-orphan-/) });
    expect(await peeringTo(world.hubWeu, spoke)).toBeUndefined();
    await settledSpoke(world, spoke, 'Converged');
    expect(await peeringTo(world.hubNeu, spoke)).toMatchObject({ peeringState: 'Connected' });
    const audit = ((await getSpoke(world, spoke)) as unknown as { audit: Array<{ action: string; target?: string; outcome: string; reason: string; trigger?: { correlationId?: string } }> }).audit;
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'delete', outcome: 'succeeded', target: expect.stringMatching(new RegExp(`${oldHubSide?.name ?? 'none'}$`)), reason: expect.stringContaining(`drift run ${run.runId}: orphan`), trigger: expect.objectContaining({ correlationId: run.runId }) })]));
    // The next run finds no orphan on the old hub.
    expect((await runDrift(world)).items.filter((i) => i.kind === 'orphanPeering' && i.resource.toLowerCase() === (oldHubSide?.id ?? '').toLowerCase())).toEqual([]);
  });

  it('finds the record of a VNet deleted while events were lost: Deleted with when and why, and its hub-side peering removed', async () => {
    const spoke = await newSpoke('vnet-drift-gone', '10.70.4.0/24');
    await eventGrid(world, 'pause');
    await net().virtualNetworks.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-gone', POLL);
    await eventGrid(world, 'resume');
    expect((await getSpoke(world, spoke))?.condition?.reason).toBe('Converged');

    const run = await runDrift(world);
    const kinds = itemsFor(run, spoke).map((i) => i.kind);
    expect(kinds).toContain('goneResource');
    const view = await until('the record to say Deleted', async () => {
      const v = await getSpoke(world, spoke);
      return v?.condition?.reason === 'Deleted' ? v : undefined;
    });
    expect(view.condition?.lastTransitionTime).toEqual(expect.any(String));
    expect(view.condition?.message).toEqual(expect.any(String));
    expect(await peeringTo(world.hubWeu, spoke)).toBeUndefined();
    // DELETE forgets the record of the VNet that is gone.
    const res = await apiFetch(`${world.embedded.baseUrl}/api/spokes/${PAYMENTS}/rg-payments-weu/vnet-drift-gone`, { method: 'DELETE' });
    expect(res.status).toBe(200);
  });

  it('keeps what it found when a list call fails mid-run, and says what it did not inspect', async () => {
    const spoke = await newSpoke('vnet-drift-partial', '10.70.5.0/24');
    const side = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-partial', side?.name ?? '', POLL);
    await eventGrid(world, 'resume');
    const analytics = 'b0000000-0000-4000-8000-0000000000b1';
    world.embedded.arm.faults.add({ method: 'GET', path: `/subscriptions/${analytics}/providers/Microsoft.Network/virtualNetworks`, effect: { kind: 'http', status: 500, code: 'InternalServerError', message: 'list broke' } });

    const run = await runDrift(world);
    expect(run.status).toBe('Partial');
    expect(run.flows.find((f) => f.flow === 'peering')?.notInspected).toEqual(expect.arrayContaining([expect.objectContaining({ scope: analytics, error: expect.stringMatching(/InternalServerError/) })]));
    expect(itemsFor(run, spoke).map((i) => i.kind)).toContain('missingPeering');
    const text = await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/${run.runId}?format=text`)).text();
    expect(text).toContain(`NOT inspected ${analytics}`);
    expect(text).toContain('missingPeering');
  });

  it('ends Failed, keeping the other flows\' inspections and naming what it did not inspect, when the report\'s store fails mid-run', async () => {
    // A run first, so the report store of this configuration has made its tables; then the items table goes away.
    await runDrift(world);
    const spoke = await newSpoke('vnet-drift-store', '10.70.7.0/24');
    const side = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-store', side?.name ?? '', POLL);
    await eventGrid(world, 'resume');
    await quiesce(world);
    const connectionString = process.env.TABLES_CONNECTION_STRING ?? '';
    const itemsTable = TableClient.fromConnectionString(connectionString, DRIFT_ITEMS_TABLE, { allowInsecureConnection: true });
    await itemsTable.deleteTable();
    try {
      const res = await apiFetch(`${world.embedded.baseUrl}/api/drift/runs`, { method: 'POST' });
      expect(res.status).toBe(202);
      const { runId } = (await res.json()) as { runId: string };
      const reports = createTablesDriftStore({ connectionString });
      const ended = await until('the run to end despite its store', async () => {
        const r = await reports.getRun(runId);
        return r && r.status !== 'Running' ? r : undefined;
      }, 60_000);
      expect(ended.status).toBe('Failed');
      expect(ended.endedAt).toEqual(expect.any(String));
      expect(ended.error).toMatch(/^the peering detector failed: the report could not keep its \d+ item\(s\): .*table specified does not exist.*; the report's items could not be read: .*table specified does not exist/);
      expect(ended.flows.map((f) => f.flow)).toEqual(['peering', 'dns', 'egress', 'stamps']);
      expect(ended.flows.find((f) => f.flow === 'peering')?.notInspected).toEqual([expect.objectContaining({ scope: 'the peering detector', error: expect.stringMatching(/^the report could not keep its \d+ item\(s\): /) })]);
      // A flow whose detector ended keeps its inspection.
      expect(ended.flows.find((f) => f.flow === 'dns')?.inspected).toMatchObject({ subscriptions: expect.any(Number) });
    } finally {
      await itemsTable.createTable();
    }
    await quiesce(world);
  });

  it('answers a report left Running by a run that no longer runs as Failed, saying so', async () => {
    await quiesce(world);
    // Long ago, so it is never the latest run.
    const runId = newRunId(new Date('2020-01-01T00:00:00.000Z'), 'dead01');
    await createTablesDriftStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' }).putRun({ runId, status: 'Running', trigger: 'timer', mode: 'enforce', startedAt: runStart(runId) ?? '', flows: [], counts: {}, actions: {}, itemCount: 0 });
    const dead = { runId, status: 'Failed', error: expect.stringMatching(/ended without writing the report's end \(the drift instance has since run dr-/) };
    // The list shows it as the run itself does (the stored report still says Running).
    const list = (await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs?limit=100`)).json()) as { runs: RunView[] };
    expect(list.runs.find((r) => r.runId === runId)).toMatchObject(dead);
    expect(list.runs.filter((r) => r.status === 'Running')).toEqual([]);
    expect(await getRun(world, runId)).toMatchObject(dead);
  });

  it('shows a run whose orchestration was terminated mid-run as Failed in the list, as latest and as itself', async () => {
    await quiesce(world);
    // The peering detector's VNet list answers 429 with a long Retry-After (20 s each): the run holds there, its
    // report saying Running, while it is terminated.
    world.embedded.arm.faults.add({ method: 'GET', path: /\/providers\/Microsoft\.Network\/virtualNetworks$/i, effect: { kind: 'http', status: 429, retryAfterSeconds: 4000 }, times: 2 });
    const res = await apiFetch(`${world.embedded.baseUrl}/api/drift/runs`, { method: 'POST' });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const reports = createTablesDriftStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' });
    await until('the run\'s report saying Running', async () => ((await reports.getRun(runId))?.status === 'Running' ? true : undefined));
    expect(await getRun(world, runId)).toMatchObject({ runId, status: 'Running' });
    await world.embedded.engine.terminate(DRIFT_INSTANCE_ID, 'drift test: a run that dies mid-run');
    const dead = { runId, status: 'Failed', error: expect.stringMatching(/ended without writing the report's end \(its orchestration is Terminated\)/) };
    await until('the run shown Failed', async () => ((await getRun(world, runId)).status === 'Failed' ? true : undefined));
    const list = (await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs?limit=3`)).json()) as { count: number; runs: RunView[] };
    expect(list.runs[0]).toMatchObject(dead);
    expect(list.count).toBe(3);
    expect(await getRun(world, runId)).toMatchObject(dead);
    expect((await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/latest`)).json()) as RunView).toMatchObject(dead);
    // The stored report is left as the run left it.
    expect((await reports.getRun(runId))?.status).toBe('Running');
    world.embedded.arm.faults.clear();
    await quiesce(world);
  });

  it('never repairs in observe mode: every item is reported', async () => {
    const spoke = await newSpoke('vnet-drift-observe', '10.70.6.0/24');
    const side = await peeringTo(spoke, world.hubWeu);
    await eventGrid(world, 'pause');
    await net().virtualNetworkPeerings.beginDeleteAndWait('rg-payments-weu', 'vnet-drift-observe', side?.name ?? '', POLL);
    await eventGrid(world, 'resume');
    const saved = process.env.CONTROL_PLANE_MODE;
    process.env.CONTROL_PLANE_MODE = 'observe';
    try {
      const run = await runDrift(world);
      expect(run.mode).toBe('observe');
      expect(itemsFor(run, spoke).length).toBeGreaterThan(0);
      for (const item of itemsFor(run, spoke)) expect(item).toMatchObject({ action: 'reported', note: 'CONTROL_PLANE_MODE is observe: nothing is repaired' });
      expect(await peeringTo(spoke, world.hubWeu)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.CONTROL_PLANE_MODE;
      else process.env.CONTROL_PLANE_MODE = saved;
    }
  });

  it('runs one check at a time: a second request while one runs answers 409 with the running run\'s URL', async () => {
    await quiesce(world);
    const [a, b] = await Promise.all([1, 2].map(() => apiFetch(`${world.embedded.baseUrl}/api/drift/runs`, { method: 'POST' })));
    const answers = [a, b].map((r) => r?.status).sort();
    expect(answers).toEqual([202, 409]);
    const accepted = (await ([a, b].find((r) => r?.status === 202) as Response).json()) as { runId: string; url: string };
    const refused = (await ([a, b].find((r) => r?.status === 409) as Response).json()) as { runId?: string; url?: string; error: { code: string } };
    expect(refused.error.code).toBe('RunInProgress');
    if (refused.runId) expect(refused.url).toBe(accepted.url);
    await endedRun(world, accepted.runId);
    await quiesce(world);
  });

  it('runs from its timer through POST /admin/functions/driftCheck, and lists its runs', async () => {
    const before = (await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/latest`)).json()) as RunView;
    const res = await fetch(`${world.embedded.baseUrl}/admin/functions/driftCheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(202);
    const latest = await until('the timer\'s run', async () => {
      const r = (await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/latest`)).json()) as RunView;
      return r.runId !== before.runId ? r : undefined;
    });
    expect(latest.trigger).toBe('timer');
    await endedRun(world, latest.runId);
    const list = (await (await apiFetch(`${world.embedded.baseUrl}/api/drift/runs?limit=2`)).json()) as { count: number; runs: DriftRunSummary[] };
    expect(list.runs[0]?.runId).toBe(latest.runId);
    expect(list.count).toBe(2);
    expect((await apiFetch(`${world.embedded.baseUrl}/api/drift/runs?limit=0`)).status).toBe(400);
    expect((await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/not-a-run`)).status).toBe(400);
    expect((await getRun(world, latest.runId)).runId).toBe(latest.runId);
    await quiesce(world);
  });
});

type DriftRunSummary = { runId: string };
