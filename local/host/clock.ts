/** The wall clock as a `Clock` (local/contract.ts), safe for far-away times. */
import type { Clock } from '../contract';

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are chained in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const wallClock: Clock = {
  now: () => Date.now(),
  schedule(at, fn) {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay > MAX_TIMEOUT_MS) handle = setTimeout(arm, MAX_TIMEOUT_MS);
      else handle = setTimeout(fn, Math.max(0, delay));
    };
    arm();
    return () => {
      if (handle) clearTimeout(handle);
    };
  },
};
