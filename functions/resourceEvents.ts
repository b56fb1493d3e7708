/**
 * The Event Grid trigger for Azure subscription events (Event Grid schema and CloudEvents 1.0). Thin: validate the
 * event, let each flow router (one table, FLOW_ROUTERS) decide where to look, and start or signal the orchestrations
 * that reconcile it.
 * A malformed event is logged and audited as a rejection and not retried (it cannot get better); an event the
 * control plane has no business with is logged at debug level and dropped.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceEvent, type ResourceEvent } from '../shared/events/resource-event';
import { routeEndpointEvent } from '../shared/dns/events';
import { routeEgressEvent } from '../shared/egress/events';
import { routePeeringEvent } from '../shared/peering/events';
import { isAvailabilityStatusChanged, parseHealthEvent } from '../shared/stamps/events';
import { routeStampEvent, stampsOwning } from '../shared/stamps/routing';
import type { ControlPlaneConfig } from '../shared/config';
import type { TriggerInfo } from '../shared/store/records';
import { flowDeps, runtimeStatus, timingFrom, type Timing } from '../orchestrations/common';
import { requestEndpointDns } from '../orchestrations/dns';
import { requestSpokeTagReconcile } from '../orchestrations/egress';
import { HUB_EVENT_ORCHESTRATOR, hubEventInstanceId, requestSpokeReconcile, type HubEventInput } from '../orchestrations/peering';
import { inTriggerSpan, SPAN_ATTRIBUTES } from '../shared/telemetry';
import { signalStamp } from '../orchestrations/stamps';
import { guarded } from './http';

/** Rejected events are kept together (GET /api/events/rejected), whatever their subject. */
export const REJECTED_EVENTS = 'rejected-events';

/** What a flow router's action gets: the Durable client and what the event says about itself. */
interface Dispatch {
  client: df.DurableClient;
  trigger: TriggerInfo;
  timing: Timing;
  event: ResourceEvent;
}

/**
 * One flow's reading of an event: `other` (not its resource type), `ignore` (its type, nothing to do, with why) or
 * an action that starts or signals its orchestration and says what it did.
 */
export type FlowRoute = { kind: 'other' } | { kind: 'ignore'; reason: string } | { kind: 'act'; run(dispatch: Dispatch): Promise<string> };

export interface FlowRouter {
  flow: string;
  route(config: ControlPlaneConfig, event: ResourceEvent): FlowRoute;
}

/**
 * Every flow that reacts to resource events, each with its pure router (shared/<flow>/events.ts). An event goes to
 * every flow that claims it (a VNet deleted matters to peering and to the flows keyed on spokes), in this order.
 */
export const FLOW_ROUTERS: readonly FlowRouter[] = [
  {
    flow: 'peering',
    route(config, event) {
      const route = routePeeringEvent(config, event);
      if (route.kind === 'spoke') {
        return act(async ({ client, trigger, timing }) => {
          const { instanceId, outcome } = await requestSpokeReconcile(client, { vnetId: route.vnetId, trigger, timing });
          return `${outcome} ${instanceId} for ${route.vnetId}`;
        });
      }
      if (route.kind === 'hub') return act((dispatch) => startHubEvent(dispatch, route.hubVnetId, route.peeringId));
      return route;
    },
  },
  {
    flow: 'dns',
    route(config, event) {
      const route = routeEndpointEvent(config, event);
      if (route.kind !== 'endpoint') return route;
      return act(async ({ client, trigger, timing }) => {
        const { instanceId, outcome } = await requestEndpointDns(client, { endpointId: route.endpointId, trigger, timing });
        return `${outcome} ${instanceId} for ${route.endpointId}`;
      });
    },
  },
  {
    flow: 'stamps',
    route(config, event) {
      const route = routeStampEvent(config, event);
      if (route.kind !== 'signal') return route;
      return act(async ({ client, trigger }) => {
        const at = event.eventTime ?? new Date().toISOString();
        for (const owner of route.stamps) await signalStamp(client, config, owner.stamp, { kind: route.signal, resourceId: owner.resourceId, at }, trigger);
        return `${route.signal} signalled to stamps ${route.stamps.map((o) => o.stamp).join(', ')}`;
      });
    },
  },
  {
    flow: 'egress',
    route(config, event) {
      const route = routeEgressEvent(config, event);
      if (route.kind !== 'spoke') return route;
      return act(async ({ client, trigger }) => {
        const { instanceId, outcome } = await requestSpokeTagReconcile(client, { vnetId: route.vnetId, trigger });
        return `${outcome} ${instanceId} for the egress tag of ${route.vnetId}`;
      });
    },
  },
];

/**
 * Health Resources events (`AvailabilityStatusChanged`, VMs and scale sets) arrive on the same trigger from their
 * own system topic: each goes to the stamps owning its target resource.
 */
async function healthEvent(raw: unknown, context: InvocationContext): Promise<void> {
  const { config, store } = flowDeps();
  const parsed = parseHealthEvent(raw);
  if (!parsed.ok) {
    context.warn(`Rejected Health Resources event ${field(raw, 'id') ?? '(no id)'}: ${parsed.reason}`);
    await store.appendAudit([{ at: new Date().toISOString(), resourceId: REJECTED_EVENTS, kind: 'event', target: field(raw, 'subject') ?? '(no subject)', action: 'reject', outcome: 'rejected', reason: parsed.reason, trigger: { source: 'event', ...(field(raw, 'id') ? { eventId: field(raw, 'id') } : {}) }, mode: config.mode }]);
    return;
  }
  const owners = stampsOwning(config.stamps, parsed.health.resourceId);
  if (owners.length === 0) {
    context.debug(`Health event ${parsed.eventId} (${parsed.health.resourceId} ${parsed.health.availabilityState}) ignored: no stamp owns the resource`);
    return;
  }
  const client = df.getClient(context);
  const trigger: TriggerInfo = { source: 'event', eventId: parsed.eventId, operationName: 'AvailabilityStatusChanged', eventTime: parsed.health.occurredTime };
  for (const owner of owners) await signalStamp(client, config, owner.stamp, { kind: 'health', health: parsed.health }, trigger);
  context.log(`Health event ${parsed.eventId} (${parsed.health.availabilityState}) for stamps ${owners.map((o) => o.stamp).join(', ')}`);
}

function act(run: (dispatch: Dispatch) => Promise<string>): FlowRoute {
  return { kind: 'act', run };
}

/** One orchestration per hub event (keyed by the event ID), so a redelivered event finds its instance and stops. */
async function startHubEvent({ client, event, trigger, timing }: Dispatch, hubVnetId: string, peeringId: string | undefined): Promise<string> {
  const instanceId = hubEventInstanceId(event.resourceId, event.eventId);
  const input: HubEventInput = { hubVnetId, ...(peeringId ? { peeringId } : {}), trigger, timing };
  try {
    await client.startNew(HUB_EVENT_ORCHESTRATOR, { instanceId, input });
    return `started ${instanceId} for hub ${hubVnetId}`;
  } catch (e) {
    // The same event delivered again (at-least-once): its instance exists already. Anything else is retried.
    const existing = await runtimeStatus(client, instanceId);
    if (existing === undefined) throw e;
    return `handled before (${instanceId}, ${existing})`;
  }
}

function triggerOf(event: ResourceEvent): TriggerInfo {
  return {
    source: 'event',
    eventId: event.eventId,
    operationName: event.operationName,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    ...(event.principal ? { principal: event.principal } : {}),
    ...(event.eventTime ? { eventTime: event.eventTime } : {}),
  };
}

function field(raw: unknown, name: string): string | undefined {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export async function resourceEvents(raw: unknown, context: InvocationContext): Promise<void> {
  if (isAvailabilityStatusChanged(raw)) return healthEvent(raw, context);
  const { config, store } = flowDeps();
  const parsed = parseResourceEvent(raw);
  if (!parsed.ok) {
    const eventId = field(raw, 'id');
    const subject = field(raw, 'subject');
    context.warn(`Rejected event ${eventId ?? '(no id)'} (subject ${subject ?? '(none)'}): ${parsed.reason}`);
    await store.appendAudit([
      {
        at: new Date().toISOString(),
        resourceId: REJECTED_EVENTS,
        kind: 'event',
        target: subject ?? '(no subject)',
        action: 'reject',
        outcome: 'rejected',
        reason: parsed.reason,
        trigger: { source: 'event', ...(eventId ? { eventId } : {}) },
        mode: config.mode,
      },
    ]);
    return;
  }
  const event = parsed.event;
  const dispatch: Dispatch = { client: df.getClient(context), trigger: triggerOf(event), timing: timingFrom(config), event };
  let claimed = false;
  for (const router of FLOW_ROUTERS) {
    const route = router.route(config, event);
    if (route.kind === 'other') continue;
    claimed = true;
    if (route.kind === 'ignore') {
      context.debug(`Event ${event.eventId} (${event.operationName} on ${event.resourceId}) ignored by ${router.flow}: ${route.reason}`);
      continue;
    }
    // The event's span: the root of the trace its flow's activities and ARM requests join (see shared/telemetry).
    const result = await inTriggerSpan(`event ${router.flow}`, dispatch.trigger, { [SPAN_ATTRIBUTES.flow]: router.flow, [SPAN_ATTRIBUTES.resourceId]: event.resourceId }, () => route.run(dispatch));
    context.log(`Event ${event.eventId} (${event.operationName}) for ${router.flow}: ${result}`);
  }
  if (!claimed) context.debug(`Event ${event.eventId} (${event.operationName} on ${event.resourceId}) ignored: no flow manages this resource type`);
}

app.eventGrid('resourceEvents', { extraInputs: [df.input.durableClient()], handler: resourceEvents });

export async function listRejectedEvents(request: HttpRequest): Promise<HttpResponseInit> {
  const raw = request.query.get('limit') ?? '50';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return { status: 400, jsonBody: { error: { code: 'InvalidQuery', message: `limit must be a whole number from 1 to 1000 (got "${raw}")` } } };
  }
  const events = await flowDeps().store.listAudit(REJECTED_EVENTS, limit);
  return { status: 200, jsonBody: { count: events.length, events } };
}

app.http('listRejectedEvents', { methods: ['GET'], route: 'events/rejected', authLevel: 'anonymous', handler: guarded('read', listRejectedEvents) });
