/**
 * What the HTTP routes share: error bodies, path validation, bounded JSON bodies, sweep requests, record filters, and
 * the one-resource routes (GET, POST .../reconcile, DELETE) of both managed kinds.
 */
import type { HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import type { ControlPlaneConfig } from '../shared/config';
import { requireRole, ROLES, tokenValidator, type Caller, type Role } from '../shared/auth/tokens';
import { problem as problemOf, type Problem } from '../shared/egress/request';
import { GUID, RESOURCE_GROUP } from '../shared/azure/resource-id';
import { unwatched } from '../shared/peering/selection';
import type { ManagedRecord, TriggerInfo } from '../shared/store/records';
import { checkReconcileRequest, flowDeps, forgetGoneResource, timingFrom, type RecordTarget, type ReconcileRequestOutcome, type Timing } from '../orchestrations/common';

export function problem(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

/** A refusal the request's IDs alone decide (NotWatched, IsHub): 400 with the reason as its code. */
const refuse = (refusal: { reason: string; message: string }): HttpResponseInit => problem(400, refusal.reason, refusal.message);

/** An RFC 9457 `application/problem+json` answer. */
export function problemAnswer(p: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return { status: p.status, headers: { 'Content-Type': 'application/problem+json', ...headers }, body: JSON.stringify(p) };
}

/** What an operator route lets a caller do: read it, or act on it (reconcile, delete a record, pin, run). */
export type Access = 'read' | 'write';

/** The app roles each access needs (any one of them). */
export const ACCESS_ROLES: Record<Access, readonly Role[]> = {
  read: [ROLES.reader, ROLES.operator, ROLES.approver],
  write: [ROLES.operator],
};

export type Authorized = { ok: true; caller: Caller } | { ok: false; response: HttpResponseInit };

/**
 * The caller of a request holding one of `roles` (the one token validator, shared/auth/tokens.ts), or the answer:
 * 401 problem+json with `WWW-Authenticate` (RFC 6750) when there is no valid token, 403 when the role is missing.
 */
export async function authorizeRoles(request: HttpRequest, config: ControlPlaneConfig, roles: readonly Role[]): Promise<Authorized> {
  const result = await tokenValidator(config.auth).authenticate(request.headers);
  if (!result.ok) return { ok: false, response: problemAnswer(problemOf(401, 'Unauthorized', result.description), { 'WWW-Authenticate': result.wwwAuthenticate }) };
  const role = requireRole(result.caller, ...roles);
  if (!role.ok) return { ok: false, response: problemAnswer(problemOf(403, 'Forbidden', role.message)) };
  return { ok: true, caller: result.caller };
}

/** {@link authorizeRoles} for an operator route's access. */
export function authorize(request: HttpRequest, access: Access): Promise<Authorized> {
  return authorizeRoles(request, flowDeps().config, ACCESS_ROLES[access]);
}

type Handler<R> = (request: HttpRequest, context: InvocationContext, caller: Caller) => Promise<R>;

/** A route handler behind {@link authorize}: it runs only for a caller with the access (and is told who it is). */
export function guarded<R extends HttpResponseInit | HttpResponse>(access: Access, handler: Handler<R>): (request: HttpRequest, context: InvocationContext) => Promise<R | HttpResponseInit> {
  return async (request, context) => {
    const auth = await authorize(request, access);
    return auth.ok ? handler(request, context, auth.caller) : auth.response;
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

/**
 * `/{subscriptionId}/{resourceGroup}/{name}` route parameters as an ARM ID of `type`, or a 400 naming every bad
 * part. `name.rule` is the resource type's own naming rule.
 */
export function resourceIdFrom(request: HttpRequest, type: string, name: { param: string; label: string; rule: RegExp }, code: string): Parsed<string> {
  const { subscriptionId = '', resourceGroup = '' } = request.params;
  const value = request.params[name.param] ?? '';
  const problems: string[] = [];
  if (!GUID.test(subscriptionId)) problems.push(`subscriptionId "${subscriptionId}" is not a GUID`);
  if (!RESOURCE_GROUP.test(resourceGroup)) problems.push(`resourceGroup "${resourceGroup}" is not a valid resource group name`);
  if (!name.rule.test(value)) problems.push(`${name.param} "${value}" is not a valid ${name.label} name`);
  if (problems.length) return { ok: false, response: problem(400, code, problems.join('; ')) };
  return { ok: true, value: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${type}/${value}` };
}

/** The largest body a route reads (a sweep request naming MAX_SWEEP_SUBSCRIPTIONS IDs takes about 4 KB). */
export const MAX_BODY_BYTES = 64 * 1024;
/** The most subscription IDs a sweep request may name, duplicates included (checked before any is looked at). */
export const MAX_SWEEP_SUBSCRIPTIONS = 100;

/** The body as text, read no further than `maxBytes` (413 beyond). */
async function readBody(request: HttpRequest, maxBytes: number = MAX_BODY_BYTES): Promise<Parsed<string>> {
  const tooLarge = (): Parsed<string> => ({ ok: false, response: problem(413, 'BodyTooLarge', `the body is larger than ${maxBytes} bytes, the most this route reads`) });
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return tooLarge();
  const stream = request.body;
  if (!stream) return { ok: true, value: '' };
  const reader = stream.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return tooLarge();
    }
    chunks.push(value);
  }
  return { ok: true, value: Buffer.concat(chunks).toString('utf8') };
}

/** The body as JSON (an empty body is `{}`), read no further than `maxBytes`: 413 beyond, 400 when not JSON. */
export async function readJson(request: HttpRequest, maxBytes: number = MAX_BODY_BYTES): Promise<Parsed<unknown>> {
  const text = await readBody(request, maxBytes);
  if (!text.ok) return text;
  if (text.value.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text.value) };
  } catch (e) {
    return { ok: false, response: problem(400, 'InvalidJson', `the body is not JSON: ${(e as Error).message}`) };
  }
}

// The list's bound (MAX_SWEEP_SUBSCRIPTIONS) is checked before this schema looks at any entry (sweepSubscriptions).
const sweepBody = z
  .object({ subscriptions: z.array(z.string().regex(GUID, 'must be a subscription GUID')).min(1).optional() })
  .strict();

/**
 * A sweep's subscriptions: the body's (`{"subscriptions": [...]}`: at most MAX_SWEEP_SUBSCRIPTIONS entries, each
 * watched; duplicates, in any casing, count once) or every watched one.
 */
export async function sweepSubscriptions(request: HttpRequest, config: ControlPlaneConfig): Promise<Parsed<string[]>> {
  const body = await readJson(request);
  if (!body.ok) return body;
  // The list's length first, so that a huge list is refused without looking at its entries.
  const listed = typeof body.value === 'object' && body.value !== null ? (body.value as { subscriptions?: unknown }).subscriptions : undefined;
  if (Array.isArray(listed) && listed.length > MAX_SWEEP_SUBSCRIPTIONS) {
    return { ok: false, response: problem(400, 'TooManySubscriptions', `subscriptions: ${listed.length} entries, at most ${MAX_SWEEP_SUBSCRIPTIONS} are accepted (omit the list to sweep every watched subscription)`) };
  }
  const parsed = sweepBody.safeParse(body.value);
  if (!parsed.success) {
    return { ok: false, response: problem(400, 'InvalidBody', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')) };
  }
  const requested = [...new Set((parsed.data.subscriptions ?? config.watchedSubscriptions).map((s) => s.toLowerCase()))];
  const refused = unwatched(config, requested);
  if (refused) return { ok: false, response: refuse(refused) };
  return { ok: true, value: requested };
}

/** The record filters of a request, for a next-page link. */
export function filtersOf(request: HttpRequest): Record<string, string | null> {
  return { status: request.query.get('status'), reason: request.query.get('reason') };
}

/** `?status=True|False|Unknown&reason=R` over records, sorted by ID. */
export function filterRecords(request: HttpRequest, records: ManagedRecord[]): Parsed<ManagedRecord[]> {
  const status = request.query.get('status');
  const reason = request.query.get('reason');
  if (status !== null && !['True', 'False', 'Unknown'].includes(status)) {
    return { ok: false, response: problem(400, 'InvalidQuery', `status must be True, False or Unknown (got "${status}")`) };
  }
  return {
    ok: true,
    value: records
      .filter((r) => (status === null || r.condition.status === status) && (reason === null || r.condition.reason.toLowerCase() === reason.toLowerCase()))
      .sort((a, b) => a.resourceId.localeCompare(b.resourceId)),
  };
}

/** What the one-resource routes of a managed kind (GET, POST .../reconcile, DELETE) need to know about it. */
export interface ManagedResourceRoutes {
  /** The ID field of the kind's views (`vnetId`, `endpointId`). */
  idField: string;
  /** The resource as people call it in messages (`VNet`, `private endpoint`). */
  label: string;
  /** The 404 code (`SpokeNotFound`, `EndpointNotFound`). */
  notFoundCode: string;
  target(id: string): RecordTarget;
  instanceId(id: string): string;
  view(record: ManagedRecord): Record<string, unknown>;
  /** What the ID alone refuses (`IsHub`, `NotWatched`): the same answer on every route. */
  refusal(config: ControlPlaneConfig, id: string): { reason: string; message: string } | undefined;
  /** The resource read from ARM through its port (null: it does not exist). */
  read(id: string): Promise<unknown>;
  request(client: df.DurableClient, id: string, trigger: TriggerInfo, timing: Timing): Promise<ReconcileRequestOutcome>;
}

const NOT_WATCHED = 'NotWatched';

/** GET one resource: its record, its orchestration's status and its last 50 audit entries (newest first). */
export async function getManaged(routes: ManagedResourceRoutes, id: string, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const instanceId = routes.instanceId(id);
  const target = routes.target(id);
  const [record, audit, orchestration] = await Promise.all([
    store.getRecord(target.kind, id),
    store.listAudit(id, 50),
    df
      .getClient(context)
      .getStatus(instanceId)
      .then((s) => ({ instanceId, runtimeStatus: s.runtimeStatus as string | null, lastUpdatedTime: s.lastUpdatedTime as unknown }))
      .catch(() => ({ instanceId, runtimeStatus: null })),
  ]);
  if (!record) {
    const refusal = routes.refusal(config, id);
    if (refusal) return refuse(refusal);
    return problem(404, routes.notFoundCode, `no record of ${id}: the control plane has not seen this ${routes.label}, or its record was deleted (POST .../reconcile to look at it now)`);
  }
  return { status: 200, jsonBody: { ...routes.view(record), orchestration, audit } };
}

/** POST .../reconcile: 400 for what the ID refuses, 404 for a resource that neither exists nor was ever recorded, else 202. */
export async function reconcileManaged(routes: ManagedResourceRoutes, id: string, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const refusal = routes.refusal(config, id);
  if (refusal) return refuse(refusal);
  const check = await checkReconcileRequest(store, routes.target(id), () => routes.read(id));
  if (check.kind === 'notFound') {
    return problem(404, routes.notFoundCode, `${id} does not exist and the control plane has no record of it: nothing to reconcile (check the subscription, resource group and name)`);
  }
  const trigger: TriggerInfo = { source: 'http', correlationId: context.invocationId };
  const result = await routes.request(df.getClient(context), id, trigger, timingFrom(config));
  return { status: 202, jsonBody: { [routes.idField]: id, ...result } };
}

/** DELETE: forgets the record of a resource that no longer exists (see forgetGoneResource); its audit stays. */
export async function forgetManaged(routes: ManagedResourceRoutes, id: string, context: InvocationContext): Promise<HttpResponseInit> {
  const { config, store } = flowDeps();
  const refusal = routes.refusal(config, id);
  if (refusal && refusal.reason !== NOT_WATCHED) return refuse(refusal);
  const target = { ...routes.target(id), instanceId: routes.instanceId(id), watched: refusal === undefined };
  const result = await forgetGoneResource(store, df.getClient(context), target, () => routes.read(id));
  switch (result.kind) {
    case 'unknown':
      return problem(404, routes.notFoundCode, `no record of ${id}: nothing to delete`);
    case 'running':
      return problem(409, 'ReconcileRunning', `a reconcile of ${id} is running (${result.runtimeStatus}): try again when it has finished`);
    case 'exists':
      return problem(409, 'StillExists', `${id} still exists: the control plane keeps its record while it does (delete the ${routes.label} first)`);
    case 'cleanupPending':
      return problem(
        409,
        'CleanupPending',
        `${id} no longer exists but its record says ${result.record.condition.reason}, not Deleted: the cleanup after it has not run yet; POST .../reconcile (it records Deleted once done), then DELETE again`,
      );
    case 'armError':
      return problem(502, 'ArmError', `could not confirm that ${id} is gone: ${result.error.code}: ${result.error.message}`);
    case 'changed':
      return problem(409, 'RecordChanged', `the record of ${id} changed while it was being deleted: read it and try again`);
    case 'forgotten':
      context.log(`${target.kind} ${id}: record deleted on request (it said ${result.record.condition.reason}); its audit entries are kept`);
      return { status: 200, jsonBody: { [routes.idField]: id, deleted: true, lastCondition: result.record.condition } };
  }
}

/** The page a list route answers when `?top` is absent, and the most it answers at once. */
export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;

export interface Page<T> {
  /** Every item matching the filters, across pages. */
  count: number;
  items: T[];
  /** Opaque: pass it back as `?continuationToken=` (with the same filters) for the next page; absent on the last. */
  continuationToken?: string;
  /** The next page's path and query, filters and top included. */
  nextLink?: string;
}

const tokenBody = z.object({ after: z.string().min(1).max(2_048) }).strict();

/**
 * One page of `items` (already filtered) in the order of `keyOf` (unique per item): `?top` (1..maxTop, default
 * `defaultTop`) items after the continuation token's key. The token names the last key handed out, not an offset,
 * so records added or removed between pages neither repeat nor skip the others. 400 `InvalidQuery` for a bad top or
 * token. `path` and `filters` make the next link.
 */
export function pageOf<T>(
  request: HttpRequest,
  items: T[],
  keyOf: (item: T) => string,
  link: { path: string; filters: Record<string, string | null> },
  bounds: { defaultTop: number; maxTop: number } = { defaultTop: DEFAULT_TOP, maxTop: MAX_TOP },
): Parsed<Page<T>> {
  const bad = (message: string): Parsed<Page<T>> => ({ ok: false, response: problem(400, 'InvalidQuery', message) });
  const rawTop = request.query.get('top');
  const top = rawTop === null ? bounds.defaultTop : Number(rawTop);
  if (!Number.isInteger(top) || top < 1 || top > bounds.maxTop) return bad(`top must be a whole number from 1 to ${bounds.maxTop} (got "${rawTop ?? ''}")`);
  const rawToken = request.query.get('continuationToken');
  let after: string | undefined;
  if (rawToken !== null) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(rawToken, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const parsed = tokenBody.safeParse(decoded);
    if (!parsed.success) return bad('continuationToken is not one this route handed out (pass back the continuationToken or nextLink of the previous page as it is)');
    after = parsed.data.after;
  }
  const sorted = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = after === undefined ? 0 : sorted.findIndex((e) => e.key > after);
  const rest = start < 0 ? [] : sorted.slice(start);
  const page = rest.slice(0, top);
  const last = page[page.length - 1];
  if (!last || rest.length <= top) return { ok: true, value: { count: items.length, items: page.map((e) => e.item) } };
  const continuationToken = Buffer.from(JSON.stringify({ after: last.key })).toString('base64url');
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(link.filters)) if (value !== null && value !== '') query.set(name, value);
  query.set('top', String(top));
  query.set('continuationToken', continuationToken);
  return { ok: true, value: { count: items.length, items: page.map((e) => e.item), continuationToken, nextLink: `${link.path}?${query.toString()}` } };
}

/** A page as a list route's body: `{count, <name>: [...], continuationToken?, nextLink?}`. */
export function pageBody<T>(name: string, page: Page<T>, view: (item: T) => unknown): Record<string, unknown> {
  return {
    count: page.count,
    [name]: page.items.map(view),
    ...(page.continuationToken ? { continuationToken: page.continuationToken, nextLink: page.nextLink } : {}),
  };
}
