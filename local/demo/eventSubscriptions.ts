/**
 * The Event Grid event subscriptions the control plane has in Azure, derived from a topology: one per watched
 * subscription, on its Microsoft.Resources.Subscriptions system topic, filtered to the operations the flows' routers
 * act on, Event Grid schema, one event per delivery. The event types and operations come from the deployment's own
 * description (infra/control-plane.json, which infra/events.bicep deploys), so the local world and Azure subscribe to
 * the same events.
 */
import controlPlaneNeeds from '../../infra/control-plane.json';
import type { EventSubscriptionOptions } from '../eventgrid';
import type { Topology } from './topology';

/** infra/control-plane.json: per flow, the operations its router acts on in each kind of subscription. */
export interface FlowEvents {
  name: string;
  events: { watchedSubscriptions: string[]; hubSubscriptions: string[] };
}

const flows: readonly FlowEvents[] = controlPlaneNeeds.flows;

const unionOf = (lists: readonly string[][]): string[] => [...new Set(lists.flat())];

/** Operations whose events start a reconcile in a watched subscription (every flow's). */
export const controlPlaneOperations: readonly string[] = unionOf(flows.map((f) => f.events.watchedSubscriptions));

/** Operations in the hubs' subscription: hub VNet changes (address space) and hand-made hub-side peering changes. */
export const hubOperations: readonly string[] = unionOf(flows.map((f) => f.events.hubSubscriptions));

/** The event types the subscriptions deliver. */
export const controlPlaneEventTypes: readonly string[] = controlPlaneNeeds.eventGrid.includedEventTypes;

export function controlPlaneEventSubscriptions(
  topology: Topology,
  endpointUrl: string,
  name = 'hubspoke-control-plane',
): EventSubscriptionOptions[] {
  const subscription = (azureSubscriptionId: string, operations: readonly string[]): EventSubscriptionOptions => ({
    azureSubscriptionId,
    name,
    endpointUrl,
    schema: 'EventGridSchema' as const,
    filter: {
      includedEventTypes: [...controlPlaneEventTypes],
      advancedFilters: [{ operatorType: 'StringIn' as const, key: 'data.operationName', values: [...operations] }],
    },
  });
  const watched = topology.workloads.filter((w) => w.watched).map((w) => w.subscriptionId);
  const connectivity = topology.connectivity.subscriptionId;
  const isConnectivity = (s: string): boolean => s.toLowerCase() === connectivity.toLowerCase();
  // A watched subscription that also holds the hubs gets both lists, as infra/events.bicep gives it.
  return [
    ...watched.map((s) => subscription(s, isConnectivity(s) ? unionOf([[...controlPlaneOperations], [...hubOperations]]) : controlPlaneOperations)),
    ...(watched.some(isConnectivity) ? [] : [subscription(connectivity, hubOperations)]),
  ];
}

/**
 * The control plane's own topology document (CONTROL_PLANE_TOPOLOGY) for a demo topology: its hubs, named after
 * their regions, its watched subscriptions, and its central privatelink zones (missing ones may be created).
 */
export function controlPlaneTopology(topology: Topology): Record<string, unknown> {
  return {
    watchedSubscriptions: topology.workloads.filter((w) => w.watched).map((w) => w.subscriptionId),
    hubs: topology.connectivity.hubs.map((hub) => ({
      name: hub.region,
      region: hub.region,
      vnetId: `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${hub.vnet.name}`,
    })),
    privateDns: {
      zonesSubscriptionId: topology.connectivity.subscriptionId,
      zonesResourceGroup: topology.connectivity.privateDns.resourceGroup,
      createMissingZones: true,
    },
  };
}
