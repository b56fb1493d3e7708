/**
 * What the peering flow needs from ARM, shaped for the domain (STYLE habit 6). The SDK adapter sits in
 * shared/azure/network-adapter.ts; tests use the ARM emulator through that adapter, or the in-memory fake beside it.
 */
import type { ObservedPeering, ObservedVnet, PeeringFlags } from './model';

export interface PeeringWrite {
  remoteVnetId: string;
  flags: PeeringFlags;
}

export interface NetworkPort {
  /** The VNet with its peerings, or null when it does not exist (404). */
  getVnet(vnetId: string): Promise<ObservedVnet | null>;
  /** Every VNet of a subscription, through ARM's paged list (one call per page, not one GET per VNet). */
  listVnets(subscriptionId: string): Promise<ObservedVnet[]>;
  /** One peering, or null when it does not exist. */
  getPeering(vnetId: string, name: string): Promise<ObservedPeering | null>;
  /** Creates or updates a peering and waits for the long-running operation. */
  putPeering(vnetId: string, name: string, write: PeeringWrite, options?: { syncRemoteAddressSpace?: boolean }): Promise<ObservedPeering>;
  /** Deletes a peering (absent is fine) and waits for the long-running operation. */
  deletePeering(vnetId: string, name: string): Promise<void>;
}
