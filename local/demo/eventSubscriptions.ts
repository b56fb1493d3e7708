/**
 * The Event Grid event subscriptions the control plane has in Azure, derived from a topology: one per watched
 * subscription, on its Microsoft.Resources.Subscriptions system topic, filtered to the operations the control plane
 * reacts to (VNet and private endpoint writes and deletes), Event Grid schema, one event per delivery.
 */
import type { EventSubscriptionOptions } from '../eventgrid';
import type { Topology } from './topology';

/** Operations whose events start a reconcile (ARCHITECTURE.md: spoke peering and private endpoint DNS flows). */
export const controlPlaneOperations: readonly string[] = [
  'Microsoft.Network/virtualNetworks/write',
  'Microsoft.Network/virtualNetworks/delete',
  'Microsoft.Network/privateEndpoints/write',
  'Microsoft.Network/privateEndpoints/delete',
];

export function controlPlaneEventSubscriptions(
  topology: Topology,
  endpointUrl: string,
  name = 'hubspoke-control-plane',
): EventSubscriptionOptions[] {
  return topology.workloads
    .filter((w) => w.watched)
    .map((w) => ({
      azureSubscriptionId: w.subscriptionId,
      name,
      endpointUrl,
      schema: 'EventGridSchema' as const,
      filter: {
        includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
        advancedFilters: [{ operatorType: 'StringIn' as const, key: 'data.operationName', values: [...controlPlaneOperations] }],
      },
    }));
}
