/**
 * Shared set-up of the private endpoint DNS flow's integration tests: the peering tests' world (embedded default,
 * real app, real SDK clients) plus a Private DNS client and probes over /api/endpoints.
 */
import * as fs from 'node:fs';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { staticTokenCredential } from '../../../local/demo';
import { POLL, quiesce, until, type PeeringWorld } from '../peering/support';
import { apiFetch } from '../operator-token';

export const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';
export const ANALYTICS = 'b0000000-0000-4000-8000-0000000000b1';
export const CONNECTIVITY = 'c0000000-0000-4000-8000-0000000000c1';
export const ZONES_RG = 'rg-privatedns';
export const PE_SUBNET_PAYMENTS = `/subscriptions/${PAYMENTS}/resourceGroups/rg-payments-weu/providers/Microsoft.Network/virtualNetworks/vnet-payments-weu/subnets/snet-pe`;
export const PE_SUBNET_ANALYTICS = `/subscriptions/${ANALYTICS}/resourceGroups/rg-analytics-weu/providers/Microsoft.Network/virtualNetworks/vnet-analytics-weu/subnets/snet-pe`;

export const target = (sub: string, rg: string, type: string, name: string): string => `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;
export const zoneId = (zone: string): string => `/subscriptions/${CONNECTIVITY}/resourceGroups/${ZONES_RG}/providers/Microsoft.Network/privateDnsZones/${zone}`;

export function dnsClient(world: PeeringWorld): PrivateDnsManagementClient {
  return new PrivateDnsManagementClient(staticTokenCredential({ tenantId: world.topology.tenantId, objectId: 'oid-workload-team', appId: 'a11ce000-0000-4000-8000-00000000a11c' }), CONNECTIVITY, {
    endpoint: world.embedded.armEndpoint,
    tlsOptions: { ca: fs.readFileSync(world.embedded.caCertFile, 'utf8') },
    retryOptions: { retryDelayInMs: 5 },
  });
}

/** The A record's IPs, or undefined when it does not exist. */
export async function aRecord(world: PeeringWorld, zone: string, name: string): Promise<string[] | undefined> {
  try {
    const r = await dnsClient(world).recordSets.get(ZONES_RG, zone, 'A', name);
    return (r.aRecords ?? []).map((a) => a.ipv4Address ?? '').sort();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

export interface EndpointSpec {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  subnetId: string;
  targetId: string;
  groupIds: string[];
  location?: string;
}

export function endpointId(spec: Pick<EndpointSpec, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Network/privateEndpoints/${spec.name}`;
}

/** Creates the endpoint as a workload team would (real SDK); returns its ID and its names with IPs. */
export async function createEndpoint(world: PeeringWorld, spec: EndpointSpec): Promise<{ id: string; names: Map<string, string[]> }> {
  const pe = await world.network(spec.subscriptionId).privateEndpoints.createOrUpdate(
    spec.resourceGroup,
    spec.name,
    { location: spec.location ?? 'westeurope', subnet: { id: spec.subnetId }, privateLinkServiceConnections: [{ name: `${spec.name}-conn`, privateLinkServiceId: spec.targetId, groupIds: spec.groupIds }] },
    POLL,
  );
  return { id: pe.id ?? endpointId(spec), names: new Map((pe.customDnsConfigs ?? []).map((d) => [d.fqdn ?? '', [...(d.ipAddresses ?? [])].sort()])) };
}

export async function deleteEndpoint(world: PeeringWorld, spec: Pick<EndpointSpec, 'subscriptionId' | 'resourceGroup' | 'name'>): Promise<void> {
  await world.network(spec.subscriptionId).privateEndpoints.delete(spec.resourceGroup, spec.name, POLL).pollUntilDone();
}

export interface EndpointView {
  endpointId: string;
  condition: { type: string; status: string; reason: string; message: string } | null;
  orchestration: { instanceId: string; runtimeStatus: string | null };
  audit: Array<{ action: string; outcome: string; target?: string; reason: string; trigger?: Record<string, unknown> }>;
  names?: Array<{ fqdn: string; zoneId: string; recordName: string; ipAddresses: string[] }>;
  conflicts?: Array<{ fqdn: string; ownerId: string | null; reason: string }>;
  zones?: string[];
  [key: string]: unknown;
}

export function endpointPath(id: string): string {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateEndpoints\/([^/]+)$/i.exec(id);
  if (!m) throw new Error(`not a private endpoint ID: ${id}`);
  return `/api/endpoints/${m[1]}/${m[2]}/${m[3]}`;
}

export async function getEndpoint(world: PeeringWorld, id: string): Promise<EndpointView | undefined> {
  const res = await apiFetch(`${world.embedded.baseUrl}${endpointPath(id)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${endpointPath(id)} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as EndpointView;
}

/** Waits until the endpoint's orchestration finished with `reason` and everything is quiet. */
export async function settledEndpoint(world: PeeringWorld, id: string, reason: string, timeoutMs = 30_000): Promise<EndpointView> {
  await until(`${id} to record ${reason}`, async () => {
    const view = await getEndpoint(world, id);
    return view?.condition?.reason === reason && view.orchestration.runtimeStatus === 'Completed' ? view : undefined;
  }, timeoutMs).catch(async (e: unknown) => {
    const view = await getEndpoint(world, id);
    throw new Error(`${String(e)}; last seen: ${view?.condition?.reason}: ${view?.condition?.message}`);
  });
  await quiesce(world);
  const view = await getEndpoint(world, id);
  if (view?.condition?.reason !== reason) throw new Error(`${id} moved on to ${view?.condition?.reason}: ${view?.condition?.message}`);
  return view;
}

export function zoneGroupWrites(world: PeeringWorld): number {
  return world.embedded.arm.requestLog.count('PUT privateDnsZoneGroups');
}

/** The VNets a central zone is linked to (lower case). */
export async function zoneLinks(world: PeeringWorld, zone: string): Promise<string[]> {
  const out: string[] = [];
  for await (const link of dnsClient(world).virtualNetworkLinks.list(ZONES_RG, zone)) out.push((link.virtualNetwork?.id ?? '').toLowerCase());
  return out.sort();
}
