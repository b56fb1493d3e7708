/**
 * The spokes' HTTP API: their recorded conditions and audit, and reconcile on demand. Bearer token with an app role
 * (functions/http.ts guarded): reads ControlPlane.Reader, ControlPlane.Operator or Egress.Approver; the rest Operator.
 *   GET  /api/spokes[?status=True|False|Unknown&reason=R&top=N&continuationToken=T]
 *   GET  /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}
 *   POST /api/spokes/reconcile                               body (optional): {"subscriptions": ["<guid>", ...]}
 *   POST /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile
 *   DELETE /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}      forget the record of a VNet that is gone
 *   GET  /api/hubs                                           the configured hubs (name, region, vnetId), for the topology
 */
import { app, HttpResponse, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceId } from '../shared/azure/resource-id';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { selectById } from '../shared/peering/selection';
import { filterRecords, forgetManaged, getManaged, reconcileManaged, resourceIdFrom, sweepSubscriptions, type ManagedResourceRoutes, filtersOf, guarded, pageBody, pageOf } from './http';
import { currentConfig } from '../shared/config';
import { flowDeps, timingFrom } from '../orchestrations/common';
import { requestSpokeReconcile, SPOKE_SWEEP_ORCHESTRATOR, spokeInstanceId, spokeRecordTarget, type SweepInput } from '../orchestrations/peering';

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
  const page = pageOf(request, filtered.value, (r) => r.resourceId.toLowerCase(), { path: '/api/spokes', filters: filtersOf(request) });
  if (!page.ok) return page.response;
  return { status: 200, jsonBody: pageBody('spokes', page.value, view) };
}

/** The hubs the app is configured with (the topology document's `hubs`), so a hub without spokes is seen too. */
export async function listHubs(): Promise<HttpResponseInit> {
  const hubs = currentConfig().hubs.map(({ name, region, vnetId }) => ({ name, region, vnetId }));
  return { status: 200, jsonBody: { count: hubs.length, hubs } };
}

const spokeRoutes: ManagedResourceRoutes = {
  idField: 'vnetId',
  label: 'VNet',
  notFoundCode: 'SpokeNotFound',
  target: spokeRecordTarget,
  instanceId: spokeInstanceId,
  view,
  refusal: selectById,
  read: (id) => flowDeps().network.getVnet(id),
  request: (client, vnetId, trigger, timing) => requestSpokeReconcile(client, { vnetId, trigger, timing }),
};

export async function getSpoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = vnetIdFrom(request);
  return parsed.ok ? getManaged(spokeRoutes, parsed.value, context) : parsed.response;
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
  return parsed.ok ? reconcileManaged(spokeRoutes, parsed.value, context) : parsed.response;
}

export async function deleteSpoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = vnetIdFrom(request);
  return parsed.ok ? forgetManaged(spokeRoutes, parsed.value, context) : parsed.response;
}

const withClient = { extraInputs: [df.input.durableClient()] };

app.http('listHubs', { methods: ['GET'], route: 'hubs', authLevel: 'anonymous', handler: guarded('read', listHubs) });
app.http('listSpokes', { methods: ['GET'], route: 'spokes', authLevel: 'anonymous', handler: guarded('read', listSpokes) });
app.http('getSpoke', { methods: ['GET'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}', authLevel: 'anonymous', ...withClient, handler: guarded('read', getSpoke) });
app.http('deleteSpoke', { methods: ['DELETE'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}', authLevel: 'anonymous', ...withClient, handler: guarded('write', deleteSpoke) });
app.http('reconcileSpokes', { methods: ['POST'], route: 'spokes/reconcile', authLevel: 'anonymous', ...withClient, handler: guarded('write', reconcileAll) });
app.http('reconcileSpoke', { methods: ['POST'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile', authLevel: 'anonymous', ...withClient, handler: guarded('write', reconcileOne) });
