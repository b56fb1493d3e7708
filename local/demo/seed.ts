/**
 * Creates a demo topology in the ARM emulator through the real SDK clients, in dependency order and in parallel
 * wherever Azure allows it:
 *   1. resource groups (all at once; synchronous in ARM);
 *   2. VNets and Private DNS zones (all at once: different resources);
 *   3. gateways, zone links, private endpoints (then their zone groups), and peerings once the gateways of the
 *      hubs involved exist (useRemoteGateways needs a provisioned gateway).
 * Writes that touch the same VNet or zone are serialized with per-resource locks, because ARM answers concurrent
 * writes to one VNet with AnotherOperationInProgress / RetryableErrorDueToAnotherOperation (AZURE-FACTS.md); the few
 * retryable codes are still retried a few times, in case the control plane writes at the same moment.
 */
import type { HttpClient } from '@azure/core-rest-pipeline';
import { createSdkSeedingPort, type PeeringWrite, type TopologySeedingPort } from './seedingPort';
import { staticTokenCredential } from '../../shared/azure/local-credential';
import { ids, type HubSpec, type SpokeSpec, type Topology } from './topology';
import { privateLinkZoneFor } from './privateLinkZones';
import type { TokenCredential } from '@azure/core-auth';

export interface SeedOptions {
  /** Attempts for a write that failed with a retryable ARM code (default 5). */
  maxAttempts?: number;
  /** Wait before retry n is n times this (default 200 ms). */
  retryDelayInMs?: number;
  log?: (line: string) => void;
}

export interface SeedCounts {
  resourceGroups: number;
  virtualNetworks: number;
  gateways: number;
  firewallPolicies: number;
  ruleCollectionGroups: number;
  peerings: number;
  privateDnsZones: number;
  zoneLinks: number;
  privateEndpoints: number;
  zoneGroups: number;
  /** Writes repeated after a retryable ARM error. */
  retries: number;
}

export interface SeedResult {
  durationInMs: number;
  counts: SeedCounts;
}

/** Seeding stopped at a write that failed; `step` says which. */
export class TopologySeedError extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`Seeding the demo topology failed at ${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TopologySeedError';
  }
}

const retryableCodes = new Set([
  'AnotherOperationInProgress',
  'RetryableErrorDueToAnotherOperation',
  'ReferencedResourceNotProvisioned',
]);

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && retryableCodes.has(code)) return true;
  // LRO failures surface the code only inside the message.
  return [...retryableCodes].some((c) => error.message.includes(c));
}

/** Runs work under a set of resource locks; locks are taken all at once in call order, so no cycle can form. */
export class ResourceLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys.map((k) => k.toLowerCase()))];
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const previous = unique.map((k) => this.tails.get(k) ?? Promise.resolve());
    for (const k of unique) this.tails.set(k, done);
    await Promise.all(previous);
    try {
      return await work();
    } finally {
      release();
      for (const k of unique) if (this.tails.get(k) === done) this.tails.delete(k);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seeds through any implementation of the port (the SDK adapter, or a fake in tests). */
export async function seedTopologyWith(topology: Topology, port: TopologySeedingPort, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayInMs = options.retryDelayInMs ?? 200;
  const log = options.log ?? (() => undefined);
  const locks = new ResourceLocks();
  const counts: SeedCounts = {
    resourceGroups: 0,
    virtualNetworks: 0,
    gateways: 0,
    firewallPolicies: 0,
    ruleCollectionGroups: 0,
    peerings: 0,
    privateDnsZones: 0,
    zoneLinks: 0,
    privateEndpoints: 0,
    zoneGroups: 0,
    retries: 0,
  };

  const write = async (step: string, lockKeys: readonly string[], counter: keyof SeedCounts, work: () => Promise<void>) => {
    await locks.run(lockKeys, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await work();
          counts[counter] += 1;
          log(`[seed] ${step}`);
          return;
        } catch (error) {
          if (attempt >= maxAttempts || !isRetryable(error)) throw new TopologySeedError(step, error);
          counts.retries += 1;
          await sleep(retryDelayInMs * attempt);
        }
      }
    });
  };

  const conn = topology.connectivity;
  const dnsRg = conn.privateDns;

  // 1. Resource groups, each in the region of its first resource.
  const groups = new Map<string, { sub: string; name: string; location: string }>();
  const addGroup = (sub: string, name: string, location: string) => {
    const key = `${sub}/${name}`.toLowerCase();
    if (!groups.has(key)) groups.set(key, { sub, name, location });
  };
  for (const hub of conn.hubs) addGroup(conn.subscriptionId, hub.resourceGroup, hub.region);
  addGroup(conn.subscriptionId, dnsRg.resourceGroup, dnsRg.region);
  for (const w of topology.workloads) {
    for (const s of w.spokes) addGroup(w.subscriptionId, s.resourceGroup, s.region);
    for (const pe of w.privateEndpoints) {
      const spoke = w.spokes.find((s) => s.vnet.name.toLowerCase() === pe.vnet.toLowerCase());
      addGroup(w.subscriptionId, pe.resourceGroup, spoke?.region ?? conn.hubs[0]?.region ?? 'westeurope');
    }
  }
  await Promise.all(
    [...groups.values()].map((g) =>
      write(`resource group ${g.name} (${g.sub})`, [ids.resourceGroup(g.sub, g.name)], 'resourceGroups', () =>
        port.createResourceGroup(g.sub, g.name, g.location),
      ),
    ),
  );

  // 2. VNets and zones.
  const hubVnetId = (hub: HubSpec) => ids.vnet(conn.subscriptionId, hub.resourceGroup, hub.vnet.name);
  const spokeVnets = topology.workloads.flatMap((w) => w.spokes.map((spoke) => ({ workload: w, spoke })));
  const spokeVnetId = (sub: string, spoke: SpokeSpec) => ids.vnet(sub, spoke.resourceGroup, spoke.vnet.name);
  const zoneId = (zone: string) => ids.zone(conn.subscriptionId, dnsRg.resourceGroup, zone);
  await Promise.all([
    ...conn.hubs.map((hub) =>
      write(`hub VNet ${hub.vnet.name}`, [hubVnetId(hub)], 'virtualNetworks', () =>
        port.createVirtualNetwork(conn.subscriptionId, hub.resourceGroup, hub.vnet.name, {
          location: hub.region,
          addressPrefixes: hub.vnet.addressPrefixes,
          subnets: hub.vnet.subnets,
          ...(hub.vnet.tags ? { tags: hub.vnet.tags } : {}),
        }),
      ),
    ),
    ...spokeVnets.map(({ workload, spoke }) =>
      write(`spoke VNet ${spoke.vnet.name} (${workload.name})`, [spokeVnetId(workload.subscriptionId, spoke)], 'virtualNetworks', () =>
        port.createVirtualNetwork(workload.subscriptionId, spoke.resourceGroup, spoke.vnet.name, {
          location: spoke.region,
          addressPrefixes: spoke.vnet.addressPrefixes,
          subnets: spoke.vnet.subnets,
          ...(spoke.vnet.tags ? { tags: spoke.vnet.tags } : {}),
        }),
      ),
    ),
    ...dnsRg.zones.map((zone) =>
      write(`private DNS zone ${zone}`, [zoneId(zone)], 'privateDnsZones', () =>
        port.createPrivateDnsZone(conn.subscriptionId, dnsRg.resourceGroup, zone),
      ),
    ),
  ]);

  // 3. Everything that references them.
  const gatewayDone = new Map<string, Promise<void>>();
  for (const hub of conn.hubs) {
    const gateway = hub.gateway;
    if (!gateway) continue;
    const vnetId = hubVnetId(hub);
    gatewayDone.set(
      vnetId.toLowerCase(),
      write(`gateway ${gateway.name} in ${hub.vnet.name}`, [vnetId], 'gateways', () =>
        port.createGateway(conn.subscriptionId, hub.resourceGroup, gateway.name, {
          location: hub.region,
          subnetId: ids.subnet(vnetId, 'GatewaySubnet'),
          type: gateway.type,
        }),
      ),
    );
  }
  const gatewaysOf = (...vnetIds: string[]) =>
    Promise.all(vnetIds.map((id) => gatewayDone.get(id.toLowerCase()) ?? Promise.resolve()));

  const peer = (label: string, sub: string, rg: string, vnetName: string, localId: string, name: string, spec: PeeringWrite) =>
    write(`peering ${label}`, [localId, spec.remoteVirtualNetworkId], 'peerings', () =>
      port.createPeering(sub, rg, vnetName, name, spec),
    );

  const tasks: Array<Promise<void>> = [...gatewayDone.values()];

  // Each hub's firewall policy, then its base group (a group write holds the policy: one after the other).
  for (const hub of conn.hubs) {
    const fw = hub.firewallPolicy;
    if (!fw) continue;
    const policyId = ids.firewallPolicy(conn.subscriptionId, hub.resourceGroup, fw.name);
    const spokeSpace = topology.workloads.flatMap((w) => w.spokes.filter((s) => s.region === hub.region).flatMap((s) => s.vnet.addressPrefixes));
    tasks.push(
      (async () => {
        await write(`firewall policy ${fw.name}`, [policyId], 'firewallPolicies', () =>
          port.createFirewallPolicy(conn.subscriptionId, hub.resourceGroup, fw.name, hub.region),
        );
        await write(`rule collection group ${fw.baseGroup.name} in ${fw.name}`, [policyId], 'ruleCollectionGroups', () =>
          port.createRuleCollectionGroup(conn.subscriptionId, hub.resourceGroup, fw.name, fw.baseGroup.name, {
            priority: fw.baseGroup.priority,
            sourceAddresses: [...hub.vnet.addressPrefixes, ...spokeSpace],
            fqdns: fw.baseGroup.allowFqdns,
          }),
        );
      })(),
    );
  }

  for (const { workload, spoke } of spokeVnets) {
    if (spoke.peering === 'none') continue;
    const hub = conn.hubs.find((h) => h.region === spoke.region);
    if (!hub) continue; // validated: a peered spoke has a hub in its region
    const hubId = hubVnetId(hub);
    const spokeId = spokeVnetId(workload.subscriptionId, spoke);
    const hasGateway = hub.gateway !== undefined;
    tasks.push(
      (async () => {
        await gatewaysOf(hubId);
        if (spoke.peering === 'connected') {
          await peer(`${hub.vnet.name} -> ${spoke.vnet.name}`, conn.subscriptionId, hub.resourceGroup, hub.vnet.name, hubId, `to-${workload.name}-${spoke.vnet.name}`, {
            remoteVirtualNetworkId: spokeId,
            allowVirtualNetworkAccess: true,
            allowForwardedTraffic: true,
            allowGatewayTransit: hasGateway,
            useRemoteGateways: false,
          });
        }
        await peer(`${spoke.vnet.name} -> ${hub.vnet.name}`, workload.subscriptionId, spoke.resourceGroup, spoke.vnet.name, spokeId, `to-${hub.vnet.name}`, {
          remoteVirtualNetworkId: hubId,
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: false,
          useRemoteGateways: hasGateway,
        });
      })(),
    );
  }

  if (conn.peerHubs) {
    for (const [i, a] of conn.hubs.entries()) {
      for (const b of conn.hubs.slice(i + 1)) {
        const aId = hubVnetId(a);
        const bId = hubVnetId(b);
        const flags = { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false };
        tasks.push(
          (async () => {
            await gatewaysOf(aId, bId);
            await peer(`${a.vnet.name} -> ${b.vnet.name}`, conn.subscriptionId, a.resourceGroup, a.vnet.name, aId, `to-${b.vnet.name}`, { ...flags, remoteVirtualNetworkId: bId });
            await peer(`${b.vnet.name} -> ${a.vnet.name}`, conn.subscriptionId, b.resourceGroup, b.vnet.name, bId, `to-${a.vnet.name}`, { ...flags, remoteVirtualNetworkId: aId });
          })(),
        );
      }
    }
  }

  if (dnsRg.linkToHubs) {
    for (const zone of dnsRg.zones) {
      for (const hub of conn.hubs) {
        const vnetId = hubVnetId(hub);
        tasks.push(
          write(`link ${zone} -> ${hub.vnet.name}`, [zoneId(zone), vnetId], 'zoneLinks', () =>
            port.linkPrivateDnsZone(conn.subscriptionId, dnsRg.resourceGroup, zone, `link-${hub.vnet.name}`, vnetId),
          ),
        );
      }
    }
  }

  for (const workload of topology.workloads) {
    for (const pe of workload.privateEndpoints) {
      const spoke = workload.spokes.find((s) => s.vnet.name.toLowerCase() === pe.vnet.toLowerCase());
      if (!spoke) continue; // validated
      const vnetId = spokeVnetId(workload.subscriptionId, spoke);
      const peId = ids.privateEndpoint(workload.subscriptionId, pe.resourceGroup, pe.name);
      const zone = pe.zoneGroup ? privateLinkZoneFor(pe.target.resourceId, pe.target.groupId) : undefined;
      tasks.push(
        (async () => {
          await write(`private endpoint ${pe.name}`, [vnetId, peId], 'privateEndpoints', () =>
            port.createPrivateEndpoint(workload.subscriptionId, pe.resourceGroup, pe.name, {
              location: spoke.region,
              subnetId: ids.subnet(vnetId, pe.subnet),
              connectionName: `${pe.name}-connection`,
              privateLinkServiceId: pe.target.resourceId,
              groupIds: [pe.target.groupId],
            }),
          );
          if (zone === undefined) return;
          await write(`zone group of ${pe.name} -> ${zone}`, [peId, zoneId(zone)], 'zoneGroups', () =>
            port.createPrivateDnsZoneGroup(workload.subscriptionId, pe.resourceGroup, pe.name, 'default', [zoneId(zone)]),
          );
        })(),
      );
    }
  }

  // Wait for everything, then report the first failure (not an arbitrary one while others still run).
  const results = await Promise.allSettled(tasks);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return { durationInMs: Math.round(performance.now() - started), counts };
}

export interface SeedConnection {
  /** From the ARM emulator's `start()`: its https endpoint. With `httpClient`, any base URL (e.g. https://management.local). */
  endpoint: string;
  caCertFile?: string;
  httpClient?: HttpClient;
  /** Defaults to a static token for the topology's tenant. */
  credential?: TokenCredential;
  /** LRO poll interval for the SDK (default: the SDK's own, about 2 s). */
  updateIntervalInMs?: number;
}

/** Seeds the topology into the ARM emulator through @azure/arm-network and @azure/arm-privatedns. */
export async function seedTopology(topology: Topology, connection: SeedConnection, options: SeedOptions = {}): Promise<SeedResult> {
  const port = await createSdkSeedingPort({
    endpoint: connection.endpoint,
    credential: connection.credential ?? staticTokenCredential({ tenantId: topology.tenantId }),
    ...(connection.caCertFile !== undefined ? { caCertFile: connection.caCertFile } : {}),
    ...(connection.httpClient !== undefined ? { httpClient: connection.httpClient } : {}),
    ...(connection.updateIntervalInMs !== undefined ? { updateIntervalInMs: connection.updateIntervalInMs } : {}),
  });
  return seedTopologyWith(topology, port, options);
}
