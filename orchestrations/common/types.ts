/** Plain data shared by the flows' orchestrators and activities. */
import type { ClassifiedError } from '../../shared/azure/errors';

/** Retry and wait bounds, fixed when an orchestration starts so that replay sees the same values. */
export interface Timing {
  /** First backoff step; doubled per attempt, capped at maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Attempts of one ARM call (reads by the orchestrator, writes by the hub writer) before giving up. */
  maxAttempts: number;
  /** How long a spoke waits for its hub writer before checking on it. */
  hubReplyTimeoutMs: number;
  /** Observe -> write -> verify rounds per execution before recording NotConverged. */
  maxPasses: number;
}

export type ArmResult<T> = { ok: true; value: T } | { ok: false; error: ClassifiedError };
