/**
 * The egress API: workload teams request egress FQDN rules for their spoke, the platform team decides, over HTTP with
 * Entra ID bearer tokens (shared/auth/tokens.ts). Answers that refuse are RFC 9457 `application/problem+json`.
 *   POST /api/egress-requests                      Egress.Requester; Idempotency-Key; -> 202 {id, status} + Location
 *   GET  /api/egress-requests[?status=&spoke=&top=&continuationToken=]   either role; paged, newest first
 *   GET  /api/egress-requests/{id}                 either role
 *   POST /api/egress-requests/{id}/decision        Egress.Approver, never the requester; {verdict, comment} -> 202
 *   POST /api/egress-requests/{id}/revoke          the requester or an approver -> 202
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { ROLES, type Caller, type Role } from '../shared/auth/tokens';
import { resourceKey } from '../shared/azure/resource-id';
import type { ControlPlaneConfig } from '../shared/config';
import { bodyFingerprint, checkDecision, checkIdempotencyKey, FINAL_STATES, parseRequestBody, problem, replayOrConflict, requestIdFor, type Decision, type EgressState, type Problem } from '../shared/egress/request';
import type { ManagedRecord } from '../shared/store/records';
import { inTriggerSpan, SPAN_ATTRIBUTES } from '../shared/telemetry';
import { flowDeps } from '../orchestrations/common';
import { isActive, runtimeStatus } from '../orchestrations/common/start';
import { DECISION_EVENT, detailsOf, REVOKE_EVENT, submitRequest, type DecisionEvent, type EgressDetails, type EgressRequestSpec } from '../orchestrations/egress';
import { authorizeRoles, pageBody, pageOf, problemAnswer, readJson } from './http';

const MAX_PAGE = 100;
const REQUEST_ID = /^egr-[0-9a-f]{24}$/;

const answer = problemAnswer;

/** The caller, or the 401/403/404 answer (404 first: no egress block, no egress API). */
async function authorize(request: HttpRequest, roles: Role[]): Promise<{ ok: true; caller: Caller; config: ControlPlaneConfig } | { ok: false; response: HttpResponseInit }> {
  const { config } = flowDeps();
  if (!config.egress) return { ok: false, response: answer(problem(404, 'Egress not configured', 'the control plane has no egress block in its topology document')) };
  const auth = await authorizeRoles(request, config, roles);
  return auth.ok ? { ok: true, caller: auth.caller, config } : auth;
}

/**
 * A body readJson refused (not JSON, too large) as problem+json: its status and its message as the detail (not the
 * other routes' error object serialized into it).
 */
function unreadBody(response: HttpResponseInit): Problem {
  const status = response.status ?? 400;
  const message = (response.jsonBody as { error?: { message?: unknown } } | undefined)?.error?.message;
  return problem(status, status === 413 ? 'Body too large' : 'Invalid request', typeof message === 'string' ? message : 'the body could not be read');
}

function view(record: ManagedRecord): Record<string, unknown> {
  const d = detailsOf(record);
  return {
    id: d.request.id,
    status: d.status,
    spokeVnetId: d.request.spokeVnetId,
    destinations: d.request.destinations,
    justification: d.request.justification,
    ttlDays: d.request.ttlDays,
    approvalsRequired: d.request.approvalsRequired,
    notes: d.request.notes,
    requestedBy: d.request.requestedBy,
    ...(d.request.requestedByName ? { requestedByName: d.request.requestedByName } : {}),
    requestedAt: d.request.requestedAt,
    fingerprint: d.request.fingerprint,
    decisions: d.decisions,
    history: d.history,
    ...(d.decisionDeadline ? { decisionDeadline: d.decisionDeadline } : {}),
    ...(d.expiresAt ? { expiresAt: d.expiresAt } : {}),
    ...(d.rule ? { rule: d.rule } : {}),
    ...(d.platformRequestId ? { platformRequestId: d.platformRequestId } : {}),
    condition: record.condition,
  };
}

const accepted = (id: string, status: EgressState): HttpResponseInit => ({ status: 202, headers: { Location: `/api/egress-requests/${id}` }, jsonBody: { id, status } });

export async function createRequest(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const auth = await authorize(request, [ROLES.requester]);
  if (!auth.ok) return auth.response;
  const egress = auth.config.egress;
  if (!egress) return answer(problem(404, 'Egress not configured', 'no egress block'));
  const key = checkIdempotencyKey(request.headers.get('idempotency-key'));
  if (!key.ok) return answer(key.problem);
  const raw = await readJson(request);
  if (!raw.ok) return answer(unreadBody(raw.response));
  const { firewall, store } = flowDeps();
  const fqdnTags = await fqdnTagsOf(auth.config, firewall.listFqdnTags.bind(firewall));
  if (!fqdnTags) return answer(problem(503, 'FQDN tags unavailable', 'the firewall\'s FQDN tag list could not be read from ARM; try again'), { 'Retry-After': '30' });
  const parsed = parseRequestBody(raw.value, { fqdnTags, defaultTtlDays: egress.defaultTtlDays });
  if (!parsed.ok) return answer(parsed.problem);
  const id = requestIdFor(auth.caller.oid, key.key);
  const fingerprint = bodyFingerprint(parsed.value);
  const existing = await store.getRecord('egressRequest', id);
  if (existing) {
    const d = detailsOf(existing);
    if (replayOrConflict(d.request, fingerprint) === 'conflict') {
      return answer(problem(422, 'Idempotency key reused', 'this Idempotency-Key was used for another request body; use a new key for a new request'));
    }
    return accepted(id, d.status);
  }
  const spec: EgressRequestSpec = {
    id,
    ...parsed.value,
    requestedBy: auth.caller.oid,
    ...(auth.caller.name ? { requestedByName: auth.caller.name } : {}),
    requestedAt: new Date().toISOString(),
    fingerprint,
    source: 'http',
  };
  // The request's trace is keyed by this call's invocation ID (no Event Grid correlation): its orchestration's
  // activities and the policy writer's ARM requests carry it.
  const trigger = { source: 'http' as const, correlationId: context.invocationId, principal: auth.caller.oid };
  await inTriggerSpan('http egress request', trigger, { [SPAN_ATTRIBUTES.flow]: 'egress', [SPAN_ATTRIBUTES.resourceId]: id }, () => submitRequest(store, df.getClient(context), auth.config, spec, trigger));
  context.log(`egressRequest ${id}: requested by ${auth.caller.oid} for ${parsed.value.spokeVnetId} (${parsed.value.destinations.length} destination(s))`);
  return accepted(id, 'PendingApproval');
}

let tagCache: { at: number; tags: string[] } | undefined;

/** The firewall's FQDN tags (from the first policy's subscription), cached for ten minutes; undefined when ARM fails. */
async function fqdnTagsOf(config: ControlPlaneConfig, list: (subscriptionId: string) => Promise<string[]>): Promise<string[] | undefined> {
  if (tagCache && Date.now() - tagCache.at < 600_000) return tagCache.tags;
  const policy = config.egress?.firewallPolicies[0]?.policyId ?? '';
  const subscription = policy.split('/')[2] ?? '';
  try {
    const tags = await list(subscription);
    tagCache = { at: Date.now(), tags };
    return tags;
  } catch {
    return undefined;
  }
}

/** Newest first: the key orders by request time, descending, then by ID. */
const newestFirst = (r: ManagedRecord): string => {
  const d = detailsOf(r);
  return `${String(8_640_000_000_000_000 - Date.parse(d.request.requestedAt)).padStart(16, '0')}|${d.request.id}`;
};

export async function listRequests(request: HttpRequest): Promise<HttpResponseInit> {
  const auth = await authorize(request, [ROLES.requester, ROLES.approver]);
  if (!auth.ok) return auth.response;
  const status = request.query.get('status');
  const spoke = request.query.get('spoke');
  const records = (await flowDeps().store.listRecords('egressRequest'))
    .filter((r) => !status || detailsOf(r).status.toLowerCase() === status.toLowerCase())
    .filter((r) => !spoke || resourceKey(detailsOf(r).request.spokeVnetId) === resourceKey(spoke));
  const page = pageOf(request, records, newestFirst, { path: '/api/egress-requests', filters: { status, spoke } }, { defaultTop: 50, maxTop: MAX_PAGE });
  if (!page.ok) return answer(problem(400, 'Invalid request', (page.response.jsonBody as { error: { message: string } }).error.message));
  return { status: 200, jsonBody: pageBody('value', page.value, view) };
}

async function recordOr404(id: string): Promise<{ ok: true; record: ManagedRecord; version: string } | { ok: false; response: HttpResponseInit }> {
  if (!REQUEST_ID.test(id)) return { ok: false, response: answer(problem(404, 'Not found', `no egress request ${id}`)) };
  const found = await flowDeps().store.getVersioned('egressRequest', id);
  return found ? { ok: true, ...found } : { ok: false, response: answer(problem(404, 'Not found', `no egress request ${id}`)) };
}

export async function getRequest(request: HttpRequest): Promise<HttpResponseInit> {
  const auth = await authorize(request, [ROLES.requester, ROLES.approver]);
  if (!auth.ok) return auth.response;
  const found = await recordOr404(request.params.id ?? '');
  if (!found.ok) return found.response;
  return { status: 200, jsonBody: { ...view(found.record), audit: await flowDeps().store.listAudit(found.record.resourceId, 50) } };
}

const decisionBody = z.object({ verdict: z.enum(['approve', 'reject']), comment: z.string().max(1_000).default('') }).strict();

export async function decide(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const auth = await authorize(request, [ROLES.approver]);
  if (!auth.ok) return auth.response;
  const raw = await readJson(request);
  if (!raw.ok) return answer(unreadBody(raw.response));
  const body = decisionBody.safeParse(raw.value);
  if (!body.success) return answer(problem(400, 'Invalid request', body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')));
  const { store } = flowDeps();
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await recordOr404(request.params.id ?? '');
    if (!found.ok) return found.response;
    const d = detailsOf(found.record);
    const check = checkDecision({ status: d.status, requestedBy: d.request.requestedBy, approvalsRequired: d.request.approvalsRequired, decisions: d.decisions }, auth.caller.oid);
    if (!check.ok) return answer(check.problem);
    const decision: Decision = { verdict: body.data.verdict, comment: body.data.comment, by: auth.caller.oid, ...(auth.caller.name ? { byName: auth.caller.name } : {}), at: new Date().toISOString(), fingerprint: d.request.fingerprint };
    const decisions = [...d.decisions, decision];
    const next: EgressDetails = { ...d, decisions };
    const written = await store.putRecordIf({ ...found.record, details: next as unknown as Record<string, unknown>, updatedAt: decision.at }, found.version);
    if (!written) continue;
    await store.appendAudit([{ at: decision.at, resourceId: d.request.id, kind: 'egressRequest', action: 'decision', outcome: 'succeeded', reason: `${decision.verdict} by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`, after: { verdict: decision.verdict, by: decision.by, comment: decision.comment, fingerprint: decision.fingerprint }, mode: auth.config.mode }]);
    const event: DecisionEvent = { decisions };
    await df.getClient(context).raiseEvent(d.request.id, DECISION_EVENT, event);
    return { status: 202, jsonBody: { id: d.request.id, decision } };
  }
  return answer(problem(409, 'Conflict', 'the request changed while the decision was being recorded; read it and decide again'));
}

export async function revoke(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const auth = await authorize(request, [ROLES.requester, ROLES.approver]);
  if (!auth.ok) return auth.response;
  const found = await recordOr404(request.params.id ?? '');
  if (!found.ok) return found.response;
  const d = detailsOf(found.record);
  const isApprover = auth.caller.roles.includes(ROLES.approver);
  if (!isApprover && d.request.requestedBy !== auth.caller.oid) return answer(problem(403, 'Forbidden', 'only the requester or an approver may revoke a request'));
  if (FINAL_STATES.has(d.status) || d.status === 'Revoking') return answer(problem(409, 'Not revocable', `the request is ${d.status}`));
  const client = df.getClient(context);
  if (!isActive(await runtimeStatus(client, d.request.id))) return answer(problem(409, 'Not revocable', `the request's orchestration is not running (status ${d.status})`));
  await client.raiseEvent(d.request.id, REVOKE_EVENT, { by: auth.caller.oid });
  await flowDeps().store.appendAudit([{ at: new Date().toISOString(), resourceId: d.request.id, kind: 'egressRequest', action: 'revoke', outcome: 'succeeded', reason: `revoked by ${auth.caller.oid}`, mode: auth.config.mode }]);
  return { status: 202, jsonBody: { id: d.request.id, status: d.status } };
}

const withClient = { extraInputs: [df.input.durableClient()] };
// Anonymous at the Functions level: every route validates a bearer token itself.
app.http('createEgressRequest', { methods: ['POST'], route: 'egress-requests', authLevel: 'anonymous', ...withClient, handler: createRequest });
app.http('listEgressRequests', { methods: ['GET'], route: 'egress-requests', authLevel: 'anonymous', handler: listRequests });
app.http('getEgressRequest', { methods: ['GET'], route: 'egress-requests/{id}', authLevel: 'anonymous', handler: getRequest });
app.http('decideEgressRequest', { methods: ['POST'], route: 'egress-requests/{id}/decision', authLevel: 'anonymous', ...withClient, handler: decide });
app.http('revokeEgressRequest', { methods: ['POST'], route: 'egress-requests/{id}/revoke', authLevel: 'anonymous', ...withClient, handler: revoke });
