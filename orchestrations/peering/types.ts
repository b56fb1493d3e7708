/** The plain data the peering flow's orchestrators, activities and entity pass to each other. */
import type { ObservedPeering, ObservedVnet } from '../../shared/peering/model';
import type { PeeringChange, PeeringOptions } from '../../shared/peering/spec';
import type { TriggerInfo } from '../../shared/store/records';
import type { Timing } from '../common/types';
import type { QueuedRequest, QueueReply } from '../common/writer-queue';

export type { ArmResult, Timing } from '../common/types';

export interface SpokeInput {
  vnetId: string;
  trigger: TriggerInfo;
  timing: Timing;
  /** The VNet as a subscription-wide list returned it (sweeps), used instead of a GET on the first pass. */
  snapshot?: ObservedVnet;
}

/**
 * What an observation after a pass that wrote (or found both sides settling) reads instead of the whole hub VNet:
 * the hub as the previous pass saw it, without its peerings, and the name of the hub-side peering to read afresh.
 * `spoke`: when the pass's last write was the spoke side, the spoke as that pass saw it with its side as the write's
 * answer showed it (the SDK's GET once the operation was done): the spoke VNet is then not read again either.
 */
export interface SpokeVerify {
  hub: ObservedVnet;
  hubPeeringName: string;
  spoke?: ObservedVnet;
}

/** The observe activity's input. */
export interface ObserveSpokeInput {
  vnetId: string;
  snapshot?: ObservedVnet;
  verify?: SpokeVerify;
}

export type SpokeObservation =
  | { kind: 'absent' }
  | { kind: 'unmanaged' | 'invalid'; reason: string; message: string; vnet: ObservedVnet }
  | { kind: 'hubMissing'; message: string; vnet: ObservedVnet; hubName: string; hubVnetId: string }
  /** `hub`: the hub as this spoke needs it (hubViewFor: its peering to the spoke and any overlapping ones). */
  | { kind: 'spoke'; spoke: ObservedVnet; hub: ObservedVnet; hubName: string; options: PeeringOptions; mode: 'enforce' | 'observe' };

/** A peering to delete: a hub side whose spoke is gone, or a Disconnected side about to be created again. */
export interface PeeringRemoval {
  kind: 'delete';
  side: 'hub' | 'spoke';
  vnetId: string;
  name: string;
  remoteVnetId: string;
  reason: string;
  /** Delete only while the peering is Disconnected (the first half of a recreate). */
  onlyIfDisconnected?: boolean;
}

export type HubChange = PeeringChange | PeeringRemoval;

export interface HubWorkRequest extends QueuedRequest {
  spokeVnetId: string;
  hubVnetId: string;
  changes: HubChange[];
  trigger: TriggerInfo;
}

export interface AppliedChange {
  kind: HubChange['kind'];
  vnetId: string;
  name: string;
  outcome: 'written' | 'skipped' | 'failed';
  detail: string;
  /** The peering as the write's answer showed it (written creates, updates and syncs). */
  after?: ObservedPeering;
}

export interface HubWorkReply extends QueueReply {
  applied: AppliedChange[];
}
