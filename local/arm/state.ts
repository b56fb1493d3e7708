/**
 * The emulator's in-memory Azure: resource groups and the network / Private DNS resources in them.
 * Every map is keyed by the lower-cased resource ID ({@link idKey}); records keep the casing they were created with.
 */
import { idKey } from './resourceId';

export type ProvisioningState = 'Succeeded' | 'Updating' | 'Deleting' | 'Failed' | 'Creating';

export interface ResourceGroupRecord {
  id: string;
  subscriptionId: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  provisioningState: 'Succeeded' | 'Deleting';
}

export interface SubnetRecord {
  id: string;
  name: string;
  etag: string;
  addressPrefix?: string;
  addressPrefixes?: string[];
  privateEndpointNetworkPolicies: string;
  privateLinkServiceNetworkPolicies: string;
  /** Other properties the client sent (NSG, route table, delegations...), echoed back unvalidated. */
  extra: Record<string, unknown>;
  /** Allocated IPs -> owner (a NIC or gateway id). */
  allocations: Map<string, string>;
}

/** What every top-level tracked resource in a resource group carries. */
export interface TrackedResourceRecord {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  etag: string;
  resourceGuid: string;
}

export interface VirtualNetworkRecord extends TrackedResourceRecord {
  addressPrefixes: string[];
  dhcpOptions?: { dnsServers: string[] };
  subnets: Map<string, SubnetRecord>;
  provisioningState: ProvisioningState;
}

export type PeeringState = 'Initiated' | 'Connected' | 'Disconnected';

export interface PeeringRecord {
  id: string;
  name: string;
  /** Key of the VNet it belongs to. */
  vnetKey: string;
  etag: string;
  resourceGuid: string;
  remoteVirtualNetworkId: string;
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
  doNotVerifyRemoteGateways: boolean;
  peerCompleteVnets: boolean;
  enableOnlyIPv6Peering: boolean;
  localSubnetNames?: string[];
  remoteSubnetNames?: string[];
  peeringState: PeeringState;
  /** The remote address space as last synced (Azure's `remoteAddressSpace`). */
  syncedRemotePrefixes: string[];
  provisioningState: ProvisioningState;
}

export interface GatewayRecord extends TrackedResourceRecord {
  vnetKey: string;
  subnetId: string;
  gatewayType: string;
  vpnType: string;
  sku: { name: string; tier: string };
  ipConfigurations: Array<{ name: string; publicIPAddressId?: string }>;
  extra: Record<string, unknown>;
  provisioningState: ProvisioningState;
}

export interface PrivateLinkConnectionRecord {
  name: string;
  privateLinkServiceId: string;
  groupIds: string[];
  requestMessage?: string;
  manual: boolean;
}

/**
 * One name the endpoint publishes, the IPs it got, and where its A record belongs. Names of one required member
 * share an IP and one IP configuration of the endpoint's NIC (e.g. a web app and its scm name).
 */
export interface EndpointDnsEntry {
  fqdn: string;
  ipAddresses: string[];
  /** The connection's groupId and the target's required member this name belongs to (NIC privateLinkConnectionProperties). */
  groupId: string;
  memberName: string;
  /** The NIC IP configuration carrying this name's IP (`privateEndpointIpConfig.{guid}`). */
  ipConfigName: string;
  /** The privatelink zone name this FQDN's record goes into. */
  zoneName: string;
  /** The record name in that zone. */
  recordName: string;
}

export interface ZoneGroupConfigRecord {
  name: string;
  privateDnsZoneId: string;
  /** Records written into the zone, filled when the group's operation succeeds. */
  recordSets: Array<{ recordSetName: string; fqdn: string; ttl: number; ipAddresses: string[] }>;
}

export interface ZoneGroupRecord {
  id: string;
  name: string;
  etag: string;
  configs: ZoneGroupConfigRecord[];
  provisioningState: ProvisioningState;
}

export interface PrivateEndpointRecord extends TrackedResourceRecord {
  subnetId: string;
  subnetKey: string;
  vnetKey: string;
  connections: PrivateLinkConnectionRecord[];
  customNetworkInterfaceName?: string;
  /** The NIC Azure makes for the endpoint (in its resource group); served from this record, gone with it. */
  nicId: string;
  nicResourceGuid: string;
  dns: EndpointDnsEntry[];
  zoneGroup?: ZoneGroupRecord;
  provisioningState: ProvisioningState;
}

export interface RecordSetRecord {
  id: string;
  /** Lower case, as Private DNS answers. */
  name: string;
  type: 'A' | 'SOA';
  etag: string;
  ttl: number;
  metadata?: Record<string, string>;
  aRecords: Array<{ ipv4Address: string }>;
}

export interface VirtualNetworkLinkRecord {
  id: string;
  name: string;
  etag: string;
  tags?: Record<string, string>;
  virtualNetworkId: string;
  registrationEnabled: boolean;
  resolutionPolicy: string;
  provisioningState: ProvisioningState;
}

export interface PrivateDnsZoneRecord {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  tags?: Record<string, string>;
  etag: string;
  internalId: string;
  /** Keyed by `a/{name}` (lower case). */
  recordSets: Map<string, RecordSetRecord>;
  links: Map<string, VirtualNetworkLinkRecord>;
  provisioningState: ProvisioningState;
}

/**
 * A resource of a type declared without behaviour of its own (resourceTypes.ts `genericType`): firewall policies,
 * rule collection groups... Its `properties` are what the client sent, validated by the type's body schema.
 */
export interface GenericResourceRecord {
  id: string;
  /** Full ARM type, e.g. `Microsoft.Network/firewallPolicies`. */
  type: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  etag: string;
  resourceGuid: string;
  properties: Record<string, unknown>;
  /** Key of the parent resource, for child types. */
  parentKey?: string;
  provisioningState: ProvisioningState;
}

export class ArmState {
  readonly resourceGroups = new Map<string, ResourceGroupRecord>();
  readonly virtualNetworks = new Map<string, VirtualNetworkRecord>();
  /** Keyed by peering ID. */
  readonly peerings = new Map<string, PeeringRecord>();
  readonly gateways = new Map<string, GatewayRecord>();
  readonly privateEndpoints = new Map<string, PrivateEndpointRecord>();
  readonly privateDnsZones = new Map<string, PrivateDnsZoneRecord>();
  /** Resources of declared types without behaviour of their own, keyed by ID. */
  readonly resources = new Map<string, GenericResourceRecord>();

  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.resourceGroups.get(idKey(`/subscriptions/${subscriptionId}/resourceGroups/${name}`));
  }

  peeringsOf(vnetKey: string): PeeringRecord[] {
    return [...this.peerings.values()].filter((p) => p.vnetKey === vnetKey);
  }

  /** The peering on `remoteKey` that points back at `vnetId`, if any. */
  reversePeering(localVnetId: string, remoteVnetId: string): PeeringRecord | undefined {
    const remoteKey = idKey(remoteVnetId);
    const localKey = idKey(localVnetId);
    return this.peeringsOf(remoteKey).find((p) => idKey(p.remoteVirtualNetworkId) === localKey);
  }

  /** A gateway in the VNet that has finished provisioning (what "the VNet has a gateway" means to peering). */
  gatewayOf(vnetKey: string): GatewayRecord | undefined {
    return [...this.gateways.values()].find((g) => g.vnetKey === vnetKey && g.provisioningState === 'Succeeded');
  }

  /** Any gateway record in the VNet, whatever its state. */
  anyGatewayOf(vnetKey: string): GatewayRecord | undefined {
    return [...this.gateways.values()].find((g) => g.vnetKey === vnetKey);
  }

  /** The endpoint whose NIC has this key, if any. */
  endpointOfNic(nicKey: string): PrivateEndpointRecord | undefined {
    return [...this.privateEndpoints.values()].find((pe) => idKey(pe.nicId) === nicKey);
  }

  endpointsInSubnet(subnetKey: string): PrivateEndpointRecord[] {
    return [...this.privateEndpoints.values()].filter((pe) => pe.subnetKey === subnetKey);
  }

  /** Keys of every resource (any map) inside a resource group. */
  inResourceGroup<T extends { id: string }>(map: Map<string, T>, rgKey: string): T[] {
    return [...map.values()].filter((r) => idKey(r.id).startsWith(`${rgKey}/`));
  }
}
