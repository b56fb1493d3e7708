import { readFileSync } from 'node:fs';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { createArmEmulator, type ArmEmulator, type ResourceNotification } from '../../../local/arm';
import { anotherOperationInProgress, networkInterfaceGet, peeringCreate, privateDnsZoneGroupCreate, privateEndpointGet, recordSetAPut } from '../../fixtures/arm/officialExamples';
import { SUB, dnsClient, errorOf, networkClient, poll, raw, vnetId, vnetPath } from './helpers';

describe('ARM emulator over HTTPS with the real SDK clients', () => {
  let arm: ArmEmulator;
  let endpoint: string;
  let ca: string;
  let net: NetworkManagementClient;
  let dns: PrivateDnsManagementClient;

  beforeAll(async () => {
    arm = createArmEmulator({ timeScale: 0.001, pageSize: 2, log: () => undefined });
    const started = await arm.start();
    endpoint = started.endpoint;
    ca = readFileSync(started.caCertFile, 'utf8');
    net = networkClient(endpoint, ca);
    dns = dnsClient(endpoint, ca);
  });
  afterAll(async () => {
    await arm.stop();
  });
  afterEach(() => arm.faults.clear());

  const group = (name: string): string => {
    arm.createResourceGroup(SUB, name);
    return name;
  };
  const vnet = (rg: string, name: string, prefix: string, subnets: Array<{ name: string; addressPrefix: string }> = []) =>
    net.virtualNetworks.beginCreateOrUpdateAndWait(rg, name, { location: 'westeurope', addressSpace: { addressPrefixes: [prefix] }, subnets: subnets.map((s) => ({ name: s.name, addressPrefix: s.addressPrefix })) }, poll);
  const peer = (rg: string, from: string, name: string, toRg: string, to: string, extra: Record<string, unknown> = {}, sync?: boolean) =>
    net.virtualNetworkPeerings.beginCreateOrUpdateAndWait(rg, from, name, { remoteVirtualNetwork: { id: vnetId(toRg, to) }, allowVirtualNetworkAccess: true, allowForwardedTraffic: true, ...extra }, { ...poll, ...(sync ? { syncRemoteAddressSpace: 'true' } : {}) });

  it('creates, reads, pages and deletes virtual networks through long-running operations', async () => {
    const rg = group('rg-vnets');
    const created = await vnet(rg, 'Vnet-A', '10.10.0.0/16', [{ name: 'default', addressPrefix: '10.10.1.0/24' }]);
    expect(created.provisioningState).toBe('Succeeded');
    expect(created.subnets?.[0]?.addressPrefix).toBe('10.10.1.0/24');
    for (const i of [1, 2, 3, 4]) await vnet(rg, `vnet-${i}`, `10.${20 + i}.0.0/16`);

    arm.requestLog.reset();
    const all: string[] = [];
    for await (const v of net.virtualNetworks.listAll()) all.push(v.name ?? '');
    expect(all.sort()).toEqual(['Vnet-A', 'vnet-1', 'vnet-2', 'vnet-3', 'vnet-4'].sort());
    // 5 VNets, 2 per page: three pages, followed through nextLink.
    expect(arm.requestLog.count('GET virtualNetworks', 200)).toBe(3);

    const initial = await raw(endpoint, ca, 'PUT', `${vnetPath(rg, 'vnet-x')}?api-version=2025-05-01`, { body: { location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.99.0.0/16'] } } } });
    expect(initial.status).toBe(201);
    expect(initial.headers['azure-asyncoperation']).toMatch(/\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\/[0-9a-f-]+\?api-version=2025-05-01$/);
    expect(initial.headers['retry-after']).toBeDefined();
    expect((initial.body as { properties: { provisioningState: string } }).properties.provisioningState).toBe('Updating');
    expect((initial.body as { etag: string }).etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);

    await net.virtualNetworks.delete(rg, 'vnet-4', poll).pollUntilDone();
    expect((await errorOf(net.virtualNetworks.get(rg, 'vnet-4'))).code).toBe('ResourceNotFound');
  });

  it('reports 404 ResourceGroupNotFound when writing into a missing resource group', async () => {
    const error = await errorOf(vnet('rg-does-not-exist', 'v', '10.0.0.0/16'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('ResourceGroupNotFound');
    expect(error.message).toBe("Resource group 'rg-does-not-exist' could not be found.");
  });

  it('answers ids case-insensitively and keeps the casing the resource was created with', async () => {
    const rg = group('Rg-Casing');
    await vnet(rg, 'Hub-WestEurope', '10.30.0.0/16');
    const answer = await raw(endpoint, ca, 'GET', `/SUBSCRIPTIONS/${SUB}/resourcegroups/rg-casing/providers/microsoft.network/virtualnetworks/hub-westeurope?api-version=2026-01-01`);
    expect(answer.status).toBe(200);
    expect((answer.body as { id: string; name: string }).id).toBe(vnetPath('Rg-Casing', 'Hub-WestEurope'));
    expect((answer.body as { name: string }).name).toBe('Hub-WestEurope');
  });

  it('refuses requests without a bearer token or api-version, and unknown api-versions', async () => {
    const path = vnetPath('rg-vnets', 'Vnet-A');
    const noAuth = await raw(endpoint, ca, 'GET', `${path}?api-version=2026-01-01`, { auth: false });
    expect(noAuth.status).toBe(401);
    expect(noAuth.body).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing.", details: [] } });
    const noVersion = await raw(endpoint, ca, 'GET', path);
    expect(noVersion.status).toBe(400);
    expect((noVersion.body as { error: { code: string } }).error.code).toBe('MissingApiVersionParameter');
    const badVersion = await raw(endpoint, ca, 'GET', `${path}?api-version=1999-01-01`);
    expect((badVersion.body as { error: { code: string } }).error.code).toBe('NoRegisteredProviderFound');
    expect(noAuth.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('walks a peering through Initiated, Connected and Disconnected, and back only after an update', async () => {
    const rg = group('rg-peer');
    await vnet(rg, 'hub', '10.0.0.0/16');
    await vnet(rg, 'spoke1', '10.1.0.0/16');

    const oneSide = await peer(rg, 'hub', 'hub-to-spoke1', rg, 'spoke1');
    expect(oneSide.peeringState).toBe('Initiated');
    const wire = await raw(endpoint, ca, 'GET', `${vnetPath(rg, 'hub')}/virtualNetworkPeerings/hub-to-spoke1?api-version=2026-01-01`);
    const body = wire.body as { type: string; properties: Record<string, unknown> };
    expect(body.type).toBe(peeringCreate.type);
    expect(body.properties).toMatchObject(peeringCreate.properties);
    for (const key of peeringCreate.presentKeys) expect(body.properties[key]).toBeDefined();
    expect(body.properties['remoteAddressSpace']).toEqual({ addressPrefixes: ['10.1.0.0/16'] });

    const otherSide = await peer(rg, 'spoke1', 'spoke1-to-hub', rg, 'hub');
    expect(otherSide.peeringState).toBe('Connected');
    expect((await net.virtualNetworkPeerings.get(rg, 'hub', 'hub-to-spoke1')).peeringState).toBe('Connected');
    expect((await net.virtualNetworks.get(rg, 'hub')).virtualNetworkPeerings?.[0]?.peeringState).toBe('Connected');

    await net.virtualNetworkPeerings.delete(rg, 'spoke1', 'spoke1-to-hub', poll).pollUntilDone();
    expect((await net.virtualNetworkPeerings.get(rg, 'hub', 'hub-to-spoke1')).peeringState).toBe('Disconnected');

    // Re-creating the deleted side is refused while the remote peering is Disconnected.
    const refused = await errorOf(peer(rg, 'spoke1', 'spoke1-to-hub', rg, 'hub'));
    expect(refused.code).toBe('RemotePeeringIsDisconnected');
    // Updating the Disconnected side brings it back to Initiated; then the other side connects both.
    expect((await peer(rg, 'hub', 'hub-to-spoke1', rg, 'spoke1')).peeringState).toBe('Initiated');
    expect((await peer(rg, 'spoke1', 'spoke1-to-hub', rg, 'hub')).peeringState).toBe('Connected');
  });

  it('goes out of sync when a peered address space changes and back in sync with syncRemoteAddressSpace', async () => {
    const rg = group('rg-sync');
    await vnet(rg, 'hub', '10.0.0.0/16');
    await vnet(rg, 'spoke', '10.2.0.0/16');
    await peer(rg, 'hub', 'hub-to-spoke', rg, 'spoke');
    await peer(rg, 'spoke', 'spoke-to-hub', rg, 'hub');

    await net.virtualNetworks.beginCreateOrUpdateAndWait(rg, 'spoke', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.2.0.0/16', '10.3.0.0/16'] } }, poll);
    const hubSide = await net.virtualNetworkPeerings.get(rg, 'hub', 'hub-to-spoke');
    const spokeSide = await net.virtualNetworkPeerings.get(rg, 'spoke', 'spoke-to-hub');
    expect(hubSide.peeringSyncLevel).toBe('LocalNotInSync');
    expect(spokeSide.peeringSyncLevel).toBe('RemoteNotInSync');
    expect(hubSide.remoteAddressSpace?.addressPrefixes).toEqual(['10.2.0.0/16']);
    expect(hubSide.remoteVirtualNetworkAddressSpace?.addressPrefixes).toEqual(['10.2.0.0/16', '10.3.0.0/16']);

    // A plain PUT does not sync; the PUT with syncRemoteAddressSpace=true on the hub side does.
    expect((await peer(rg, 'hub', 'hub-to-spoke', rg, 'spoke')).peeringSyncLevel).toBe('LocalNotInSync');
    const synced = await peer(rg, 'hub', 'hub-to-spoke', rg, 'spoke', {}, true);
    expect(synced.peeringSyncLevel).toBe('FullyInSync');
    expect(synced.remoteAddressSpace?.addressPrefixes).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
    expect((await net.virtualNetworkPeerings.get(rg, 'spoke', 'spoke-to-hub')).peeringSyncLevel).toBe('FullyInSync');
  });

  it('rejects overlapping address spaces with the messages Azure uses', async () => {
    const rg = group('rg-overlap');
    await vnet(rg, 'hub', '10.0.0.0/16');
    await vnet(rg, 'twin', '10.0.128.0/17');
    await vnet(rg, 'spoke-a', '10.5.0.0/16');
    await vnet(rg, 'spoke-b', '10.5.0.0/16');

    const direct = await errorOf(peer(rg, 'hub', 'hub-to-twin', rg, 'twin'));
    expect(direct.statusCode).toBe(400);
    expect(direct.code).toBe('VnetAddressSpacesOverlap');
    expect(direct.message).toBe(
      `Cannot create or update peering ${vnetPath(rg, 'hub')}/virtualNetworkPeerings/hub-to-twin. Virtual networks ${vnetPath(rg, 'hub')} and ${vnetPath(rg, 'twin')} cannot be peered because their address spaces overlap. Overlapping address prefixes: 10.0.0.0/16`,
    );

    await peer(rg, 'hub', 'hub-to-a', rg, 'spoke-a');
    const third = await errorOf(peer(rg, 'spoke-b', 'b-to-hub', rg, 'hub'));
    expect(third.code).toBe('VnetAddressSpaceOverlapsWithAlreadyPeeredVnet');
    expect(third.message).toContain(`address space of the first virtual network overlaps with address space of virtual network ${vnetPath(rg, 'spoke-a')} already peered with the second virtual network. Overlapping address prefixes: 10.5.0.0/16`);
  });

  it('requires a remote gateway for useRemoteGateways', async () => {
    const rg = group('rg-gw');
    await vnet(rg, 'hub', '10.0.0.0/16', [{ name: 'GatewaySubnet', addressPrefix: '10.0.255.0/27' }]);
    await vnet(rg, 'spoke', '10.7.0.0/16');
    const refused = await errorOf(peer(rg, 'spoke', 'spoke-to-hub', rg, 'hub', { useRemoteGateways: true }));
    expect(refused.code).toBe('RemoteVnetHasNoGateways');
    expect(refused.message).toBe(
      `Peering ${vnetPath(rg, 'spoke')}/virtualNetworkPeerings/spoke-to-hub cannot have UseRemoteGateway flag set to true because remote virtual network ${vnetPath(rg, 'hub')} referenced by the peering does not have any gateways.`,
    );
    const gw = arm.addGateway({ subscriptionId: SUB, resourceGroup: rg, name: 'hub-vpngw', vnetId: vnetId(rg, 'hub') });
    const accepted = await peer(rg, 'spoke', 'spoke-to-hub', rg, 'hub', { useRemoteGateways: true });
    expect(accepted.useRemoteGateways).toBe(true);
    const wire = await raw(endpoint, ca, 'GET', `${vnetPath(rg, 'spoke')}/virtualNetworkPeerings/spoke-to-hub?api-version=2026-01-01`);
    expect((wire.body as { properties: { remoteGateways: Array<{ id: string }> } }).properties.remoteGateways).toEqual([{ id: gw['id'] }]);
    // The hub has its own gateway: it cannot use a remote one.
    await vnet(rg, 'other', '10.8.0.0/16');
    arm.addGateway({ subscriptionId: SUB, resourceGroup: rg, name: 'other-gw', vnetId: vnetId(rg, 'hub') });
    expect((await errorOf(peer(rg, 'hub', 'hub-to-other', rg, 'other', { useRemoteGateways: true }))).statusCode).toBe(400);
  });

  it('serializes writes on one hub: a concurrent peering write from another spoke gets 409 AnotherOperationInProgress', async () => {
    // Its own emulator with slow peerings, so the first write is certainly in flight when the second arrives.
    const slow = createArmEmulator({ timeScale: 0.001, lroDurationsMs: { virtualNetworkPeerings: 1_000_000 }, log: () => undefined });
    const started = await slow.start();
    try {
      const client = networkClient(started.endpoint, readFileSync(started.caCertFile, 'utf8'));
      slow.createResourceGroup(SUB, 'rg-lock');
      for (const [name, prefix] of [['hub', '10.0.0.0/16'], ['s1', '10.11.0.0/16'], ['s2', '10.12.0.0/16']] as const) {
        slow.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg-lock', name, addressPrefixes: [prefix] });
      }
      const body = (to: string) => ({ remoteVirtualNetwork: { id: vnetId('rg-lock', to) } });
      // A busy remote side may also answer 429 or 400 (remoteLocks.test.ts); here the 409 is asked for.
      slow.remoteLocks.configure({ force: 'AnotherOperationInProgress' });
      const first = await client.virtualNetworkPeerings.beginCreateOrUpdate('rg-lock', 's1', 's1-to-hub', body('hub'), poll);
      expect((await client.virtualNetworkPeerings.get('rg-lock', 's1', 's1-to-hub')).provisioningState).toBe('Updating');
      const error = await errorOf(client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-lock', 's2', 's2-to-hub', body('hub'), poll));
      expect(error.statusCode).toBe(anotherOperationInProgress.status);
      expect(error.code).toBe(anotherOperationInProgress.code);
      expect(error.message).toMatch(anotherOperationInProgress.messagePattern);
      // The hub itself is locked too (a hub-side write from the same flow).
      expect((await errorOf(client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-lock', 'hub', 'hub-to-s2', body('s2'), poll))).code).toBe('AnotherOperationInProgress');
      expect((await first.pollUntilDone()).provisioningState).toBe('Succeeded');
      // Once the first is done, the second spoke's write goes through.
      expect((await client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-lock', 's2', 's2-to-hub', body('hub'), poll)).peeringState).toBe('Initiated');
    } finally {
      await slow.stop();
    }
  });

  it('surfaces a failed long-running operation as the SDK error and leaves provisioningState Failed', async () => {
    const rg = group('rg-fail');
    await vnet(rg, 'hub', '10.0.0.0/16');
    await vnet(rg, 'spoke', '10.13.0.0/16');
    arm.faults.failNext(1, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'lroFailure', code: 'InternalServerError', message: 'An error occurred.' });
    const error = await errorOf(peer(rg, 'spoke', 'spoke-to-hub', rg, 'hub'));
    // core-lro turns a Failed operation status into a plain Error carrying the code and message in its text.
    expect(error.message).toBe('The long-running operation has failed. InternalServerError. An error occurred.');
    expect((await net.virtualNetworkPeerings.get(rg, 'spoke', 'spoke-to-hub')).provisioningState).toBe('Failed');
    // The next write (a retry) succeeds.
    expect((await peer(rg, 'spoke', 'spoke-to-hub', rg, 'hub')).provisioningState).toBe('Succeeded');
  });

  it('answers injected 429 with Retry-After, which the SDK honours and retries; injected 500s are retried too', async () => {
    const rg = group('rg-faults');
    await vnet(rg, 'v', '10.14.0.0/16');
    arm.requestLog.reset();
    arm.faults.failNext(1, 'GET', `*/virtualNetworks/v`, { kind: 'http', status: 429, retryAfterSeconds: 10 });
    const started = Date.now();
    await net.virtualNetworks.get(rg, 'v');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(arm.requestLog.count('GET virtualNetworks', 429)).toBe(1);
    expect(arm.requestLog.count('GET virtualNetworks', 200)).toBe(1);

    const throttled = await raw(endpoint, ca, 'GET', `${vnetPath(rg, 'v')}?api-version=2026-01-01`).then(async () => {
      arm.faults.failNext(1, 'GET', `*/virtualNetworks/v`, { kind: 'http', status: 429, retryAfterSeconds: 10 });
      return raw(endpoint, ca, 'GET', `${vnetPath(rg, 'v')}?api-version=2026-01-01`);
    });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.headers['retry-after-ms']).toBe('10');

    arm.faults.failNext(2, 'GET', `*/virtualNetworks/v`, { kind: 'http', status: 500 });
    await net.virtualNetworks.get(rg, 'v');
    expect(arm.requestLog.count('GET virtualNetworks', 500)).toBe(2);
    arm.faults.add({ method: 'GET', path: '*/virtualNetworks/v', effect: { kind: 'http', status: 503 } });
    expect((await errorOf(net.virtualNetworks.get(rg, 'v'))).statusCode).toBe(503);
  });

  it('throttles with token buckets: 429 SubscriptionRequestsThrottled and remaining-writes headers', async () => {
    const tight = createArmEmulator({ timeScale: 1, throttling: { writes: { bucket: 2, refillPerSecond: 0.001 } }, log: () => undefined });
    const started = await tight.start();
    try {
      const tca = readFileSync(started.caCertFile, 'utf8');
      const put = () => raw(started.endpoint, tca, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-t?api-version=2021-04-01`, { body: { location: 'westeurope' } });
      const first = await put();
      expect(first.status).toBe(201);
      expect(first.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('1');
      expect((await put()).status).toBe(200);
      const third = await put();
      expect(third.status).toBe(429);
      expect((third.body as { error: { code: string; message: string } }).error.code).toBe('SubscriptionRequestsThrottled');
      expect((third.body as { error: { message: string } }).error.message).toMatch(/^Number of 'write' requests for subscription '.+' actor 'unknown' exceeded\. Please try again after '\d+' seconds/);
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await tight.stop();
    }
  });

  it('creates a private endpoint and zone group that write A records, and removes them with the endpoint', async () => {
    const rg = group('rg-pe');
    const dnsRg = group('rg-dns');
    await vnet(rg, 'spoke', '10.40.0.0/16', [{ name: 'endpoints', addressPrefix: '10.40.1.0/24' }]);
    const zone = await dns.privateZones.beginCreateOrUpdateAndWait(dnsRg, 'privatelink.blob.core.windows.net', { location: 'global' }, poll);
    expect(zone.provisioningState).toBe('Succeeded');
    const storageId = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/StData01`;
    const pe = await net.privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-blob', {
      location: 'westeurope',
      subnet: { id: `${vnetId(rg, 'spoke')}/subnets/endpoints` },
      privateLinkServiceConnections: [{ name: 'blob', privateLinkServiceId: storageId, groupIds: ['blob'] }],
    }, poll);
    expect(pe.customDnsConfigs).toEqual([{ fqdn: 'stdata01.blob.core.windows.net', ipAddresses: ['10.40.1.4'] }]);
    const peWire = (await raw(endpoint, ca, 'GET', `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/pe-blob?api-version=2026-01-01`)).body as { type: string; properties: Record<string, unknown> & { privateLinkServiceConnections: Array<{ properties: { privateLinkServiceConnectionState: unknown } }> } };
    expect(peWire.type).toBe(privateEndpointGet.type);
    for (const key of privateEndpointGet.presentKeys) expect(peWire.properties[key]).toBeDefined();
    expect(peWire.properties.privateLinkServiceConnections[0]?.properties.privateLinkServiceConnectionState).toEqual(privateEndpointGet.connectionState);

    const zoneGroup = await net.privateDnsZoneGroups.beginCreateOrUpdateAndWait(rg, 'pe-blob', 'default', {
      privateDnsZoneConfigs: [{ name: 'blob', privateDnsZoneId: zone.id }],
    }, poll);
    expect(zoneGroup.privateDnsZoneConfigs?.[0]?.recordSets).toEqual([
      { recordType: 'A', recordSetName: 'stdata01', fqdn: 'stdata01.privatelink.blob.core.windows.net', provisioningState: 'Succeeded', ttl: 10, ipAddresses: ['10.40.1.4'] },
    ]);
    const zgWire = (await raw(endpoint, ca, 'GET', `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/pe-blob/privateDnsZoneGroups/default?api-version=2026-01-01`)).body as { type: string; properties: Record<string, unknown> & { privateDnsZoneConfigs: Array<{ properties: Record<string, unknown> }> } };
    expect(zgWire.type).toBe(privateDnsZoneGroupCreate.type);
    for (const key of privateDnsZoneGroupCreate.presentKeys) expect(zgWire.properties[key]).toBeDefined();
    for (const key of privateDnsZoneGroupCreate.zoneConfigKeys) expect(zgWire.properties.privateDnsZoneConfigs[0]?.properties[key]).toBeDefined();

    const record = await dns.recordSets.get(dnsRg, 'privatelink.blob.core.windows.net', 'A', 'stdata01');
    expect(record.aRecords).toEqual([{ ipv4Address: '10.40.1.4' }]);
    expect(record.fqdn).toBe('stdata01.privatelink.blob.core.windows.net.');

    // The subnet in use cannot go with its VNet.
    expect((await errorOf(net.virtualNetworks.delete(rg, 'spoke', poll).pollUntilDone())).code).toBe('InUseSubnetCannotBeDeleted');

    await net.privateEndpoints.delete(rg, 'pe-blob', poll).pollUntilDone();
    expect((await errorOf(dns.recordSets.get(dnsRg, 'privatelink.blob.core.windows.net', 'A', 'stdata01'))).statusCode).toBe(404);
  });

  it('publishes registry and regional data endpoint names; refuses more than 5 zone configs', async () => {
    const rg = group('rg-acr');
    await vnet(rg, 'spoke', '10.41.0.0/16', [{ name: 'pe', addressPrefix: '10.41.0.0/28' }]);
    const acr = await net.privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-acr', {
      location: 'westeurope',
      subnet: { id: `${vnetId(rg, 'spoke')}/subnets/pe` },
      privateLinkServiceConnections: [{ name: 'acr', privateLinkServiceId: `/subscriptions/${SUB}/resourceGroups/x/providers/Microsoft.ContainerRegistry/registries/myacr`, groupIds: ['registry'] }],
    }, poll);
    expect(acr.customDnsConfigs).toEqual([
      { fqdn: 'myacr.azurecr.io', ipAddresses: ['10.41.0.4'] },
      { fqdn: 'myacr.westeurope.data.azurecr.io', ipAddresses: ['10.41.0.5'] },
    ]);
    const zones = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => dns.privateZones.beginCreateOrUpdateAndWait(rg, `privatelink.zone${i}.example`, { location: 'global' }, poll)));
    const error = await errorOf(net.privateDnsZoneGroups.beginCreateOrUpdateAndWait(rg, 'pe-acr', 'default', { privateDnsZoneConfigs: zones.map((z, i) => ({ name: `z${i}`, privateDnsZoneId: z.id })) }, poll));
    expect(error.statusCode).toBe(400);
  });

  describe('the NIC of a private endpoint', () => {
    const rg = 'rg-nic';
    const cosmosId = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/cosmos1`;
    const peIdOf = (name: string) => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`;
    const nicName = (nicId: string | undefined) => nicId?.split('/').pop() ?? '';
    type NicConfig = { ip?: string; groupId?: string; member?: string; fqdns?: string[] };
    const configsOf = async (name: string): Promise<NicConfig[]> =>
      ((await net.networkInterfaces.get(rg, name)).ipConfigurations ?? []).map((c) => ({
        ip: c.privateIPAddress,
        groupId: c.privateLinkConnectionProperties?.groupId,
        member: c.privateLinkConnectionProperties?.requiredMemberName,
        fqdns: c.privateLinkConnectionProperties?.fqdns,
      }));
    const zoneGroupPath = (pe: string, group: string) => `${peIdOf(pe)}/privateDnsZoneGroups/${group}?api-version=2024-05-01`;
    /** Waits for the zone group's operation (the emulator completes it on its clock). */
    const zoneGroupSucceeded = async (pe: string, group: string) => {
      for (;;) {
        const g = await net.privateDnsZoneGroups.get(rg, pe, group);
        if (g.provisioningState === 'Succeeded') return g;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    beforeAll(async () => {
      group(rg);
      await vnet(rg, 'spoke', '10.42.0.0/16', [{ name: 'pe', addressPrefix: '10.42.0.0/24' }]);
    });

    it('is made with the endpoint in its resource group, and carries each name with its IP', async () => {
      const pe = await net.privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-cosmos', {
        location: 'westeurope',
        subnet: { id: `${vnetId(rg, 'spoke')}/subnets/pe` },
        privateLinkServiceConnections: [{ name: 'sql', privateLinkServiceId: cosmosId, groupIds: ['Sql'] }],
      }, poll);
      const nicId = pe.networkInterfaces?.[0]?.id;
      expect(nicId).toMatch(new RegExp(`^/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft\\.Network/networkInterfaces/pe-cosmos\\.nic\\.[0-9a-f-]{36}$`));
      expect(pe.customDnsConfigs).toEqual([
        { fqdn: 'cosmos1.documents.azure.com', ipAddresses: ['10.42.0.4'] },
        { fqdn: 'cosmos1-westeurope.documents.azure.com', ipAddresses: ['10.42.0.5'] },
      ]);

      const nic = await net.networkInterfaces.get(rg, nicName(nicId));
      expect(nic.id).toBe(nicId);
      expect(nic.privateEndpoint?.id).toBe(peIdOf('pe-cosmos'));
      expect(await configsOf(nicName(nicId))).toEqual([
        { ip: '10.42.0.4', groupId: 'Sql', member: 'cosmos1', fqdns: ['cosmos1.documents.azure.com'] },
        { ip: '10.42.0.5', groupId: 'Sql', member: 'cosmos1-westeurope', fqdns: ['cosmos1-westeurope.documents.azure.com'] },
      ]);
      // The wire body, field by field against the official example's shape.
      const wire = (await raw(endpoint, ca, 'GET', `${nicId}?api-version=2024-05-01`)).body as { type: string; name: string; properties: Record<string, unknown> & { ipConfigurations: Array<{ properties: Record<string, unknown> }> } };
      expect(wire.type).toBe(networkInterfaceGet.type);
      for (const key of networkInterfaceGet.presentKeys) expect({ key, present: wire.properties[key] !== undefined }).toEqual({ key, present: true });
      for (const key of networkInterfaceGet.ipConfigurationKeys) expect({ key, present: wire.properties.ipConfigurations[0]?.properties[key] !== undefined }).toEqual({ key, present: true });
      expect(wire.properties.ipConfigurations.map((c) => [c.properties['privateIPAllocationMethod'], c.properties['privateIPAddressVersion'], c.properties['primary']])).toEqual([
        [networkInterfaceGet.privateIPAllocationMethod, networkInterfaceGet.privateIPAddressVersion, true],
        [networkInterfaceGet.privateIPAllocationMethod, networkInterfaceGet.privateIPAddressVersion, false],
      ]);
    });

    it('takes customNetworkInterfaceName, and puts names of one member on one IP configuration', async () => {
      const pe = await net.privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-web', {
        location: 'westeurope',
        subnet: { id: `${vnetId(rg, 'spoke')}/subnets/pe` },
        customNetworkInterfaceName: 'nic-web',
        privateLinkServiceConnections: [{ name: 'web', privateLinkServiceId: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Web/sites/app1`, groupIds: ['sites'] }],
      }, poll);
      expect(pe.networkInterfaces?.[0]?.id).toBe(`/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces/nic-web`);
      const ip = pe.customDnsConfigs?.[0]?.ipAddresses?.[0];
      expect(pe.customDnsConfigs).toEqual([{ fqdn: 'app1.azurewebsites.net', ipAddresses: [ip] }, { fqdn: 'app1.scm.azurewebsites.net', ipAddresses: [ip] }]);
      expect(await configsOf('nic-web')).toEqual([{ ip, groupId: 'sites', member: 'sites', fqdns: ['app1.azurewebsites.net', 'app1.scm.azurewebsites.net'] }]);
    });

    it('is listed by resource group and subscription, paged', async () => {
      await net.privateEndpoints.beginCreateOrUpdateAndWait(rg, 'pe-blob', {
        location: 'westeurope',
        subnet: { id: `${vnetId(rg, 'spoke')}/subnets/pe` },
        customNetworkInterfaceName: 'nic-blob',
        privateLinkServiceConnections: [{ name: 'blob', privateLinkServiceId: `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st1`, groupIds: ['blob'] }],
      }, poll);
      const first = await raw(endpoint, ca, 'GET', `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/networkInterfaces?api-version=2024-05-01`);
      expect((first.body as { value: unknown[]; nextLink?: string }).value).toHaveLength(2);
      expect((first.body as { nextLink?: string }).nextLink).toContain('$skiptoken=2');
      const inGroup: string[] = [];
      for await (const nic of net.networkInterfaces.list(rg)) inGroup.push(nic.privateEndpoint?.id ?? '');
      expect(inGroup.sort()).toEqual([peIdOf('pe-blob'), peIdOf('pe-cosmos'), peIdOf('pe-web')].sort());
      const inSubscription: string[] = [];
      for await (const nic of net.networkInterfaces.listAll()) inSubscription.push(nic.privateEndpoint?.id ?? '');
      expect(inSubscription).toEqual(expect.arrayContaining([peIdOf('pe-blob'), peIdOf('pe-cosmos'), peIdOf('pe-web')]));
      expect((await errorOf(net.networkInterfaces.get(rg, 'no-such-nic'))).code).toBe('ResourceNotFound');
    });

    it('keeps the names while a zone group empties customDnsConfigs, which come back when the group goes', async () => {
      const zone = await dns.privateZones.beginCreateOrUpdateAndWait(rg, 'privatelink.documents.azure.com', { location: 'global' }, poll);
      const before = await net.privateEndpoints.get(rg, 'pe-cosmos');
      const nic = nicName(before.networkInterfaces?.[0]?.id);
      const namesBefore = await configsOf(nic);

      // The first answer (201) already shows the requested configs; Azure fills their record sets when it succeeds.
      const put = await raw(endpoint, ca, 'PUT', zoneGroupPath('pe-cosmos', 'default'), { body: { properties: { privateDnsZoneConfigs: [{ name: 'cosmos', properties: { privateDnsZoneId: zone.id } }] } } });
      expect(put.status).toBe(201);
      expect((put.body as { properties: { privateDnsZoneConfigs: Array<{ name: string; properties: { privateDnsZoneId: string } }> } }).properties.privateDnsZoneConfigs.map((c) => [c.name, c.properties.privateDnsZoneId])).toEqual([['cosmos', zone.id]]);
      const group = await zoneGroupSucceeded('pe-cosmos', 'default');
      expect(group.privateDnsZoneConfigs?.[0]?.recordSets?.map((r) => [r.recordSetName, r.fqdn, r.ipAddresses])).toEqual([
        ['cosmos1', 'cosmos1.privatelink.documents.azure.com', ['10.42.0.4']],
        ['cosmos1-westeurope', 'cosmos1-westeurope.privatelink.documents.azure.com', ['10.42.0.5']],
      ]);

      expect((await net.privateEndpoints.get(rg, 'pe-cosmos')).customDnsConfigs).toEqual([]);
      expect(await configsOf(nic)).toEqual(namesBefore);

      await net.privateDnsZoneGroups.beginDeleteAndWait(rg, 'pe-cosmos', 'default', poll);
      expect((await net.privateEndpoints.get(rg, 'pe-cosmos')).customDnsConfigs).toEqual(before.customDnsConfigs);
    });

    it('goes with the endpoint', async () => {
      const pe = await net.privateEndpoints.get(rg, 'pe-cosmos');
      const nic = nicName(pe.networkInterfaces?.[0]?.id);
      await net.privateEndpoints.beginDeleteAndWait(rg, 'pe-cosmos', poll);
      expect((await errorOf(net.networkInterfaces.get(rg, nic))).statusCode).toBe(404);
      const left: string[] = [];
      for await (const n of net.networkInterfaces.list(rg)) left.push(n.name ?? '');
      expect(left.sort()).toEqual(['nic-blob', 'nic-web']);
      expect(arm.getResource(pe.networkInterfaces?.[0]?.id ?? '')).toBeUndefined();
    });
  });

  it('writes A record sets synchronously with lower-cased names and honours etags', async () => {
    const rg = group('rg-records');
    await dns.privateZones.beginCreateOrUpdateAndWait(rg, recordSetAPut.request.zone, { location: 'global' }, poll);
    const put = await raw(endpoint, ca, 'PUT', `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsZones/${recordSetAPut.request.zone}/A/${recordSetAPut.request.relativeRecordSetName}?api-version=2024-06-01`, { body: recordSetAPut.request.body });
    expect(put.status).toBe(201);
    const body = put.body as { id: string; name: string; type: string; etag: string; properties: unknown };
    expect(body.name).toBe(recordSetAPut.response.name);
    expect(body.type).toBe(recordSetAPut.response.type);
    expect(body.id.endsWith(recordSetAPut.response.idSuffix)).toBe(true);
    expect(body.properties).toEqual(recordSetAPut.response.properties);

    const stale = await errorOf(dns.recordSets.createOrUpdate(rg, recordSetAPut.request.zone, 'A', 'recordA', { ttl: 60, aRecords: [{ ipv4Address: '1.2.3.5' }] }, { ifMatch: 'not-the-etag' }));
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('PreconditionFailed');
    const exists = await errorOf(dns.recordSets.createOrUpdate(rg, recordSetAPut.request.zone, 'A', 'recorda', { ttl: 60 }, { ifNoneMatch: '*' }));
    expect(exists.statusCode).toBe(412);
    const updated = await dns.recordSets.createOrUpdate(rg, recordSetAPut.request.zone, 'A', 'RECORDA', { ttl: 60, aRecords: [{ ipv4Address: '1.2.3.5' }] }, { ifMatch: body.etag });
    expect(updated.ttl).toBe(60);
    expect(updated.etag).not.toBe(body.etag);
  });

  it('notifies resource events when a long-running write completes, not when it is accepted', async () => {
    const rg = group('rg-events');
    const seen: ResourceNotification[] = [];
    const unsubscribe = arm.onResourceEvent((n) => seen.push(n));
    try {
      const poller = await net.virtualNetworks.beginCreateOrUpdate(rg, 'evented', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.50.0.0/16'] } }, poll);
      await poller.pollUntilDone();
      await new Promise((resolve) => setImmediate(resolve));
      const event = seen.find((n) => n.resourceUri === vnetPath(rg, 'evented'));
      expect(event).toMatchObject({
        kind: 'write',
        status: 'Succeeded',
        subscriptionId: SUB,
        resourceGroup: rg,
        resourceProvider: 'Microsoft.Network',
        operationName: 'Microsoft.Network/virtualNetworks/write',
        httpMethod: 'PUT',
        tenantId: 'test-tenant',
        principalId: 'test-principal',
      });
      expect(event?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event?.clientRequestId).not.toBe('');
    } finally {
      unsubscribe();
    }
  });
});
