/**
 * Time for the embedded default (host timers, the Durable engine, Event Grid retries, emulators): the wall clock,
 * and a virtual clock that tests move by hand. Orchestrators never read it: they get their time from the
 * OrchestratorStarted timestamps the engine writes into history.
 */
import type { Clock } from './contract';

/** Wall-clock time and `setTimeout` (long delays are chained, since setTimeout caps at ~24.8 days). */
export const wallClock: Clock = {
  now: () => Date.now(),
  schedule(at, fn) {
    const MAX_DELAY_MS = 2 ** 31 - 1;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay > MAX_DELAY_MS) {
        timer = setTimeout(arm, MAX_DELAY_MS);
      } else {
        timer = setTimeout(fn, Math.max(0, delay));
      }
      // A pending timer must not keep a process alive on its own: each component's stop() owns shutdown.
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when a test tells it to; due callbacks run synchronously in time order. */
export interface VirtualClock extends Clock {
  /** Moves time forward by `ms`, running every callback that falls due (including ones scheduled meanwhile). */
  advance(ms: number): void;
  /** Jumps to the earliest scheduled callback and runs it; false when nothing is scheduled. */
  advanceToNext(): boolean;
  /** Number of callbacks waiting. */
  pending(): number;
}

export function createVirtualClock(startMs = Date.UTC(2026, 0, 1)): VirtualClock {
  let now = startMs;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  const earliestDue = (limit: number): number | undefined => {
    let bestId: number | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const [id, t] of timers) {
      // Ties keep scheduling order (Map iteration order), like setTimeout.
      if (t.at <= limit && t.at < bestAt) {
        bestAt = t.at;
        bestId = id;
      }
    }
    return bestId;
  };

  const runUntil = (target: number): void => {
    for (let id = earliestDue(target); id !== undefined; id = earliestDue(target)) {
      const t = timers.get(id);
      timers.delete(id);
      if (!t) continue;
      now = Math.max(now, t.at);
      t.fn();
    }
    now = Math.max(now, target);
  };

  return {
    now: () => now,
    schedule(at, fn) {
      const id = nextId++;
      timers.set(id, { at, fn });
      return () => {
        timers.delete(id);
      };
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance needs a non-negative number of ms, got ${ms}`);
      runUntil(now + ms);
    },
    advanceToNext() {
      const id = earliestDue(Number.POSITIVE_INFINITY);
      if (id === undefined) return false;
      runUntil(timers.get(id)?.at ?? now);
      return true;
    },
    pending: () => timers.size,
  };
}
