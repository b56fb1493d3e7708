/** Orchestrator building blocks the flows share (deterministic: only context.df is used). */
import type * as df from 'durable-functions';
import type { ClassifiedError } from '../../shared/azure/errors';
import type { AuditEntry, Condition, TriggerInfo } from '../../shared/store/records';
import { timerIn } from './arm-retry';
import { RECONCILE_EVENT } from './names';
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
 * The orchestrator every flow's per-resource reconciler uses: run `reconcile` once (a thrown error is recorded as
 * ControllerError), record the outcome through `recordActivity` (its input: the resource key, trigger, mode and
 * the outcome), and when a `reconcile` event arrived meanwhile, continue as new exactly once more. `key` names the
 * resource in both the record input and the next execution's input (e.g. `{ vnetId }`).
 */
export function reconcilingOrchestrator<I extends ReconcileInput>(
  reconcile: (context: df.OrchestrationContext, input: I) => Generator<df.Task, FlowOutcome | null, unknown>,
  recordActivity: string,
  key: (input: I) => Record<string, string>,
): df.OrchestrationHandler {
  return function* (context) {
    const input = context.df.getInput<I>();
    let outcome: FlowOutcome | null;
    try {
      outcome = yield* reconcile(context, input);
    } catch (e) {
      // A bug or a broken activity, not an ARM answer: still leave a recorded reason behind.
      outcome = { condition: { status: 'Unknown', reason: 'ControllerError', message: (e as Error).message }, details: {}, audit: [] };
    }
    if (outcome) {
      context.df.setCustomStatus({ status: outcome.condition.status, reason: outcome.condition.reason });
      const { mode = 'enforce', condition, details, audit } = outcome;
      yield context.df.callActivity(recordActivity, { ...key(input), trigger: input.trigger, mode, condition, details, audit });
    }
    const next = yield* pendingReconcile(context);
    if (next) {
      context.df.continueAsNew({ ...key(input), trigger: next, timing: input.timing });
      return undefined;
    }
    return outcome?.condition ?? null;
  };
}
