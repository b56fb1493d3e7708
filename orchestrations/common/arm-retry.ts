/**
 * The orchestrators' one way to call an ARM-reading activity: retryable failures (classified once, in
 * shared/azure/errors.ts) wait on a durable timer for Retry-After or an exponential backoff, a bounded number of
 * times; terminal ones return at once. Durable's own retry options cannot honour Retry-After, hence this helper.
 */
import type * as df from 'durable-functions';
import { classifyArmError } from '../../shared/azure/errors';
import type { TriggerInfo } from '../../shared/store/records';
import type { ArmResult, Timing } from './types';

export function backoffMs(timing: Timing, attempt: number, retryAfterMs?: number): number {
  return Math.min(timing.maxRetryDelayMs, Math.max(retryAfterMs ?? 0, timing.retryDelayMs * 2 ** (attempt - 1)));
}

/** A durable timer `ms` after the orchestration's replay-safe current time (never the wall clock). */
export function timerIn(context: df.OrchestrationContext, ms: number): df.TimerTask {
  return context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
}

/**
 * An activity's object input with the trigger it works for added as `trigger` (unless it names one already), so
 * the activity's span joins that trigger's trace (tracedActivity in shared/telemetry). Other inputs are unchanged.
 */
export function withTrigger(input: unknown, trigger: TriggerInfo | undefined): unknown {
  if (!trigger || typeof input !== 'object' || input === null || Array.isArray(input) || 'trigger' in input) return input;
  return { ...input, trigger };
}

/**
 * `trigger`: the trigger the call works for, added to an object input as `trigger` so the activity's span joins its
 * trace (see tracedActivity in shared/telemetry).
 */
export function* callArm<T>(context: df.OrchestrationContext, activity: string, input: unknown, timing: Timing, trigger?: TriggerInfo): Generator<df.Task, ArmResult<T>, unknown> {
  const traced = withTrigger(input, trigger);
  for (let attempt = 1; ; attempt++) {
    const result = (yield context.df.callActivity(activity, traced)) as ArmResult<T>;
    if (result.ok || result.error.class !== 'retryable' || attempt >= timing.maxAttempts) return result;
    yield timerIn(context, backoffMs(timing, attempt, result.error.retryAfterMs));
  }
}

/** Runs an ARM call in an activity, returning a classified failure as a value instead of throwing. */
export async function arm<T>(work: () => Promise<T>): Promise<ArmResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    return { ok: false, error: classifyArmError(e) };
  }
}
