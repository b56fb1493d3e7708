/**
 * What the ARM emulator tells the Event Grid publisher after a write, delete or action on a resource.
 * The field names mirror the emulator's `ResourceNotification` (local/arm) one to one, so either side can be
 * adapted without renaming; the publisher owns the mapping to the Azure event shapes (resourceEvents.ts).
 */
import { z } from 'zod';

export type ResourceOperationKind = 'write' | 'delete' | 'action';

/** ARM reports Succeeded / Failed; Canceled exists in Azure (…Cancel events) and is accepted for completeness. */
export type ResourceOperationStatus = 'Succeeded' | 'Failed' | 'Canceled';

export interface ResourceNotification {
  kind: ResourceOperationKind;
  status: ResourceOperationStatus;
  /** The resource ID as ARM received it, e.g. `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{v}`. */
  resourceUri: string;
  subscriptionId: string;
  resourceGroup: string;
  /** Provider namespace, e.g. `Microsoft.Network`. */
  resourceProvider: string;
  /** e.g. `Microsoft.Network/virtualNetworks/write`. */
  operationName: string;
  correlationId: string;
  clientRequestId: string;
  /** PUT, PATCH, DELETE or POST. */
  httpMethod: string;
  /** The full request URL, as the client sent it (with api-version). */
  url: string;
  tenantId: string;
  /** Token claims of the caller; Event Grid passes them through as a string map. */
  claims: Record<string, string>;
  /** When the operation completed: an ISO 8601 string, epoch milliseconds or a Date. */
  time: string | number | Date;
  /** Object ID of the caller (the emulator's extra field); used as `authorization.evidence.principalId`. */
  principalId?: string;
  /** Set by the emulator on failures; Azure's events carry no error, so it is not forwarded. */
  error?: { code: string; message: string };
}

/** Validates what reaches `publish` (the emulator is trusted, but a malformed notification must fail loudly). */
export const resourceNotificationSchema = z.object({
  kind: z.enum(['write', 'delete', 'action']),
  status: z.enum(['Succeeded', 'Failed', 'Canceled']),
  resourceUri: z.string().startsWith('/subscriptions/'),
  subscriptionId: z.string().min(1),
  resourceGroup: z.string(),
  resourceProvider: z.string().min(1),
  operationName: z.string().min(1),
  correlationId: z.string(),
  clientRequestId: z.string(),
  httpMethod: z.string().min(1),
  url: z.string(),
  tenantId: z.string(),
  claims: z.record(z.string(), z.string()),
  time: z.union([z.string(), z.number(), z.date()]),
  principalId: z.string().optional(),
});
