/**
 * The peering detector's comparison, pure: the VNets ARM listed (peerings come inside the listing), the hubs, and the
 * spokes' records in; drift candidates out. The desired state is the flow's own spec (planSpokePeering, pairState,
 * selectSpoke): no second definition.
 */
import { parseResourceId, resourceKey, sameResource } from '../azure/resource-id';
import type { ControlPlaneConfig } from '../config';
import type { ObservedVnet } from '../peering/model';
import { selectSpoke } from '../peering/selection';
import { describeChanges, pairState, planSpokePeering, type PeeringChange } from '../peering/spec';
import type { ManagedRecord } from '../store/records';
import type { DriftCandidate } from './model';

export type PeeringDriftConfig = Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions' | 'peering'>;

const CHANGE_KIND: Record<PeeringChange['kind'], string> = {
  create: 'missingPeering',
  update: 'wrongPeering',
  sync: 'peeringNotInSync',
  recreate: 'peeringDisconnected',
};

const subscriptionOf = (id: string): string | undefined => {
  try {
    return parseResourceId(id).subscriptionId.toLowerCase();
  } catch {
    return undefined;
  }
};

const reconcile = (id: string): DriftCandidate['repair'] => ({ kind: 'reconcile', owner: { kind: 'spoke', id } });

/** One managed spoke against its hub: the candidates its pair shows (none when as the spec says). */
export function compareSpoke(config: PeeringDriftConfig, spoke: ObservedVnet, hubs: ReadonlyMap<string, ObservedVnet | null>): DriftCandidate[] {
  const selection = selectSpoke(config, spoke);
  if (selection.kind !== 'spoke') return [];
  const hub = hubs.get(resourceKey(selection.hub.vnetId));
  if (!hub) return []; // a missing hub is the record's HubMissing condition, not drift of this spoke
  const plan = planSpokePeering(hub, spoke, { useRemoteGateways: config.peering.useRemoteGateways });
  if (plan.kind === 'blocked') return []; // Overlap: the flow records it and writes nothing; not a difference to repair
  const out: DriftCandidate[] = plan.changes.map((c) => ({
    flow: 'peering',
    kind: CHANGE_KIND[c.kind],
    resource: spoke.id,
    expected: `${c.side}-side peering ${c.name} to ${c.remoteVnetId}, Connected, FullyInSync, flags ${JSON.stringify(c.flags)}`,
    actual: describeChanges([c]),
    repair: reconcile(spoke.id),
  }));
  if (out.length === 0) {
    const state = pairState(hub, spoke);
    if (!state.converged) {
      out.push({ flow: 'peering', kind: 'peeringNotConnected', resource: spoke.id, expected: 'both sides Connected and FullyInSync', actual: state.waitingFor ?? 'not converged', repair: reconcile(spoke.id) });
    }
  }
  return out;
}

export interface PeeringFacts {
  /** The VNets of every subscription listed successfully (hubs included or not: hubs are recognised by config). */
  vnets: readonly ObservedVnet[];
  /** Subscriptions whose listing succeeded (lower case): only there can a VNet be called gone. */
  listedSubscriptions: ReadonlySet<string>;
  /** Each configured hub as read (null: it does not exist). */
  hubs: ReadonlyMap<string, ObservedVnet | null>;
  records: readonly ManagedRecord[];
}

/**
 * Every candidate: managed spokes whose pair differs from the spec, spokes without a record, records whose VNet is
 * gone, and hub-side peerings whose remote is not (or no longer) a managed spoke of that hub (orphans, including a
 * spoke that moved to another hub). Remotes in subscriptions not listed are not judged.
 */
export function comparePeering(config: PeeringDriftConfig, facts: PeeringFacts): DriftCandidate[] {
  const out: DriftCandidate[] = [];
  const isHub = (id: string) => config.hubs.some((h) => sameResource(h.vnetId, id));
  const listed = new Map<string, ObservedVnet>();
  for (const v of facts.vnets) if (!isHub(v.id)) listed.set(resourceKey(v.id), v);
  const recorded = new Map(facts.records.map((r) => [resourceKey(r.resourceId), r]));

  for (const vnet of listed.values()) {
    const selection = selectSpoke(config, vnet);
    if (selection.kind !== 'spoke') continue;
    const record = recorded.get(resourceKey(vnet.id));
    if (!record || record.condition.reason === 'Deleted') {
      out.push({ flow: 'peering', kind: 'unrecordedSpoke', resource: vnet.id, expected: 'a record of this managed spoke', actual: record ? 'its record says Deleted' : 'no record', repair: reconcile(vnet.id) });
      continue;
    }
    out.push(...compareSpoke(config, vnet, facts.hubs));
  }

  for (const record of facts.records) {
    if (record.condition.reason === 'Deleted') continue;
    const sub = subscriptionOf(record.resourceId);
    if (!sub || !facts.listedSubscriptions.has(sub) || listed.has(resourceKey(record.resourceId))) continue;
    out.push({
      flow: 'peering',
      kind: 'goneResource',
      resource: record.resourceId,
      expected: 'the VNet exists, or its record says Deleted',
      actual: `the VNet is gone; its record says ${record.condition.reason}`,
      repair: reconcile(record.resourceId),
    });
  }

  for (const hubConfig of config.hubs) {
    const hub = facts.hubs.get(resourceKey(hubConfig.vnetId));
    if (!hub) continue;
    for (const peering of hub.peerings) {
      const remoteSub = subscriptionOf(peering.remoteVnetId);
      if (!remoteSub || !facts.listedSubscriptions.has(remoteSub) || isHub(peering.remoteVnetId)) continue;
      const remote = listed.get(resourceKey(peering.remoteVnetId));
      const removal = (why: string): DriftCandidate['repair'] => ({ kind: 'removeOrphan', removal: { target: 'hubPeering', hubVnetId: hub.id, name: peering.name, remoteVnetId: peering.remoteVnetId }, why });
      const orphan = (why: string, repair: DriftCandidate['repair']): DriftCandidate => ({
        flow: 'peering',
        kind: 'orphanPeering',
        resource: peering.id || `${hub.id}/virtualNetworkPeerings/${peering.name}`,
        expected: `no hub-side peering on ${hubConfig.name} to ${peering.remoteVnetId}`,
        actual: why,
        orphan: true,
        check: { hubVnetId: hub.id, name: peering.name, remoteVnetId: peering.remoteVnetId },
        repair,
      });
      if (!remote) {
        // The spoke's own orchestration deletes the hub-side peerings of a gone spoke (on every hub).
        out.push(orphan('its remote VNet no longer exists', reconcile(peering.remoteVnetId)));
        continue;
      }
      const selection = selectSpoke(config, remote);
      if (selection.kind !== 'spoke') {
        out.push(orphan(`its remote VNet is not a managed spoke (${selection.reason})`, removal('no orchestration owns a peering to an unmanaged VNet')));
      } else if (!sameResource(selection.hub.vnetId, hub.id)) {
        out.push(orphan(`the spoke now belongs to hub ${selection.hub.name}`, removal('the spoke\'s orchestration manages its current hub only')));
      }
    }
  }
  return out;
}
