/**
 * The demo topology document (local/demo/topology.json, documented in README.md): its zod schema, the cross-field
 * rules Azure would enforce anyway (non-overlapping address spaces, subnets inside their VNet, a GatewaySubnet for a
 * gateway, a hub in the region of every peered spoke, zone groups pointing at zones that exist), and the resource
 * IDs it implies. A bad document fails with one line per problem, each naming the field.
 */
import { readFile } from 'node:fs/promises';
import * as ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { privateLinkZoneFor } from './privateLinkZones';
import demoTopologyDocument from './topology.json';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const resourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$/, 'must be 2-80 letters, digits, ".", "_" or "-"');
const region = z.string().regex(/^[a-z0-9]+$/, 'must be an Azure region name such as westeurope');

/** IPv4 CIDR with host bits zero, as ARM requires of address prefixes. IPv6 is not modelled by the demo. */
export function parseIpv4Prefix(text: string): { first: number; last: number } | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
  const [address, length] = ipaddr.IPv4.parseCIDR(text);
  const value = address.toByteArray().reduce((acc, b) => acc * 256 + b, 0);
  const size = 2 ** (32 - length);
  if (value % size !== 0) return undefined;
  return { first: value, last: value + size - 1 };
}

const prefix = z
  .string()
  .refine((t) => parseIpv4Prefix(t) !== undefined, 'must be an IPv4 prefix with host bits zero, e.g. 10.1.0.0/24');

const subnetSchema = z.object({ name: resourceName, addressPrefix: prefix });

const vnetSchema = z.object({
  name: resourceName,
  addressPrefixes: z.array(prefix).min(1),
  subnets: z.array(subnetSchema).default([]),
  tags: z.record(z.string(), z.string()).optional(),
});

const hubSchema = z.object({
  region,
  resourceGroup: resourceName,
  vnet: vnetSchema,
  gateway: z.object({ name: resourceName, type: z.enum(['Vpn', 'ExpressRoute']) }).optional(),
  /**
   * The hub firewall's policy, with a base rule collection group the platform team owns (what every spoke may reach);
   * the egress flow adds its own group next to it.
   */
  firewallPolicy: z
    .object({
      name: resourceName,
      baseGroup: z.object({
        name: resourceName,
        priority: z.number().int().min(100).max(65000),
        /** FQDNs every spoke may reach over https (one application rule, source: the hub's and spokes' space). */
        allowFqdns: z.array(z.string().min(1)).min(1).max(50),
      }),
    })
    .optional(),
});

const spokeSchema = z.object({
  resourceGroup: resourceName,
  region,
  /**
   * connected: both peerings exist (Connected); spokeSideOnly: only spoke->hub (Initiated, the hub side missing);
   * none: not peered yet (the control plane's job).
   */
  peering: z.enum(['connected', 'spokeSideOnly', 'none']),
  vnet: vnetSchema,
});

const privateEndpointSchema = z.object({
  name: resourceName,
  resourceGroup: resourceName,
  /** Name of a spoke VNet of the same workload. */
  vnet: resourceName,
  subnet: resourceName,
  target: z.object({
    resourceId: z
      .string()
      .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i, 'must be a resource ID'),
    groupId: z.string().min(1),
  }),
  /** Already has its privateDnsZoneGroup (true) or is left for the control plane (false). */
  zoneGroup: z.boolean().default(false),
});

const workloadSchema = z.object({
  name: resourceName,
  subscriptionId: guid,
  watched: z.boolean().default(true),
  spokes: z.array(spokeSchema).min(1),
  privateEndpoints: z.array(privateEndpointSchema).default([]),
});

const topologyObjectSchema = z.object({
  tenantId: guid,
  connectivity: z.object({
    name: resourceName.default('connectivity'),
    subscriptionId: guid,
    hubs: z.array(hubSchema).min(1),
    /** Peer the hubs with each other (global VNet peering), as most multi-region hub designs do. */
    peerHubs: z.boolean().default(false),
    privateDns: z.object({
      resourceGroup: resourceName,
      /** Region of the zones' resource group (zones themselves are global). */
      region,
      linkToHubs: z.boolean().default(true),
      zones: z
        .array(z.string().regex(/^privatelink\.[a-z0-9.-]+$/, 'must be a privatelink zone name such as privatelink.blob.core.windows.net'))
        .min(1),
    }),
  }),
  workloads: z.array(workloadSchema).min(1),
});

export type Topology = z.output<typeof topologyObjectSchema>;
export type HubSpec = Topology['connectivity']['hubs'][number];
export type VnetSpec = HubSpec['vnet'];
export type WorkloadSpec = Topology['workloads'][number];
export type SpokeSpec = WorkloadSpec['spokes'][number];
export type PrivateEndpointSpec = WorkloadSpec['privateEndpoints'][number];

type Issue = { path: (string | number)[]; message: string };

/** The cross-field rules; each issue carries the path of the offending field. */
function topologyIssues(t: Topology): Issue[] {
  const issues: Issue[] = [];
  const subscriptions = new Map<string, string>();
  const claim = (id: string, where: (string | number)[]) => {
    const key = id.toLowerCase();
    const previous = subscriptions.get(key);
    if (previous) issues.push({ path: where, message: `subscription ${id} is already used by ${previous}` });
    else subscriptions.set(key, formatPath(where));
  };
  claim(t.connectivity.subscriptionId, ['connectivity', 'subscriptionId']);
  t.workloads.forEach((w, i) => claim(w.subscriptionId, ['workloads', i, 'subscriptionId']));

  // Every VNet prefix is checked against every other: hubs and spokes may all end up peered.
  const prefixes: Array<{ text: string; range: { first: number; last: number }; path: (string | number)[] }> = [];
  const checkVnet = (vnet: VnetSpec, at: (string | number)[]) => {
    const own: Array<{ first: number; last: number }> = [];
    vnet.addressPrefixes.forEach((text, i) => {
      const range = parseIpv4Prefix(text);
      if (!range) return;
      const where = [...at, 'addressPrefixes', i];
      const clash = prefixes.find((p) => p.range.first <= range.last && range.first <= p.range.last);
      if (clash) issues.push({ path: where, message: `${text} overlaps ${formatPath(clash.path)} (${clash.text})` });
      prefixes.push({ text, range, path: where });
      own.push(range);
    });
    const subnets: Array<{ text: string; range: { first: number; last: number }; index: number }> = [];
    const names = new Set<string>();
    vnet.subnets.forEach((s, i) => {
      const where = [...at, 'subnets', i];
      if (names.has(s.name.toLowerCase())) issues.push({ path: [...where, 'name'], message: `duplicate subnet name ${s.name}` });
      names.add(s.name.toLowerCase());
      const range = parseIpv4Prefix(s.addressPrefix);
      if (!range) return;
      if (!own.some((o) => o.first <= range.first && range.last <= o.last)) {
        issues.push({ path: [...where, 'addressPrefix'], message: `${s.addressPrefix} is not inside the VNet's address space` });
      }
      const clash = subnets.find((p) => p.range.first <= range.last && range.first <= p.range.last);
      if (clash) {
        issues.push({ path: [...where, 'addressPrefix'], message: `${s.addressPrefix} overlaps subnet ${clash.index} (${clash.text})` });
      }
      subnets.push({ text: s.addressPrefix, range, index: i });
    });
  };

  const hubRegions = new Set<string>();
  t.connectivity.hubs.forEach((hub, i) => {
    const at = ['connectivity', 'hubs', i];
    if (hubRegions.has(hub.region)) issues.push({ path: [...at, 'region'], message: `a hub for ${hub.region} is already defined` });
    hubRegions.add(hub.region);
    checkVnet(hub.vnet, [...at, 'vnet']);
    if (hub.gateway && !hub.vnet.subnets.some((s) => s.name === 'GatewaySubnet')) {
      issues.push({ path: [...at, 'gateway'], message: 'a gateway needs a subnet named GatewaySubnet in the hub VNet' });
    }
  });

  const zones = new Set(t.connectivity.privateDns.zones.map((z) => z.toLowerCase()));
  t.workloads.forEach((w, wi) => {
    const vnetNames = new Map<string, SpokeSpec>();
    w.spokes.forEach((spoke, si) => {
      const at = ['workloads', wi, 'spokes', si];
      if (vnetNames.has(spoke.vnet.name.toLowerCase())) {
        issues.push({ path: [...at, 'vnet', 'name'], message: `duplicate VNet name ${spoke.vnet.name} in workload ${w.name}` });
      }
      vnetNames.set(spoke.vnet.name.toLowerCase(), spoke);
      checkVnet(spoke.vnet, [...at, 'vnet']);
      if (spoke.peering !== 'none' && !hubRegions.has(spoke.region)) {
        issues.push({ path: [...at, 'peering'], message: `no hub in ${spoke.region} to peer with` });
      }
    });
    w.privateEndpoints.forEach((pe, pi) => {
      const at = ['workloads', wi, 'privateEndpoints', pi];
      const spoke = vnetNames.get(pe.vnet.toLowerCase());
      if (!spoke) {
        issues.push({ path: [...at, 'vnet'], message: `no spoke VNet named ${pe.vnet} in workload ${w.name}` });
      } else if (!spoke.vnet.subnets.some((s) => s.name.toLowerCase() === pe.subnet.toLowerCase())) {
        issues.push({ path: [...at, 'subnet'], message: `VNet ${pe.vnet} has no subnet ${pe.subnet}` });
      }
      if (pe.zoneGroup) {
        const zone = privateLinkZoneFor(pe.target.resourceId, pe.target.groupId);
        if (!zone) {
          issues.push({ path: [...at, 'target', 'groupId'], message: `no known privatelink zone for groupId ${pe.target.groupId} of this target` });
        } else if (!zones.has(zone)) {
          issues.push({ path: [...at, 'zoneGroup'], message: `needs zone ${zone}, which connectivity.privateDns.zones does not list` });
        }
      }
    });
  });
  return issues;
}

export const topologySchema = topologyObjectSchema.superRefine((t, ctx) => {
  for (const issue of topologyIssues(t)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/** `workloads[0].spokes[1].vnet.addressPrefixes[0]` */
export function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc.length === 0 ? String(part) : `${acc}.${String(part)}`;
  }, '');
}

/** Where the bundled demo topology comes from (named in its errors as "demo topology"). */
export const DEMO_TOPOLOGY_SOURCE = 'local/demo/topology.json';

/**
 * The topology document is invalid; `issues` has one entry per problem, each naming its field. The message calls it
 * the demo topology only when it is the bundled one; a user's file is named by its path.
 */
export class TopologyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`${source === DEMO_TOPOLOGY_SOURCE ? 'Invalid demo topology' : 'Invalid topology'} (${source}):\n  ${issues.join('\n  ')}`);
    this.name = 'TopologyError';
  }
}

export function parseTopology(document: unknown, source = 'topology'): Topology {
  const parsed = topologySchema.safeParse(document);
  if (!parsed.success) {
    throw new TopologyError(
      source,
      parsed.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The bundled demo topology (imported, so tsc also emits it into dist/ beside this module). */
export function demoTopology(): Topology {
  return parseTopology(demoTopologyDocument, DEMO_TOPOLOGY_SOURCE);
}

/** Reads and validates a topology file; a JSON syntax error also names the file. */
export async function loadTopology(file: string): Promise<Topology> {
  const text = await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TopologyError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseTopology(document, file);
}

// ---- IDs the topology implies ----

export const ids = {
  resourceGroup: (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`,
  vnet: (sub: string, rg: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`,
  subnet: (vnetId: string, name: string) => `${vnetId}/subnets/${name}`,
  peering: (vnetId: string, name: string) => `${vnetId}/virtualNetworkPeerings/${name}`,
  gateway: (sub: string, rg: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworkGateways/${name}`,
  zone: (sub: string, rg: string, zone: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsZones/${zone}`,
  firewallPolicy: (sub: string, rg: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/firewallPolicies/${name}`,
  privateEndpoint: (sub: string, rg: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`,
};

/** The subscriptions the control plane watches (Event Grid system topics), from the topology. */
export function watchedSubscriptions(t: Topology): string[] {
  return t.workloads.filter((w) => w.watched).map((w) => w.subscriptionId);
}
