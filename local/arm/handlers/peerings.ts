/**
 * Microsoft.Network/virtualNetworks/virtualNetworkPeerings: the peering state machine (Initiated / Connected /
 * Disconnected), address-space sync levels, and the validation errors NRP answers with.
 *
 * Sync levels, for a peering P on L pointing at R (reverse peering Q on R pointing at L):
 *   - P is LocalNotInSync when the space P last synced for R differs from R's current space: the fix is a PUT of P
 *     with syncRemoteAddressSpace=true (the peering whose remote VNet changed);
 *   - P is RemoteNotInSync when Q's synced view of L differs from L's current space (Q must sync);
 *   - both -> LocalAndRemoteNotInSync.
 */
import { randomUUID } from 'node:crypto';
import { overlappingPrefixes } from '../addressSpace';
import type { EmulatorCore } from '../context';
import { bool, newEtag, record, stringArray } from '../context';
import { ArmError, invalidRequestContent, invalidResourceReference } from '../errors';
import { idKey } from '../resourceId';
import { declare, type LockScope } from '../resourceTypes';
import type { PeeringRecord, VirtualNetworkRecord } from '../state';
import { virtualNetworkDeclaration } from './virtualNetworks';

const PEERING_TYPE = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';

const samePrefixes = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

export function peeringWire(core: EmulatorCore, p: PeeringRecord): Record<string, unknown> {
  const local = core.state.virtualNetworks.get(p.vnetKey);
  const remote = core.state.virtualNetworks.get(idKey(p.remoteVirtualNetworkId));
  const reverse = local && remote ? core.state.reversePeering(local.id, remote.id) : undefined;
  const remoteCurrent = remote?.addressPrefixes ?? p.syncedRemotePrefixes;
  const localCurrent = local?.addressPrefixes ?? [];
  const connected = p.peeringState === 'Connected';
  const localNotInSync = connected && !samePrefixes(p.syncedRemotePrefixes, remoteCurrent);
  const remoteNotInSync = connected && !!reverse && !samePrefixes(reverse.syncedRemotePrefixes, localCurrent);
  const syncLevel = localNotInSync
    ? remoteNotInSync
      ? 'LocalAndRemoteNotInSync'
      : 'LocalNotInSync'
    : remoteNotInSync
      ? 'RemoteNotInSync'
      : 'FullyInSync';
  const remoteGateway = p.useRemoteGateways && remote ? core.state.gatewayOf(idKey(remote.id)) : undefined;
  return {
    name: p.name,
    id: p.id,
    etag: p.etag,
    type: PEERING_TYPE,
    properties: {
      provisioningState: p.provisioningState,
      resourceGuid: p.resourceGuid,
      peeringState: p.peeringState,
      peeringSyncLevel: syncLevel,
      remoteVirtualNetwork: { id: p.remoteVirtualNetworkId },
      allowVirtualNetworkAccess: p.allowVirtualNetworkAccess,
      allowForwardedTraffic: p.allowForwardedTraffic,
      allowGatewayTransit: p.allowGatewayTransit,
      useRemoteGateways: p.useRemoteGateways,
      doNotVerifyRemoteGateways: p.doNotVerifyRemoteGateways,
      peerCompleteVnets: p.peerCompleteVnets,
      enableOnlyIPv6Peering: p.enableOnlyIPv6Peering,
      ...(p.localSubnetNames ? { localSubnetNames: p.localSubnetNames } : {}),
      ...(p.remoteSubnetNames ? { remoteSubnetNames: p.remoteSubnetNames } : {}),
      ...(remoteGateway ? { remoteGateways: [{ id: remoteGateway.id }] } : {}),
      remoteAddressSpace: { addressPrefixes: [...p.syncedRemotePrefixes] },
      remoteVirtualNetworkAddressSpace: { addressPrefixes: [...remoteCurrent] },
      localAddressSpace: { addressPrefixes: [...(reverse && connected ? reverse.syncedRemotePrefixes : localCurrent)] },
      localVirtualNetworkAddressSpace: { addressPrefixes: [...localCurrent] },
      routeServiceVips: {},
    },
  };
}

/** The writable part of a peering, as a PUT body gives it. */
type PeeringSpec = Pick<
  PeeringRecord,
  | 'remoteVirtualNetworkId'
  | 'allowVirtualNetworkAccess'
  | 'allowForwardedTraffic'
  | 'allowGatewayTransit'
  | 'useRemoteGateways'
  | 'doNotVerifyRemoteGateways'
  | 'peerCompleteVnets'
  | 'enableOnlyIPv6Peering'
  | 'localSubnetNames'
  | 'remoteSubnetNames'
>;

function parsePeeringBody(body: Record<string, unknown>): PeeringSpec {
  const props = record(body['properties']);
  const remoteId = record(props['remoteVirtualNetwork'])['id'];
  if (typeof remoteId !== 'string' || remoteId.length === 0) {
    throw invalidRequestContent("'properties.remoteVirtualNetwork.id' is required");
  }
  return {
    remoteVirtualNetworkId: remoteId,
    // NRP defaults: access allowed, everything else off, whole VNets peered.
    allowVirtualNetworkAccess: bool(props['allowVirtualNetworkAccess'], true),
    allowForwardedTraffic: bool(props['allowForwardedTraffic'], false),
    allowGatewayTransit: bool(props['allowGatewayTransit'], false),
    useRemoteGateways: bool(props['useRemoteGateways'], false),
    doNotVerifyRemoteGateways: bool(props['doNotVerifyRemoteGateways'], false),
    peerCompleteVnets: bool(props['peerCompleteVnets'], true),
    enableOnlyIPv6Peering: bool(props['enableOnlyIPv6Peering'], false),
    localSubnetNames: props['localSubnetNames'] === undefined ? undefined : stringArray(props['localSubnetNames'], 'localSubnetNames'),
    remoteSubnetNames: props['remoteSubnetNames'] === undefined ? undefined : stringArray(props['remoteSubnetNames'], 'remoteSubnetNames'),
  };
}

/** Space of a VNet peered through `peering` (its current space, or the last synced one if it is gone). */
function peeredSpace(core: EmulatorCore, peering: PeeringRecord): string[] {
  return core.state.virtualNetworks.get(idKey(peering.remoteVirtualNetworkId))?.addressPrefixes ?? peering.syncedRemotePrefixes;
}

function validatePeering(
  core: EmulatorCore,
  peeringId: string,
  localKey: string,
  spec: PeeringSpec,
  existing: PeeringRecord | undefined,
): void {
  const local = core.state.virtualNetworks.get(localKey);
  const remote = core.state.virtualNetworks.get(idKey(spec.remoteVirtualNetworkId));
  if (!local || !remote) throw invalidResourceReference(spec.remoteVirtualNetworkId, peeringId);
  const remoteKey = idKey(remote.id);
  const others = core.state.peeringsOf(localKey).filter((p) => p !== existing);

  if (others.some((p) => idKey(p.remoteVirtualNetworkId) === remoteKey)) {
    throw new ArmError(
      400,
      'AnotherPeeringAlreadyReferencesRemoteVnet',
      `Peering ${peeringId} cannot be created because another peering already references remote virtual network ${remote.id}. Cannot add another peering referencing the same remote virtual network.`,
    );
  }
  const direct = overlappingPrefixes(local.addressPrefixes, remote.addressPrefixes);
  if (direct.length > 0) {
    throw new ArmError(
      400,
      'VnetAddressSpacesOverlap',
      `Cannot create or update peering ${peeringId}. Virtual networks ${local.id} and ${remote.id} cannot be peered because their address spaces overlap. Overlapping address prefixes: ${direct.join(', ')}`,
    );
  }
  // A VNet already peered with either side (a Disconnected peering still counts) must not overlap the other side.
  const thirdParties: Array<{ first: typeof local; second: typeof local; third: PeeringRecord }> = [
    ...core.state
      .peeringsOf(remoteKey)
      .filter((p) => idKey(p.remoteVirtualNetworkId) !== localKey)
      .map((third) => ({ first: local, second: remote, third })),
    ...others.map((third) => ({ first: remote, second: local, third })),
  ];
  for (const { first, second, third } of thirdParties) {
    const overlap = overlappingPrefixes(first.addressPrefixes, peeredSpace(core, third));
    if (overlap.length > 0) {
      throw new ArmError(
        400,
        'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
        `Cannot create or update peering ${peeringId}. Virtual networks ${first.id} and ${second.id} cannot be peered because address space of the first virtual network overlaps with address space of virtual network ${third.remoteVirtualNetworkId} already peered with the second virtual network. Overlapping address prefixes: ${overlap.join(', ')}`,
      );
    }
  }
  if (spec.useRemoteGateways) {
    const ownGateway = core.state.anyGatewayOf(localKey);
    if (ownGateway) {
      // Code unverified (Azure documents the rule, not the code); the message follows NRP's wording style.
      throw new ArmError(
        400,
        'VnetHasGatewayAndCannotUseRemoteGateways',
        `Peering ${peeringId} cannot have UseRemoteGateways flag set to true because the local virtual network ${local.id} already has a gateway ${ownGateway.id}.`,
      );
    }
    const otherUser = others.find((p) => p.useRemoteGateways);
    if (otherUser) {
      // Message as observed from Azure; the code is unverified.
      throw new ArmError(
        400,
        'AnotherPeeringAlreadyUsesRemoteGateways',
        `Peering ${peeringId} cannot have UseRemoteGateways flag set to true, because another peering ${otherUser.id} already has UseRemoteGateways flag set to true.`,
      );
    }
    if (!core.state.gatewayOf(remoteKey)) {
      throw new ArmError(
        400,
        'RemoteVnetHasNoGateways',
        `Peering ${peeringId} cannot have UseRemoteGateway flag set to true because remote virtual network ${remote.id} referenced by the peering does not have any gateways.`,
      );
    }
  }
  const reverse = core.state.reversePeering(local.id, remote.id);
  if (reverse?.peeringState === 'Disconnected') {
    throw new ArmError(
      400,
      'RemotePeeringIsDisconnected',
      `Cannot create or update peering ${peeringId} because remote peering ${reverse.id} referencing parent virtual network ${local.id} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created.`,
    );
  }
}

/** Connects `p` with its reverse peering when both exist; otherwise leaves/puts it Initiated. */
function applyPeeringState(core: EmulatorCore, p: PeeringRecord): void {
  const local = core.state.virtualNetworks.get(p.vnetKey);
  const remote = core.state.virtualNetworks.get(idKey(p.remoteVirtualNetworkId));
  const reverse = local && remote ? core.state.reversePeering(local.id, remote.id) : undefined;
  if (local && remote && reverse && reverse.peeringState !== 'Disconnected') {
    if (p.peeringState !== 'Connected') {
      p.syncedRemotePrefixes = [...remote.addressPrefixes];
      reverse.syncedRemotePrefixes = [...local.addressPrefixes];
    }
    p.peeringState = 'Connected';
    reverse.peeringState = 'Connected';
    reverse.etag = newEtag();
  } else if (!reverse && p.peeringState !== 'Connected') {
    // A new peering, or the PUT that brings a Disconnected one back ("update or re-create to get it back to Initiated").
    p.peeringState = 'Initiated';
  }
}

/**
 * After a crash (state file loaded with operations settled, persistence.ts): a peering PUT that was in flight ends
 * Succeeded, but its completion effect, connecting both sides, never ran; Azure would have run it. Both sides then
 * exist and stay Initiated forever (the soak found a spoke NotConverged that way). Applies it to every Initiated
 * peering whose reverse exists; returns how many were connected.
 */
export function connectSettledPeerings(core: EmulatorCore): number {
  let connected = 0;
  for (const p of core.state.peerings.values()) {
    if (p.peeringState !== 'Initiated') continue;
    applyPeeringState(core, p);
    if ((p.peeringState as string) === 'Connected') connected++;
  }
  return connected;
}

/** Writes to a peering touch both VNets: concurrent peering writes on one hub from different spokes conflict. */
function peeringLock(core: EmulatorCore, localKey: string, remoteVirtualNetworkId: string, referencingId: string): LockScope {
  const remoteKey = idKey(remoteVirtualNetworkId);
  return {
    keys: core.state.virtualNetworks.has(remoteKey) ? [localKey, remoteKey] : [localKey],
    check: { lockKeys: [localKey], remote: { key: remoteKey, id: remoteVirtualNetworkId, referencingId } },
  };
}

export const peeringDeclaration = declare<PeeringRecord>({
  type: PEERING_TYPE,
  path: ['virtualNetworks', 'virtualNetworkPeerings'],
  // A getter: virtualNetworks.ts imports this module too (its VNets' bodies carry their peerings).
  get parent() {
    return virtualNetworkDeclaration;
  },
  lro: 'virtualNetworkPeerings',
  get: (core, key) => core.state.peerings.get(key),
  list: (core, { parent }) => (parent ? core.state.peeringsOf(idKey(parent.id)) : []),
  save: (core, peering) => {
    core.state.peerings.set(idKey(peering.id), peering);
  },
  remove: (core, peering) => deletePeeringEffects(core, peering),
  wire: (core, peering) => peeringWire(core, peering),
  put: ({ core, ctx, id, name, existing, body, parents }) => {
    const vnet = parents[0] as VirtualNetworkRecord;
    const localKey = idKey(vnet.id);
    const spec = parsePeeringBody(body);
    if (existing && idKey(existing.remoteVirtualNetworkId) !== idKey(spec.remoteVirtualNetworkId)) {
      throw new ArmError(
        400,
        'ChangingRemoteVirtualNetworkNotAllowed',
        `Changing remote virtual network of peering ${existing.id} is not allowed. Delete the peering and create a new one.`,
      );
    }
    const remoteKey = idKey(spec.remoteVirtualNetworkId);
    const sync = (ctx.request.url.searchParams.get('syncRemoteAddressSpace') ?? '').toLowerCase() === 'true';
    return {
      lock: peeringLock(core, localKey, spec.remoteVirtualNetworkId, existing?.id ?? id),
      build: () => {
        validatePeering(core, existing?.id ?? id, localKey, spec, existing);
        const peering = existing ?? newPeeringRecord(core, id, name, localKey, spec, 'Updating');
        Object.assign(peering, { ...spec, remoteVirtualNetworkId: peering.remoteVirtualNetworkId });
        return peering;
      },
      stillCurrent: (peering) => core.state.peerings.has(idKey(peering.id)),
      effects: (peering) => {
        const currentRemote = core.state.virtualNetworks.get(remoteKey);
        if (sync && currentRemote) peering.syncedRemotePrefixes = [...currentRemote.addressPrefixes];
        applyPeeringState(core, peering);
      },
    };
  },
  deleteLock: (core, peering) => peeringLock(core, peering.vnetKey, peering.remoteVirtualNetworkId, peering.id),
});

/** A new peering (Initiated, the remote's address space as synced), for a PUT (Updating) or a seed (Succeeded). */
function newPeeringRecord(core: EmulatorCore, id: string, name: string, localKey: string, spec: PeeringSpec, provisioningState: PeeringRecord['provisioningState']): PeeringRecord {
  const remote = core.state.virtualNetworks.get(idKey(spec.remoteVirtualNetworkId));
  return {
    id,
    name,
    vnetKey: localKey,
    etag: newEtag(),
    resourceGuid: randomUUID(),
    ...spec,
    remoteVirtualNetworkId: remote?.id ?? spec.remoteVirtualNetworkId,
    peeringState: 'Initiated',
    syncedRemotePrefixes: [...(remote?.addressPrefixes ?? [])],
    provisioningState,
  };
}

/** Removes a peering; its reverse peering turns Disconnected and stays so until updated or re-created. */
export function deletePeeringEffects(core: EmulatorCore, peering: PeeringRecord): void {
  core.state.peerings.delete(idKey(peering.id));
  const local = core.state.virtualNetworks.get(peering.vnetKey);
  const remote = core.state.virtualNetworks.get(idKey(peering.remoteVirtualNetworkId));
  if (!local || !remote) return;
  const reverse = core.state.reversePeering(local.id, remote.id);
  if (reverse && reverse.peeringState === 'Connected') {
    reverse.peeringState = 'Disconnected';
    reverse.etag = newEtag();
  }
}

/** Seeds a peering (synchronously, no events): validated like a PUT, applied at once. */
export function seedPeering(core: EmulatorCore, vnetId: string, name: string, spec: Partial<PeeringSpec> & { remoteVirtualNetworkId: string }): PeeringRecord {
  const localKey = idKey(vnetId);
  const vnet = core.state.virtualNetworks.get(localKey);
  if (!vnet) throw new Error(`seedPeering: virtual network ${vnetId} does not exist; seed it first with putVirtualNetwork.`);
  const full: PeeringSpec = {
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: false,
    allowGatewayTransit: false,
    useRemoteGateways: false,
    doNotVerifyRemoteGateways: false,
    peerCompleteVnets: true,
    enableOnlyIPv6Peering: false,
    ...spec,
  };
  const id = `${vnet.id}/virtualNetworkPeerings/${name}`;
  const existing = core.state.peerings.get(idKey(id));
  validatePeering(core, id, localKey, full, existing);
  const peering = existing ?? newPeeringRecord(core, id, name, localKey, full, 'Succeeded');
  core.state.peerings.set(idKey(id), peering);
  applyPeeringState(core, peering);
  return peering;
}
