/**
 * Event Grid's webhook delivery policy (Learn: "Event Grid message delivery and retry"): a fixed back-off schedule
 * (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h), bounded by max delivery attempts
 * (1..30, default 30) and the event time-to-live (1..1440 minutes, default 1440), whichever ends first; success is
 * 200..204; some answers are never retried. Durations are Azure time; the publisher multiplies them by its timeScale.
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/** Wait before retry n (index 0 = before the 2nd attempt); the last entry repeats. */
export const retryScheduleInMs: readonly number[] = [
  10 * second,
  30 * second,
  1 * minute,
  5 * minute,
  10 * minute,
  30 * minute,
  1 * hour,
  3 * hour,
  6 * hour,
  12 * hour,
];

export interface RetryPolicy {
  maxDeliveryAttempts: number;
  eventTimeToLiveInMinutes: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 };

/**
 * Statuses Event Grid does not retry for webhooks. The current Learn table lists 400, 401, 403 and 413; 404 is
 * included too because earlier revisions of the page (and the team brief) list it, and a deleted endpoint is the
 * case it stands for. Override per publisher when a test needs the narrower set.
 */
export const defaultNonRetriedStatuses: readonly number[] = [400, 401, 403, 404, 413];

/** Azure time to wait after `failedAttempts` failed attempts (1-based) before the next one. */
export function retryDelayInMs(failedAttempts: number): number {
  const index = Math.min(Math.max(failedAttempts - 1, 0), retryScheduleInMs.length - 1);
  return retryScheduleInMs[index] ?? 12 * hour;
}

export function isDeliverySuccess(status: number): boolean {
  return status >= 200 && status <= 204;
}

export type FailureDecision =
  | { action: 'retry'; delayInMs: number }
  | { action: 'deadLetter'; reason: DeadLetterReason };

/** Reasons as Azure's dead-letter records name them, plus one for answers that are never retried. */
export type DeadLetterReason = 'MaxDeliveryAttemptsExceeded' | 'TimeToLiveExceeded' | 'NonRetriableStatus';

/**
 * What to do after a failed attempt. Times are already scaled: `ageInMs` is how long ago the event was
 * published, `timeToLiveInMs` and the returned delay are in clock milliseconds.
 */
export function decideAfterFailure(input: {
  status: number | undefined;
  failedAttempts: number;
  ageInMs: number;
  policy: RetryPolicy;
  timeScale: number;
  nonRetriedStatuses: readonly number[];
}): FailureDecision {
  if (input.status !== undefined && input.nonRetriedStatuses.includes(input.status)) {
    return { action: 'deadLetter', reason: 'NonRetriableStatus' };
  }
  if (input.failedAttempts >= input.policy.maxDeliveryAttempts) {
    return { action: 'deadLetter', reason: 'MaxDeliveryAttemptsExceeded' };
  }
  const delayInMs = retryDelayInMs(input.failedAttempts) * input.timeScale;
  const timeToLiveInMs = input.policy.eventTimeToLiveInMinutes * minute * input.timeScale;
  if (input.ageInMs + delayInMs > timeToLiveInMs) {
    return { action: 'deadLetter', reason: 'TimeToLiveExceeded' };
  }
  return { action: 'retry', delayInMs };
}
