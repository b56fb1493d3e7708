/**
 * The Event Grid event subscriptions the control plane has in Azure, derived from a topology: one per watched
 * subscription, on its Microsoft.Resources.Subscriptions system topic, filtered to the operations the control plane
 * reacts to (VNet and private endpoint writes and deletes), Event Grid schema, one event per delivery.
 */
import type { EventSubscriptionOptions } from '../eventgrid';
import type { Topology } from './topology';

/** Peering operations: hub-side peerings live in the connectivity subscription, spoke-side ones in workloads. */
const peeringOperations = ['Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'];

/** Operations whose events start a reconcile (ARCHITECTURE.md: spoke peering and private endpoint DNS flows). */
export const controlPlaneOperations: readonly string[] = [
  'Microsoft.Network/virtualNetworks/write',
  'Microsoft.Network/virtualNetworks/delete',
  ...peeringOperations,
  'Microsoft.Network/privateEndpoints/write',
  'Microsoft.Network/privateEndpoints/delete',
  // Zone groups changed by anyone else (a policy, a person) bring the endpoint back to its desired registration.
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write',
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/delete',
];

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
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
      advancedFilters: [{ operatorType: 'StringIn' as const, key: 'data.operationName', values: [...operations] }],
    },
  });
  const watched = topology.workloads.filter((w) => w.watched).map((w) => w.subscriptionId);
  const connectivity = topology.connectivity.subscriptionId;
  // The hubs' own subscription: hub VNet changes (address space) and hand-made hub-side peering changes.
  const hubOperations = ['Microsoft.Network/virtualNetworks/write', ...peeringOperations];
  return [
    ...watched.map((s) => subscription(s, controlPlaneOperations)),
    ...(watched.some((s) => s.toLowerCase() === connectivity.toLowerCase()) ? [] : [subscription(connectivity, hubOperations)]),
  ];
}

/**
 * The control plane's own topology document (CONTROL_PLANE_TOPOLOGY) for a demo topology: its hubs, named after
 * their regions, its watched subscriptions, its central privatelink zones (missing ones may be created), and egress
 * rules in direct mode into the hubs' firewall policies.
 */
export function controlPlaneTopology(topology: Topology): Record<string, unknown> {
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
    // Egress rules written by the control plane into each hub's policy (direct mode).
    ...(policies.length > 0 ? { egress: { applyMode: 'direct', firewallPolicies: policies } } : {}),
  };
}
