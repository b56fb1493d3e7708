/** Microsoft.Network/virtualNetworks and their embedded subnets. */
import { randomUUID } from 'node:crypto';
import { isValidCidr, prefixWithin } from '../addressSpace';
import type { EmulatorCore } from '../context';
import { record, requireLocation, stringArray, tagsOf, newEtag } from '../context';
import { ArmError, invalidRequestContent } from '../errors';
import { idKey, networkId } from '../resourceId';
import { declare } from '../resourceTypes';
import type { SubnetRecord, VirtualNetworkRecord } from '../state';
import { peeringWire, deletePeeringEffects } from './peerings';

export const VNET_TYPE = 'Microsoft.Network/virtualNetworks';

export function subnetWire(core: EmulatorCore, vnet: VirtualNetworkRecord, subnet: SubnetRecord): Record<string, unknown> {
  const subnetKey = idKey(subnet.id);
  const endpoints = core.state.endpointsInSubnet(subnetKey);
  const gatewayConfigs = [...core.state.gateways.values()]
    .filter((g) => idKey(g.subnetId) === subnetKey)
    .flatMap((g) => g.ipConfigurations.map((c) => ({ id: `${g.id}/ipConfigurations/${c.name}` })));
  const properties: Record<string, unknown> = {
    ...subnet.extra,
    provisioningState: vnet.provisioningState === 'Deleting' ? 'Deleting' : 'Succeeded',
    ...(subnet.addressPrefix !== undefined ? { addressPrefix: subnet.addressPrefix } : {}),
    ...(subnet.addressPrefixes !== undefined ? { addressPrefixes: subnet.addressPrefixes } : {}),
    delegations: subnet.extra['delegations'] ?? [],
    privateEndpointNetworkPolicies: subnet.privateEndpointNetworkPolicies,
    privateLinkServiceNetworkPolicies: subnet.privateLinkServiceNetworkPolicies,
  };
  if (endpoints.length > 0) properties['privateEndpoints'] = endpoints.map((pe) => ({ id: pe.id }));
  if (gatewayConfigs.length > 0) properties['ipConfigurations'] = gatewayConfigs;
  return { name: subnet.name, id: subnet.id, etag: subnet.etag, type: `${VNET_TYPE}/subnets`, properties };
}

export function vnetWire(core: EmulatorCore, vnet: VirtualNetworkRecord): Record<string, unknown> {
  return {
    name: vnet.name,
    id: vnet.id,
    etag: vnet.etag,
    type: VNET_TYPE,
    location: vnet.location,
    ...(vnet.tags ? { tags: vnet.tags } : {}),
    properties: {
      provisioningState: vnet.provisioningState,
      resourceGuid: vnet.resourceGuid,
      addressSpace: { addressPrefixes: [...vnet.addressPrefixes] },
      ...(vnet.dhcpOptions ? { dhcpOptions: vnet.dhcpOptions } : {}),
      subnets: [...vnet.subnets.values()].map((s) => subnetWire(core, vnet, s)),
      virtualNetworkPeerings: core.state.peeringsOf(idKey(vnet.id)).map((p) => peeringWire(core, p)),
      enableDdosProtection: false,
      privateEndpointVNetPolicies: 'Disabled',
    },
  };
}

function inUseError(subnet: SubnetRecord, user: string): ArmError {
  return new ArmError(
    400,
    'InUseSubnetCannotBeDeleted',
    `Subnet ${subnet.name} is in use by ${user} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`,
  );
}

/** The first resource using the subnet, as NRP names it in InUseSubnetCannotBeDeleted. */
function subnetUser(core: EmulatorCore, subnet: SubnetRecord): string | undefined {
  const key = idKey(subnet.id);
  const pe = core.state.endpointsInSubnet(key)[0];
  if (pe) return `${pe.nicId}/ipConfigurations/${pe.dns[0]?.ipConfigName ?? `privateEndpointIpConfig.${pe.resourceGuid}`}`;
  const gw = [...core.state.gateways.values()].find((g) => idKey(g.subnetId) === key);
  if (gw) return `${gw.id}/ipConfigurations/${gw.ipConfigurations[0]?.name ?? 'default'}`;
  return undefined;
}

export interface VnetSpec {
  location: string;
  tags?: Record<string, string>;
  addressPrefixes: string[];
  dnsServers?: string[];
  subnets: Array<{ name: string; addressPrefix?: string; addressPrefixes?: string[]; extra: Record<string, unknown> }>;
}

export function parseVnetBody(body: Record<string, unknown>): VnetSpec {
  const properties = record(body['properties']);
  const addressPrefixes = stringArray(record(properties['addressSpace'])['addressPrefixes'], 'properties.addressSpace.addressPrefixes');
  if (addressPrefixes.length === 0) {
    throw new ArmError(400, 'InvalidAddressSpace', 'Virtual network address space must contain at least one address prefix.');
  }
  for (const prefix of addressPrefixes) {
    if (!isValidCidr(prefix)) {
      throw new ArmError(400, 'InvalidAddressPrefixFormat', `Address prefix ${prefix} of resource virtual network has an invalid format.`);
    }
  }
  const rawSubnets = properties['subnets'] ?? [];
  if (!Array.isArray(rawSubnets)) throw invalidRequestContent("'properties.subnets' must be an array");
  const subnets = rawSubnets.map((raw: unknown) => {
    const s = record(raw);
    const name = s['name'];
    if (typeof name !== 'string' || !name) throw invalidRequestContent('Every subnet needs a name');
    const { addressPrefix, addressPrefixes: subnetPrefixes, provisioningState: _p, privateEndpoints: _pe, ipConfigurations: _ip, ...extra } =
      record(s['properties']);
    return {
      name,
      addressPrefix: typeof addressPrefix === 'string' ? addressPrefix : undefined,
      addressPrefixes: Array.isArray(subnetPrefixes) ? stringArray(subnetPrefixes, 'addressPrefixes') : undefined,
      extra,
    };
  });
  const dns = record(properties['dhcpOptions'])['dnsServers'];
  return {
    location: requireLocation(body),
    tags: tagsOf(body['tags']),
    addressPrefixes,
    dnsServers: dns === undefined ? undefined : stringArray(dns, 'properties.dhcpOptions.dnsServers'),
    subnets,
  };
}

/** Validates `spec` against `existing` and returns the record it would become (not yet stored). */
export function buildVnet(
  core: EmulatorCore,
  subscriptionId: string,
  rg: string,
  name: string,
  spec: VnetSpec,
  existing: VirtualNetworkRecord | undefined,
): VirtualNetworkRecord {
  const id = existing?.id ?? networkId(subscriptionId, rg, 'virtualNetworks', name);
  const subnets = new Map<string, SubnetRecord>();
  for (const s of spec.subnets) {
    const prefixes = s.addressPrefixes ?? (s.addressPrefix ? [s.addressPrefix] : []);
    if (prefixes.length === 0) {
      throw new ArmError(400, 'InvalidRequestFormat', `Subnet ${s.name} must have an addressPrefix or addressPrefixes.`);
    }
    for (const prefix of prefixes) {
      if (!isValidCidr(prefix) || !prefixWithin(prefix, spec.addressPrefixes)) {
        throw new ArmError(
          400,
          'NetcfgSubnetRangeOutsideVnet',
          `Subnet '${s.name}' is not valid because its IP address range is outside the IP address range of virtual network '${name}'.`,
        );
      }
    }
    const previous = existing?.subnets.get(s.name.toLowerCase());
    subnets.set(s.name.toLowerCase(), {
      id: previous?.id ?? `${id}/subnets/${s.name}`,
      name: previous?.name ?? s.name,
      etag: newEtag(),
      addressPrefix: s.addressPrefix,
      addressPrefixes: s.addressPrefixes,
      privateEndpointNetworkPolicies: typeof s.extra['privateEndpointNetworkPolicies'] === 'string' ? String(s.extra['privateEndpointNetworkPolicies']) : 'Disabled',
      privateLinkServiceNetworkPolicies:
        typeof s.extra['privateLinkServiceNetworkPolicies'] === 'string' ? String(s.extra['privateLinkServiceNetworkPolicies']) : 'Enabled',
      extra: Object.fromEntries(
        Object.entries(s.extra).filter(([k]) => k !== 'privateEndpointNetworkPolicies' && k !== 'privateLinkServiceNetworkPolicies'),
      ),
      allocations: previous?.allocations ?? new Map(),
    });
  }
  // Omitting a subnet from a VNet PUT deletes it, which fails while something uses it.
  for (const [key, old] of existing?.subnets ?? []) {
    const user = subnetUser(core, old);
    if (!subnets.has(key) && user) throw inUseError(old, user);
    const updated = subnets.get(key);
    if (updated && user && (updated.addressPrefix ?? '') !== (old.addressPrefix ?? '')) {
      throw new ArmError(
        400,
        'InUseSubnetCannotBeUpdated',
        `Subnet ${old.name} is in use and cannot be updated. In order to update the subnet, delete all the resources within the subnet.`,
      );
    }
  }
  return {
    id,
    subscriptionId: existing?.subscriptionId ?? subscriptionId,
    resourceGroup: existing?.resourceGroup ?? rg,
    name: existing?.name ?? name,
    location: spec.location,
    tags: spec.tags,
    etag: newEtag(),
    resourceGuid: existing?.resourceGuid ?? randomUUID(),
    addressPrefixes: spec.addressPrefixes,
    dhcpOptions: spec.dnsServers ? { dnsServers: spec.dnsServers } : undefined,
    subnets,
    provisioningState: 'Succeeded',
  };
}

export const virtualNetworkDeclaration = declare<VirtualNetworkRecord>({
  type: VNET_TYPE,
  path: ['virtualNetworks'],
  lro: 'virtualNetworks',
  listBySubscription: true,
  get: (core, key) => core.state.virtualNetworks.get(key),
  list: (core, { prefix }) => [...core.state.virtualNetworks.values()].filter((v) => idKey(v.id).startsWith(prefix)),
  save: (core, vnet) => {
    core.state.virtualNetworks.set(idKey(vnet.id), vnet);
  },
  remove: (core, vnet) => removeVirtualNetwork(core, idKey(vnet.id)),
  wire: (core, vnet) => vnetWire(core, vnet),
  put: ({ core, ctx, rg, id, name, existing, body }) => {
    const spec = parseVnetBody(body);
    return { lock: { keys: [idKey(id)] }, build: () => buildVnet(core, ctx.subscriptionId, rg, name, spec, existing) };
  },
  // Deleting a VNet also changes the peerings that point at it: their VNets are locked too.
  deleteLock: (core, vnet) => {
    const key = idKey(vnet.id);
    return { keys: [key, ...core.state.peeringsOf(key).map((p) => idKey(p.remoteVirtualNetworkId)).filter((k) => core.state.virtualNetworks.has(k))] };
  },
  checkDelete: (core, vnet) => {
    for (const subnet of vnet.subnets.values()) {
      const user = subnetUser(core, subnet);
      if (user) throw inUseError(subnet, user);
    }
  },
});

/** Removes a VNet and its peerings; the peerings pointing at it turn Disconnected. */
export function removeVirtualNetwork(core: EmulatorCore, key: string): void {
  for (const peering of core.state.peeringsOf(key)) deletePeeringEffects(core, peering);
  core.state.virtualNetworks.delete(key);
}

/** Subnets are managed through the VNet body here: GET and list only; direct subnet writes are not emulated. */
export const subnetDeclaration = declare<SubnetRecord>({
  type: `${VNET_TYPE}/subnets`,
  path: ['virtualNetworks', 'subnets'],
  parent: virtualNetworkDeclaration,
  lro: 'virtualNetworks',
  readOnly: true,
  get: (_core, key, parent) => (parent as VirtualNetworkRecord | undefined)?.subnets.get(key.split('/').pop() ?? ''),
  list: (_core, { parent }) => [...((parent as VirtualNetworkRecord | undefined)?.subnets.values() ?? [])],
  wire: (core, subnet, parent) => subnetWire(core, parent as VirtualNetworkRecord, subnet),
});
