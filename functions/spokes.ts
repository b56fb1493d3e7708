/**
 * The spokes' HTTP API: their recorded conditions and audit, and reconcile on demand.
 *   GET  /api/spokes[?status=True|False|Unknown&reason=R]
 *   GET  /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}
 *   POST /api/spokes/reconcile                               body (optional): {"subscriptions": ["<guid>", ...]}
 *   POST /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile
 */
import { app, HttpResponse, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceId } from '../shared/azure/resource-id';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { filterRecords, problem, resourceIdFrom, resourceState, sweepSubscriptions } from './http';
import { flowDeps, timingFrom } from '../orchestrations/common';
import { requestSpokeReconcile, SPOKE_SWEEP_ORCHESTRATOR, spokeInstanceId, type SweepInput } from '../orchestrations/peering';

const VNET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const vnetIdFrom = (request: HttpRequest) => resourceIdFrom(request, 'Microsoft.Network/virtualNetworks', { param: 'vnetName', label: 'virtual network', rule: VNET_NAME }, 'InvalidSpokeId');

function view(record: ManagedRecord): Record<string, unknown> {
  const id = parseResourceId(record.resourceId);
  return {
    vnetId: record.resourceId,
    subscriptionId: id.subscriptionId,
    resourceGroup: id.resourceGroup,
    name: id.names[0],
    condition: record.condition,
    ...record.details,
    lastTrigger: record.lastTrigger,
    updatedAt: record.updatedAt,
  };
}

export async function listSpokes(request: HttpRequest): Promise<HttpResponseInit> {
  const filtered = filterRecords(request, await flowDeps().store.listRecords('spoke'));
  if (!filtered.ok) return filtered.response;
  return { status: 200, jsonBody: { count: filtered.value.length, spokes: filtered.value.map(view) } };
}

export async function getSpoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = vnetIdFrom(request);
  if (!parsed.ok) return parsed.response;
  const { record, audit, orchestration, unknown } = await resourceState(context, flowDeps().store, 'spoke', parsed.value, spokeInstanceId(parsed.value));
  if (unknown) {
    return problem(404, 'SpokeNotFound', `no record of ${parsed.value}: the control plane has not seen this VNet (POST .../reconcile to look at it now)`);
  }
  return { status: 200, jsonBody: { ...(record ? view(record) : { vnetId: parsed.value, condition: null }), orchestration, audit } };
}

export async function reconcileAll(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit | HttpResponse> {
  const { config } = flowDeps();
  const subscriptions = await sweepSubscriptions(request, config);
  if (!subscriptions.ok) return subscriptions.response;
  const requested = subscriptions.value;
  const trigger: TriggerInfo = { source: 'sweep', correlationId: context.invocationId };
  const input: SweepInput = { subscriptions: requested, trigger, timing: timingFrom(config) };
  const client = df.getClient(context);
  const instanceId = await client.startNew(SPOKE_SWEEP_ORCHESTRATOR, { input });
  context.log(`Sweep ${instanceId} started over ${requested.length} subscription(s)`);
  return client.createCheckStatusResponse(request, instanceId);
}

export async function reconcileOne(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = vnetIdFrom(request);
  if (!parsed.ok) return parsed.response;
  const { config } = flowDeps();
  const trigger: TriggerInfo = { source: 'http', correlationId: context.invocationId };
  const result = await requestSpokeReconcile(df.getClient(context), { vnetId: parsed.value, trigger, timing: timingFrom(config) });
  return { status: 202, jsonBody: { vnetId: parsed.value, ...result } };
}

const withClient = { extraInputs: [df.input.durableClient()] };

app.http('listSpokes', { methods: ['GET'], route: 'spokes', authLevel: 'function', handler: listSpokes });
app.http('getSpoke', { methods: ['GET'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}', authLevel: 'function', ...withClient, handler: getSpoke });
app.http('reconcileSpokes', { methods: ['POST'], route: 'spokes/reconcile', authLevel: 'function', ...withClient, handler: reconcileAll });
app.http('reconcileSpoke', { methods: ['POST'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile', authLevel: 'function', ...withClient, handler: reconcileOne });
