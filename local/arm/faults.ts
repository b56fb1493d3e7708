/**
 * Switchable fault injection: answer matching requests with 429/5xx, or let matching long-running operations end
 * Failed. Rules match by method and path (a RegExp, or a case-insensitive glob where `*` matches anything) and fire
 * either a fixed number of times (an explicit script) or with a probability.
 */

export type FaultEffect =
  | {
      kind: 'http';
      status: number;
      code?: string;
      message?: string;
      /** Sent as Retry-After (scaled like every other duration). */
      retryAfterSeconds?: number;
    }
  | { kind: 'lroFailure'; code: string; message: string };

export interface FaultRule {
  /** HTTP method to match; any when omitted. */
  method?: string;
  path: string | RegExp;
  effect: FaultEffect;
  /** Fire this many times, then retire. Unlimited when omitted. */
  times?: number;
  /** Chance (0..1) that a matching request is hit; 1 when omitted. */
  probability?: number;
}

export interface FaultHandle {
  remove(): void;
}

interface ActiveRule extends FaultRule {
  remaining: number;
  matcher: RegExp;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  /** Long-running operations made to fail, per lower-cased request path (a soak reads why a resource was written again). */
  private readonly lroFailures = new Map<string, number>();
  /** Long-running operations made to fail so far (the router tells by it whether a request's operation was one). */
  lroFailuresTaken = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = {
      ...rule,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      matcher: typeof rule.path === 'string' ? globToRegExp(rule.path) : rule.path,
    };
    this.rules.push(active);
    return { remove: () => this.retire(active) };
  }

  /** Shorthand for a script: the next `count` matching requests get `effect`. */
  failNext(count: number, method: string, path: string | RegExp, effect: FaultEffect): FaultHandle {
    return this.add({ method, path, effect, times: count });
  }

  clear(): void {
    this.rules = [];
  }

  /** Remaining rules (for diagnostics). */
  list(): FaultRule[] {
    return this.rules.map(({ method, path, effect, times, probability }) => ({ method, path, effect, times, probability }));
  }

  /** The HTTP fault to answer this request with, consuming one firing. */
  takeHttp(method: string, path: string): Extract<FaultEffect, { kind: 'http' }> | undefined {
    const effect = this.take(method, path, 'http');
    return effect?.kind === 'http' ? effect : undefined;
  }

  /** The failure a long-running operation started by this request must end with, consuming one firing. */
  takeLroFailure(method: string, path: string): Extract<FaultEffect, { kind: 'lroFailure' }> | undefined {
    const effect = this.take(method, path, 'lroFailure');
    if (effect?.kind !== 'lroFailure') return undefined;
    const key = path.toLowerCase();
    this.lroFailures.set(key, (this.lroFailures.get(key) ?? 0) + 1);
    this.lroFailuresTaken += 1;
    return effect;
  }

  /** How many long-running operations were made to fail, per lower-cased request path. */
  lroFailuresByPath(): Record<string, number> {
    return Object.fromEntries(this.lroFailures);
  }

  private take(method: string, path: string, kind: FaultEffect['kind']): FaultEffect | undefined {
    for (const rule of this.rules) {
      if (rule.effect.kind !== kind) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.retire(rule);
      return rule.effect;
    }
    return undefined;
  }

  private retire(rule: ActiveRule): void {
    this.rules = this.rules.filter((r) => r !== rule);
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * The fault mix of a chaos run (LOCAL_ARM_FAULT_RATE, the soak): about `rate` of all requests fail, as Azure fails
 * them on a bad day. Of the failures: 40% 429 `SubscriptionRequestsThrottled` with `Retry-After: 1` (scaled), 20% 500, 20% 503,
 * and 20% are writes whose long-running operation ends `Failed` (only requests that start one can take it).
 * The rules are tried in order, so each probability is conditional on the earlier ones missing.
 */
export function chaosRules(rate: number): FaultRule[] {
  if (!(rate >= 0 && rate <= 0.5)) throw new Error(`chaos fault rate must be between 0 and 0.5 (got ${rate}).`);
  if (rate === 0) return [];
  const share = (part: number, before: number): number => (part * rate) / (1 - before * rate);
  return [
    { path: '*', probability: share(0.4, 0), effect: { kind: 'http', status: 429, retryAfterSeconds: 1 } },
    { path: '*', probability: share(0.2, 0.4), effect: { kind: 'http', status: 500 } },
    { path: '*', probability: share(0.2, 0.6), effect: { kind: 'http', status: 503 } },
    {
      path: '*',
      probability: share(0.2, 0.8),
      effect: { kind: 'lroFailure', code: 'InternalServerError', message: 'An internal error occurred while processing the operation (injected by the chaos fault mix).' },
    },
  ];
}
