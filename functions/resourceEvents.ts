/**
 * The Event Grid trigger for Azure subscription events (Event Grid schema and CloudEvents 1.0). Thin: validate the
 * event, decide where to look (shared/peering/events.ts, shared/dns/events.ts), and start or signal the orchestration that reconciles it.
 * A malformed event is logged and audited as a rejection and not retried (it cannot get better); an event the
 * control plane has no business with is logged at debug level and dropped.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceEvent, type ResourceEvent } from '../shared/events/resource-event';
import { routeEndpointEvent } from '../shared/dns/events';
import { routePeeringEvent } from '../shared/peering/events';
import type { TriggerInfo } from '../shared/store/records';
import { flowDeps, runtimeStatus, timingFrom } from '../orchestrations/common';
import { requestEndpointDns } from '../orchestrations/dns';
import { HUB_EVENT_ORCHESTRATOR, hubEventInstanceId, requestSpokeReconcile, type HubEventInput } from '../orchestrations/peering';

/** Rejected events are kept together (GET /api/events/rejected), whatever their subject. */
export const REJECTED_EVENTS = 'rejected-events';

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
  const trigger = triggerOf(event);
  const timing = timingFrom(config);
  const client = df.getClient(context);
  const endpointRoute = routeEndpointEvent(config, event);
  if (endpointRoute.kind === 'endpoint') {
    const { instanceId, outcome } = await requestEndpointDns(client, { endpointId: endpointRoute.endpointId, trigger, timing });
    context.log(`Event ${event.eventId} (${event.operationName}): ${outcome} ${instanceId} for ${endpointRoute.endpointId}`);
    return;
  }
  if (endpointRoute.kind === 'ignore') {
    context.debug(`Event ${event.eventId} (${event.operationName} on ${event.resourceId}) ignored: ${endpointRoute.reason}`);
    return;
  }
  const route = routePeeringEvent(config, event);
  switch (route.kind) {
    case 'ignore':
      context.debug(`Event ${event.eventId} (${event.operationName} on ${event.resourceId}) ignored: ${route.reason}`);
      return;
    case 'spoke': {
      const { instanceId, outcome } = await requestSpokeReconcile(client, { vnetId: route.vnetId, trigger, timing });
      context.log(`Event ${event.eventId} (${event.operationName}): ${outcome} ${instanceId} for ${route.vnetId}`);
      return;
    }
    case 'hub': {
      const instanceId = hubEventInstanceId(event.resourceId, event.eventId);
      const input: HubEventInput = { hubVnetId: route.hubVnetId, ...(route.peeringId ? { peeringId: route.peeringId } : {}), trigger, timing };
      try {
        await client.startNew(HUB_EVENT_ORCHESTRATOR, { instanceId, input });
        context.log(`Event ${event.eventId} (${event.operationName}): started ${instanceId} for hub ${route.hubVnetId}`);
      } catch (e) {
        // The same event delivered again (at-least-once): its instance exists already. Anything else is retried.
        const existing = await runtimeStatus(client, instanceId);
        if (existing === undefined) throw e;
        context.log(`Event ${event.eventId} was handled before (${instanceId}, ${existing})`);
      }
      return;
    }
  }
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

app.http('listRejectedEvents', { methods: ['GET'], route: 'events/rejected', authLevel: 'function', handler: listRejectedEvents });
