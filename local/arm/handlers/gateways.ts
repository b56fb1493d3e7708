/**
 * Microsoft.Network/virtualNetworkGateways: only as much as peering needs — a hub "has a gateway" once a gateway
 * in its GatewaySubnet has finished provisioning. Creating one locks the VNet for the (long) duration, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from '../context';
import { newEtag, record, requireLocation, tagsOf } from '../context';
import { ArmError, invalidRequestContent, invalidResourceReference } from '../errors';
import { declare } from '../resourceTypes';
import { idKey, networkId, parseResourceId } from '../resourceId';
import type { GatewayRecord } from '../state';

const GATEWAY_TYPE = 'Microsoft.Network/virtualNetworkGateways';

export function gatewayWire(g: GatewayRecord): Record<string, unknown> {
  return {
    name: g.name,
    id: g.id,
    etag: g.etag,
    type: GATEWAY_TYPE,
    location: g.location,
    ...(g.tags ? { tags: g.tags } : {}),
    properties: {
      ...g.extra,
      provisioningState: g.provisioningState,
      resourceGuid: g.resourceGuid,
      gatewayType: g.gatewayType,
      vpnType: g.vpnType,
      sku: { ...g.sku, capacity: 2 },
      ipConfigurations: g.ipConfigurations.map((c) => ({
        name: c.name,
        id: `${g.id}/ipConfigurations/${c.name}`,
        etag: g.etag,
        properties: {
          provisioningState: g.provisioningState,
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: g.subnetId },
          ...(c.publicIPAddressId ? { publicIPAddress: { id: c.publicIPAddressId } } : {}),
        },
      })),
    },
  };
}

interface GatewaySpec {
  location: string;
  tags?: Record<string, string>;
  subnetId: string;
  gatewayType: string;
  vpnType: string;
  sku: { name: string; tier: string };
  ipConfigurations: Array<{ name: string; publicIPAddressId?: string }>;
  extra: Record<string, unknown>;
}

function parseGatewayBody(body: Record<string, unknown>): GatewaySpec {
  const { ipConfigurations, gatewayType, vpnType, sku, provisioningState: _p, resourceGuid: _g, ...extra } = record(body['properties']);
  if (!Array.isArray(ipConfigurations) || ipConfigurations.length === 0) {
    throw invalidRequestContent("'properties.ipConfigurations' needs at least one IP configuration with a subnet");
  }
  const configs = ipConfigurations.map((raw: unknown, i: number) => {
    const c = record(raw);
    const props = record(c['properties']);
    return {
      name: typeof c['name'] === 'string' ? c['name'] : `ipconfig${i}`,
      subnetId: record(props['subnet'])['id'],
      publicIPAddressId: record(props['publicIPAddress'])['id'] as string | undefined,
    };
  });
  const subnetId = configs[0]?.subnetId;
  if (typeof subnetId !== 'string') throw invalidRequestContent("'ipConfigurations[0].properties.subnet.id' is required");
  const skuRecord = record(sku);
  return {
    location: requireLocation(body),
    tags: tagsOf(body['tags']),
    subnetId,
    gatewayType: typeof gatewayType === 'string' ? gatewayType : 'Vpn',
    vpnType: typeof vpnType === 'string' ? vpnType : 'RouteBased',
    sku: {
      name: typeof skuRecord['name'] === 'string' ? skuRecord['name'] : 'VpnGw1',
      tier: typeof skuRecord['tier'] === 'string' ? skuRecord['tier'] : 'VpnGw1',
    },
    ipConfigurations: configs.map(({ name, publicIPAddressId }) => ({ name, publicIPAddressId })),
    extra,
  };
}

/** Builds (and validates) a gateway record; `gatewayId` names it in errors. */
export function buildGateway(core: EmulatorCore, subscriptionId: string, rg: string, name: string, spec: GatewaySpec): GatewayRecord {
  const id = networkId(subscriptionId, rg, 'virtualNetworkGateways', name);
  const parsed = parseResourceId(spec.subnetId);
  const vnetSegment = parsed?.segments[0];
  const subnetSegment = parsed?.segments[1];
  const vnet = vnetSegment
    ? core.state.virtualNetworks.get(idKey(networkId(parsed.subscriptionId, parsed.resourceGroup, 'virtualNetworks', vnetSegment[1])))
    : undefined;
  const subnet = subnetSegment ? vnet?.subnets.get(subnetSegment[1].toLowerCase()) : undefined;
  if (!vnet || !subnet) throw invalidResourceReference(spec.subnetId, id);
  if (subnet.name.toLowerCase() !== 'gatewaysubnet') {
    // Azure requires the subnet named GatewaySubnet; the code here is unverified.
    throw new ArmError(
      400,
      'InvalidGatewaySubnet',
      `Virtual network gateway ${id} must be deployed in the subnet named 'GatewaySubnet', not '${subnet.name}'.`,
    );
  }
  return {
    id,
    subscriptionId,
    resourceGroup: rg,
    name,
    location: spec.location,
    tags: spec.tags,
    etag: newEtag(),
    resourceGuid: randomUUID(),
    vnetKey: idKey(vnet.id),
    subnetId: subnet.id,
    gatewayType: spec.gatewayType,
    vpnType: spec.vpnType,
    sku: spec.sku,
    ipConfigurations: spec.ipConfigurations,
    extra: spec.extra,
    provisioningState: 'Succeeded',
  };
}

export function parseGatewaySpec(body: Record<string, unknown>): GatewaySpec {
  return parseGatewayBody(body);
}

/** Creating or changing a gateway locks it and its VNet for the (long) duration, as in Azure. */
export const gatewayDeclaration = declare<GatewayRecord>({
  type: GATEWAY_TYPE,
  path: ['virtualNetworkGateways'],
  lro: 'virtualNetworkGateways',
  get: (core, key) => core.state.gateways.get(key),
  list: (core, { prefix }) => [...core.state.gateways.values()].filter((g) => idKey(g.id).startsWith(prefix)),
  save: (core, g) => {
    core.state.gateways.set(idKey(g.id), g);
  },
  remove: (core, g) => {
    core.state.gateways.delete(idKey(g.id));
  },
  wire: (_core, g) => gatewayWire(g),
  put: ({ core, ctx, rg, name, existing, body }) => {
    const gateway = buildGateway(core, ctx.subscriptionId, rg, name, parseGatewayBody(body));
    if (existing) Object.assign(gateway, { id: existing.id, resourceGuid: existing.resourceGuid, name: existing.name });
    return { lock: { keys: [idKey(gateway.id), gateway.vnetKey] }, build: () => gateway };
  },
  deleteLock: (_core, g) => ({ keys: [idKey(g.id), g.vnetKey] }),
});
