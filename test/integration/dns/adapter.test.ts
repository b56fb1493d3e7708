/**
 * The DNS adapter over the real @azure/arm-network client and the ARM emulator: an endpoint's names come from its
 * NIC (Azure empties customDnsConfigs once a zone group exists), then its zone group, then customDnsConfigs; a
 * subscription's endpoints are joined to its NICs from two paged lists, with no GET per endpoint.
 */
import { readFileSync } from 'node:fs';
import type { NetworkManagementClient } from '@azure/arm-network';
import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { createDnsAdapter } from '../../../shared/azure/dns-adapter';
import type { DnsPort } from '../../../shared/dns/ports';
import { SUB, credential, networkClient, poll, vnetId } from '../arm/helpers';

describe('DNS adapter: names from the endpoint NIC', () => {
  const rg = 'rg-adapter';
  const endpointIdOf = (name: string) => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`;
  const cosmosTarget = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/cosmos7`;
  const COSMOS_NAMES = [
    { fqdn: 'cosmos7.documents.azure.com', ipAddresses: ['10.60.0.4'] },
    { fqdn: 'cosmos7-westeurope.documents.azure.com', ipAddresses: ['10.60.0.5'] },
  ];
  let arm: ArmEmulator;
  let net: NetworkManagementClient;
  let dns: DnsPort;
  let cosmosZoneId: string;

  const createEndpoint = (name: string, targetId: string, groupIds: string[]) =>
    net.privateEndpoints.beginCreateOrUpdateAndWait(rg, name, {
      location: 'westeurope',
      subnet: { id: `${vnetId(rg, 'spoke')}/subnets/pe` },
      privateLinkServiceConnections: [{ name, privateLinkServiceId: targetId, groupIds }],
    }, poll);

  beforeAll(async () => {
    arm = createArmEmulator({ timeScale: 0.001, pageSize: 2, throttling: false, log: () => undefined });
    const started = await arm.start();
    const ca = readFileSync(started.caCertFile, 'utf8');
    net = networkClient(started.endpoint, ca);
    dns = createDnsAdapter({ credential, clientOptions: { endpoint: started.endpoint, tlsOptions: { ca }, retryOptions: { retryDelayInMs: 5, maxRetries: 0 } }, lro: poll });
    arm.createResourceGroup(SUB, rg);
    await net.virtualNetworks.beginCreateOrUpdateAndWait(rg, 'spoke', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.60.0.0/16'] }, subnets: [{ name: 'pe', addressPrefix: '10.60.0.0/24' }] }, poll);
    cosmosZoneId = String(arm.putPrivateDnsZone({ subscriptionId: SUB, resourceGroup: rg, name: 'privatelink.documents.azure.com' }).id);
    await createEndpoint('pe-cosmos7', cosmosTarget, ['Sql']);
    await createEndpoint('pe-st7', `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st7`, ['blob']);
    await createEndpoint('pe-kv7', `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/kv7`, ['vault']);
    // A zone group made by someone else: from now on the endpoint's customDnsConfigs is empty.
    await dns.putZoneGroup(endpointIdOf('pe-cosmos7'), 'deployedByPolicy', [cosmosZoneId]);
  });
  afterAll(async () => {
    await arm.stop();
  });
  afterEach(() => arm.faults.clear());

  it('reads an endpoint with a zone group (empty customDnsConfigs) by its NIC, every name with its IP', async () => {
    expect((await net.privateEndpoints.get(rg, 'pe-cosmos7')).customDnsConfigs).toEqual([]);
    const endpoint = await dns.getEndpoint(endpointIdOf('pe-cosmos7'));
    expect(endpoint?.dnsNames).toEqual(COSMOS_NAMES);
    expect(endpoint?.namesFrom).toBe('networkInterface');
    expect(endpoint?.networkInterfaceIds).toEqual([expect.stringMatching(/\/resourceGroups\/rg-adapter\/providers\/Microsoft\.Network\/networkInterfaces\/pe-cosmos7\.nic\./)]);
  });

  it('falls back to the zone group\'s record sets when the NIC cannot be read, then to customDnsConfigs', async () => {
    arm.faults.add({ method: 'GET', path: '*/networkInterfaces/*', effect: { kind: 'http', status: 404, code: 'ResourceNotFound', message: 'not found' } });
    const withGroup = await dns.getEndpoint(endpointIdOf('pe-cosmos7'));
    expect([withGroup?.namesFrom, withGroup?.dnsNames]).toEqual(['zoneGroup', COSMOS_NAMES]);
    const withoutGroup = await dns.getEndpoint(endpointIdOf('pe-st7'));
    expect([withoutGroup?.namesFrom, withoutGroup?.dnsNames.map((n) => n.fqdn)]).toEqual(['customDnsConfigs', ['st7.blob.core.windows.net']]);
  });

  it('joins a subscription\'s endpoints to its NICs from two paged lists, with no GET per endpoint', async () => {
    arm.requestLog.reset();
    const endpoints = await dns.listEndpoints(SUB);
    expect(endpoints.map((e) => [e.name, e.namesFrom, e.dnsNames.map((n) => n.fqdn)]).sort()).toEqual([
      ['pe-cosmos7', 'networkInterface', COSMOS_NAMES.map((n) => n.fqdn)],
      ['pe-kv7', 'networkInterface', ['kv7.vault.azure.net']],
      ['pe-st7', 'networkInterface', ['st7.blob.core.windows.net']],
    ]);
    // Three endpoints at two per page: two pages of each list, and nothing else.
    expect(arm.requestLog.snapshot().byOperation).toEqual({
      'GET privateEndpoints': { total: 2, byStatus: { 200: 2 } },
      'GET networkInterfaces': { total: 2, byStatus: { 200: 2 } },
    });
  });

  it('reads an A record with what its answer says of the zone: there, absent from it, or the zone missing (ParentResourceNotFound)', async () => {
    const missingZoneId = cosmosZoneId.replace('privatelink.documents.azure.com', 'privatelink.mongo.cosmos.azure.com');
    arm.requestLog.reset();
    expect(await dns.readARecord(cosmosZoneId, 'cosmos7')).toEqual({ record: expect.objectContaining({ name: 'cosmos7', ipAddresses: ['10.60.0.4'] }), zone: 'exists' });
    expect(await dns.readARecord(cosmosZoneId, 'nobody')).toEqual({ record: null, zone: 'exists' });
    expect(await dns.readARecord(missingZoneId, 'cosmos7')).toEqual({ record: null, zone: 'missing' });
    expect(await dns.getARecord(missingZoneId, 'cosmos7')).toBeNull();
    // One GET each, no zone GET.
    expect(arm.requestLog.snapshot().byOperation).toEqual({ 'GET privateDnsZones/A': { total: 4, byStatus: { 200: 1, 404: 3 } } });
  });

  it('cannot tell the zone from a 404 whose code says neither, and says so', async () => {
    arm.faults.add({ method: 'GET', path: '*/A/*', effect: { kind: 'http', status: 404, code: 'ResourceNotFound', message: 'not found' } });
    expect(await dns.readARecord(cosmosZoneId, 'cosmos7')).toEqual({ record: null, zone: 'unknown' });
  });

  it('says an endpoint that is gone is gone', async () => {
    expect(await dns.getEndpoint(endpointIdOf('pe-none'))).toBeNull();
  });
});
