/**
 * ARM errors classified once. Retryable faults are retried with backoff (honouring Retry-After); terminal ones
 * become a recorded condition and are never retried blindly. Detection follows the Azure SDK guidelines: an error
 * is a RestError by `name`, with `statusCode` and `code`.
 */

export type ErrorClass = 'retryable' | 'terminal' | 'notFound';

export interface ClassifiedError {
  class: ErrorClass;
  /** The ARM error code, or `HttpNNN` when the service gave none. */
  code: string;
  message: string;
  statusCode?: number;
  /** From Retry-After / retry-after-ms / x-ms-retry-after-ms, when the service sent one. */
  retryAfterMs?: number;
}

/** Codes ARM answers while another operation holds the resource: retry later, never terminal. */
const RETRYABLE_CODES = new Set(
  [
    'AnotherOperationInProgress',
    'RetryableErrorDueToAnotherOperation',
    'ReferencedResourceNotProvisioned',
    'SubscriptionRequestsThrottled',
    'TooManyRequests',
    'OperationNotAllowedDueToOperationInProgress',
    'InternalServerError',
    'ServiceUnavailable',
    'GatewayTimeout',
    'RequestTimeout',
    'Canceled',
  ].map((c) => c.toLowerCase()),
);

/** Codes that no retry will fix: configuration or permissions must change first. */
const TERMINAL_CODES = new Set(
  [
    'VnetAddressSpacesOverlap',
    'VnetAddressSpaceOverlapsWithAlreadyPeeredVnet',
    'RemoteVnetHasNoGateways',
    'AuthorizationFailed',
    'LinkedAuthorizationFailed',
    'AuthenticationFailed',
    'InvalidAuthenticationToken',
    'InvalidRequestContent',
    'InvalidRequestFormat',
    'InvalidParameter',
    'BadRequest',
    'ResourceGroupNotFound',
    'SubscriptionNotFound',
    'QuotaExceeded',
    'PreconditionFailed',
  ].map((c) => c.toLowerCase()),
);

const NOT_FOUND_CODES = new Set(['resourcenotfound', 'notfound', 'parentresourcenotfound']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } | Record<string, unknown> };
}

function header(err: ErrorLike, name: string): string | undefined {
  const headers = err.response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | undefined }).get(name) ?? undefined;
  }
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads Retry-After (seconds or an HTTP date) and the millisecond variants; undefined when absent or unreadable. */
export function retryAfterMs(err: unknown, now: number = Date.now()): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as ErrorLike;
  for (const ms of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = header(e, ms);
    if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v);
  }
  const ra = header(e, 'retry-after');
  if (ra === undefined) return undefined;
  if (/^\d+$/.test(ra.trim())) return Number(ra) * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * A long-running operation that ends `Failed` does not surface as a RestError: @azure/core-lro throws a plain Error
 * whose message is `The long-running operation has failed. {code}. {message}`, so the code is read from there.
 */
const FAILED_LRO = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?$/;

function classifyFailedOperation(message: string): ClassifiedError | undefined {
  const match = FAILED_LRO.exec(message);
  if (!match) return undefined;
  const code = match[1] ?? 'OperationFailed';
  const detail = match[2] ?? message;
  // The operation itself failed on the service side; unless its code says a retry cannot help, trying again is
  // safe (ARM PUTs are idempotent) and is bounded by the caller's retry policy.
  const lower = code.toLowerCase();
  return { class: TERMINAL_CODES.has(lower) ? 'terminal' : 'retryable', code, message: detail };
}

/** Classifies anything thrown by an Azure SDK call (or a network failure) into retryable / terminal / notFound. */
export function classifyArmError(err: unknown): ClassifiedError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  if (e.statusCode === undefined && e.code === undefined && typeof e.message === 'string') {
    const failed = classifyFailedOperation(e.message);
    if (failed) return failed;
  }
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const rawCode = typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
  const code = rawCode ?? (statusCode !== undefined ? `Http${statusCode}` : 'Unknown');
  const message = typeof e.message === 'string' ? e.message : String(err);
  const base = { code, message, ...(statusCode !== undefined ? { statusCode } : {}) };
  const retryAfter = retryAfterMs(err);
  const retryable = (): ClassifiedError => ({ class: 'retryable', ...base, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) });
  const lower = code.toLowerCase();

  if (NOT_FOUND_CODES.has(lower) || (statusCode === 404 && !TERMINAL_CODES.has(lower))) return { class: 'notFound', ...base };
  if (RETRYABLE_CODES.has(lower)) return retryable();
  if (TERMINAL_CODES.has(lower)) return { class: 'terminal', ...base };
  if (statusCode === undefined) {
    // No HTTP answer at all: a network fault (ECONNRESET, timeouts) or a client-side bug. Network faults retry.
    return e.name === 'RestError' || /ECONN|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(`${code} ${message}`)
      ? retryable()
      : { class: 'terminal', ...base };
  }
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return retryable();
  if (statusCode === 409) return retryable(); // conflicts on ARM are operation-in-progress by nature
  return { class: 'terminal', ...base };
}
