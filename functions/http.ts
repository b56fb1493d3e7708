/** What the HTTP routes share: error bodies, path validation, JSON bodies, sweep requests, record filters. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import type { ControlPlaneConfig } from '../shared/config';
import type { AuditEntry, ManagedKind, ManagedRecord, RecordStore } from '../shared/store/records';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const RESOURCE_GROUP = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/;

export function problem(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
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

async function readJson(request: HttpRequest): Promise<Parsed<unknown>> {
  const text = await request.text();
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, response: problem(400, 'InvalidJson', `the body is not JSON: ${(e as Error).message}`) };
  }
}

const sweepBody = z
  .object({ subscriptions: z.array(z.string().regex(GUID, 'must be a subscription GUID')).min(1).optional() })
  .strict();

/** A sweep's subscriptions: the body's (`{"subscriptions": [...]}`, each watched) or every watched one. */
export async function sweepSubscriptions(request: HttpRequest, config: ControlPlaneConfig): Promise<Parsed<string[]>> {
  const body = await readJson(request);
  if (!body.ok) return body;
  const parsed = sweepBody.safeParse(body.value);
  if (!parsed.success) {
    return { ok: false, response: problem(400, 'InvalidBody', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')) };
  }
  const requested = (parsed.data.subscriptions ?? config.watchedSubscriptions).map((s) => s.toLowerCase());
  const unwatched = requested.filter((s) => !config.watchedSubscriptions.includes(s));
  if (unwatched.length) {
    return { ok: false, response: problem(400, 'NotWatched', `not watched subscriptions: ${unwatched.join(', ')} (watched: ${config.watchedSubscriptions.join(', ')})`) };
  }
  return { ok: true, value: requested };
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

export interface ResourceState {
  record: ManagedRecord | null;
  /** The last 50 audit entries, newest first. */
  audit: AuditEntry[];
  orchestration: { instanceId: string; runtimeStatus: string | null; lastUpdatedTime?: unknown };
  /** Nothing known at all: no record, no audit, no orchestration (the route's 404). */
  unknown: boolean;
}

/** What one managed resource's GET route shows: its record, audit and orchestration status, read together. */
export async function resourceState(context: InvocationContext, store: RecordStore, kind: ManagedKind, resourceId: string, instanceId: string): Promise<ResourceState> {
  const [record, audit, orchestration] = await Promise.all([
    store.getRecord(kind, resourceId),
    store.listAudit(resourceId, 50),
    df
      .getClient(context)
      .getStatus(instanceId)
      .then((s) => ({ instanceId, runtimeStatus: s.runtimeStatus as string, lastUpdatedTime: s.lastUpdatedTime }))
      .catch(() => ({ instanceId, runtimeStatus: null })),
  ]);
  return { record, audit, orchestration, unknown: !record && audit.length === 0 && orchestration.runtimeStatus === null };
}
