/**
 * Which spoke's egress tag an Event Grid resource event asks to look at, as a pure function of the configuration and
 * the event (the tag itself is read from ARM: events are only hints).
 */
import type { ControlPlaneConfig } from '../config';
import { isOfType } from '../azure/resource-id';
import type { ResourceEvent } from '../events/resource-event';
import { hubOf, isWatched } from '../peering/selection';

export type EgressEventRoute = { kind: 'spoke'; vnetId: string } | { kind: 'ignore'; reason: string } | { kind: 'other' };

const VNET = 'Microsoft.Network/virtualNetworks';

export function routeEgressEvent(config: Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions' | 'egress'>, event: ResourceEvent): EgressEventRoute {
  if (!isOfType(event.resource, VNET)) return { kind: 'other' };
  if (!config.egress) return { kind: 'ignore', reason: 'egress rules are not configured (no egress block)' };
  if (event.outcome !== 'Success') return { kind: 'ignore', reason: `the operation ended ${event.outcome}: nothing changed` };
  if (event.kind === 'action') return { kind: 'ignore', reason: 'actions do not change a VNet\'s tags' };
  if (hubOf(config, event.resource.id)) return { kind: 'ignore', reason: 'a hub has no egress requests' };
  if (!isWatched(config, event.resource.id)) return { kind: 'ignore', reason: `subscription ${event.resource.subscriptionId} is not watched` };
  return { kind: 'spoke', vnetId: event.resource.id };
}
