/**
 * The NetworkPort over @azure/arm-network: VNets and peerings read and written through the real SDK client, one
 * client per subscription. SDK types stop here; the domain sees ObservedVnet / ObservedPeering.
 */
import type { TokenCredential } from '@azure/core-auth';
import { NetworkManagementClient, type VirtualNetwork, type VirtualNetworkPeering } from '@azure/arm-network';
import type { ObservedPeering, ObservedVnet, PeeringState, PeeringSyncLevel } from '../peering/model';
import type { NetworkPort, PeeringWrite } from '../peering/ports';
import { classifyArmError } from './errors';
import { parseResourceId, resourceName } from './resource-id';
import { perSubscription, type ArmClientOptions } from './clients';
import { LroPacer } from './lro';

const PEERING_STATES = new Set<string>(['Initiated', 'Connected', 'Disconnected']);
const SYNC_LEVELS = new Set<string>(['FullyInSync', 'RemoteNotInSync', 'LocalNotInSync', 'LocalAndRemoteNotInSync']);

export function observedPeering(p: VirtualNetworkPeering): ObservedPeering {
  return {
    id: p.id ?? '',
    name: p.name ?? '',
    remoteVnetId: p.remoteVirtualNetwork?.id ?? '',
    remoteAddressPrefixes: p.remoteAddressSpace?.addressPrefixes ?? [],
    allowVirtualNetworkAccess: p.allowVirtualNetworkAccess ?? false,
    allowForwardedTraffic: p.allowForwardedTraffic ?? false,
    allowGatewayTransit: p.allowGatewayTransit ?? false,
    useRemoteGateways: p.useRemoteGateways ?? false,
    ...(p.peeringState && PEERING_STATES.has(p.peeringState) ? { peeringState: p.peeringState as PeeringState } : {}),
    ...(p.peeringSyncLevel && SYNC_LEVELS.has(p.peeringSyncLevel) ? { peeringSyncLevel: p.peeringSyncLevel as PeeringSyncLevel } : {}),
    ...(p.provisioningState ? { provisioningState: p.provisioningState } : {}),
  };
}

/** A VNet has its own gateway when its GatewaySubnet holds a virtual network gateway's IP configuration. */
function hasOwnGateway(vnet: VirtualNetwork): boolean {
  return (vnet.subnets ?? []).some(
    (s) => s.name?.toLowerCase() === 'gatewaysubnet' && (s.ipConfigurations ?? []).some((c) => /\/virtualnetworkgateways\//i.test(c.id ?? '')),
  );
}

export function observedVnet(vnet: VirtualNetwork): ObservedVnet {
  return {
    id: vnet.id ?? '',
    name: vnet.name ?? '',
    location: vnet.location ?? '',
    addressPrefixes: vnet.addressSpace?.addressPrefixes ?? [],
    tags: vnet.tags ?? {},
    hasGateway: hasOwnGateway(vnet),
    peerings: (vnet.virtualNetworkPeerings ?? []).map(observedPeering),
    ...(vnet.provisioningState ? { provisioningState: vnet.provisioningState } : {}),
  };
}

function vnetParts(vnetId: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const id = parseResourceId(vnetId);
  if (!id.resourceGroup) throw new Error(`${vnetId} is not a VNet ID: it names no resource group.`);
  return { subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: resourceName(id) };
}

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (e) {
    if (classifyArmError(e).class === 'notFound') return null;
    throw e;
  }
}

export interface NetworkAdapterOptions {
  credential: TokenCredential;
  clientOptions: ArmClientOptions;
  lro: { updateIntervalInMs?: number };
}

/** One `NetworkManagementClient` per subscription (IDs compare without case), made on first use. */
export function networkClients(options: Pick<NetworkAdapterOptions, 'credential' | 'clientOptions'>): (subscriptionId: string) => NetworkManagementClient {
  return perSubscription((subscriptionId) => new NetworkManagementClient(options.credential, subscriptionId, options.clientOptions));
}

export function createNetworkAdapter(options: NetworkAdapterOptions): NetworkPort {
  const client = networkClients(options);
  const lro = new LroPacer(options.lro);
  return {
    async getVnet(vnetId) {
      const { subscriptionId, resourceGroup, name } = vnetParts(vnetId);
      const vnet = await orNull(client(subscriptionId).virtualNetworks.get(resourceGroup, name));
      return vnet ? observedVnet(vnet) : null;
    },
    async listVnets(subscriptionId) {
      const result: ObservedVnet[] = [];
      for await (const vnet of client(subscriptionId).virtualNetworks.listAll()) result.push(observedVnet(vnet));
      return result;
    },
    async getPeering(vnetId, name) {
      const parts = vnetParts(vnetId);
      const peering = await orNull(client(parts.subscriptionId).virtualNetworkPeerings.get(parts.resourceGroup, parts.name, name));
      return peering ? observedPeering(peering) : null;
    },
    async putPeering(vnetId, name, write: PeeringWrite, putOptions) {
      const parts = vnetParts(vnetId);
      const result = await lro.run('PUT virtualNetworkPeerings', (paced) =>
        client(parts.subscriptionId).virtualNetworkPeerings.createOrUpdate(
          parts.resourceGroup,
          parts.name,
          name,
          { remoteVirtualNetwork: { id: write.remoteVnetId }, ...write.flags },
          { ...paced, ...(putOptions?.syncRemoteAddressSpace ? { syncRemoteAddressSpace: 'true' } : {}) },
        ),
      );
      return observedPeering(result);
    },
    async deletePeering(vnetId, name) {
      const parts = vnetParts(vnetId);
      try {
        await lro.run('DELETE virtualNetworkPeerings', (paced) => client(parts.subscriptionId).virtualNetworkPeerings.delete(parts.resourceGroup, parts.name, name, paced));
      } catch (e) {
        if (classifyArmError(e).class !== 'notFound') throw e;
      }
    },
  };
}
