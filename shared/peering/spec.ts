/**
 * The desired state of a spoke's two peerings, as a pure function of config and what ARM shows:
 * `planSpokePeering(hub, spoke, options) -> plan`. A plan whose changes are empty means: write nothing.
 */
import { createHash } from 'node:crypto';
import { resourceKey, sameResource } from '../azure/resource-id';
import { overlappingPrefixes, Overlap } from './address-space';
import { ObservedPeering, ObservedVnet, PeeringFlags } from './model';

export interface PeeringOptions {
  /** Spokes use the hub's gateway when it has one and this is true. */
  useRemoteGateways: boolean;
}

export type PeeringSide = 'hub' | 'spoke';

export type PeeringChange =
  | { kind: 'create'; side: PeeringSide; vnetId: string; name: string; remoteVnetId: string; flags: PeeringFlags; reason: string }
  | { kind: 'update'; side: PeeringSide; vnetId: string; name: string; remoteVnetId: string; flags: PeeringFlags; reason: string }
  | { kind: 'sync'; side: PeeringSide; vnetId: string; name: string; remoteVnetId: string; flags: PeeringFlags; reason: string }
  /** A Disconnected side must be deleted and created again; it cannot be repaired in place. */
  | { kind: 'recreate'; side: PeeringSide; vnetId: string; name: string; remoteVnetId: string; flags: PeeringFlags; reason: string };

export interface OverlapCondition {
  kind: 'overlap';
  /** The VNet the spoke overlaps: the hub itself or a VNet already peered with it. */
  withVnetId: string;
  overlaps: Overlap[];
}

export type PeeringPlan =
  | { kind: 'blocked'; conditions: OverlapCondition[] }
  | { kind: 'converge'; changes: PeeringChange[] };

const MAX_NAME = 80;

function shortHash(id: string): string {
  return createHash('sha256').update(resourceKey(id)).digest('hex').slice(0, 8);
}

/**
 * A deterministic, valid peering name (1-80 chars of letters, digits, `_`, `.`, `-`, starting with a letter or
 * digit): the remote VNet's name plus a hash of its full ID, because names repeat across resource groups.
 */
export function peeringName(prefix: string, remoteVnetId: string, remoteVnetName: string): string {
  const suffix = `-${shortHash(remoteVnetId)}`;
  const cleaned = remoteVnetName.replace(/[^A-Za-z0-9_.-]/g, '-');
  const room = MAX_NAME - prefix.length - suffix.length;
  return `${prefix}${cleaned.slice(0, room).replace(/[.-]+$/, '')}${suffix}`;
}

export function hubSideFlags(hub: ObservedVnet): PeeringFlags {
  return { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: hub.hasGateway, useRemoteGateways: false };
}

export function spokeSideFlags(hub: ObservedVnet, spoke: ObservedVnet, options: PeeringOptions): PeeringFlags {
  return {
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: true,
    allowGatewayTransit: false,
    useRemoteGateways: options.useRemoteGateways && hub.hasGateway && !spoke.hasGateway,
  };
}

const FLAG_NAMES: readonly (keyof PeeringFlags)[] = ['allowVirtualNetworkAccess', 'allowForwardedTraffic', 'allowGatewayTransit', 'useRemoteGateways'];

/** Names of the flags whose values differ between `actual` and `desired` (empty: the same). */
export function flagsDiffer(actual: PeeringFlags, desired: PeeringFlags): string[] {
  return FLAG_NAMES.filter((k) => actual[k] !== desired[k]);
}

function samePrefixes(a: readonly string[], b: readonly string[]): boolean {
  const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().toLowerCase()))].sort().join(',');
  return norm(a) === norm(b);
}

/** The peering on `local` whose remote is `remote`, matched by remote ID: Azure allows one per pair, whatever its name. */
export function peeringTo(local: ObservedVnet, remoteId: string): ObservedPeering | undefined {
  return local.peerings.find((p) => sameResource(p.remoteVnetId, remoteId));
}

function sideChange(side: PeeringSide, local: ObservedVnet, remote: ObservedVnet, desired: PeeringFlags, defaultName: string): PeeringChange | null {
  const existing = peeringTo(local, remote.id);
  const target = { side, vnetId: local.id, remoteVnetId: remote.id, flags: desired };
  if (!existing) return { kind: 'create', ...target, name: defaultName, reason: `no peering from ${local.name} to ${remote.name}` };
  const name = existing.name;
  if (existing.peeringState === 'Disconnected') {
    return { kind: 'recreate', ...target, name, reason: `peering ${name} is Disconnected (the other side was deleted)` };
  }
  if (existing.provisioningState === 'Failed') {
    return { kind: 'update', ...target, name, reason: `peering ${name} is in provisioning state Failed (its last write failed); writing it again` };
  }
  const wrong = flagsDiffer(existing, desired);
  const outOfSync = !samePrefixes(existing.remoteAddressPrefixes, remote.addressPrefixes);
  if (outOfSync) {
    return {
      kind: 'sync',
      ...target,
      name,
      reason: `peering ${name} knows ${remote.name} as [${existing.remoteAddressPrefixes.join(', ')}] but it is now [${remote.addressPrefixes.join(', ')}]` +
        (wrong.length ? `; flags to correct: ${wrong.join(', ')}` : ''),
    };
  }
  if (wrong.length) return { kind: 'update', ...target, name, reason: `peering ${name} has wrong flags: ${wrong.join(', ')}` };
  return null;
}

/**
 * Whether a planned write is no longer needed, judged on the peering as read just before it is written (the plan may
 * have waited in the hub's queue while the VNets changed again, or this is an attempt again after a failure or a
 * restart whose first attempt ARM did carry out): the detail of a skip, or undefined when it must be written.
 * A create, update or recreate is done when the peering is healthy (neither Disconnected nor Failed) and points at the
 * planned remote with the planned flags. A sync is done when, besides, it is Connected, Succeeded, and ARM says its
 * own view of the remote address space is current (peeringSyncLevel FullyInSync, or RemoteNotInSync: only the other
 * side lags): syncing it would write the address space it already has.
 */
export function alreadyApplied(change: PeeringChange, before: ObservedPeering | null): string | undefined {
  if (!before || before.peeringState === 'Disconnected' || before.provisioningState === 'Failed') return undefined;
  if (flagsDiffer(before, change.flags).length > 0 || !sameResource(before.remoteVnetId, change.remoteVnetId)) return undefined;
  if (change.kind !== 'sync') return 'already as desired';
  const ownViewCurrent = before.peeringSyncLevel === 'FullyInSync' || before.peeringSyncLevel === 'RemoteNotInSync';
  return before.peeringState === 'Connected' && before.provisioningState === 'Succeeded' && ownViewCurrent ? `already in sync with the remote address space (${before.peeringSyncLevel})` : undefined;
}

/**
 * Plans the hub<->spoke peering pair. `peeredWithHub` are the VNets already peered with the hub, as the hub's own
 * peerings describe them (remote ID + address space): a spoke overlapping any of them cannot join.
 */
export function planSpokePeering(hub: ObservedVnet, spoke: ObservedVnet, options: PeeringOptions): PeeringPlan {
  const conditions: OverlapCondition[] = [];
  const withHub = overlappingPrefixes(spoke.addressPrefixes, hub.addressPrefixes);
  if (withHub.length) conditions.push({ kind: 'overlap', withVnetId: hub.id, overlaps: withHub });
  for (const peer of hub.peerings) {
    if (sameResource(peer.remoteVnetId, spoke.id)) continue;
    const overlaps = overlappingPrefixes(spoke.addressPrefixes, peer.remoteAddressPrefixes);
    if (overlaps.length) conditions.push({ kind: 'overlap', withVnetId: peer.remoteVnetId, overlaps });
  }
  if (conditions.length) return { kind: 'blocked', conditions };

  const changes: PeeringChange[] = [];
  // Hub side first: the spoke side may use the hub's gateway only once the hub offers gateway transit.
  const hubChange = sideChange('hub', hub, spoke, hubSideFlags(hub), peeringName('spoke-', spoke.id, spoke.name));
  if (hubChange) changes.push(hubChange);
  const spokeChange = sideChange('spoke', spoke, hub, spokeSideFlags(hub, spoke, options), peeringName('hub-', hub.id, hub.name));
  if (spokeChange) changes.push(spokeChange);
  return { kind: 'converge', changes };
}

/**
 * The hub as `planSpokePeering` and `pairState` need it for one spoke: its peering to the spoke and the peerings
 * whose remote address space overlaps the spoke's, no others. Both give the same answers for the spoke over this
 * view as over the whole hub, whose hundreds of peerings would otherwise ride in every observation the spoke's
 * orchestration keeps in its history.
 */
export function hubViewFor(hub: ObservedVnet, spoke: Pick<ObservedVnet, 'id' | 'addressPrefixes'>): ObservedVnet {
  return {
    ...hub,
    peerings: hub.peerings.filter((p) => sameResource(p.remoteVnetId, spoke.id) || overlappingPrefixes(spoke.addressPrefixes, p.remoteAddressPrefixes).length > 0),
  };
}

/** When the spoke is gone: the hub-side peering that pointed at it, if any, is to be deleted. Nothing else. */
export function planSpokeRemoval(hub: ObservedVnet, spokeId: string): ObservedPeering | null {
  return peeringTo(hub, spokeId) ?? null;
}

/** Both sides exist, are Connected, and have the other's current address space (FullyInSync). */
export function pairState(hub: ObservedVnet, spoke: ObservedVnet): { converged: boolean; hubSide?: ObservedPeering; spokeSide?: ObservedPeering; waitingFor?: string } {
  const hubSide = peeringTo(hub, spoke.id);
  const spokeSide = peeringTo(spoke, hub.id);
  const sides = { ...(hubSide ? { hubSide } : {}), ...(spokeSide ? { spokeSide } : {}) };
  for (const [label, side] of [['hub side', hubSide], ['spoke side', spokeSide]] as const) {
    if (!side) return { converged: false, ...sides, waitingFor: `${label} does not exist` };
    if (side.provisioningState && side.provisioningState !== 'Succeeded') return { converged: false, ...sides, waitingFor: `${label} ${side.name} is ${side.provisioningState}` };
    if (side.peeringState !== 'Connected') return { converged: false, ...sides, waitingFor: `${label} ${side.name} is ${side.peeringState ?? 'in an unknown state'}` };
    if (side.peeringSyncLevel && side.peeringSyncLevel !== 'FullyInSync') return { converged: false, ...sides, waitingFor: `${label} ${side.name} is ${side.peeringSyncLevel}` };
  }
  return { converged: true, ...sides };
}

export function describeOverlaps(conditions: readonly OverlapCondition[]): string {
  return conditions
    .map((c) => `overlaps ${c.withVnetId}: ${c.overlaps.map((o) => `${o.a} with ${o.b}`).join(', ')}`)
    .join('; ');
}

export function describeChanges(changes: readonly { kind: string; side: string; name: string; reason: string }[]): string {
  return changes.map((c) => `${c.kind} ${c.side}-side peering ${c.name} (${c.reason})`).join('; ');
}

/** One write a hub writer made, as its reply lists it. */
export interface WriteAnswer {
  vnetId: string;
  outcome: string;
  /** The peering as the write's answer (the SDK's GET once the operation was done) showed it. */
  after?: ObservedPeering;
}

/**
 * `vnet` with its peering as the last of `writes` showed it, when that last write was on `vnet` (nothing written
 * after it can have changed it since); undefined otherwise, when `vnet` must be read again to know its side.
 */
export function asLastWritten(vnet: ObservedVnet, writes: readonly WriteAnswer[]): ObservedVnet | undefined {
  const last = [...writes].reverse().find((w) => w.outcome === 'written');
  const after = last?.after;
  if (!last || !after || !sameResource(last.vnetId, vnet.id)) return undefined;
  const replaced = (p: ObservedPeering): boolean => sameResource(p.remoteVnetId, after.remoteVnetId) || p.name.toLowerCase() === after.name.toLowerCase();
  return { ...vnet, peerings: [...vnet.peerings.filter((p) => !replaced(p)), after] };
}
