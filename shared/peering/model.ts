/** The domain's view of VNets and peerings: plain data, read from ARM by the adapter, free of SDK types. */

export type PeeringState = 'Initiated' | 'Connected' | 'Disconnected';
export type PeeringSyncLevel = 'FullyInSync' | 'RemoteNotInSync' | 'LocalNotInSync' | 'LocalAndRemoteNotInSync';

export interface PeeringFlags {
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
}

export interface ObservedPeering extends PeeringFlags {
  /** The peering's resource ID. */
  id: string;
  name: string;
  remoteVnetId: string;
  /** The remote address space as this peering last synced it. */
  remoteAddressPrefixes: string[];
  peeringState?: PeeringState;
  peeringSyncLevel?: PeeringSyncLevel;
  provisioningState?: string;
}

export interface ObservedVnet {
  id: string;
  name: string;
  location: string;
  addressPrefixes: string[];
  tags: Record<string, string>;
  /** True when the VNet has its own virtual network gateway (it then cannot use remote gateways). */
  hasGateway: boolean;
  peerings: ObservedPeering[];
  /** Succeeded, Updating, Deleting or Failed: peerings cannot be written while the VNet is Updating. */
  provisioningState?: string;
}
