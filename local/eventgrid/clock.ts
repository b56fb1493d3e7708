/**
 * Clocks for the publisher's retry and injection timers: the real one, and a manual one tests advance by hand.
 * Both implement the shared `Clock` seam (local/contract.ts).
 */
import type { Clock } from '../contract';

/** Wall-clock time and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(at, fn) {
    const timer = setTimeout(fn, Math.max(0, at - Date.now()));
    return () => clearTimeout(timer);
  },
};

/** A clock that only moves when told to; due callbacks run in time order, synchronously, inside `advance`. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` and runs every callback that became due (including ones scheduled meanwhile). */
  advance(ms: number): void;
  /** Moves time to the next scheduled callback and runs it; returns false when nothing is scheduled. */
  advanceToNext(): boolean;
  /** How many callbacks are waiting. */
  pending(): number;
}

export function createManualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let now = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();

  const nextDue = (limit: number): [number, { at: number; fn: () => void }] | undefined => {
    let best: [number, { at: number; fn: () => void }] | undefined;
    for (const entry of timers) {
      if (entry[1].at > limit) continue;
      // Ties run in scheduling order, like setTimeout.
      if (best === undefined || entry[1].at < best[1].at) best = entry;
    }
    return best;
  };

  const runDue = (target: number): void => {
    for (let due = nextDue(target); due !== undefined; due = nextDue(target)) {
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].fn();
    }
    now = Math.max(now, target);
  };

  return {
    now: () => now,
    schedule(at, fn) {
      const id = sequence++;
      timers.set(id, { at, fn });
      return () => {
        timers.delete(id);
      };
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`ManualClock.advance needs a non-negative number of ms, got ${ms}`);
      runDue(now + ms);
    },
    advanceToNext() {
      const due = nextDue(Number.POSITIVE_INFINITY);
      if (due === undefined) return false;
      runDue(due[1].at);
      return true;
    },
    pending: () => timers.size,
  };
}
