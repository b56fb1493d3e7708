/**
 * The private endpoints' HTTP API: their DNS registration conditions and audit, and reconcile on demand. Bearer
 * token with an app role (functions/http.ts guarded): reads any ControlPlane role or Egress.Approver; the rest Operator.
 *   GET  /api/endpoints[?status=True|False|Unknown&reason=R&top=N&continuationToken=T]
 *   GET  /api/endpoints/{subscriptionId}/{resourceGroup}/{endpointName}
 *   POST /api/endpoints/reconcile                               body (optional): {"subscriptions": ["<guid>", ...]}
 *   POST /api/endpoints/{subscriptionId}/{resourceGroup}/{endpointName}/reconcile
 *   DELETE /api/endpoints/{subscriptionId}/{resourceGroup}/{endpointName}   forget the record of an endpoint that is gone
 */
import { app, HttpResponse, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceId } from '../shared/azure/resource-id';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { flowDeps, timingFrom } from '../orchestrations/common';
import { ENDPOINT_SWEEP_ORCHESTRATOR, endpointInstanceId, endpointRecordTarget, requestEndpointDns, type EndpointSweepInput } from '../orchestrations/dns';
import { filterRecords, forgetManaged, getManaged, problem, reconcileManaged, resourceIdFrom, sweepSubscriptions, type ManagedResourceRoutes, filtersOf, guarded, pageBody, pageOf } from './http';
import { unwatched } from '../shared/peering/selection';

/** Private endpoint names: 2-64 letters, digits, `._-`, starting with a letter or digit, ending with one or `_`. */
const ENDPOINT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/;
const endpointIdFrom = (request: HttpRequest) =>
  resourceIdFrom(request, 'Microsoft.Network/privateEndpoints', { param: 'endpointName', label: 'private endpoint', rule: ENDPOINT_NAME }, 'InvalidEndpointId');

function view(record: ManagedRecord): Record<string, unknown> {
  const id = parseResourceId(record.resourceId);
  return {
    ...record.details,
    endpointId: typeof record.details.endpointId === 'string' ? record.details.endpointId : record.resourceId,
    subscriptionId: id.subscriptionId,
    resourceGroup: id.resourceGroup,
    name: id.names[0],
    condition: record.condition,
    lastTrigger: record.lastTrigger,
    updatedAt: record.updatedAt,
  };
}

function requireDns(): HttpResponseInit | undefined {
  if (flowDeps().config.privateDns) return undefined;
  return problem(409, 'PrivateDnsNotConfigured', 'private endpoint DNS is not configured: add a privateDns block (zonesSubscriptionId, zonesResourceGroup) to the topology document');
}

export async function listEndpoints(request: HttpRequest): Promise<HttpResponseInit> {
  const filtered = filterRecords(request, await flowDeps().store.listRecords('endpoint'));
  if (!filtered.ok) return filtered.response;
  const page = pageOf(request, filtered.value, (r) => r.resourceId.toLowerCase(), { path: '/api/endpoints', filters: filtersOf(request) });
  if (!page.ok) return page.response;
  return { status: 200, jsonBody: pageBody('endpoints', page.value, view) };
}

const endpointRoutes: ManagedResourceRoutes = {
  idField: 'endpointId',
  label: 'private endpoint',
  notFoundCode: 'EndpointNotFound',
  target: endpointRecordTarget,
  instanceId: endpointInstanceId,
  view,
  refusal: (config, id) => unwatched(config, [parseResourceId(id).subscriptionId]),
  read: (id) => flowDeps().dns.getEndpoint(id),
  request: (client, endpointId, trigger, timing) => requestEndpointDns(client, { endpointId, trigger, timing }),
};

export async function getEndpoint(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = endpointIdFrom(request);
  return parsed.ok ? getManaged(endpointRoutes, parsed.value, context) : parsed.response;
}

export async function reconcileEndpoints(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit | HttpResponse> {
  const disabled = requireDns();
  if (disabled) return disabled;
  const { config } = flowDeps();
  const subscriptions = await sweepSubscriptions(request, config);
  if (!subscriptions.ok) return subscriptions.response;
  const trigger: TriggerInfo = { source: 'sweep', correlationId: context.invocationId };
  const input: EndpointSweepInput = { subscriptions: subscriptions.value, trigger, timing: timingFrom(config) };
  const client = df.getClient(context);
  const instanceId = await client.startNew(ENDPOINT_SWEEP_ORCHESTRATOR, { input });
  context.log(`Endpoint sweep ${instanceId} started over ${subscriptions.value.length} subscription(s)`);
  return client.createCheckStatusResponse(request, instanceId);
}

export async function reconcileEndpoint(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = endpointIdFrom(request);
  if (!parsed.ok) return parsed.response;
  return requireDns() ?? reconcileManaged(endpointRoutes, parsed.value, context);
}

export async function deleteEndpoint(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = endpointIdFrom(request);
  return parsed.ok ? forgetManaged(endpointRoutes, parsed.value, context) : parsed.response;
}

const withClient = { extraInputs: [df.input.durableClient()] };

app.http('listEndpoints', { methods: ['GET'], route: 'endpoints', authLevel: 'anonymous', handler: guarded('read', listEndpoints) });
app.http('getEndpoint', { methods: ['GET'], route: 'endpoints/{subscriptionId}/{resourceGroup}/{endpointName}', authLevel: 'anonymous', ...withClient, handler: guarded('read', getEndpoint) });
app.http('deleteEndpoint', { methods: ['DELETE'], route: 'endpoints/{subscriptionId}/{resourceGroup}/{endpointName}', authLevel: 'anonymous', ...withClient, handler: guarded('write', deleteEndpoint) });
app.http('reconcileEndpoints', { methods: ['POST'], route: 'endpoints/reconcile', authLevel: 'anonymous', ...withClient, handler: guarded('write', reconcileEndpoints) });
app.http('reconcileEndpoint', { methods: ['POST'], route: 'endpoints/{subscriptionId}/{resourceGroup}/{endpointName}/reconcile', authLevel: 'anonymous', ...withClient, handler: guarded('write', reconcileEndpoint) });
