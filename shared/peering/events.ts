/**
 * Which reconcile an Event Grid resource event asks for, as a pure function of the configuration and the event.
 * Events are only hints (the flows read ARM), so this decides where to look, never what is true.
 */
import type { ControlPlaneConfig } from '../config';
import { isOfType } from '../azure/resource-id';
import type { ResourceEvent } from '../events/resource-event';
import { hubOf, isWatched } from './selection';

export type PeeringEventRoute =
  /** Reconcile this VNet as a (possible) spoke. */
  | { kind: 'spoke'; vnetId: string }
  /** Something changed on a hub (its address space, or one of its peerings): find the spokes concerned. */
  | { kind: 'hub'; hubVnetId: string; peeringId?: string }
  | { kind: 'ignore'; reason: string }
  /** Not a VNet or peering event: another flow's business. */
  | { kind: 'other' };

const VNET = 'Microsoft.Network/virtualNetworks';
const PEERING = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings';

export function routePeeringEvent(config: Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions'> & Partial<Pick<ControlPlaneConfig, 'ownPrincipalIds'>>, event: ResourceEvent): PeeringEventRoute {
  const { resource } = event;
  const isVnet = isOfType(resource, VNET);
  const isPeering = isOfType(resource, PEERING);
  if (!isVnet && !isPeering) return { kind: 'other' };
  if (event.outcome !== 'Success') return { kind: 'ignore', reason: `the operation ended ${event.outcome}: nothing changed` };
  if (event.kind === 'action') return { kind: 'ignore', reason: 'actions do not change VNets or peerings' };
  let vnetId = resource.id;
  let peeringId: string | undefined;
  if (isPeering) {
    // The control plane's own peering writes: the writer verifies them itself, their events add nothing.
    if (event.principal && config.ownPrincipalIds?.includes(event.principal.toLowerCase())) {
      return { kind: 'ignore', reason: `a peering write by the control plane itself (${event.principal})` };
    }
    peeringId = resource.id;
    vnetId = resource.id.replace(/\/virtualNetworkPeerings\/[^/]+$/i, '');
  }
  const hub = hubOf(config, vnetId);
  if (hub) return { kind: 'hub', hubVnetId: hub.vnetId, ...(peeringId ? { peeringId } : {}) };
  if (!isWatched(config, vnetId)) return { kind: 'ignore', reason: `subscription ${resource.subscriptionId} is not watched` };
  return { kind: 'spoke', vnetId };
}
