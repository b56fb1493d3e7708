/**
 * Drift checks of the private endpoint DNS flow through the local host, the Durable engine and the ARM emulator:
 * A records removed or changed while events were lost, orphan records, zones missing a hub link, records and name
 * claims of endpoints that are gone.
 */
import { createTablesRecordStore } from '../../../shared/store/tables-store';
import { quiesce, startWorld, until, POLL, type PeeringWorld } from '../peering/support';
import { aRecord, createEndpoint, deleteEndpoint, dnsClient, getEndpoint, PE_SUBNET_PAYMENTS, PAYMENTS, settledEndpoint, target, ZONES_RG, type EndpointSpec } from '../dns/support';
import { eventGrid, itemsFor, runDrift, setDrift } from './support';

const storage = (name: string) => target(PAYMENTS, 'rg-data', 'Microsoft.Storage/storageAccounts', name);
const pe = (name: string): EndpointSpec => ({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name, subnetId: PE_SUBNET_PAYMENTS, targetId: storage(name.replace(/^pe-/, '')), groupIds: ['blob'] });
const ZONE = 'privatelink.blob.core.windows.net';
const REPAIR_ALL = { repair: { peering: true, dns: true }, recentChangeMinutes: 0, repairWaitSeconds: 30 };

describe('drift checks: private endpoint DNS', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    world = await startWorld();
    setDrift(REPAIR_ALL);
    await quiesce(world);
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

  const registered = async (name: string): Promise<{ id: string; record: string }> => {
    const { id } = await createEndpoint(world, pe(name));
    await settledEndpoint(world, id, 'Registered');
    return { id, record: name.replace(/^pe-/, '') };
  };

  it('finds an A record deleted while events were lost and repairs it through the endpoint\'s orchestration', async () => {
    const { id, record } = await registered('pe-stdrift1');
    const ips = await aRecord(world, ZONE, record);
    await eventGrid(world, 'pause');
    await dnsClient(world).recordSets.delete(ZONES_RG, ZONE, 'A', record);
    await eventGrid(world, 'resume');

    const run = await runDrift(world);
    expect(itemsFor(run, id)).toEqual([expect.objectContaining({ flow: 'dns', kind: 'missingRecord', action: 'repaired', link: `/api/endpoints/${PAYMENTS}/rg-payments-weu/pe-stdrift1` })]);
    expect(await aRecord(world, ZONE, record)).toEqual(ips);
    expect(run.flows.find((f) => f.flow === 'dns')?.inspected).toMatchObject({ zones: expect.any(Number), endpoints: expect.any(Number) });
  });

  it('reports an A record pointing at another IP without repairing when drift.repair.dns is off', async () => {
    const { id, record } = await registered('pe-stdrift2');
    await eventGrid(world, 'pause');
    await dnsClient(world).recordSets.createOrUpdate(ZONES_RG, ZONE, 'A', record, { ttl: 10, aRecords: [{ ipv4Address: '10.99.99.99' }] });
    await eventGrid(world, 'resume');
    setDrift({ ...REPAIR_ALL, repair: { dns: false } });

    const run = await runDrift(world);
    expect(itemsFor(run, id)).toEqual([expect.objectContaining({ kind: 'wrongRecord', action: 'reported', actual: expect.stringContaining('10.99.99.99') })]);
    expect(await aRecord(world, ZONE, record)).toEqual(['10.99.99.99']);
  });

  it('reports an orphan A record (no endpoint has its IP) and a zone missing a hub link; orphans are not removed', async () => {
    await dnsClient(world).recordSets.createOrUpdate(ZONES_RG, ZONE, 'A', 'orphan-drift', { ttl: 10, aRecords: [{ ipv4Address: '10.250.0.9' }] });
    const links: string[] = [];
    for await (const link of dnsClient(world).virtualNetworkLinks.list(ZONES_RG, ZONE)) links.push(link.name ?? '');
    const removed = links[0] ?? '';
    await dnsClient(world).virtualNetworkLinks.beginDeleteAndWait(ZONES_RG, ZONE, removed, POLL);

    const run = await runDrift(world);
    expect(run.items.find((i) => i.kind === 'orphanRecord' && i.resource.endsWith('/A/orphan-drift'))).toMatchObject({ action: 'reported', actual: 'A orphan-drift.privatelink.blob.core.windows.net -> 10.250.0.9' });
    expect(run.items.find((i) => i.kind === 'zoneMissingHubLink' && i.resource.toLowerCase().endsWith(`/${ZONE}`))).toMatchObject({ action: 'reported' });
    expect(await aRecord(world, ZONE, 'orphan-drift')).toEqual(['10.250.0.9']);
    await dnsClient(world).recordSets.delete(ZONES_RG, ZONE, 'A', 'orphan-drift');
  });

  it('deletes an orphan A record of no endpoint and no claim through the DNS flow when drift.repair.orphans is on, with an audit entry', async () => {
    await dnsClient(world).recordSets.createOrUpdate(ZONES_RG, ZONE, 'A', 'orphan-remove', { ttl: 10, aRecords: [{ ipv4Address: '10.250.0.10' }] });
    setDrift({ ...REPAIR_ALL, repair: { ...REPAIR_ALL.repair, orphans: true } });

    const run = await runDrift(world);
    expect(run.items.find((i) => i.kind === 'orphanRecord' && i.resource.endsWith('/A/orphan-remove'))).toMatchObject({ action: 'repaired', repairInstanceId: expect.stringMatching(/^drift-orphan-/), note: expect.stringMatching(/asked the DNS flow to delete it.*deleted/) });
    expect(await aRecord(world, ZONE, 'orphan-remove')).toBeUndefined();
    const audit = await createTablesRecordStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' }).listAudit(`orphan-remove.${ZONE}`, 10);
    expect(audit).toEqual([expect.objectContaining({ action: 'deleteRecord', outcome: 'succeeded', kind: 'dnsName', reason: expect.stringContaining(`drift run ${run.runId}: orphan`), trigger: expect.objectContaining({ correlationId: run.runId }) })]);
  });

  it('finds the record and name claims of an endpoint deleted while events were lost: Deleted, and its A record removed', async () => {
    const { id, record } = await registered('pe-stdrift3');
    await eventGrid(world, 'pause');
    await deleteEndpoint(world, pe('pe-stdrift3'));
    await eventGrid(world, 'resume');

    const run = await runDrift(world);
    expect(itemsFor(run, id).map((i) => i.kind)).toContain('goneResource');
    expect(run.items.find((i) => i.kind === 'claimOfGoneEndpoint' && i.resource === `${record}.blob.core.windows.net`)).toBeDefined();
    await until('the endpoint\'s record to say Deleted', async () => ((await getEndpoint(world, id))?.condition?.reason === 'Deleted' ? true : undefined));
    await quiesce(world);
    expect(await aRecord(world, ZONE, record)).toBeUndefined();
  });
});
