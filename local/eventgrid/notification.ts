/**
 * What the ARM emulator tells the Event Grid publisher after a write, delete or action on a resource.
 * The publisher owns the mapping to the Azure event shapes (resourceEvents.ts).
 */
import { z } from 'zod';
import type { ResourceNotification as ArmResourceNotification } from '../arm';

export type ResourceOperationKind = 'write' | 'delete' | 'action';

/** ARM reports Succeeded / Failed; Canceled exists in Azure (…Cancel events) and is accepted for completeness. */
export type ResourceOperationStatus = 'Succeeded' | 'Failed' | 'Canceled';

/**
 * The emulator's notification (local/arm), widened to what Azure's system topics can carry: a Canceled status
 * (the *Cancel event types) and a time given as epoch milliseconds or a Date as well as ISO 8601.
 */
export type ResourceNotification = Omit<ArmResourceNotification, 'status' | 'time' | 'principalId'> & {
  status: ResourceOperationStatus;
  /** When the operation completed. */
  time: string | number | Date;
  /** Object ID of the caller; used as `authorization.evidence.principalId`. */
  principalId?: string;
};

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
