/**
 * ARM throttling as Azure applies it (AZURE-FACTS "ARM throttling"): token buckets per subscription and principal
 * (plus a global subscription bucket 15x larger), the Microsoft.Network quota per subscription, and the Private DNS
 * per-zone limits. All rates are time-scaled, so a test at timeScale 0.001 refills 1000x faster.
 */
import type { Clock } from '../contract';
import { ArmError } from './errors';
import type { BucketLimit, ThrottlingLimits, WindowLimit } from './options';
import { DEFAULT_THROTTLING } from './options';

export type RequestClass = 'read' | 'write' | 'delete';
export type DnsLimitKind = 'recordSetWrite' | 'recordSetGet' | 'recordSetList' | 'linkWrite';

export interface ThrottleInput {
  subscriptionId: string;
  principal: string;
  requestClass: RequestClass;
  /** Counts against the Microsoft.Network per-subscription quota. */
  network: boolean;
  /** Counts against a Private DNS per-zone limit. */
  dns?: { zoneKey: string; kind: DnsLimitKind };
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Window {
  start: number;
  count: number;
}

const CLASS_WORD: Record<RequestClass, 'reads' | 'writes' | 'deletes'> = { read: 'reads', write: 'writes', delete: 'deletes' };

export class Throttler {
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: ThrottlingLimits | undefined,
    private readonly clock: Clock,
    private timeScale: number,
  ) {}

  /** Changes the time scale; buckets and windows start full again, since their arithmetic assumed the old scale. */
  setTimeScale(timeScale: number): void {
    this.timeScale = timeScale;
    this.buckets.clear();
    this.windows.clear();
  }

  /** Admits the request (consuming tokens) and returns the rate-limit headers, or throws the 429 Azure answers. */
  admit(input: ThrottleInput): Record<string, string> {
    const limits = this.limits;
    const word = CLASS_WORD[input.requestClass];
    if (!limits) {
      // Throttling switched off: still send the headers clients read, with full buckets.
      const full = DEFAULT_THROTTLING[word].bucket;
      return {
        [`x-ms-ratelimit-remaining-subscription-${word}`]: String(full),
        [`x-ms-ratelimit-remaining-subscription-global-${word}`]: String(full * DEFAULT_THROTTLING.globalMultiplier),
      };
    }
    const now = this.clock.now();
    const principalLimit = limits[word];
    const globalLimit: BucketLimit = {
      bucket: principalLimit.bucket * limits.globalMultiplier,
      refillPerSecond: principalLimit.refillPerSecond * limits.globalMultiplier,
    };
    const principalKey = `${input.subscriptionId.toLowerCase()}|${input.principal}|${word}`;
    const globalKey = `${input.subscriptionId.toLowerCase()}|*|${word}`;
    const principal = this.refill(principalKey, principalLimit, now);
    const global = this.refill(globalKey, globalLimit, now);

    for (const [bucket, limit] of [
      [principal, principalLimit],
      [global, globalLimit],
    ] as const) {
      if (bucket.tokens < 1) {
        const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.refillPerSecond));
        throw this.throttled(
          'SubscriptionRequestsThrottled',
          `Number of '${input.requestClass}' requests for subscription '${input.subscriptionId}' actor '${input.principal}' exceeded. ` +
            `Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
          seconds,
        );
      }
    }

    const windowChecks: Array<{ key: string; limit: WindowLimit; onExceeded: (seconds: number) => ArmError }> = [];
    if (input.network) {
      const quota = input.requestClass === 'read' ? limits.networkReads : limits.networkWrites;
      windowChecks.push({
        key: `net|${input.subscriptionId.toLowerCase()}|${input.requestClass === 'read' ? 'r' : 'w'}`,
        limit: quota,
        // The network resource provider's own quota answer (a storage-backed limit per subscription).
        onExceeded: (seconds) =>
          this.throttled(
            'SubscriptionRequestsThrottled',
            `Number of requests for subscription '${input.subscriptionId}' and operation '${input.requestClass === 'read' ? 'GET' : 'PUT/DELETE'}' exceeded the backend storage limit. Please try again after '${seconds}' seconds.`,
            seconds,
          ),
      });
    }
    if (input.dns) {
      const limit = {
        recordSetWrite: limits.dnsRecordSetWrites,
        recordSetGet: limits.dnsRecordSetGets,
        recordSetList: limits.dnsRecordSetLists,
        linkWrite: limits.dnsLinkWrites,
      }[input.dns.kind];
      const kind = input.dns.kind;
      windowChecks.push({
        key: `dns|${input.dns.zoneKey}|${kind}`,
        limit,
        // Code and wording unverified: Azure documents the per-zone limits, not the body of the 429.
        onExceeded: (seconds) =>
          this.throttled(
            'TooManyRequests',
            `The request rate for Private DNS zone operations of kind '${kind}' exceeded the limit of ${limit.limit} per minute for this zone. Please try again after '${seconds}' seconds.`,
            seconds,
          ),
      });
    }
    for (const check of windowChecks) {
      const window = this.window(check.key, check.limit, now);
      if (window.count >= check.limit.limit) {
        const remainingMs = window.start + check.limit.windowMs * this.timeScale - now;
        throw check.onExceeded(Math.max(1, Math.ceil(remainingMs / this.timeScale / 1000)));
      }
    }

    principal.tokens -= 1;
    global.tokens -= 1;
    for (const check of windowChecks) this.window(check.key, check.limit, now).count += 1;
    return {
      [`x-ms-ratelimit-remaining-subscription-${word}`]: String(Math.floor(principal.tokens)),
      [`x-ms-ratelimit-remaining-subscription-global-${word}`]: String(Math.floor(global.tokens)),
    };
  }

  /** A 429 with Retry-After in (scaled) seconds; see {@link throttleRetryHeaders}. */
  throttled(code: string, message: string, nominalSeconds: number): ArmError {
    return new ArmError(429, code, message, throttleRetryHeaders(nominalSeconds, this.timeScale));
  }

  private refill(key: string, limit: BucketLimit, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.bucket, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedScaledSeconds = (now - bucket.at) / (1000 * this.timeScale);
    bucket.tokens = Math.min(limit.bucket, bucket.tokens + elapsedScaledSeconds * limit.refillPerSecond);
    bucket.at = now;
    return bucket;
  }

  private window(key: string, limit: WindowLimit, now: number): Window {
    let window = this.windows.get(key);
    if (!window || now - window.start >= limit.windowMs * this.timeScale) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }
}

/**
 * Retry-After for a 429. Azure sends whole seconds. When time is scaled the emulator also sends `retry-after-ms`,
 * which @azure/core-rest-pipeline's throttling retry reads *before* Retry-After, so the SDK waits the scaled time;
 * Retry-After itself is rounded up to a whole second (never 0, which some clients treat as "retry at once").
 */
export function throttleRetryHeaders(nominalSeconds: number, timeScale: number): Record<string, string> {
  if (timeScale === 1) return { 'Retry-After': String(nominalSeconds) };
  const scaledMs = Math.max(1, Math.ceil(nominalSeconds * 1000 * timeScale));
  return { 'Retry-After': String(Math.max(1, Math.ceil(scaledMs / 1000))), 'retry-after-ms': String(scaledMs) };
}

export function resolveLimits(option: boolean | Partial<ThrottlingLimits> | undefined): ThrottlingLimits | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return DEFAULT_THROTTLING;
  return { ...DEFAULT_THROTTLING, ...option };
}
