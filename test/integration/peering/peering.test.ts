/**
 * The spoke peering flow end to end: ARM emulator events -> Event Grid webhook -> the app's trigger -> Durable
 * orchestrations -> ARM writes through the real SDK -> records in Azurite, read back over the app's HTTP API.
 */
import { ids } from '../../../local/demo';
import {
  createVnet,
  getSpoke,
  peeringWrites,
  postEvents,
  quiesce,
  resourceEvent,
  settledSpoke,
  startWorld,
  sleep,
  until,
  POLL,
  type PeeringWorld,
} from './support';
import { apiFetch } from '../operator-token';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';
const ANALYTICS = 'b0000000-0000-4000-8000-0000000000b1';
const VNET_WRITE = 'Microsoft.Network/virtualNetworks/write';
const VNET_DELETE = 'Microsoft.Network/virtualNetworks/delete';

describe('spoke <-> hub peering through the local host, the Durable engine and the ARM emulator', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    world.embedded.arm.faults.clear();
  });

  const peeringsOf = async (vnetId: string) => {
    const [, , sub, , rg, , , , name] = vnetId.split('/');
    const out = [];
    for await (const p of world.network(sub as string).virtualNetworkPeerings.list(rg as string, name as string)) out.push(p);
    return out;
  };
  const peeringTo = async (vnetId: string, remoteId: string) =>
    (await peeringsOf(vnetId)).find((p) => p.remoteVirtualNetwork?.id?.toLowerCase() === remoteId.toLowerCase());

  it('peers a new spoke with its gateway hub, both sides Connected and FullyInSync, with exactly two writes', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-new-weu');
    const before = peeringWrites(world);
    const absentReadsBefore = world.embedded.arm.requestLog.count('GET virtualNetworkPeerings', 404);
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.60.0.0/24'] });

    const view = await settledSpoke(world, spoke, 'Converged');
    // The plan saw neither side: both are created without reading them first (no GET answered 404).
    expect(world.embedded.arm.requestLog.count('GET virtualNetworkPeerings', 404) - absentReadsBefore).toBe(0);
    expect(view.condition).toMatchObject({ type: 'Peered', status: 'True', message: 'peered with hub westeurope: both sides Connected and FullyInSync' });
    expect(view).toMatchObject({ hubName: 'westeurope', hubVnetId: world.hubWeu, hubSideState: 'Connected/FullyInSync', spokeSideState: 'Connected/FullyInSync' });

    const hubSide = await peeringTo(world.hubWeu, spoke);
    const spokeSide = await peeringTo(spoke, world.hubWeu);
    expect(hubSide).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: true, useRemoteGateways: false });
    expect(spokeSide).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: true });
    expect(hubSide?.name).toMatch(/^spoke-vnet-new-weu-[0-9a-f]{8}$/);

    // Our own peering writes raise events too: skipped by principal, and never another write.
    expect(peeringWrites(world) - before).toBe(2);
    expect(world.embedded.arm.requestLog.count('PUT virtualNetworkPeerings', 409)).toBe(0);
    // Audit: one entry per write, with the event's correlation ID and principal.
    const writes = view.audit.filter((a) => a.outcome === 'succeeded');
    expect(writes.map((a) => a.action).sort()).toEqual(['create', 'create']);
    expect(writes.every((a) => typeof a.trigger?.correlationId === 'string' && typeof a.trigger?.principal === 'string')).toBe(true);
  });

  it('peers a spoke of a hub without a gateway: no gateway transit, no remote gateways', async () => {
    const spoke = ids.vnet(ANALYTICS, 'rg-analytics-neu', 'vnet-new-neu');
    await createVnet(world, spoke, { location: 'northeurope', prefixes: ['10.61.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    expect(await peeringTo(world.hubNeu, spoke)).toMatchObject({ allowGatewayTransit: false, useRemoteGateways: false, peeringState: 'Connected' });
    expect(await peeringTo(spoke, world.hubNeu)).toMatchObject({ allowGatewayTransit: false, useRemoteGateways: false, peeringState: 'Connected' });
  });

  it('reacts to a CloudEvents 1.0 event as to an Event Grid one', async () => {
    // Created without an event (the emulator's seeding door), then announced in the CloudEvents schema.
    world.embedded.arm.putVirtualNetwork({ subscriptionId: ANALYTICS, resourceGroup: 'rg-analytics-weu', name: 'vnet-cloudevents', location: 'westeurope', addressPrefixes: ['10.73.0.0/24'] });
    const spoke = ids.vnet(ANALYTICS, 'rg-analytics-weu', 'vnet-cloudevents');
    const { id, eventType, eventTime, data } = resourceEvent(spoke, 'Write', VNET_WRITE) as { id: string; eventType: string; eventTime: string; data: unknown };
    const cloudEvent = { specversion: '1.0', id, type: eventType, source: `/subscriptions/${ANALYTICS}`, subject: spoke, time: eventTime, data };
    const res = await fetch(String(world.embedded.eventGridWebhooks[0]), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', 'aeg-event-type': 'Notification' },
      body: JSON.stringify(cloudEvent),
    });
    expect(res.status).toBe(202);
    const view = await settledSpoke(world, spoke, 'Converged');
    // The writes it caused carry the CloudEvent's ID and the principal from its claims.
    const writes = view.audit.filter((a) => a.outcome === 'succeeded');
    expect(writes).toHaveLength(2);
    expect(writes.every((a) => a.trigger?.eventId === id && a.trigger?.principal === 'alice@contoso.example')).toBe(true);
  });

  it('converges to the same state when the same event arrives five times, and writes nothing more', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-dup-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.62.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    const before = peeringWrites(world);
    const event = resourceEvent(spoke, 'Write', VNET_WRITE);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => postEvents(world, [event])));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    await quiesce(world);
    expect((await getSpoke(world, spoke))?.condition?.reason).toBe('Converged');
    expect(peeringWrites(world) - before).toBe(0);
  });

  it('ends with the VNet deleted and its hub side removed, whatever order write and delete events arrive in', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-shuffle-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.63.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    const write = resourceEvent(spoke, 'Write', VNET_WRITE);
    await world.network(PAYMENTS).virtualNetworks.delete('rg-payments-weu', 'vnet-shuffle-weu', POLL);
    // Late and reordered: a delete, then the old write, then the delete again.
    const del = resourceEvent(spoke, 'Delete', VNET_DELETE);
    for (const e of [del, write, del, write]) expect((await postEvents(world, [e])).status).toBe(202);

    const view = await settledSpoke(world, spoke, 'Deleted');
    expect(view.condition?.message).toMatch(/^the VNet is gone; removed spoke-vnet-shuffle-weu-[0-9a-f]{8} from its hub$|^the VNet is gone and no hub has a peering to it \(any more\)$/);
    expect(await peeringTo(world.hubWeu, spoke)).toBeUndefined();
    expect(view.audit.some((a) => a.action === 'delete' && a.outcome === 'succeeded')).toBe(true);
  });

  it('refuses a spoke overlapping its hub, and one overlapping an already-peered spoke, with no ARM write', async () => {
    const withHub = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-overlap-hub');
    const withSpoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-overlap-spoke');
    const before = peeringWrites(world);
    await createVnet(world, withHub, { location: 'westeurope', prefixes: ['10.0.2.0/24'] });
    await createVnet(world, withSpoke, { location: 'westeurope', prefixes: ['10.60.0.128/25', '10.64.0.0/24'] });

    const a = await settledSpoke(world, withHub, 'AddressSpaceOverlap');
    expect(a.condition?.message).toBe(`not peered with westeurope: the spoke's address space overlaps ${world.hubWeu}: 10.0.2.0/24 with 10.0.0.0/22`);
    const b = await settledSpoke(world, withSpoke, 'AddressSpaceOverlap');
    expect(b.condition?.message).toMatch(/overlaps \/subscriptions\/a0000000-0000-4000-8000-0000000000a1\/resourceGroups\/rg-payments-weu\/providers\/Microsoft\.Network\/virtualNetworks\/vnet-new-weu: 10\.60\.0\.128\/25 with 10\.60\.0\.0\/24/i);
    expect(b.audit[0]).toMatchObject({ action: 'reject', outcome: 'rejected' });
    expect(peeringWrites(world) - before).toBe(0);
  });

  it('resyncs both sides after the spoke address space grows', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-grow-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.65.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    const before = peeringWrites(world);

    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.65.0.0/24', '10.65.1.0/24'] });
    await until('the hub side to see the new prefix', async () => ((await peeringTo(world.hubWeu, spoke))?.remoteAddressSpace?.addressPrefixes?.length === 2 ? true : undefined));
    await settledSpoke(world, spoke, 'Converged');
    expect(await peeringTo(world.hubWeu, spoke)).toMatchObject({ peeringSyncLevel: 'FullyInSync', remoteAddressSpace: { addressPrefixes: ['10.65.0.0/24', '10.65.1.0/24'] } });
    expect(await peeringTo(spoke, world.hubWeu)).toMatchObject({ peeringSyncLevel: 'FullyInSync' });
    expect(peeringWrites(world) - before).toBe(1);
    const sync = (await getSpoke(world, spoke))?.audit.find((a) => a.action === 'sync');
    expect(sync?.reason).toMatch(/knows vnet-grow-weu as \[10\.65\.0\.0\/24\] but it is now \[10\.65\.0\.0\/24, 10\.65\.1\.0\/24\]/);
  });

  it('does not sync again when the sync it could not see finish is found done (its status polls failed)', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-sync-poll-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.74.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    const before = peeringWrites(world);

    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.74.0.0/24', '10.74.1.0/24'] });
    // The sync is accepted and carried out, but every poll of its status fails, the SDK's retries too (4 answers): the
    // hub writer's attempt again reads the peering, finds it in sync, and writes nothing more.
    world.embedded.arm.faults.failNext(4, 'GET', '*/providers/Microsoft.Network/locations/*/operations/*', { kind: 'http', status: 503, code: 'ServiceUnavailable' });
    await until('the hub side to see the new prefix', async () => ((await peeringTo(world.hubWeu, spoke))?.remoteAddressSpace?.addressPrefixes?.length === 2 ? true : undefined));
    await settledSpoke(world, spoke, 'Converged');
    expect(world.embedded.arm.faults.list()).toEqual([]); // the four poll failures were all used
    expect(await peeringTo(world.hubWeu, spoke)).toMatchObject({ peeringSyncLevel: 'FullyInSync', remoteAddressSpace: { addressPrefixes: ['10.74.0.0/24', '10.74.1.0/24'] } });
    expect(peeringWrites(world) - before).toBe(1);
  });

  it('repairs a spoke-side peering deleted by hand (the hub side, left Disconnected, is recreated)', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-repair-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.66.0.0/24'] });
    const view = await settledSpoke(world, spoke, 'Converged');
    await world.network(PAYMENTS).virtualNetworkPeerings.delete('rg-payments-weu', 'vnet-repair-weu', String(view.spokePeeringName), POLL);

    await until('both sides Connected again', async () => {
      const [h, s] = [await peeringTo(world.hubWeu, spoke), await peeringTo(spoke, world.hubWeu)];
      return h?.peeringState === 'Connected' && s?.peeringState === 'Connected' ? true : undefined;
    });
    const after = await settledSpoke(world, spoke, 'Converged');
    expect(after.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(expect.arrayContaining(['create:succeeded', 'delete:succeeded']));
  });

  it('repairs a hub-side peering deleted by hand', async () => {
    const spoke = ids.vnet(ANALYTICS, 'rg-analytics-weu', 'vnet-repair-hub');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.67.0.0/24'] });
    const view = await settledSpoke(world, spoke, 'Converged');
    const hubRg = world.hubWeu.split('/')[4] as string;
    await world.network(world.topology.connectivity.subscriptionId).virtualNetworkPeerings.delete(hubRg, 'vnet-hub-weu', String(view.hubPeeringName), POLL);

    await until('both sides Connected again', async () => {
      const [h, s] = [await peeringTo(world.hubWeu, spoke), await peeringTo(spoke, world.hubWeu)];
      return h?.peeringState === 'Connected' && s?.peeringState === 'Connected' ? true : undefined;
    });
    await settledSpoke(world, spoke, 'Converged');
  });

  it('removes only the hub side when a spoke VNet is deleted', async () => {
    const spoke = ids.vnet(ANALYTICS, 'rg-analytics-weu', 'vnet-gone-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.68.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    const hubPeeringsBefore = (await peeringsOf(world.hubWeu)).length;
    await world.network(ANALYTICS).virtualNetworks.delete('rg-analytics-weu', 'vnet-gone-weu', POLL);

    const view = await settledSpoke(world, spoke, 'Deleted');
    // The removal's own event may cause one more (read-only) pass, which finds nothing left to remove.
    expect(view.condition?.message).toMatch(/^the VNet is gone; removed spoke-vnet-gone-weu-[0-9a-f]{8} from its hub$|^the VNet is gone and no hub has a peering to it \(any more\)$/);
    expect(view.audit.filter((a) => a.action === 'delete' && a.outcome === 'succeeded')).toHaveLength(1);
    expect(await peeringTo(world.hubWeu, spoke)).toBeUndefined();
    expect((await peeringsOf(world.hubWeu)).length).toBe(hubPeeringsBefore - 1);
  });

  it('leaves opted-out VNets alone, and never deletes peerings when a spoke opts out later', async () => {
    const optedOut = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-optout-weu');
    const before = peeringWrites(world);
    await createVnet(world, optedOut, { location: 'westeurope', prefixes: ['10.69.0.0/24'], tags: { 'HubSpoke-Opt-Out': 'true' } });
    const view = await settledSpoke(world, optedOut, 'OptedOut');
    expect(view.condition?.status).toBe('False');
    expect(peeringWrites(world) - before).toBe(0);
    expect(await peeringTo(world.hubWeu, optedOut)).toBeUndefined();

    const later = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-optout-later');
    await createVnet(world, later, { location: 'westeurope', prefixes: ['10.70.0.0/24'] });
    await settledSpoke(world, later, 'Converged');
    await createVnet(world, later, { location: 'westeurope', prefixes: ['10.70.0.0/24'], tags: { 'hubspoke-opt-out': 'yes' } });
    await settledSpoke(world, later, 'OptedOut');
    expect(await peeringTo(world.hubWeu, later)).toMatchObject({ peeringState: 'Connected' });
    expect(await peeringTo(later, world.hubWeu)).toMatchObject({ peeringState: 'Connected' });
  });

  it('records an unknown hub named by the hub tag as an error, with no write', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-unknown-hub');
    const before = peeringWrites(world);
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.71.0.0/24'], tags: { 'hubspoke-hub': 'eastus' } });
    const view = await settledSpoke(world, spoke, 'UnknownHub');
    expect(view.condition?.message).toBe('tag "hubspoke-hub" names hub "eastus", which is not configured (hubs: westeurope, northeurope)');
    expect(peeringWrites(world) - before).toBe(0);
  });

  it('still converges through injected 429s, 5xx answers and failed long-running operations', async () => {
    const { faults } = world.embedded.arm;
    faults.failNext(2, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'http', status: 429, code: 'SubscriptionRequestsThrottled', retryAfterSeconds: 1 });
    faults.failNext(2, 'GET', '*/virtualNetworks/vnet-faults-weu', { kind: 'http', status: 503, code: 'ServiceUnavailable' });
    faults.failNext(1, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'lroFailure', code: 'InternalServerError', message: 'An error occurred.' });
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-faults-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.72.0.0/24'] });
    const view = await settledSpoke(world, spoke, 'Converged', 60_000);
    expect(view.audit.some((a) => a.outcome === 'failed')).toBe(false);
    expect(world.embedded.arm.requestLog.count('PUT virtualNetworkPeerings', 429)).toBeGreaterThanOrEqual(2);
    expect(await peeringTo(spoke, world.hubWeu)).toMatchObject({ peeringState: 'Connected', peeringSyncLevel: 'FullyInSync' });
  });

  it('lists spokes with their conditions, filtered by status', async () => {
    const res = await apiFetch(`${world.embedded.baseUrl}/api/spokes?status=True`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { count: number; spokes: Array<{ name: string; condition: { status: string } }> };
    expect(body.count).toBe(body.spokes.length);
    expect(body.spokes.map((s) => s.name)).toEqual(expect.arrayContaining(['vnet-new-weu', 'vnet-new-neu', 'vnet-grow-weu']));
    expect(body.spokes.every((s) => s.condition.status === 'True')).toBe(true);
    const bad = await apiFetch(`${world.embedded.baseUrl}/api/spokes?status=maybe`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'InvalidQuery', message: 'status must be True, False or Unknown (got "maybe")' } });
    const unknown = await apiFetch(`${world.embedded.baseUrl}/api/spokes/${PAYMENTS}/rg-payments-weu/vnet-never-seen`);
    expect(unknown.status).toBe(404);
    const invalid = await apiFetch(`${world.embedded.baseUrl}/api/spokes/not-a-guid/rg/vnet`);
    expect(invalid.status).toBe(400);
  });

  it('sweeps every spoke of the watched subscriptions from one list per subscription', async () => {
    // The demo's spokes marked "peering: none" exist unpeered since seeding; a sweep peers them.
    const unpeered = ids.vnet(PAYMENTS, 'rg-payments-neu', 'vnet-payments-neu');
    expect(await peeringTo(unpeered, world.hubNeu)).toBeUndefined();
    const log = world.embedded.arm.requestLog;
    const listsBefore = log.count('GET virtualNetworks');

    const res = await apiFetch(`${world.embedded.baseUrl}/api/spokes/reconcile`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(202);
    const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
    const sweep = await until('the sweep to finish', async () => {
      const s = (await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string; output: { started: number; signalled: number; subscriptions: unknown[] } };
      return s.runtimeStatus === 'Completed' ? s.output : undefined;
    });
    expect(sweep.subscriptions).toHaveLength(2);
    await settledSpoke(world, unpeered, 'Converged');
    expect(await peeringTo(unpeered, world.hubNeu)).toMatchObject({ peeringState: 'Connected' });
    expect(log.count('GET virtualNetworks')).toBeGreaterThan(listsBefore);

    const bad = await apiFetch(`${world.embedded.baseUrl}/api/spokes/reconcile`, { method: 'POST', body: JSON.stringify({ subscriptions: ['c0000000-0000-4000-8000-0000000000c9'] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('NotWatched');
  });
  it('resyncs the spoke side of every spoke of a hub whose address space grows', async () => {
    // Peer every demo spoke first (the test can then run on its own too).
    expect((await apiFetch(`${world.embedded.baseUrl}/api/spokes/reconcile`, { method: 'POST' })).status).toBe(202);
    await sleep(200);
    await quiesce(world);
    const converged = ((await (await apiFetch(`${world.embedded.baseUrl}/api/spokes?status=True`)).json()) as { spokes: Array<{ vnetId: string; hubName: string }> }).spokes
      .filter((s) => s.hubName === 'westeurope');
    expect(converged.length).toBeGreaterThanOrEqual(3);
    const before = peeringWrites(world);
    const hubRg = world.hubWeu.split('/')[4] as string;
    const connectivity = world.network(world.topology.connectivity.subscriptionId);
    const hub = await connectivity.virtualNetworks.get(hubRg, 'vnet-hub-weu');
    await connectivity.virtualNetworks.createOrUpdate(hubRg, 'vnet-hub-weu', { ...hub, addressSpace: { addressPrefixes: ['10.0.0.0/22', '10.0.4.0/24'] } }, POLL);

    await until('every spoke side to know the new hub prefix', async () => {
      for (const spoke of converged) {
        const side = await peeringTo(spoke.vnetId, world.hubWeu);
        if (side?.remoteAddressSpace?.addressPrefixes?.length !== 2 || side.peeringSyncLevel !== 'FullyInSync') return undefined;
      }
      return true;
    });
    await quiesce(world);
    // One sync write per spoke, on its spoke side (the hub side already knows the spoke's unchanged space).
    expect(peeringWrites(world) - before).toBe(converged.length);
    for (const spoke of converged) expect((await getSpoke(world, spoke.vnetId))?.condition?.reason).toBe('Converged');
  });
});
