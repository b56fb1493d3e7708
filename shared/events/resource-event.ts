/**
 * Azure subscription events (`Microsoft.Resources.Resource{Write,Delete,Action}{Success,Failure,Cancel}`), accepted
 * in the Event Grid schema and in CloudEvents 1.0, validated with zod and reduced to what the control plane needs.
 * An event is only a hint: it carries no resource body, and the flows read the resource from ARM.
 */
import { z } from 'zod';
import { parseResourceId, ResourceId } from '../azure/resource-id';

export interface ResourceEvent {
  eventId: string;
  kind: 'write' | 'delete' | 'action';
  outcome: 'Success' | 'Failure' | 'Cancel';
  /** The resource the event is about (subject, falling back to data.resourceUri), as received. */
  resourceId: string;
  resource: ResourceId;
  /** e.g. `Microsoft.Network/virtualNetworks/write`. */
  operationName: string;
  subscriptionId: string;
  correlationId?: string;
  /** Who made the change, from the event's claims: a UPN, a name, or an app/object ID. */
  principal?: string;
  eventTime?: string;
}

export type ParsedEvent = { ok: true; event: ResourceEvent } | { ok: false; reason: string };

const EVENT_TYPE = /^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/;

const claimsSchema = z.record(z.string(), z.unknown()).optional();

const dataSchema = z.object({
  operationName: z.string().min(1),
  subscriptionId: z.string().optional(),
  resourceUri: z.string().optional(),
  correlationId: z.string().optional(),
  status: z.string().optional(),
  claims: claimsSchema,
});

const eventGridSchema = z.object({
  id: z.string().min(1),
  eventType: z.string(),
  subject: z.string().min(1),
  eventTime: z.string().optional(),
  data: dataSchema,
});

const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string(),
  subject: z.string().min(1),
  time: z.string().optional(),
  data: dataSchema,
});

const PRINCIPAL_CLAIMS = [
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'upn',
  'name',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  'appid',
  'http://schemas.microsoft.com/identity/claims/objectidentifier',
  'oid',
];

function principalFrom(claims: Record<string, unknown> | undefined): string | undefined {
  for (const key of PRINCIPAL_CLAIMS) {
    const value = claims?.[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`).join('; ');
}

/** Validates one delivered event (either schema) and reduces it; the reason names the offending field. */
export function parseResourceEvent(raw: unknown): ParsedEvent {
  const isCloudEvent = typeof raw === 'object' && raw !== null && 'specversion' in raw;
  const parsed = isCloudEvent ? cloudEventSchema.safeParse(raw) : eventGridSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: `not a resource event (${isCloudEvent ? 'CloudEvents 1.0' : 'Event Grid schema'}): ${describeIssues(parsed.error)}` };
  }
  const e = parsed.data;
  const type = 'type' in e ? e.type : e.eventType;
  const match = EVENT_TYPE.exec(type);
  if (!match) return { ok: false, reason: `event type "${type}" is not a Microsoft.Resources resource event` };
  const resourceId = e.subject.startsWith('/subscriptions/') ? e.subject : (e.data.resourceUri ?? e.subject);
  let resource: ResourceId;
  try {
    resource = parseResourceId(resourceId);
  } catch (err) {
    return { ok: false, reason: `subject: ${(err as Error).message}` };
  }
  const principal = principalFrom(e.data.claims);
  const eventTime = 'specversion' in e ? e.time : e.eventTime;
  return {
    ok: true,
    event: {
      eventId: e.id,
      kind: (match[1] as string).toLowerCase() as ResourceEvent['kind'],
      outcome: match[2] as ResourceEvent['outcome'],
      resourceId,
      resource,
      operationName: e.data.operationName,
      subscriptionId: resource.subscriptionId,
      ...(e.data.correlationId ? { correlationId: e.data.correlationId } : {}),
      ...(principal ? { principal } : {}),
      ...(eventTime ? { eventTime } : {}),
    },
  };
}
