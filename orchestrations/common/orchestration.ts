/** Orchestrator building blocks the flows share (deterministic: only context.df is used). */
import type * as df from 'durable-functions';
import type { TriggerInfo } from '../../shared/store/records';
import { timerIn } from './arm-retry';
import { RECONCILE_EVENT } from './names';

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
