/**
 * The topology document's validation and the seeding order, checked offline with an in-memory fake of the seeding
 * port (the real SDK path is covered by seedTopology.test.ts against the ARM emulator).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  demoTopology,
  ids,
  loadTopology,
  parseTopology,
  seedTopologyWith,
  TopologyError,
  TopologySeedError,
  watchedSubscriptions,
  type Topology,
  type TopologySeedingPort,
} from '../../../local/demo';
import { ResourceLocks } from '../../../local/demo/seed';
import demoDocument from '../../../local/demo/topology.json';

const clone = (): Record<string, unknown> => JSON.parse(JSON.stringify(demoDocument)) as Record<string, unknown>;

function issuesOf(document: unknown): string[] {
  try {
    parseTopology(document, 'test.json');
  } catch (error) {
    if (error instanceof TopologyError) return error.issues;
    throw error;
  }
  return [];
}

describe('demo topology document', () => {
  it('the bundled file is valid and has what the demo needs', () => {
    const t = demoTopology();
    expect(t.connectivity.hubs.map((h) => [h.region, h.gateway !== undefined])).toEqual([
      ['westeurope', true],
      ['northeurope', false],
    ]);
    expect(t.connectivity.privateDns.zones).toEqual([
      'privatelink.blob.core.windows.net',
      'privatelink.vaultcore.azure.net',
      'privatelink.documents.azure.com',
      'privatelink.azurecr.io',
      'privatelink.servicebus.windows.net',
    ]);
    expect(watchedSubscriptions(t)).toHaveLength(2);
    const states = t.workloads.flatMap((w) => w.spokes.map((s) => s.peering));
    expect(new Set(states)).toEqual(new Set(['connected', 'spokeSideOnly', 'none']));
    expect(t.workloads.flatMap((w) => w.privateEndpoints).length).toBeGreaterThanOrEqual(3);
  });

  it.each<[string, (d: any) => void, string]>([ // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating untyped JSON
    ['a bad GUID', (d) => (d.workloads[0].subscriptionId = 'payments'), 'workloads[0].subscriptionId: must be a GUID'],
    [
      'a missing field',
      (d) => delete d.connectivity.privateDns.resourceGroup,
      'connectivity.privateDns.resourceGroup: Invalid input: expected string, received undefined',
    ],
    [
      'a prefix with host bits',
      (d) => (d.workloads[1].spokes[0].vnet.addressPrefixes = ['10.20.0.1/23']),
      'workloads[1].spokes[0].vnet.addressPrefixes[0]: must be an IPv4 prefix with host bits zero, e.g. 10.1.0.0/24',
    ],
    [
      'overlapping address spaces',
      (d) => (d.workloads[1].spokes[2].vnet.addressPrefixes = ['10.10.0.0/16']),
      'workloads[1].spokes[2].vnet.addressPrefixes[0]: 10.10.0.0/16 overlaps workloads[0].spokes[0].vnet.addressPrefixes[0] (10.10.0.0/24)',
    ],
    [
      'a subnet outside its VNet',
      (d) => (d.workloads[0].spokes[0].vnet.subnets[1].addressPrefix = '10.99.0.0/26'),
      "workloads[0].spokes[0].vnet.subnets[1].addressPrefix: 10.99.0.0/26 is not inside the VNet's address space",
    ],
    [
      'a gateway without GatewaySubnet',
      (d) => (d.connectivity.hubs[1].gateway = { name: 'vgw-neu', type: 'Vpn' }),
      'connectivity.hubs[1].gateway: a gateway needs a subnet named GatewaySubnet in the hub VNet',
    ],
    [
      'a peered spoke in a region without hub',
      (d) => (d.workloads[0].spokes[0].region = 'swedencentral'),
      'workloads[0].spokes[0].peering: no hub in swedencentral to peer with',
    ],
    [
      'an endpoint in an unknown subnet',
      (d) => (d.workloads[0].privateEndpoints[0].subnet = 'snet-nope'),
      'workloads[0].privateEndpoints[0].subnet: VNet vnet-payments-weu has no subnet snet-nope',
    ],
    [
      'a zone group for a zone the file does not create',
      (d) => d.connectivity.privateDns.zones.splice(0, 1),
      'workloads[0].privateEndpoints[0].zoneGroup: needs zone privatelink.blob.core.windows.net, which connectivity.privateDns.zones does not list',
    ],
    [
      'the same subscription twice',
      (d) => (d.workloads[1].subscriptionId = d.workloads[0].subscriptionId),
      'workloads[1].subscriptionId: subscription a0000000-0000-4000-8000-0000000000a1 is already used by workloads[0].subscriptionId',
    ],
  ])('rejects %s, naming the field', (_name, mutate, expected) => {
    const d = clone();
    mutate(d);
    expect(issuesOf(d)).toContain(expected);
  });

  it('loadTopology names the file for bad JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'topology-'));
    try {
      const file = path.join(dir, 'broken.json');
      await writeFile(file, '{ "tenantId": ');
      await expect(loadTopology(file)).rejects.toThrow(`Invalid topology (${file}):\n  not valid JSON:`);
      const good = path.join(dir, 'good.json');
      await writeFile(good, JSON.stringify(demoDocument));
      await expect(loadTopology(good)).resolves.toMatchObject({ tenantId: demoTopology().tenantId });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A fake of the seeding port that records when each write ran and what it touched. */
class RecordingPort implements TopologySeedingPort {
  readonly done = new Set<string>();
  readonly log: Array<{ what: string; touches: string[]; start: number; end: number }> = [];
  private active = new Map<string, string>();
  private clock = 0;
  maxConcurrent = 0;
  private running = 0;
  readonly violations: string[] = [];
  failOnce = new Map<string, Error>();

  private async op(what: string, touches: string[], needs: string[]): Promise<void> {
    for (const n of needs) if (!this.done.has(n.toLowerCase())) this.violations.push(`${what} ran before ${n}`);
    for (const t of touches) {
      const other = this.active.get(t.toLowerCase());
      if (other) this.violations.push(`${what} overlapped ${other} on ${t}`);
    }
    const start = ++this.clock;
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    for (const t of touches) this.active.set(t.toLowerCase(), what);
    await new Promise((r) => setTimeout(r, 1 + (what.length % 4)));
    for (const t of touches) this.active.delete(t.toLowerCase());
    this.running--;
    const failure = this.failOnce.get(what);
    if (failure) {
      this.failOnce.delete(what);
      throw failure;
    }
    this.log.push({ what, touches, start, end: ++this.clock });
    this.done.add(what.toLowerCase());
  }

  createResourceGroup(sub: string, name: string) {
    return this.op(ids.resourceGroup(sub, name), [], []);
  }
  createVirtualNetwork(sub: string, rg: string, name: string) {
    const id = ids.vnet(sub, rg, name);
    return this.op(id, [id], [ids.resourceGroup(sub, rg)]);
  }
  createGateway(sub: string, rg: string, name: string, spec: { subnetId: string }) {
    const vnet = spec.subnetId.replace(/\/subnets\/[^/]+$/, '');
    return this.op(ids.gateway(sub, rg, name), [vnet], [vnet]);
  }
  createPeering(sub: string, rg: string, vnet: string, name: string, spec: { remoteVirtualNetworkId: string; useRemoteGateways: boolean }) {
    const local = ids.vnet(sub, rg, vnet);
    const needs = [local, spec.remoteVirtualNetworkId];
    if (spec.useRemoteGateways) needs.push(ids.gateway('c0000000-0000-4000-8000-0000000000c1', 'rg-hub-weu', 'vgw-hub-weu'));
    return this.op(ids.peering(local, name), [local, spec.remoteVirtualNetworkId], needs);
  }
  createPrivateDnsZone(sub: string, rg: string, zone: string) {
    return this.op(ids.zone(sub, rg, zone), [ids.zone(sub, rg, zone)], [ids.resourceGroup(sub, rg)]);
  }
  linkPrivateDnsZone(sub: string, rg: string, zone: string, link: string, vnetId: string) {
    const zoneId = ids.zone(sub, rg, zone);
    return this.op(`${zoneId}/virtualNetworkLinks/${link}`, [zoneId, vnetId], [zoneId, vnetId]);
  }
  createPrivateEndpoint(sub: string, rg: string, name: string, spec: { subnetId: string }) {
    const vnet = spec.subnetId.replace(/\/subnets\/[^/]+$/, '');
    return this.op(ids.privateEndpoint(sub, rg, name), [vnet], [vnet, ids.resourceGroup(sub, rg)]);
  }
  createFirewallPolicy(sub: string, rg: string, name: string) {
    const id = ids.firewallPolicy(sub, rg, name);
    return this.op(id, [id], [ids.resourceGroup(sub, rg)]);
  }
  createRuleCollectionGroup(sub: string, rg: string, policy: string, name: string) {
    const policyId = ids.firewallPolicy(sub, rg, policy);
    // A group's write holds its policy: never two at once on one policy, and only after the policy exists.
    return this.op(`${policyId}/ruleCollectionGroups/${name}`, [policyId], [policyId]);
  }
  createPrivateDnsZoneGroup(sub: string, rg: string, pe: string, name: string, zoneIds: string[]) {
    const peId = ids.privateEndpoint(sub, rg, pe);
    return this.op(`${peId}/privateDnsZoneGroups/${name}`, [peId, ...zoneIds], [peId, ...zoneIds]);
  }
}

describe('seedTopologyWith (ordering, with a fake port)', () => {
  let topology: Topology;
  beforeEach(() => {
    topology = demoTopology();
  });

  it('writes everything once, after what it depends on, never two writes on one VNet at a time, and in parallel', async () => {
    const port = new RecordingPort();
    const result = await seedTopologyWith(topology, port);
    expect(port.violations).toEqual([]);
    expect(result.counts).toEqual({
      resourceGroups: 9,
      virtualNetworks: 8,
      gateways: 1,
      // One policy per hub, each with its base group.
      firewallPolicies: 2,
      ruleCollectionGroups: 2,
      // 3 connected spokes x 2 sides + 1 spoke-side only + 2 hub-to-hub.
      peerings: 9,
      privateDnsZones: 5,
      zoneLinks: 10,
      privateEndpoints: 5,
      zoneGroups: 2,
      retries: 0,
    });
    expect(port.maxConcurrent).toBeGreaterThan(4);
    // Spoke side of a connected pair comes after the hub side.
    const end = (suffix: string) => port.log.find((l) => l.what.toLowerCase().endsWith(suffix.toLowerCase()))?.end ?? -1;
    expect(end('vnet-hub-weu/virtualNetworkPeerings/to-payments-vnet-payments-weu')).toBeLessThan(
      end('vnet-payments-weu/virtualNetworkPeerings/to-vnet-hub-weu'),
    );
    // The unpeered spokes got no peering at all.
    expect(port.log.some((l) => /vnet-payments-neu\/virtualNetworkPeerings/i.test(l.what))).toBe(false);
    expect(port.log.some((l) => /to-payments-vnet-payments-batch-weu/i.test(l.what))).toBe(false);
  });

  it('retries a write that met AnotherOperationInProgress, and reports a terminal failure with its step', async () => {
    const port = new RecordingPort();
    const busy = Object.assign(new Error('Another operation on this or dependent resource is in progress.'), {
      code: 'AnotherOperationInProgress',
    });
    const hubId = ids.vnet('c0000000-0000-4000-8000-0000000000c1', 'rg-hub-weu', 'vnet-hub-weu');
    port.failOnce.set(hubId, busy);
    const result = await seedTopologyWith(topology, port, { retryDelayInMs: 1 });
    expect(result.counts.retries).toBe(1);
    expect(port.violations).toEqual([]);

    const failing = new RecordingPort();
    failing.failOnce.set(hubId, Object.assign(new Error('Cannot parse the request.'), { code: 'InvalidRequestFormat' }));
    await expect(seedTopologyWith(topology, failing, { retryDelayInMs: 1 })).rejects.toThrow(
      new TopologySeedError('hub VNet vnet-hub-weu', new Error('Cannot parse the request.')).message,
    );
  });

  it('ResourceLocks serializes work on shared keys and not on disjoint ones', async () => {
    const locks = new ResourceLocks();
    const order: string[] = [];
    const step = (name: string, ms: number) => async () => {
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name}-`);
    };
    await Promise.all([
      locks.run(['A'], step('a1', 10)),
      locks.run(['a', 'B'], step('ab', 1)),
      locks.run(['C'], step('c', 1)),
    ]);
    expect(order.indexOf('a1-')).toBeLessThan(order.indexOf('ab+'));
    expect(order.indexOf('c+')).toBeLessThan(order.indexOf('a1-'));
  });
});
