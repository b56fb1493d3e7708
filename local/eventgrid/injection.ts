/**
 * Fault injection for deliveries, so consumers are tested against what Event Grid allows itself: duplicates
 * (at-least-once), reordering (no order guarantee) and lateness. Switches apply to every event subscription and can
 * be changed while the publisher runs.
 */
import { z } from 'zod';

export const injectionSettingsSchema = z.object({
  /** After a successful delivery, send the same batch again: the next N deliveries and/or with a probability. */
  duplicate: z
    .object({ probability: z.number().min(0).max(1).optional(), next: z.int().min(0).optional() })
    .optional(),
  /**
   * Hold events per subscription until `window` have gathered (or `maxHoldInMs` clock ms passed), then release them
   * in a shuffled order that is guaranteed to differ from the original when the window holds two or more.
   */
  reorder: z.object({ window: z.int().min(2), maxHoldInMs: z.number().min(0).optional() }).optional(),
  /** Delay every event's first delivery by `ms` (+ up to `jitterMs`) clock milliseconds. */
  delay: z.object({ ms: z.number().min(0), jitterMs: z.number().min(0).optional() }).optional(),
});
export type InjectionSettings = z.infer<typeof injectionSettingsSchema>;

export const defaultMaxHoldInMs = 1000;

/** Fisher-Yates with the given random source; never returns the input order for two or more distinct items. */
export function shuffleDifferently<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = result[i] as T;
    result[i] = result[j] as T;
    result[j] = a;
  }
  if (result.length >= 2 && result.every((item, index) => item === items[index])) result.reverse();
  return result;
}

/** Decides duplicates; keeps the `next` countdown. */
export class DuplicateDecider {
  private remaining: number;

  constructor(
    private readonly settings: InjectionSettings['duplicate'],
    private readonly random: () => number,
  ) {
    this.remaining = settings?.next ?? 0;
  }

  shouldDuplicate(): boolean {
    if (this.remaining > 0) {
      this.remaining -= 1;
      return true;
    }
    const p = this.settings?.probability ?? 0;
    return p > 0 && this.random() < p;
  }
}
