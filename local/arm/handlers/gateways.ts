/**
 * Microsoft.Network/virtualNetworkGateways: only as much as peering needs — a hub "has a gateway" once a gateway
 * in its GatewaySubnet has finished provisioning. Creating one locks the VNet for the (long) duration, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import type { ArmResponse, EmulatorCore, RequestContext } from '../context';
import {
  acceptedDelete,
  acceptedPut,
  newEtag,
  pagedAnswer,
  parseJsonBody,
  record,
  requireLocation,
  requireResourceGroup,
  provisioningOutcome, startLro,
  tagsOf,
} from '../context';
import { ArmError, invalidRequestContent, invalidResourceReference, resourceNotFound } from '../errors';
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

export function putGateway(core: EmulatorCore, ctx: RequestContext, rg: string, name: string): ArmResponse {
  requireResourceGroup(core, ctx, rg);
  const key = idKey(networkId(ctx.subscriptionId, rg, 'virtualNetworkGateways', name));
  const existing = core.state.gateways.get(key);
  const gateway = buildGateway(core, ctx.subscriptionId, rg, name, parseGatewayBody(parseJsonBody(ctx)));
  if (existing) Object.assign(gateway, { id: existing.id, resourceGuid: existing.resourceGuid, name: existing.name });
  core.operations.assertUnlocked([key, gateway.vnetKey]);
  gateway.provisioningState = 'Updating';
  core.state.gateways.set(key, gateway);
  const op = startLro(core, ctx, {
    flavor: 'network',
    kind: 'virtualNetworkGateways',
    region: gateway.location,
    resourceGroup: rg,
    method: 'PUT',
    lockKeys: [key, gateway.vnetKey],
    resourceUri: gateway.id,
    operationType: GATEWAY_TYPE,
    ...provisioningOutcome(gateway),
  });
  return acceptedPut(core, op, !existing, gatewayWire(gateway));
}

export function getGateway(core: EmulatorCore, ctx: RequestContext, rg: string, name: string): ArmResponse {
  requireResourceGroup(core, ctx, rg);
  const gateway = core.state.gateways.get(idKey(networkId(ctx.subscriptionId, rg, 'virtualNetworkGateways', name)));
  if (!gateway) throw resourceNotFound(GATEWAY_TYPE, name, rg);
  return { status: 200, headers: {}, body: gatewayWire(gateway) };
}

export function listGateways(core: EmulatorCore, ctx: RequestContext, rg: string): ArmResponse {
  const rgRecord = requireResourceGroup(core, ctx, rg);
  return pagedAnswer(core, ctx, core.state.inResourceGroup(core.state.gateways, idKey(rgRecord.id)).map(gatewayWire));
}

export function deleteGateway(core: EmulatorCore, ctx: RequestContext, rg: string, name: string): ArmResponse {
  requireResourceGroup(core, ctx, rg);
  const key = idKey(networkId(ctx.subscriptionId, rg, 'virtualNetworkGateways', name));
  const gateway = core.state.gateways.get(key);
  if (!gateway) return { status: 204, headers: {} };
  core.operations.assertUnlocked([key, gateway.vnetKey]);
  const before = gateway.provisioningState;
  gateway.provisioningState = 'Deleting';
  const op = startLro(core, ctx, {
    flavor: 'network',
    kind: 'virtualNetworkGateways',
    region: gateway.location,
    resourceGroup: rg,
    method: 'DELETE',
    lockKeys: [key, gateway.vnetKey],
    resourceUri: gateway.id,
    operationType: GATEWAY_TYPE,
    complete: () => {
      core.state.gateways.delete(key);
    },
    fail: () => {
      gateway.provisioningState = before === 'Deleting' ? 'Failed' : before;
    },
  });
  return acceptedDelete(core, ctx, op);
}
