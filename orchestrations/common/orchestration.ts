/** Orchestrator building blocks the flows share (deterministic: only context.df is used). */
import type * as df from 'durable-functions';
import type { ClassifiedError } from '../../shared/azure/errors';
import { resourceKey } from '../../shared/azure/resource-id';
import type { AuditEntry, Condition, TriggerInfo } from '../../shared/store/records';
import { callArm, timerIn } from './arm-retry';
import { COMMON_ACTIVITY, RECONCILE_EVENT } from './names';
import { RECONCILING, type ReconcileStart, type RecordTarget } from './record';
import type { ReconcileRequestOutcome } from './start';
import type { Timing } from './types';

/** Takes one pending `reconcile` request, if any was raised while this execution ran. */
export function* pendingReconcile(context: df.OrchestrationContext): Generator<df.Task, TriggerInfo | undefined, unknown> {
  const now = timerIn(context, 0);
  const request = context.df.waitForExternalEvent(RECONCILE_EVENT);
  const winner = yield context.df.Task.any([request, now]);
  if (winner !== request) return undefined;
  now.cancel();
  return request.result as TriggerInfo;
}

/** Resources handed over per activity call. */
const REQUEST_CHUNK = 50;

/** Hands resources to their orchestrations through `activity`, REQUEST_CHUNK per call, all calls in parallel. */
export function requestInChunks<R>(context: df.OrchestrationContext, activity: string, requests: R[]): df.Task[] {
  const calls: df.Task[] = [];
  for (let i = 0; i < requests.length; i += REQUEST_CHUNK) calls.push(context.df.callActivity(activity, { requests: requests.slice(i, i + REQUEST_CHUNK) }));
  return calls;
}

/** How a reconcile ended: the condition to record, details, audit entries, and the mode it ran in. */
export interface FlowOutcome {
  condition: Omit<Condition, 'lastTransitionTime' | 'type'>;
  details: Record<string, unknown>;
  audit: Omit<AuditEntry, 'at' | 'mode' | 'resourceId' | 'kind' | 'trigger'>[];
  mode?: 'enforce' | 'observe';
}

/**
 * A reconcile that leaves no record: the resource was never seen and does not exist (a typo, or created and deleted
 * before its first pass), is a hub (never a spoke), or its flow is switched off.
 */
export interface NoRecord {
  noRecord: 'NotFound' | 'IsHub' | 'Disabled';
  message: string;
}

export const isNoRecord = (outcome: FlowOutcome | NoRecord): outcome is NoRecord => 'noRecord' in outcome;

/** An ARM read that failed after its retries: Unknown, so a later event or sweep tries again. */
export const armFailure = (error: ClassifiedError, doing: string): FlowOutcome => ({
  condition: { status: 'Unknown', reason: 'ArmError', message: `${doing} failed (${error.class}): ${error.code}: ${error.message}` },
  details: {},
  audit: [],
});

/** What a reconciling orchestration's input always carries. */
export interface ReconcileInput {
  trigger: TriggerInfo;
  timing: Timing;
}

/**
 * The orchestrator every flow's per-resource reconciler uses: mark the record `Reconciling` when it has none yet
 * (beginReconcile), run `reconcile` once (a thrown error is recorded as ControllerError; `start.seen` tells it
 * whether the resource had been recorded before, so that a resource gone is `Deleted` only if it was ever seen),
 * record the outcome through `recordActivity` (its input: the resource key, trigger, mode and the outcome) or,
 * for a NoRecord, remove the mark; and when a `reconcile` event arrived meanwhile, continue as new exactly once
 * more. `key` names the resource in both the record input and the next execution's input (e.g. `{ vnetId }`).
 */
export function reconcilingOrchestrator<I extends ReconcileInput>(
  reconcile: (context: df.OrchestrationContext, input: I, start: ReconcileStart) => Generator<df.Task, FlowOutcome | NoRecord, unknown>,
  recordActivity: string,
  key: (input: I) => Record<string, string>,
  target: (input: I) => RecordTarget,
): df.OrchestrationHandler {
  return function* (context) {
    const input = context.df.getInput<I>();
    let outcome: FlowOutcome | NoRecord;
    try {
      const start = (yield context.df.callActivity(COMMON_ACTIVITY.beginReconcile, { target: target(input), trigger: input.trigger })) as ReconcileStart;
      context.df.setCustomStatus({ status: 'Unknown', reason: RECONCILING });
      outcome = yield* reconcile(context, input, start);
    } catch (e) {
      // A bug or a broken activity, not an ARM answer: still leave a recorded reason behind.
      outcome = { condition: { status: 'Unknown', reason: 'ControllerError', message: (e as Error).message }, details: {}, audit: [] };
    }
    if (isNoRecord(outcome)) {
      context.df.setCustomStatus({ status: null, reason: outcome.noRecord });
      yield context.df.callActivity(COMMON_ACTIVITY.recordNothing, { target: target(input), why: { reason: outcome.noRecord, message: outcome.message } });
    } else {
      context.df.setCustomStatus({ status: outcome.condition.status, reason: outcome.condition.reason });
      const { mode = 'enforce', condition, details, audit } = outcome;
      yield context.df.callActivity(recordActivity, { ...key(input), trigger: input.trigger, mode, condition, details, audit });
    }
    const next = yield* pendingReconcile(context);
    if (next) {
      context.df.continueAsNew({ ...key(input), trigger: next, timing: input.timing });
      return undefined;
    }
    return isNoRecord(outcome) ? outcome : outcome.condition;
  };
}

/**
 * What a sweep shows as its custom status while it runs. Azure fails an orchestration whose custom status exceeds
 * 16 KB of UTF-16 JSON text (learn.microsoft.com/azure/durable-task/common/durable-task-custom-orchestration-status),
 * so this is counts and the last failure (cut to MAX_FAILURE_CHARS), never a per-subscription list: that goes to the
 * output.
 */
export interface SweepProgress {
  phase: 'listing' | 'requesting';
  subscriptions: number;
  listed: number;
  failed: number;
  found: number;
  lastFailure?: string;
}

export const MAX_FAILURE_CHARS = 500;

export function sweepProgress(phase: SweepProgress['phase'], total: number, done: Array<{ subscriptionId: string; error?: string }>, found: number): SweepProgress {
  const failures = done.filter((d) => d.error !== undefined);
  const last = failures[failures.length - 1];
  const lastFailure = last ? `${last.subscriptionId}: ${last.error ?? ''}` : undefined;
  return {
    phase,
    subscriptions: total,
    listed: done.length - failures.length,
    failed: failures.length,
    found,
    ...(lastFailure ? { lastFailure: lastFailure.length > MAX_FAILURE_CHARS ? `${lastFailure.slice(0, MAX_FAILURE_CHARS - 3)}...` : lastFailure } : {}),
  };
}

/**
 * The resources recorded in the subscriptions a sweep listed (successfully) that the listing no longer shows: they
 * were deleted while no event reached us. The sweep reconciles them (without a snapshot), so each is read, found
 * gone, cleaned up after and recorded `Deleted`: a record never says Converged about a resource that is gone.
 */
export function* goneSinceRecorded(context: df.OrchestrationContext, kind: 'spoke' | 'endpoint', listedSubscriptions: string[], listedIds: string[]): Generator<df.Task, string[], unknown> {
  if (listedSubscriptions.length === 0) return [];
  const recorded = (yield context.df.callActivity(COMMON_ACTIVITY.recordedResources, { kind, subscriptions: listedSubscriptions })) as string[];
  const listed = new Set(listedIds.map(resourceKey));
  return recorded.filter((id) => !listed.has(resourceKey(id)));
}

export interface SweepInput {
  subscriptions: string[];
  trigger: TriggerInfo;
  timing: Timing;
}

/** What a sweep returns; `C` names each subscription's count (`vnets`, `endpoints`). */
export type SweepResult<C extends string> = {
  subscriptions: Array<{ subscriptionId: string; error?: string } & Record<C, number>>;
  started: number;
  signalled: number;
  /** Recorded resources the listing no longer shows, reconciled to find them gone (Deleted). */
  gone: number;
};

/** What a flow's sweep lists and requests; everything else is the same for every flow. */
export interface SweepSpec<C extends string, T extends { id: string }> {
  kind: 'spoke' | 'endpoint';
  /** The activity listing one subscription's resources (`{ subscriptionId }` -> ArmResult<T[]>). */
  listActivity: string;
  /** The activity taking a chunk of reconcile requests (`{ requests }` -> ReconcileRequestOutcome[]). */
  requestActivity: string;
  countField: C;
  /** The reconcile request for a listed resource (with its snapshot) or for one found gone (without). */
  request(id: string, trigger: TriggerInfo, snapshot?: T): unknown;
}

/**
 * A flow's sweep: each subscription listed (one activity, retried as ARM answers), its resources handed to their
 * orchestrations as snapshots in chunks, and the resources recorded in a listed subscription that the listing no
 * longer shows reconciled too (without a snapshot), so those deleted while no event reached us are found gone. The
 * custom status is bounded progress (sweepProgress), whatever the number of subscriptions.
 */
export function sweepOrchestrator<C extends string, T extends { id: string }>(spec: SweepSpec<C, T>): df.OrchestrationHandler {
  return function* (context) {
    const input = context.df.getInput<SweepInput>();
    const result: SweepResult<C> = { subscriptions: [], started: 0, signalled: 0, gone: 0 };
    const found: T[] = [];
    const count = (n: number): Record<C, number> => ({ [spec.countField]: n }) as Record<C, number>;
    for (const subscriptionId of input.subscriptions) {
      const listed = yield* callArm<T[]>(context, spec.listActivity, { subscriptionId }, input.timing);
      if (listed.ok) {
        found.push(...listed.value);
        result.subscriptions.push({ subscriptionId, ...count(listed.value.length) });
      } else {
        result.subscriptions.push({ subscriptionId, ...count(0), error: `${listed.error.code}: ${listed.error.message}` });
      }
      context.df.setCustomStatus(sweepProgress('listing', input.subscriptions.length, result.subscriptions, found.length));
    }
    const listedSubscriptions = result.subscriptions.filter((s) => s.error === undefined).map((s) => s.subscriptionId);
    const gone = yield* goneSinceRecorded(context, spec.kind, listedSubscriptions, found.map((r) => r.id));
    result.gone = gone.length;
    context.df.setCustomStatus(sweepProgress('requesting', input.subscriptions.length, result.subscriptions, found.length));
    const requests = [...found.map((snapshot) => spec.request(snapshot.id, input.trigger, snapshot)), ...gone.map((id) => spec.request(id, input.trigger))];
    const calls = requestInChunks(context, spec.requestActivity, requests);
    if (calls.length) {
      const outcomes = (yield context.df.Task.all(calls)) as ReconcileRequestOutcome[][];
      for (const o of outcomes.flat()) result[o.outcome] += 1;
    }
    return result;
  };
}
