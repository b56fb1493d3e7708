/**
 * Health Resources events (`Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged`, preview, VMs
 * and scale sets only) in the Event Grid schema or CloudEvents 1.0, reduced to the target resource and its state.
 * Source: learn.microsoft.com/azure/event-grid/event-schema-health-resources. The event spells `occurredTime`
 * (the REST API spells `occuredTime`); both are accepted.
 */
import { z } from 'zod';
import { ResourceHealthState } from './model';

export const AVAILABILITY_STATUS_CHANGED = 'Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged';

const STATES = ['Available', 'Unavailable', 'Degraded', 'Unknown'] as const;

const dataSchema = z.object({
  resourceInfo: z.object({
    properties: z.object({
      targetResourceId: z.string().min(1).max(2048),
      availabilityState: z.string(),
      occurredTime: z.string().optional(),
      occuredTime: z.string().optional(),
    }),
  }),
  operationalInfo: z.object({ resourceEventTime: z.string().optional() }).optional(),
});

const envelopeSchema = z.union([
  z.object({ id: z.string().min(1), eventType: z.string(), eventTime: z.string().optional(), data: z.unknown() }),
  z.object({ specversion: z.literal('1.0'), id: z.string().min(1), type: z.string(), time: z.string().optional(), data: z.unknown() }),
]);

export type ParsedHealthEvent = { ok: true; eventId: string; health: ResourceHealthState } | { ok: false; reason: string };

/** True when the envelope's event type is a Health Resources availability change. */
export function isAvailabilityStatusChanged(raw: unknown): boolean {
  const env = envelopeSchema.safeParse(raw);
  if (!env.success) return false;
  const type = 'eventType' in env.data ? env.data.eventType : env.data.type;
  return type.toLowerCase() === AVAILABILITY_STATUS_CHANGED.toLowerCase();
}

export function parseHealthEvent(raw: unknown): ParsedHealthEvent {
  const env = envelopeSchema.safeParse(raw);
  if (!env.success) return { ok: false, reason: 'not an Event Grid or CloudEvents 1.0 event' };
  if (!isAvailabilityStatusChanged(raw)) return { ok: false, reason: `not ${AVAILABILITY_STATUS_CHANGED}` };
  const data = dataSchema.safeParse(env.data.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    return { ok: false, reason: `malformed AvailabilityStatusChanged data: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}` };
  }
  const p = data.data.resourceInfo.properties;
  const state = STATES.find((s) => s.toLowerCase() === p.availabilityState.toLowerCase());
  if (!state) return { ok: false, reason: `unknown availabilityState "${p.availabilityState}"` };
  const occurredTime = p.occurredTime ?? p.occuredTime ?? data.data.operationalInfo?.resourceEventTime ?? ('eventType' in env.data ? env.data.eventTime : env.data.time);
  if (!occurredTime || Number.isNaN(Date.parse(occurredTime))) return { ok: false, reason: 'the event carries no valid occurredTime' };
  return { ok: true, eventId: env.data.id, health: { resourceId: p.targetResourceId, availabilityState: state, occurredTime } };
}
