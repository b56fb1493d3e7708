/**
 * Which endpoint an Event Grid resource event asks the DNS flow to reconcile, as a pure function of the
 * configuration and the event: private endpoint writes and deletes, and zone group changes made by anyone else.
 */
import type { ControlPlaneConfig } from '../config';
import { isOfType } from '../azure/resource-id';
import type { ResourceEvent } from '../events/resource-event';
import { isWatched } from '../peering/selection';

export type EndpointEventRoute =
  | { kind: 'endpoint'; endpointId: string }
  | { kind: 'ignore'; reason: string }
  /** Not a private endpoint or zone group event: another flow's business. */
  | { kind: 'other' };

const ENDPOINT = 'Microsoft.Network/privateEndpoints';
const ZONE_GROUP = 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups';

export function routeEndpointEvent(
  config: Pick<ControlPlaneConfig, 'watchedSubscriptions' | 'privateDns'> & Partial<Pick<ControlPlaneConfig, 'ownPrincipalIds'>>,
  event: ResourceEvent,
): EndpointEventRoute {
  const { resource } = event;
  const isEndpoint = isOfType(resource, ENDPOINT);
  const isZoneGroup = isOfType(resource, ZONE_GROUP);
  if (!isEndpoint && !isZoneGroup) return { kind: 'other' };
  if (!config.privateDns) return { kind: 'ignore', reason: 'private endpoint DNS is not configured (no privateDns block in the topology)' };
  if (event.outcome !== 'Success') return { kind: 'ignore', reason: `the operation ended ${event.outcome}: nothing changed` };
  if (event.kind === 'action') return { kind: 'ignore', reason: 'actions do not change endpoints or zone groups' };
  if (isZoneGroup && event.principal && config.ownPrincipalIds?.includes(event.principal.toLowerCase())) {
    return { kind: 'ignore', reason: `a zone group write by the control plane itself (${event.principal})` };
  }
  const endpointId = isZoneGroup ? resource.id.replace(/\/privateDnsZoneGroups\/[^/]+$/i, '') : resource.id;
  if (!isWatched(config, endpointId)) return { kind: 'ignore', reason: `subscription ${resource.subscriptionId} is not watched` };
  return { kind: 'endpoint', endpointId };
}
