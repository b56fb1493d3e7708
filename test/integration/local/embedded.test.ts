import * as path from 'node:path';
import * as fs from 'node:fs';
import { NetworkManagementClient } from '@azure/arm-network';
import { TableClient } from '@azure/data-tables';
import { demoTopology, staticTokenCredential, watchedSubscriptions } from '../../../local/demo';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../../local/embedded';

const entry = path.resolve(__dirname, '../../fixtures/embedded-app/index.ts');
const root = path.resolve(__dirname, '../../..');

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the embedded default (host + Durable engine + ARM emulator + Event Grid + Azurite)', () => {
  const topology = demoTopology();
  let embedded: EmbeddedDefault;
  let fixture: { receivedEvents: { eventType: string; subject: string; data: Record<string, unknown> }[] };

  beforeAll(async () => {
    embedded = await startEmbeddedDefault({
      entries: [entry],
      topology,
      port: 0,
      env: { LOCAL_LOG_LEVEL: 'warning' },
      settingsFile: path.join(root, 'no-such-local.settings.json'),
      storage: { kind: 'memory' },
      armTimeScale: 0.001,
      taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module instance the host loaded
    fixture = require(entry);
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it('publishes the documented discovery document at /api/local/info', async () => {
    const info = (await (await fetch(`${embedded.baseUrl}/api/local/info`)).json()) as Record<string, Record<string, unknown>>;
    expect(info.arm).toMatchObject({ endpoint: embedded.armEndpoint, caCertFile: embedded.caCertFile });
    expect(fs.readFileSync(String(info.arm?.caCertFile), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(info.eventGrid?.webhookUrl).toBe(`${embedded.baseUrl}/runtime/webhooks/eventgrid?functionName=recordResourceEvents`);
    expect(info.tables?.connectionString).toBe(embedded.tables.connectionString);
    expect(info.subscriptions).toEqual({ connectivity: topology.connectivity.subscriptionId, watched: watchedSubscriptions(topology) });
    // The hubs the control plane is configured with (here derived from the topology), as they are in ARM.
    expect(info.hubs).toEqual(
      topology.connectivity.hubs.map((hub) => ({
        name: hub.region,
        region: hub.region,
        exists: true,
        vnetId: `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${hub.vnet.name}`,
        addressPrefixes: hub.vnet.addressPrefixes,
        hasGateway: hub.gateway !== undefined,
      })),
    );
    expect(info.privateDns?.resourceGroupId).toBe(
      `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${topology.connectivity.privateDns.resourceGroup}`,
    );
  });

  it('seeds the topology: the hubs exist in the emulator', async () => {
    const ca = fs.readFileSync(embedded.caCertFile, 'utf8');
    const hub = topology.connectivity.hubs[0];
    if (!hub) throw new Error('the demo topology has no hub');
    const client = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId }), topology.connectivity.subscriptionId, {
      endpoint: embedded.armEndpoint,
      tlsOptions: { ca },
    });
    const vnet = await client.virtualNetworks.get(hub.resourceGroup, hub.vnet.name);
    expect(vnet.addressSpace?.addressPrefixes).toEqual(hub.vnet.addressPrefixes);
  });

  it('delivers a ResourceWriteSuccess to the app when a VNet is created through the real SDK', async () => {
    const workload = topology.workloads.find((w) => w.watched);
    const rg = workload?.spokes[0]?.resourceGroup;
    if (!workload || !rg) throw new Error('the demo topology has no watched workload');
    const client = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId }), workload.subscriptionId, {
      endpoint: embedded.armEndpoint,
      tlsOptions: { ca: fs.readFileSync(embedded.caCertFile, 'utf8') },
    });
    const created = await client.virtualNetworks.beginCreateOrUpdateAndWait(
      rg,
      'spoke-from-test',
      { location: 'westeurope', addressSpace: { addressPrefixes: ['10.250.0.0/24'] } },
      { updateIntervalInMs: 5 },
    );
    const event = await until('the write event at the app', () =>
      fixture.receivedEvents.find((e) => e.subject.toLowerCase() === created.id?.toLowerCase()),
    );
    expect(event.eventType).toBe('Microsoft.Resources.ResourceWriteSuccess');
    expect(event.data).toMatchObject({ operationName: 'Microsoft.Network/virtualNetworks/write', subscriptionId: workload.subscriptionId });
  });

  it('runs an orchestration started over HTTP through the durable client, to completion', async () => {
    const started = await fetch(`${embedded.baseUrl}/api/greetings`, { method: 'POST', body: 'platform team' });
    expect(started.status).toBe(202);
    const links = (await started.json()) as { id: string; statusQueryGetUri: string };
    expect(links.statusQueryGetUri.startsWith(`${embedded.baseUrl}/runtime/webhooks/durabletask/instances/${links.id}`)).toBe(true);
    const done = await until('the orchestration to complete', async () => {
      const status = (await (await fetch(links.statusQueryGetUri)).json()) as { runtimeStatus: string; output: unknown };
      return status.runtimeStatus === 'Completed' ? status : undefined;
    });
    expect(done.output).toBe('hello platform team');
  });

  it('serves Table storage at the published connection string', async () => {
    const table = TableClient.fromConnectionString(embedded.tables.connectionString, 'smoke', { allowInsecureConnection: true });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    await expect(table.getEntity<{ value: number }>('p', 'r')).resolves.toMatchObject({ value: 42 });
  });
});

describe('the embedded default subscribes where the control plane is configured to listen', () => {
  const topology = demoTopology();
  const [first, second] = watchedSubscriptions(topology);
  let embedded: EmbeddedDefault | undefined;

  afterEach(async () => {
    await embedded?.stop();
    embedded = undefined;
  });

  it('takes the watched and hub subscriptions from CONTROL_PLANE_TOPOLOGY, not from the emulator topology', async () => {
    if (!first || !second) throw new Error('the demo topology watches fewer than two subscriptions');
    const hub = topology.connectivity.hubs[0];
    if (!hub) throw new Error('the demo topology has no hub');
    const configured = {
      watchedSubscriptions: [second],
      hubs: [{ name: hub.region, region: hub.region, vnetId: `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${hub.vnet.name}` }],
    };
    embedded = await startEmbeddedDefault({
      entries: [entry],
      topology,
      port: 0,
      env: { LOCAL_LOG_LEVEL: 'warning', CONTROL_PLANE_TOPOLOGY: JSON.stringify(configured) },
      settingsFile: path.join(root, 'no-such-local.settings.json'),
      storage: { kind: 'memory' },
      armTimeScale: 0.001,
      taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    });
    const subscribed = embedded.publisher.subscriptions().map((s) => s.azureSubscriptionId.toLowerCase());
    expect(subscribed.sort()).toEqual([second, topology.connectivity.subscriptionId].map((s) => s.toLowerCase()).sort());
    expect(subscribed).not.toContain(first.toLowerCase());
  });
});
