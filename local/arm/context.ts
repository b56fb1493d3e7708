/** What every handler gets: the parsed request, and the emulator's shared machinery. */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../contract';
import { ArmError, invalidRequestContent, resourceGroupNotFound } from './errors';
import type { FaultInjector } from './faults';
import type { NotificationHub, ResourceNotification } from './notifications';
import { operationName, remoteLockError, type RemoteLockChooser } from './lockConflicts';
import type { OperationFlavor, OperationRecord, OperationTracker } from './operations';
import type { ArmEmulatorLog, LroKind } from './options';
import type { ArmState, ProvisioningState, ResourceGroupRecord } from './state';

/** A request as the router sees it, whichever transport carried it. Header names are lower case. */
export interface ArmRequest {
  method: string;
  url: URL;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body; omitted for empty answers. */
  body?: unknown;
}

export interface Principal {
  id: string;
  tenantId: string;
  claims: Record<string, string>;
}

export interface RequestContext {
  request: ArmRequest;
  method: string;
  apiVersion: string;
  /** Origin the client used, e.g. `https://127.0.0.1:50123`; status URLs point back at it. */
  base: string;
  subscriptionId: string;
  correlationId: string;
  clientRequestId: string;
  principal: Principal;
}

export interface EmulatorCore {
  state: ArmState;
  operations: OperationTracker;
  faults: FaultInjector;
  notifications: NotificationHub;
  clock: Clock;
  timeScale: number;
  durations: Record<LroKind, number>;
  pageSize: number;
  log: ArmEmulatorLog;
  /** Picks the answer to a write whose remote VNet is held by an operation in progress. */
  remoteLocks: RemoteLockChooser;
}

/**
 * Refuses a write while an operation holds what it touches: its own resources (`lockKeys`) -> 409
 * AnotherOperationInProgress; only the remote VNet it references -> 409, 429 or 400 as `core.remoteLocks` picks.
 */
export function assertWritable(
  core: EmulatorCore,
  input: { lockKeys: readonly string[]; remote?: { key: string; id: string; referencingId: string } },
): void {
  core.operations.assertUnlocked(input.lockKeys);
  const remote = input.remote;
  const holder = remote ? core.operations.holder(remote.key) : undefined;
  if (!remote || !holder) return;
  const remoteVnet = core.state.virtualNetworks.get(remote.key);
  throw remoteLockError(core.remoteLocks.next(), {
    holder,
    remoteId: remoteVnet?.id ?? remote.id,
    referencingId: remote.referencingId,
    remoteState: remoteVnet?.provisioningState ?? 'Updating',
    retryAfter: lroRetryAfter(core),
  });
}

export const newEtag = (): string => `W/"${randomUUID()}"`;

/** Retry-After on LRO answers: NRP sends 10 s. Rounded, so a scaled value under 0.5 s becomes 0 and the SDK falls
 * back to its `updateIntervalInMs` (core-lro lets a non-zero Retry-After override that option). */
export function lroRetryAfter(core: EmulatorCore, nominalSeconds = 10): Record<string, string> {
  return { 'Retry-After': String(Math.round(nominalSeconds * core.timeScale)) };
}

export function parseJsonBody(ctx: RequestContext): Record<string, unknown> {
  if (!ctx.request.body) throw invalidRequestContent('The request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.request.body);
  } catch (error) {
    throw invalidRequestContent(error instanceof Error ? error.message : 'malformed JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequestContent('Expected a JSON object');
  return parsed as Record<string, unknown>;
}

export function requireResourceGroup(core: EmulatorCore, ctx: RequestContext, name: string): ResourceGroupRecord {
  const rg = core.state.resourceGroup(ctx.subscriptionId, name);
  if (!rg || rg.provisioningState === 'Deleting') throw resourceGroupNotFound(name);
  return rg;
}

/** One page of a list answer, with a nextLink (same path, `$skiptoken`) when more remain. */
export function pagedAnswer(core: EmulatorCore, ctx: RequestContext, items: unknown[]): ArmResponse {
  const skip = Number(ctx.request.url.searchParams.get('$skiptoken') ?? '0');
  const start = Number.isFinite(skip) && skip > 0 ? skip : 0;
  const page = items.slice(start, start + core.pageSize);
  const body: { value: unknown[]; nextLink?: string } = { value: page };
  if (start + core.pageSize < items.length) {
    body.nextLink = `${ctx.base}${ctx.request.url.pathname}?api-version=${ctx.apiVersion}&$skiptoken=${start + core.pageSize}`;
  }
  return { status: 200, headers: {}, body };
}

export function notify(
  core: EmulatorCore,
  ctx: RequestContext,
  event: Pick<ResourceNotification, 'kind' | 'status' | 'resourceUri' | 'operationName' | 'error'> & {
    resourceGroup: string;
    resourceProvider: string;
  },
): void {
  core.notifications.publish({
    ...event,
    subscriptionId: ctx.subscriptionId,
    correlationId: ctx.correlationId,
    clientRequestId: ctx.clientRequestId,
    httpMethod: ctx.method,
    url: ctx.request.url.toString(),
    tenantId: ctx.principal.tenantId,
    claims: ctx.principal.claims,
    principalId: ctx.principal.id,
    time: new Date(core.clock.now()).toISOString(),
  });
}

export interface LroStart {
  flavor: OperationFlavor;
  kind: LroKind;
  region: string;
  resourceGroup: string;
  method: 'PUT' | 'PATCH' | 'DELETE';
  lockKeys: string[];
  resourceUri: string;
  /** e.g. `Microsoft.Network/virtualNetworks` — `/write` or `/delete` is appended. */
  operationType: string;
  complete: () => void;
  fail: (error: { code: string; message: string }) => void;
  result?: () => unknown;
}

/**
 * How a PUT's long-running operation ends for its resource: Succeeded with a fresh etag (after the write's own
 * `effects`, unless the resource was replaced or removed meanwhile: `stillCurrent`), or Failed.
 */
export function provisioningOutcome(
  resource: { provisioningState: ProvisioningState; etag: string },
  options: { etag?: () => string; stillCurrent?: () => boolean; effects?: () => void } = {},
): Pick<LroStart, 'complete' | 'fail'> {
  return {
    complete: () => {
      if (options.stillCurrent && !options.stillCurrent()) return;
      options.effects?.();
      resource.provisioningState = 'Succeeded';
      resource.etag = (options.etag ?? newEtag)();
    },
    fail: () => {
      resource.provisioningState = 'Failed';
    },
  };
}

/** Starts a long-running operation, honouring the lock and injected LRO failures; notifies when it settles. */
export function startLro(core: EmulatorCore, ctx: RequestContext, input: LroStart): OperationRecord {
  const injectedFailure = core.faults.takeLroFailure(ctx.method, ctx.request.url.pathname);
  const provider = input.operationType.split('/')[0] ?? 'Microsoft.Network';
  return core.operations.start({
    flavor: input.flavor,
    subscriptionId: ctx.subscriptionId,
    region: input.region,
    resourceGroup: input.resourceGroup,
    method: input.method,
    durationMs: core.durations[input.kind] * core.timeScale,
    lockKeys: input.lockKeys,
    statusUrl: (id) => statusUrl(ctx, input.flavor, input.region, input.resourceGroup, id, 'status'),
    injectedFailure: injectedFailure ? { code: injectedFailure.code, message: injectedFailure.message } : undefined,
    complete: input.complete,
    fail: input.fail,
    result: input.result,
    name: operationName(input.method, input.operationType),
    settled: (op) =>
      notify(core, ctx, {
        kind: input.method === 'DELETE' ? 'delete' : 'write',
        status: op.status === 'Succeeded' ? 'Succeeded' : 'Failed',
        resourceUri: input.resourceUri,
        operationName: `${input.operationType}/${input.method === 'DELETE' ? 'delete' : 'write'}`,
        resourceGroup: input.resourceGroup,
        resourceProvider: provider,
        error: op.error,
      }),
  });
}

/** The URLs where an operation's status (Azure-AsyncOperation) and result (Location) are served. */
export function statusUrl(
  ctx: RequestContext,
  flavor: OperationFlavor,
  region: string,
  resourceGroup: string,
  operationId: string,
  which: 'status' | 'result',
): string {
  const sub = `${ctx.base}/subscriptions/${ctx.subscriptionId}`;
  switch (flavor) {
    case 'network':
      return `${sub}/providers/Microsoft.Network/locations/${region}/${which === 'status' ? 'operations' : 'operationResults'}/${operationId}?api-version=${ctx.apiVersion}`;
    case 'privateDns':
      return `${sub}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/${which === 'status' ? 'privateDnsOperationStatuses' : 'privateDnsOperationResults'}/${operationId}?api-version=${ctx.apiVersion}`;
    case 'resourceGroup':
      return `${sub}/operationresults/${operationId}?api-version=${ctx.apiVersion}`;
    case 'cdn':
      // Azure-AsyncOperation as in the AFDOrigins_Update example (lower-case resourcegroups); the Location (result)
      // path is not in any example: unverified.
      return `${sub}/resourcegroups/${resourceGroup}/providers/Microsoft.Cdn/operationresults/${operationId}${which === 'result' ? '/result' : ''}?api-version=${ctx.apiVersion}`;
  }
}

/** 201/200 for an accepted network PUT (final-state-via azure-async-operation). */
export function acceptedPut(core: EmulatorCore, op: OperationRecord, created: boolean, body: unknown): ArmResponse {
  return { status: created ? 201 : 200, headers: { 'Azure-AsyncOperation': op.statusUrl, ...lroRetryAfter(core) }, body };
}

/** 202 for an accepted PATCH, with both headers (Microsoft.Cdn's TypeSpec: ArmAsyncOperationHeader & ArmLroLocationHeader). */
export function acceptedPatch(core: EmulatorCore, ctx: RequestContext, op: OperationRecord, body: unknown): ArmResponse {
  return {
    status: 202,
    headers: { 'Azure-AsyncOperation': op.statusUrl, Location: statusUrl(ctx, op.flavor, op.region, op.resourceGroup, op.id, 'result'), ...lroRetryAfter(core) },
    body,
  };
}

/** 202 for an accepted DELETE (final-state-via location), with both headers as NRP sends them. */
export function acceptedDelete(core: EmulatorCore, ctx: RequestContext, op: OperationRecord): ArmResponse {
  return {
    status: 202,
    headers: {
      'Azure-AsyncOperation': op.statusUrl,
      Location: statusUrl(ctx, op.flavor, op.region, op.resourceGroup, op.id, 'result'),
      ...lroRetryAfter(core),
    },
  };
}

export function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

export function stringArray(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidRequestContent(`'${field}' must be an array of strings`);
  }
  return value as string[];
}

export function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function tagsOf(value: unknown): Record<string, string> | undefined {
  const tags = record(value);
  return Object.keys(tags).length > 0 ? (tags as Record<string, string>) : undefined;
}

export function requireLocation(body: Record<string, unknown>): string {
  const location = body['location'];
  if (typeof location !== 'string' || location.length === 0) {
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  }
  return location.toLowerCase().replace(/\s+/g, '');
}
