/**
 * Options of an event subscription on an Azure subscription's system topic (Microsoft.Resources.Subscriptions),
 * validated at the edge with the limits Azure enforces.
 */
import { z } from 'zod';
import { eventSubscriptionFilterSchema } from './filters';
import { defaultRetryPolicy } from './retryPolicy';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const eventSubscriptionOptionsSchema = z.object({
  /** The watched Azure subscription whose resource events this subscription receives. */
  azureSubscriptionId: z.string().regex(guid, 'must be a subscription GUID'),
  /** Event subscription name: 3-64 letters, digits and hyphens (Azure's rule). */
  name: z.string().regex(/^[A-Za-z0-9-]{3,64}$/, 'must be 3-64 letters, digits or hyphens'),
  endpointUrl: z.url({ protocol: /^https?$/ }),
  schema: z.enum(['EventGridSchema', 'CloudEventSchemaV1_0']).default('EventGridSchema'),
  filter: eventSubscriptionFilterSchema.optional(),
  maxEventsPerBatch: z.int().min(1).max(5000).default(1),
  preferredBatchSizeInKilobytes: z.int().min(1).max(1024).default(64),
  retryPolicy: z
    .object({
      maxDeliveryAttempts: z.int().min(1).max(30).default(defaultRetryPolicy.maxDeliveryAttempts),
      eventTimeToLiveInMinutes: z.int().min(1).max(1440).default(defaultRetryPolicy.eventTimeToLiveInMinutes),
    })
    .prefault({}),
  /** Keep given-up events in the dead-letter list (true) or drop them (false, Azure without a dead-letter destination). */
  deadLetter: z.boolean().default(true),
  /**
   * Concurrent HTTP requests to this endpoint. Event Grid does not promise order; 1 (the default) keeps order at
   * low volume, which is what one usually sees, and leaves reordering to the explicit injection switch.
   */
  maxConcurrentDeliveries: z.int().min(1).max(64).default(1),
  /** Extra trusted CA (PEM) for an https endpoint with a self-signed certificate. */
  ca: z.union([z.string(), z.instanceof(Buffer)]).optional(),
});

export type EventSubscriptionOptions = z.input<typeof eventSubscriptionOptionsSchema>;
export type ResolvedEventSubscriptionOptions = z.output<typeof eventSubscriptionOptionsSchema>;

/** Bad options for `subscribe`; the message names each offending field. */
export class EventSubscriptionOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventSubscriptionOptionsError';
  }
}

export function parseEventSubscriptionOptions(options: unknown): ResolvedEventSubscriptionOptions {
  const parsed = eventSubscriptionOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new EventSubscriptionOptionsError(`Invalid event subscription options: ${issues}`);
  }
  return parsed.data;
}
