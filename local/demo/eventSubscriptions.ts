/**
 * The Event Grid event subscriptions the control plane has in Azure, derived from where it listens: one per watched
 * subscription and one per subscription holding hubs, on its Microsoft.Resources.Subscriptions system topic, filtered to the operations the flows' routers
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

/** Where the control plane listens: the subscriptions it watches and those that hold its hubs. */
export interface EventScope {
  watched: readonly string[];
  hubSubscriptions: readonly string[];
}

/** The event scope of a demo topology: its watched workload subscriptions and its connectivity subscription. */
export function eventScopeOf(topology: Topology): EventScope {
  return {
    watched: topology.workloads.filter((w) => w.watched).map((w) => w.subscriptionId),
    hubSubscriptions: [topology.connectivity.subscriptionId],
  };
}

export function controlPlaneEventSubscriptions(scope: EventScope, endpointUrl: string, name = 'hubspoke-control-plane'): EventSubscriptionOptions[] {
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
  const key = (s: string): string => s.toLowerCase();
  const watched = [...new Map(scope.watched.map((s) => [key(s), s])).values()];
  const hubs = [...new Map(scope.hubSubscriptions.map((s) => [key(s), s])).values()];
  const isHubSubscription = (s: string): boolean => hubs.some((h) => key(h) === key(s));
  // A watched subscription that also holds hubs gets both lists, as infra/events.bicep gives it.
  return [
    ...watched.map((s) => subscription(s, isHubSubscription(s) ? unionOf([[...controlPlaneOperations], [...hubOperations]]) : controlPlaneOperations)),
    ...hubs.filter((h) => !watched.some((s) => key(s) === key(h))).map((h) => subscription(h, hubOperations)),
  ];
}

/**
 * The control plane's own topology document (CONTROL_PLANE_TOPOLOGY) for a demo topology: its hubs, named after
 * their regions, its watched subscriptions, its central privatelink zones (missing ones may be created), and egress
 * rules in direct mode into the hubs' firewall policies.
 */
export function controlPlaneTopology(topology: Topology, platformApi?: { url: string; audience: string }): Record<string, unknown> {
  const policies = topology.connectivity.hubs.flatMap((hub) =>
    hub.firewallPolicy
      ? [{ hub: hub.region, policyId: `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/firewallPolicies/${hub.firewallPolicy.name}` }]
      : [],
  );
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
    // Egress rules written by the control plane into each hub's policy (direct mode), or by the local platform team's
    // API when one is given (platformApi mode).
    ...(policies.length > 0 ? { egress: platformApi ? { applyMode: 'platformApi', platformApi, firewallPolicies: policies } : { applyMode: 'direct', firewallPolicies: policies } } : {}),
  };
}
