import { readFile } from 'node:fs/promises';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { createArmEmulator, type ArmEmulator, type ResourceNotification } from '../../../local/arm';
import { demoTopology, ids, seedTopology, staticTokenCredential, type Topology } from '../../../local/demo';

describe('seedTopology against the ARM emulator (real SDK clients over HTTPS)', () => {
  let arm: ArmEmulator;
  let topology: Topology;
  let endpoint: string;
  let ca: string;
  const events: ResourceNotification[] = [];

  beforeAll(async () => {
    topology = demoTopology();
    arm = createArmEmulator({ timeScale: 0.0005, log: () => undefined });
    arm.onResourceEvent((e) => events.push(e));
    const started = await arm.start();
    endpoint = started.endpoint;
    ca = await readFile(started.caCertFile, 'utf8');
    const result = await seedTopology(topology, { endpoint, caCertFile: started.caCertFile, updateIntervalInMs: 10 });
    process.stdout.write(`[demo] seeded in ${result.durationInMs} ms: ${JSON.stringify(result.counts)}\n`);
  });

  afterAll(async () => {
    await arm?.stop();
  });

  const credential = () => staticTokenCredential({ tenantId: '7e0a0000-0000-4000-8000-00000000e0a1' });
  const network = (sub: string) => new NetworkManagementClient(credential(), sub, { endpoint, tlsOptions: { ca } });

  it('creates every VNet with its address space and subnets', async () => {
    const conn = topology.connectivity;
    for (const hub of conn.hubs) {
      const vnet = await network(conn.subscriptionId).virtualNetworks.get(hub.resourceGroup, hub.vnet.name);
      expect(vnet.addressSpace?.addressPrefixes).toEqual(hub.vnet.addressPrefixes);
      expect(vnet.subnets?.map((s) => s.name).sort()).toEqual(hub.vnet.subnets.map((s) => s.name).sort());
      expect(vnet.location).toBe(hub.region);
    }
    for (const w of topology.workloads) {
      const all: string[] = [];
      for await (const vnet of network(w.subscriptionId).virtualNetworks.listAll()) all.push(vnet.name ?? '');
      expect(all.sort()).toEqual(w.spokes.map((s) => s.vnet.name).sort());
    }
  });

  it('peers spokes as the file says: connected (both sides), spokeSideOnly (Initiated), none', async () => {
    const conn = topology.connectivity;
    const hubWeu = conn.hubs.find((h) => h.region === 'westeurope');
    if (!hubWeu) throw new Error('demo topology lost its westeurope hub');
    const payments = topology.workloads.find((w) => w.name === 'payments');
    if (!payments) throw new Error('demo topology lost its payments workload');

    const connected = payments.spokes.find((s) => s.peering === 'connected');
    const initiated = payments.spokes.find((s) => s.peering === 'spokeSideOnly');
    const unpeered = payments.spokes.find((s) => s.peering === 'none');
    if (!connected || !initiated || !unpeered) throw new Error('demo topology needs one spoke of each peering state');

    const spokeSide = async (spoke: typeof connected) => {
      const list = [];
      for await (const p of network(payments.subscriptionId).virtualNetworkPeerings.list(spoke.resourceGroup, spoke.vnet.name)) list.push(p);
      return list;
    };
    const [connectedPeering] = await spokeSide(connected);
    expect(connectedPeering).toMatchObject({
      peeringState: 'Connected',
      useRemoteGateways: true,
      remoteVirtualNetwork: { id: expect.stringMatching(/virtualNetworks\/vnet-hub-weu$/i) },
    });
    const [initiatedPeering] = await spokeSide(initiated);
    expect(initiatedPeering?.peeringState).toBe('Initiated');
    expect(await spokeSide(unpeered)).toEqual([]);

    const hubPeerings = [];
    for await (const p of network(conn.subscriptionId).virtualNetworkPeerings.list(hubWeu.resourceGroup, hubWeu.vnet.name)) hubPeerings.push(p);
    // Two connected westeurope spokes (payments, analytics) plus the hub-to-hub peering.
    expect(hubPeerings).toHaveLength(3);
    expect(hubPeerings.every((p) => p.peeringState === 'Connected')).toBe(true);
    expect(hubPeerings.filter((p) => p.allowGatewayTransit)).toHaveLength(2);
  });

  it('creates the gateway, the zones with their hub links, the private endpoints and the requested zone groups', async () => {
    const conn = topology.connectivity;
    const gateway = await network(conn.subscriptionId).virtualNetworkGateways.get('rg-hub-weu', 'vgw-hub-weu');
    expect(gateway.provisioningState).toBe('Succeeded');

    const dns = new PrivateDnsManagementClient(credential(), conn.subscriptionId, { endpoint, tlsOptions: { ca } });
    for (const zone of conn.privateDns.zones) {
      const links = [];
      for await (const l of dns.virtualNetworkLinks.list(conn.privateDns.resourceGroup, zone)) links.push(l);
      expect(links.map((l) => l.virtualNetwork?.id?.toLowerCase()).sort()).toEqual(
        conn.hubs.map((h) => ids.vnet(conn.subscriptionId, h.resourceGroup, h.vnet.name).toLowerCase()).sort(),
      );
    }

    for (const w of topology.workloads) {
      for (const pe of w.privateEndpoints) {
        const endpoint = await network(w.subscriptionId).privateEndpoints.get(pe.resourceGroup, pe.name);
        expect(endpoint.privateLinkServiceConnections?.[0]?.privateLinkServiceId).toBe(pe.target.resourceId);
        const groups = [];
        for await (const g of network(w.subscriptionId).privateDnsZoneGroups.list(pe.resourceGroup, pe.name)) groups.push(g);
        expect(groups).toHaveLength(pe.zoneGroup ? 1 : 0);
      }
    }
    const blob = await dns.recordSets.get(conn.privateDns.resourceGroup, 'privatelink.blob.core.windows.net', 'A', 'stpaymentsweu');
    expect(blob.aRecords?.[0]?.ipv4Address).toMatch(/^10\.10\.0\.\d+$/);
  });

  it('gives each hub a firewall policy with its base rule collection group (https to the listed FQDNs from the hub and its spokes)', async () => {
    const conn = topology.connectivity;
    for (const hub of conn.hubs) {
      const fw = hub.firewallPolicy;
      if (!fw) throw new Error(`demo hub ${hub.vnet.name} lost its firewall policy`);
      const policy = await network(conn.subscriptionId).firewallPolicies.get(hub.resourceGroup, fw.name);
      expect(policy.provisioningState).toBe('Succeeded');
      expect(policy.ruleCollectionGroups?.map((g) => g.id?.split('/').pop())).toEqual([fw.baseGroup.name]);
      const base = await network(conn.subscriptionId).firewallPolicyRuleCollectionGroups.get(hub.resourceGroup, fw.name, fw.baseGroup.name);
      expect(base.priority).toBe(fw.baseGroup.priority);
      const rule = (base.ruleCollections?.[0] as { rules?: Array<{ targetFqdns?: string[]; sourceAddresses?: string[] }> }).rules?.[0];
      expect(rule?.targetFqdns).toEqual(fw.baseGroup.allowFqdns);
      expect(rule?.sourceAddresses).toEqual(expect.arrayContaining(hub.vnet.addressPrefixes));
    }
  });

  it('raised subscription events for what it wrote, with the static token claims', async () => {
    const writes = events.filter((e) => e.kind === 'write' && e.status === 'Succeeded');
    expect(writes.some((e) => e.operationName === 'Microsoft.Network/virtualNetworks/write')).toBe(true);
    expect(writes.some((e) => e.operationName === 'Microsoft.Network/privateEndpoints/write')).toBe(true);
    expect(events.filter((e) => e.status === 'Failed')).toEqual([]);
    expect(writes[0]?.claims['tid']).toBe(topology.tenantId);
  });
});
