/**
 * The endpoints' HTTP API answers as the spokes' does (issue 10 items 1, 3, 4, 5): 400 NotWatched, 404 for an
 * endpoint that never existed, Reconciling while the first pass runs, DELETE forgetting the record of an endpoint
 * that is gone, and a sweep finding recorded endpoints gone.
 */
import { createTablesRecordStore } from '../../../shared/store/tables-store';
import type { RecordStore } from '../../../shared/store/records';
import { postEvents, quiesce, resourceEvent, startWorld, until, type PeeringWorld } from '../peering/support';
import { ANALYTICS, PAYMENTS, PE_SUBNET_PAYMENTS, createEndpoint, deleteEndpoint, endpointId, endpointPath, getEndpoint, settledEndpoint, target, type EndpointSpec } from './support';
import { apiFetch } from '../operator-token';

const UNWATCHED = 'd0000000-0000-4000-8000-0000000000d1';

describe('the endpoints API: consistent, bounded and truthful answers', () => {
  let world: PeeringWorld;
  let store: RecordStore;
  const url = (path: string) => `${world.embedded.baseUrl}${path}`;
  const post = (path: string, body?: string) => apiFetch(url(path), { method: 'POST', ...(body !== undefined ? { body } : {}) });
  const del = (id: string) => apiFetch(url(endpointPath(id)), { method: 'DELETE' });
  const listed = async () => ((await (await apiFetch(url('/api/endpoints'))).json()) as { endpoints: Array<{ endpointId: string }> }).endpoints.map((e) => e.endpointId.toLowerCase());
  const spec = (name: string): EndpointSpec => ({
    subscriptionId: PAYMENTS,
    resourceGroup: 'rg-payments-weu',
    name,
    subnetId: PE_SUBNET_PAYMENTS,
    targetId: target(PAYMENTS, 'rg-data', 'Microsoft.Storage/storageAccounts', name.replace(/^pe-/, '')),
    groupIds: ['blob'],
  });

  beforeAll(async () => {
    world = await startWorld();
    store = createTablesRecordStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' });
  });
  afterEach(async () => {
    world.embedded.arm.faults.clear();
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('refuses an oversized sweep list, and an unwatched subscription, as the spoke sweep does', async () => {
    const many = await post('/api/endpoints/reconcile', JSON.stringify({ subscriptions: Array.from({ length: 101 }, () => PAYMENTS) }));
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { code: string } }).error.code).toBe('TooManySubscriptions');
    const res = await post(`/api/endpoints/${UNWATCHED}/rg-x/pe-x/reconcile`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'NotWatched', message: `subscription ${UNWATCHED} is not watched (watched: ${PAYMENTS}, ${ANALYTICS})` } });
  });

  it('answers 404 for an endpoint that never existed, and records nothing', async () => {
    const typo = endpointId({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name: 'pe-typo' });
    const res = await post(`${endpointPath(typo)}/reconcile`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'EndpointNotFound', message: `${typo} does not exist and the control plane has no record of it: nothing to reconcile (check the subscription, resource group and name)` } });
    expect(await getEndpoint(world, typo)).toBeUndefined();
    expect(await listed()).not.toContain(typo.toLowerCase());
  });

  it('records nothing for an event about an endpoint that never existed', async () => {
    const ghost = endpointId({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name: 'pe-ghost' });
    expect((await postEvents(world, [resourceEvent(ghost, 'Write', 'Microsoft.Network/privateEndpoints/write')])).status).toBe(202);
    await until('its orchestration to finish', async () => {
      const all = (await (await fetch(url('/runtime/webhooks/durabletask/instances'))).json()) as Array<{ name: string; runtimeStatus: string; output: unknown }>;
      return all.some((i) => i.name === 'endpointDns' && i.runtimeStatus === 'Completed' && JSON.stringify(i.output).includes('pe-ghost')) ? true : undefined;
    });
    await quiesce(world);
    expect(await getEndpoint(world, ghost)).toBeUndefined();
  });

  it('shows Reconciling, never a null condition, while the first pass runs', async () => {
    // Two throttled zone group writes, Retry-After 400 s scaled by the emulator's time scale (0.005) to 2 s each.
    world.embedded.arm.faults.failNext(2, 'PUT', '*/privateDnsZoneGroups/*', { kind: 'http', status: 429, code: 'SubscriptionRequestsThrottled', retryAfterSeconds: 400 });
    const { id } = await createEndpoint(world, spec('pe-stfirst'));
    const during = await until('the first pass to show', () => getEndpoint(world, id));
    expect(during.condition).toMatchObject({ type: 'DnsRegistered', status: 'Unknown', reason: 'Reconciling' });
    await settledEndpoint(world, id, 'Registered', 60_000);
  });

  it('refuses to forget an endpoint that exists (409), forgets it once deleted (200), then knows nothing of it (404)', async () => {
    const s = spec('pe-stforget');
    const { id } = await createEndpoint(world, s);
    await settledEndpoint(world, id, 'Registered');
    const exists = await del(id);
    expect(exists.status).toBe(409);
    expect(await exists.json()).toEqual({ error: { code: 'StillExists', message: `${id} still exists: the control plane keeps its record while it does (delete the private endpoint first)` } });
    await deleteEndpoint(world, s);
    await settledEndpoint(world, id, 'Deleted');
    const forgotten = await del(id);
    expect(forgotten.status).toBe(200);
    expect(await forgotten.json()).toMatchObject({ endpointId: id, deleted: true, lastCondition: { reason: 'Deleted' } });
    expect(await getEndpoint(world, id)).toBeUndefined();
    expect(await listed()).not.toContain(id.toLowerCase());
    expect((await del(id)).status).toBe(404);
  });

  it('marks a recorded endpoint the sweep no longer finds Deleted, after which DELETE forgets it', async () => {
    const vanished = endpointId({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name: 'pe-vanished' });
    await store.putRecord({
      kind: 'endpoint',
      resourceId: vanished,
      condition: { type: 'DnsRegistered', status: 'True', reason: 'Registered', message: 'planted by the test', lastTransitionTime: new Date().toISOString() },
      details: { endpointId: vanished, names: [], firstSeen: new Date().toISOString() },
      updatedAt: new Date().toISOString(),
    });
    const pending = await del(vanished);
    expect(pending.status).toBe(409);
    expect(((await pending.json()) as { error: { code: string } }).error.code).toBe('CleanupPending');

    const res = await post('/api/endpoints/reconcile', JSON.stringify({ subscriptions: [PAYMENTS] }));
    expect(res.status).toBe(202);
    const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
    const output = await until('the sweep to finish', async () => {
      const st = (await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string; output: { gone: number } };
      return st.runtimeStatus === 'Completed' ? st.output : undefined;
    });
    expect(output.gone).toBeGreaterThanOrEqual(1);
    await settledEndpoint(world, vanished, 'Deleted');
    expect((await del(vanished)).status).toBe(200);
    expect(await getEndpoint(world, vanished)).toBeUndefined();
  });
});
