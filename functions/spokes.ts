/**
 * The spokes' HTTP API: their recorded conditions and audit, and reconcile on demand.
 *   GET  /api/spokes[?status=True|False|Unknown&reason=R]
 *   GET  /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}
 *   POST /api/spokes/reconcile                               body (optional): {"subscriptions": ["<guid>", ...]}
 *   POST /api/spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile
 */
import { app, HttpResponse, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { parseResourceId } from '../shared/azure/resource-id';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { flowDeps, timingFrom } from '../orchestrations/common';
import { requestSpokeReconcile, SPOKE_SWEEP_ORCHESTRATOR, spokeInstanceId, type SweepInput } from '../orchestrations/peering';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/;

function problem(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

function vnetIdFrom(request: HttpRequest): { ok: true; vnetId: string } | { ok: false; response: HttpResponseInit } {
  const { subscriptionId = '', resourceGroup = '', vnetName = '' } = request.params;
  const problems: string[] = [];
  if (!GUID.test(subscriptionId)) problems.push(`subscriptionId "${subscriptionId}" is not a GUID`);
  if (!NAME.test(resourceGroup)) problems.push(`resourceGroup "${resourceGroup}" is not a valid resource group name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(vnetName)) problems.push(`vnetName "${vnetName}" is not a valid virtual network name`);
  if (problems.length) return { ok: false, response: problem(400, 'InvalidSpokeId', problems.join('; ')) };
  return { ok: true, vnetId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/${vnetName}` };
}

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
  const status = request.query.get('status');
  const reason = request.query.get('reason');
  if (status !== null && !['True', 'False', 'Unknown'].includes(status)) {
    return problem(400, 'InvalidQuery', `status must be True, False or Unknown (got "${status}")`);
  }
  const records = await flowDeps().store.listRecords('spoke');
  const spokes = records
    .filter((r) => (status === null || r.condition.status === status) && (reason === null || r.condition.reason.toLowerCase() === reason.toLowerCase()))
    .sort((a, b) => a.resourceId.localeCompare(b.resourceId))
    .map(view);
  return { status: 200, jsonBody: { count: spokes.length, spokes } };
}

export async function getSpoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const parsed = vnetIdFrom(request);
  if (!parsed.ok) return parsed.response;
  const { store } = flowDeps();
  const record = await store.getRecord('spoke', parsed.vnetId);
  const audit = await store.listAudit(parsed.vnetId, 50);
  const instanceId = spokeInstanceId(parsed.vnetId);
  const orchestration = await df
    .getClient(context)
    .getStatus(instanceId)
    .then((s) => ({ instanceId, runtimeStatus: s.runtimeStatus, lastUpdatedTime: s.lastUpdatedTime }))
    .catch(() => ({ instanceId, runtimeStatus: null }));
  if (!record && audit.length === 0 && orchestration.runtimeStatus === null) {
    return problem(404, 'SpokeNotFound', `no record of ${parsed.vnetId}: the control plane has not seen this VNet (POST .../reconcile to look at it now)`);
  }
  return { status: 200, jsonBody: { ...(record ? view(record) : { vnetId: parsed.vnetId, condition: null }), orchestration, audit } };
}

const sweepBody = z
  .object({ subscriptions: z.array(z.string().regex(GUID, 'must be a subscription GUID')).min(1).optional() })
  .strict();

async function readJson(request: HttpRequest): Promise<{ ok: true; value: unknown } | { ok: false; response: HttpResponseInit }> {
  const text = await request.text();
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, response: problem(400, 'InvalidJson', `the body is not JSON: ${(e as Error).message}`) };
  }
}

export async function reconcileAll(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit | HttpResponse> {
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const parsed = sweepBody.safeParse(body.value);
  if (!parsed.success) {
    return problem(400, 'InvalidBody', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  const { config } = flowDeps();
  const requested = (parsed.data.subscriptions ?? config.watchedSubscriptions).map((s) => s.toLowerCase());
  const unwatched = requested.filter((s) => !config.watchedSubscriptions.includes(s));
  if (unwatched.length) {
    return problem(400, 'NotWatched', `not watched subscriptions: ${unwatched.join(', ')} (watched: ${config.watchedSubscriptions.join(', ')})`);
  }
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
  const result = await requestSpokeReconcile(df.getClient(context), { vnetId: parsed.vnetId, trigger, timing: timingFrom(config) });
  return { status: 202, jsonBody: { vnetId: parsed.vnetId, ...result } };
}

const withClient = { extraInputs: [df.input.durableClient()] };

app.http('listSpokes', { methods: ['GET'], route: 'spokes', authLevel: 'function', handler: listSpokes });
app.http('getSpoke', { methods: ['GET'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}', authLevel: 'function', ...withClient, handler: getSpoke });
app.http('reconcileSpokes', { methods: ['POST'], route: 'spokes/reconcile', authLevel: 'function', ...withClient, handler: reconcileAll });
app.http('reconcileSpoke', { methods: ['POST'], route: 'spokes/{subscriptionId}/{resourceGroup}/{vnetName}/reconcile', authLevel: 'function', ...withClient, handler: reconcileOne });
