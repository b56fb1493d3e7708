/**
 * Private endpoints registered in the central Private DNS zones, end to end: the real app on the embedded default,
 * endpoints created with the real SDK, events from the emulator's Event Grid, records read back with arm-privatedns.
 */
import { controlPlaneTopology } from '../../../local/demo';
import { postEvents, quiesce, resourceEvent, startWorld, until, type PeeringWorld } from '../peering/support';
import {
  ANALYTICS,
  PAYMENTS,
  PE_SUBNET_ANALYTICS,
  PE_SUBNET_PAYMENTS,
  aRecord,
  createEndpoint,
  deleteEndpoint,
  endpointId,
  getEndpoint,
  settledEndpoint,
  target,
  zoneGroupWrites,
  zoneId,
  zoneLinks,
  type EndpointSpec,
  type EndpointView,
} from './support';
import { apiFetch } from '../operator-token';

const storage = (name: string) => target(PAYMENTS, 'rg-data', 'Microsoft.Storage/storageAccounts', name);
const pe = (name: string, targetId: string, groupIds: string[], extra: Partial<EndpointSpec> = {}): EndpointSpec => ({
  subscriptionId: PAYMENTS,
  resourceGroup: 'rg-payments-weu',
  name,
  subnetId: PE_SUBNET_PAYMENTS,
  targetId,
  groupIds,
  ...extra,
});

describe('private endpoint DNS', () => {
  let world: PeeringWorld;
  let baseTopology: Record<string, unknown>;

  /** Changes the privateDns block; the app reads its settings again on the next invocation. */
  const setPrivateDns = (change: Record<string, unknown> | null): void => {
    const doc = { ...baseTopology } as Record<string, unknown>;
    if (change === null) delete doc.privateDns;
    else doc.privateDns = { ...(baseTopology.privateDns as Record<string, unknown>), ...change };
    process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify(doc);
  };

  const reconcile = async (id: string): Promise<void> => {
    const res = await apiFetch(`${world.embedded.baseUrl}/api/endpoints/${id.split('/')[2]}/${id.split('/')[4]}/${id.split('/').pop()}/reconcile`, { method: 'POST' });
    expect(res.status).toBe(202);
  };
  /** Reconciles a Registered endpoint once more and waits for that pass (a new record) to settle Registered. */
  const reconcileAgain = async (id: string, previous: EndpointView): Promise<EndpointView> => {
    await reconcile(id);
    await until(`${id} to be recorded again`, async () => ((await getEndpoint(world, id))?.updatedAt !== previous.updatedAt ? true : undefined));
    return settledEndpoint(world, id, 'Registered');
  };

  beforeAll(async () => {
    world = await startWorld();
    baseTopology = controlPlaneTopology(world.topology);
  });
  afterEach(async () => {
    setPrivateDns({});
    world.embedded.arm.faults.clear();
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('registers a storage blob endpoint with one zone group write, and its A record points at the endpoint', async () => {
    const before = zoneGroupWrites(world);
    const { id, names } = await createEndpoint(world, pe('pe-stblob1', storage('stblob1'), ['blob']));
    expect([...names.keys()]).toEqual(['stblob1.blob.core.windows.net']);
    const view = await settledEndpoint(world, id, 'Registered');
    expect(view.condition).toMatchObject({ type: 'DnsRegistered', status: 'True', message: 'stblob1.blob.core.windows.net resolves to the endpoint through privatelink.blob.core.windows.net' });
    expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stblob1')).toEqual(names.get('stblob1.blob.core.windows.net'));
    expect(zoneGroupWrites(world) - before).toBe(1);
    expect(view.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['create:succeeded']);
    expect(view.zoneGroup).toBe('default');
  });

  it('reads each record once per pass, and neither the zone nor the records again once the write\'s answer shows them', async () => {
    await quiesce(world);
    const log = world.embedded.arm.requestLog;
    const activities = world.embedded.engine.counts.activities;
    const counts = () => ({ records: log.count('GET privateDnsZones/A'), zones: log.count('GET privateDnsZones'), observes: activities.get('observeEndpointDns') ?? 0, verifies: activities.get('verifyEndpointRecords') ?? 0 });
    const before = counts();
    const { id } = await createEndpoint(world, pe('pe-cosmos-reads', target(PAYMENTS, 'rg-data', 'Microsoft.DocumentDB/databaseAccounts', 'cosmos-reads'), ['Sql']));
    await settledEndpoint(world, id, 'Registered');
    await quiesce(world);
    const after = counts();
    const observes = after.observes - before.observes;
    expect(observes).toBeGreaterThanOrEqual(1);
    // Two names (the account and its regional name): two record GETs per observation; their answers (404 NotFound)
    // show the zone exists, and the zone group's answer shows both records written.
    expect({ records: after.records - before.records, zones: after.zones - before.zones, verifies: after.verifies - before.verifies }).toEqual({ records: 2 * observes, zones: 0, verifies: 0 });
  });

  it.each([
    ['Key Vault (vault.azure.net names in privatelink.vaultcore.azure.net)', 'Microsoft.KeyVault/vaults', 'kv-pay1', ['vault'], [['privatelink.vaultcore.azure.net', 'kv-pay1']]],
    ['Cosmos DB Sql (account and regional names)', 'Microsoft.DocumentDB/databaseAccounts', 'cosmos-pay1', ['Sql'], [['privatelink.documents.azure.com', 'cosmos-pay1'], ['privatelink.documents.azure.com', 'cosmos-pay1-westeurope']]],
    ['Cosmos DB Table (its own zone, created: not Storage table)', 'Microsoft.DocumentDB/databaseAccounts', 'cosmos-tab1', ['Table'], [['privatelink.table.cosmos.azure.com', 'cosmos-tab1'], ['privatelink.table.cosmos.azure.com', 'cosmos-tab1-westeurope']]],
    ['Container Registry (login server and regional data endpoint in one zone)', 'Microsoft.ContainerRegistry/registries', 'acrpay1', ['registry'], [['privatelink.azurecr.io', 'acrpay1'], ['privatelink.azurecr.io', 'acrpay1.westeurope.data']]],
    ['AKS (the regional zone, created)', 'Microsoft.ContainerService/managedClusters', 'aks-pay1', ['management'], [['privatelink.westeurope.azmk8s.io', 'aks-pay1']]],
    ['Azure Monitor (five zones, four created)', 'Microsoft.Insights/privateLinkScopes', 'ampls-pay1', ['azuremonitor'], [
      ['privatelink.monitor.azure.com', 'api'], ['privatelink.monitor.azure.com', 'global.in.ai'], ['privatelink.oms.opinsights.azure.com', 'ampls-pay1'],
      ['privatelink.ods.opinsights.azure.com', 'ampls-pay1'], ['privatelink.agentsvc.azure-automation.net', 'ampls-pay1'], ['privatelink.blob.core.windows.net', 'scadvisorcontentpl']]],
  ] as Array<[string, string, string, string[], Array<[string, string]>]>)('registers %s', async (_label, type, name, groupIds, records) => {
    const before = zoneGroupWrites(world);
    const { id, names } = await createEndpoint(world, pe(`pe-${name}`, target(PAYMENTS, 'rg-data', type, name), groupIds));
    const view = await settledEndpoint(world, id, 'Registered');
    const ips = [...names.values()].flat();
    for (const [zone, record] of records) {
      const got = await aRecord(world, zone, record);
      expect({ zone, record, ok: got !== undefined && got.every((ip) => ips.includes(ip)) }).toEqual({ zone, record, ok: true });
    }
    expect(zoneGroupWrites(world) - before).toBe(1);
    const zones = [...new Set(records.map(([z]) => z))];
    expect([...(view.zones ?? [])].sort()).toEqual(expect.arrayContaining(zones.sort()));
    // Every zone (seeded or created) resolves from both hubs.
    for (const zone of zones) expect({ zone, links: await zoneLinks(world, zone) }).toEqual({ zone, links: [world.hubNeu, world.hubWeu].map((v) => v.toLowerCase()).sort() });

    // With its zone group in place the endpoint's names are only on its NIC (customDnsConfigs is empty, as in
    // Azure): reconciled again, it stays Registered with every name and writes nothing.
    expect((await world.network(PAYMENTS).privateEndpoints.get('rg-payments-weu', `pe-${name}`)).customDnsConfigs).toEqual([]);
    const again = await reconcileAgain(id, view);
    expect(again.namesFrom).toBe('networkInterface');
    expect(again.names?.map((n) => [n.fqdn, n.ipAddresses])).toEqual([...names].map(([fqdn, nameIps]) => [fqdn, nameIps]));
    expect(zoneGroupWrites(world) - before).toBe(1);
  });

  it('stays Registered when reconciled after its own zone group write (the names then only on the NIC)', async () => {
    const { id, names } = await createEndpoint(world, pe('pe-stagain', storage('stagain'), ['blob']));
    const first = await settledEndpoint(world, id, 'Registered');
    const before = zoneGroupWrites(world);
    const again = await reconcileAgain(id, first);
    expect(again.condition?.message).toBe('stagain.blob.core.windows.net resolves to the endpoint through privatelink.blob.core.windows.net');
    expect(again.names?.map((n) => [n.fqdn, n.ipAddresses])).toEqual([['stagain.blob.core.windows.net', names.get('stagain.blob.core.windows.net')]]);
    expect(zoneGroupWrites(world) - before).toBe(0);
    expect(again.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['create:succeeded']);
  });

  it('records an unknown groupId as Unsupported and writes nothing', async () => {
    const before = zoneGroupWrites(world);
    const { id } = await createEndpoint(world, pe('pe-st-odd', storage('stodd'), ['blobby']));
    const view = await settledEndpoint(world, id, 'Unsupported');
    expect(view.condition?.message).toMatch(/Microsoft\.Storage\/storageAccounts has no known private DNS zone for groupId blobby; known groupIds: blob, blob_secondary/);
    expect(view.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['reject:rejected']);
    expect(zoneGroupWrites(world) - before).toBe(0);
  });

  it('handles duplicate and reordered events with one zone group write', async () => {
    const spec = pe('pe-stdup', storage('stdup'), ['blob']);
    const { id } = await createEndpoint(world, spec);
    await settledEndpoint(world, id, 'Registered');
    const before = zoneGroupWrites(world);
    const write = resourceEvent(id, 'Write', 'Microsoft.Network/privateEndpoints/write');
    const staleDelete = resourceEvent(id, 'Delete', 'Microsoft.Network/privateEndpoints/delete');
    // The same write twice, and a delete that arrives although the endpoint exists (events are hints; ARM decides).
    expect((await postEvents(world, [write, write, staleDelete])).status).toBe(202);
    await quiesce(world);
    const view = await settledEndpoint(world, id, 'Registered');
    expect(zoneGroupWrites(world) - before).toBe(0);
    expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stdup')).toBeDefined();
    expect(view.audit.filter((a) => a.action === 'create')).toHaveLength(1);
  });

  it('reports a missing zone, naming it, when creating zones is not allowed', async () => {
    setPrivateDns({ createMissingZones: false });
    const before = zoneGroupWrites(world);
    const { id } = await createEndpoint(world, pe('pe-sql1', target(PAYMENTS, 'rg-data', 'Microsoft.Sql/servers', 'sql-pay1'), ['sqlServer']));
    const view = await settledEndpoint(world, id, 'ZoneMissing');
    expect(view.condition?.message).toBe(
      `central zone privatelink.database.windows.net does not exist in resource group rg-privatedns of subscription c0000000-0000-4000-8000-0000000000c1: create it, or set privateDns.createMissingZones`,
    );
    expect(world.embedded.arm.getResource(zoneId('privatelink.database.windows.net'))).toBeUndefined();
    expect(zoneGroupWrites(world) - before).toBe(0);
  });

  describe('a zone group made by someone else (e.g. a policy)', () => {
    const policyGroup = async (spec: EndpointSpec, zones: string[]): Promise<string> => {
      // Made while the control plane does not manage DNS, as a policy would right after the endpoint appears.
      setPrivateDns(null);
      const { id } = await createEndpoint(world, spec);
      await world.network(spec.subscriptionId).privateDnsZoneGroups.beginCreateOrUpdateAndWait(spec.resourceGroup, spec.name, 'deployedByPolicy', {
        privateDnsZoneConfigs: zones.map((z) => ({ name: z.replace(/\./g, '-'), privateDnsZoneId: zoneId(z) })),
      }, { updateIntervalInMs: 5 });
      await quiesce(world);
      setPrivateDns({});
      return id;
    };

    it('recognises a group with the right zones by the names on the endpoint\'s NIC, and leaves it alone', async () => {
      const spec = pe('pe-stpol1', storage('stpol1'), ['blob']);
      const id = await policyGroup(spec, ['privatelink.blob.core.windows.net']);
      // As in Azure: the group empties customDnsConfigs; the name and IP are on the NIC only.
      const endpoint = await world.network(PAYMENTS).privateEndpoints.get(spec.resourceGroup, spec.name);
      expect(endpoint.customDnsConfigs).toEqual([]);
      const nic = await world.network(PAYMENTS).networkInterfaces.get(spec.resourceGroup, endpoint.networkInterfaces?.[0]?.id?.split('/').pop() ?? '');
      const ip = nic.ipConfigurations?.[0]?.privateIPAddress ?? '';
      const before = zoneGroupWrites(world);
      await reconcile(id);
      const view = await settledEndpoint(world, id, 'Registered');
      expect(view.zoneGroup).toBe('deployedByPolicy');
      expect(view.condition?.message).toBe('stpol1.blob.core.windows.net resolves to the endpoint through privatelink.blob.core.windows.net');
      expect(view.names).toEqual([expect.objectContaining({ fqdn: 'stpol1.blob.core.windows.net', recordName: 'stpol1', ipAddresses: [ip] })]);
      expect(view.namesFrom).toBe('networkInterface');
      expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stpol1')).toEqual([ip]);
      expect(zoneGroupWrites(world) - before).toBe(0);
    });

    it('reports a group with other zones, and replaces it when config says so', async () => {
      const id = await policyGroup(pe('pe-stpol2', storage('stpol2'), ['blob']), ['privatelink.documents.azure.com']);
      const before = zoneGroupWrites(world);
      await reconcile(id);
      const reported = await settledEndpoint(world, id, 'ForeignZoneGroup');
      expect(reported.condition?.message).toBe(
        'zone group deployedByPolicy (not made by this control plane, e.g. by a policy) lacks privatelink.blob.core.windows.net and points at privatelink.documents.azure.com: left alone (set privateDns.foreignZoneGroups to replace to have it corrected)',
      );
      expect(zoneGroupWrites(world) - before).toBe(0);
      expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stpol2')).toBeUndefined();

      setPrivateDns({ foreignZoneGroups: 'replace' });
      await reconcile(id);
      const replaced = await settledEndpoint(world, id, 'Registered');
      expect(replaced.audit[0]).toMatchObject({ action: 'replace', outcome: 'succeeded' });
      expect(zoneGroupWrites(world) - before).toBe(1);
      expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stpol2')).toBeDefined();
    });
  });

  describe('two endpoints for one FQDN', () => {
    const shared = storage('stshared1');
    const a = pe('pe-stshared-a', shared, ['blob']);
    const b = pe('pe-stshared-b', shared, ['blob'], { subscriptionId: ANALYTICS, resourceGroup: 'rg-analytics-weu', subnetId: PE_SUBNET_ANALYTICS });
    const c = pe('pe-stshared-c', shared, ['blob'], { subscriptionId: ANALYTICS, resourceGroup: 'rg-analytics-weu', subnetId: PE_SUBNET_ANALYTICS });
    const record = () => aRecord(world, 'privatelink.blob.core.windows.net', 'stshared1');

    it('keeps the first endpoint\'s record and reports the second; hands the name over when the first goes', async () => {
      const first = await createEndpoint(world, a);
      await settledEndpoint(world, first.id, 'Registered');
      const ipsA = first.names.get('stshared1.blob.core.windows.net');

      const before = zoneGroupWrites(world);
      const second = await createEndpoint(world, b);
      const conflict = await settledEndpoint(world, second.id, 'Conflict');
      expect(conflict.condition?.message).toMatch(new RegExp(`^no name registered; left alone: stshared1\\.blob\\.core\\.windows\\.net is registered for endpoint ${first.id.replace(/[/.]/g, '\\$&')} \\(${ipsA?.join(', ')}\\), which still exists \\(privateDns\\.conflicts is report\\)$`));
      expect(conflict.conflicts).toEqual([expect.objectContaining({ fqdn: 'stshared1.blob.core.windows.net', ownerId: first.id })]);
      expect(await record()).toEqual(ipsA);
      expect(zoneGroupWrites(world) - before).toBe(0);

      // Reconciling the second again changes nothing (no flip-flop).
      await apiFetch(`${world.embedded.baseUrl}/api/endpoints/${ANALYTICS}/rg-analytics-weu/pe-stshared-b/reconcile`, { method: 'POST' });
      await settledEndpoint(world, second.id, 'Conflict');
      expect(await record()).toEqual(ipsA);

      await deleteEndpoint(world, a);
      const gone = await settledEndpoint(world, first.id, 'Deleted');
      expect(gone.condition?.message).toMatch(/reconciling .*pe-stshared-b, which shares its names/);
      const took = await settledEndpoint(world, second.id, 'Registered');
      expect(took.condition?.message).toBe('stshared1.blob.core.windows.net resolves to the endpoint through privatelink.blob.core.windows.net');
      expect(await record()).toEqual(second.names.get('stshared1.blob.core.windows.net'));
    });

    it('lets the newest endpoint take the name under newest-wins, once, and keeps it', async () => {
      setPrivateDns({ conflicts: 'newest-wins' });
      const third = await createEndpoint(world, c);
      await settledEndpoint(world, third.id, 'Registered');
      const ipsC = third.names.get('stshared1.blob.core.windows.net');
      expect(await record()).toEqual(ipsC);
      // The older endpoint, reconciled again, yields instead of taking the name back.
      const before = zoneGroupWrites(world);
      await apiFetch(`${world.embedded.baseUrl}/api/endpoints/${ANALYTICS}/rg-analytics-weu/pe-stshared-b/reconcile`, { method: 'POST' });
      const older = await settledEndpoint(world, endpointId(b), 'Conflict');
      expect(older.condition?.message).toMatch(/which still exists and is newer/);
      expect(await record()).toEqual(ipsC);
      expect(zoneGroupWrites(world) - before).toBe(0);
    });
  });

  it('confirms the records are gone when an endpoint is deleted', async () => {
    const spec = pe('pe-stgone', storage('stgone'), ['blob']);
    const { id } = await createEndpoint(world, spec);
    await settledEndpoint(world, id, 'Registered');
    expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stgone')).toBeDefined();
    await deleteEndpoint(world, spec);
    const view = await settledEndpoint(world, id, 'Deleted');
    expect(view.condition?.message).toBe('the endpoint is gone; its records are gone from the zones (stgone.blob.core.windows.net)');
    expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stgone')).toBeUndefined();
  });

  it('retries through throttling and a failed zone group operation', async () => {
    world.embedded.arm.faults.failNext(2, 'PUT', '*/privateDnsZoneGroups/*', { kind: 'http', status: 429, code: 'SubscriptionRequestsThrottled', message: 'throttled', retryAfterSeconds: 1 });
    world.embedded.arm.faults.failNext(1, 'GET', '*/privateDnsZones/*/A/stfault', { kind: 'http', status: 500, code: 'InternalServerError', message: 'boom' });
    world.embedded.arm.faults.add({ path: '*/privateDnsZoneGroups/*', effect: { kind: 'lroFailure', code: 'InternalServerError', message: 'the zone group operation failed' }, times: 1 });
    const { id, names } = await createEndpoint(world, pe('pe-stfault', storage('stfault'), ['blob']));
    const view = await settledEndpoint(world, id, 'Registered');
    expect(await aRecord(world, 'privatelink.blob.core.windows.net', 'stfault')).toEqual(names.get('stfault.blob.core.windows.net'));
    expect(view.audit.map((a) => `${a.action}:${a.outcome}`)).toContain('create:succeeded');
  });

  it('lists endpoints with their conditions and answers 400 for a bad path', async () => {
    const res = await apiFetch(`${world.embedded.baseUrl}/api/endpoints?status=True`);
    const body = (await res.json()) as { count: number; endpoints: Array<{ condition: { status: string } }> };
    expect(res.status).toBe(200);
    expect(body.count).toBeGreaterThan(0);
    expect(body.endpoints.every((e) => e.condition.status === 'True')).toBe(true);
    const bad = await apiFetch(`${world.embedded.baseUrl}/api/endpoints/not-a-guid/rg/-pe`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'InvalidEndpointId', message: 'subscriptionId "not-a-guid" is not a GUID; endpointName "-pe" is not a valid private endpoint name' } });
  });

  it('sweeps the watched subscriptions: the demo endpoints without zone groups get registered', async () => {
    const demo = endpointId({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name: 'pe-kv-payments-weu' });
    const res = await apiFetch(`${world.embedded.baseUrl}/api/endpoints/reconcile`, { method: 'POST', body: '' });
    expect(res.status).toBe(202);
    await quiesce(world);
    const view = await getEndpoint(world, demo);
    expect(view?.condition?.reason).toBe('Registered');
    // Those seeded with a zone group (customDnsConfigs empty) are recognised by the names on their NICs.
    for (const seeded of [
      endpointId({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name: 'pe-stpaymentsweu-blob' }),
      endpointId({ subscriptionId: ANALYTICS, resourceGroup: 'rg-analytics-weu', name: 'pe-acr-analytics-weu' }),
    ]) {
      const registered = await getEndpoint(world, seeded);
      expect({ seeded, reason: registered?.condition?.reason, namesFrom: registered?.namesFrom }).toEqual({ seeded, reason: 'Registered', namesFrom: 'networkInterface' });
    }
  });
});
