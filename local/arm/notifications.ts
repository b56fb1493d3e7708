/**
 * Resource notifications: what the emulator tells the Event Grid publisher (local/eventgrid) after each write,
 * delete or action, with the fields of Azure's subscription events (`Microsoft.Resources.Resource{Write,Delete,
 * Action}{Success,Failure}` data).
 *
 * When they are raised: Azure documents ResourceWriteSuccess as "raised when a resource create or update operation
 * succeeds"; ARM records an asynchronous operation as succeeded only when it reaches its terminal state, so for
 * long-running operations the emulator notifies when the operation *completes* (Succeeded or Failed), never when it
 * is accepted. Synchronous operations (record sets, resource group create) notify with their answer. Requests
 * rejected by the resource provider (validation, conflicts) notify a Failure; requests ARM rejects before the
 * provider sees them (authentication, throttling, api-version) raise nothing, and reads never do.
 */

export interface ResourceNotification {
  kind: 'write' | 'delete' | 'action';
  status: 'Succeeded' | 'Failed';
  resourceUri: string;
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. `Microsoft.Network`. */
  resourceProvider: string;
  /** e.g. `Microsoft.Network/virtualNetworks/write`, `Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write`. */
  operationName: string;
  correlationId: string;
  clientRequestId: string;
  httpMethod: string;
  url: string;
  tenantId: string;
  /** Claims of the bearer token when it is a JWT; empty otherwise. */
  claims: Record<string, string>;
  /** oid / appid / sub of the token, or 'unknown'. */
  principalId: string;
  /** ISO 8601. */
  time: string;
  /** Set on failures. */
  error?: { code: string; message: string };
}

export type ResourceNotificationListener = (notification: ResourceNotification) => void;

export class NotificationHub {
  private listeners = new Set<ResourceNotificationListener>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  subscribe(listener: ResourceNotificationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivered after the current answer is produced, so a slow or failing listener never changes it. */
  publish(notification: ResourceNotification): void {
    for (const listener of this.listeners) {
      setImmediate(() => {
        try {
          listener(notification);
        } catch (error) {
          this.onListenerError(error);
        }
      });
    }
  }
}
