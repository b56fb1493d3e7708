/**
 * The PlatformApiPort over HTTP (docs/platform-api.openapi.yaml): a bearer token for the configured audience from
 * the given TokenCredential (the managed identity in Azure, the local credential on the embedded default), JSON in,
 * problem+json errors out. Answers outside the contract's success become PlatformApiError, classified once here:
 * 408/409/429/5xx and network failures retryable (Retry-After honoured), other 4xx terminal.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ClassifiedError } from '../azure/errors';
import type { Destination } from './destinations';
import type { PlatformApiPort, PlatformDestination, PlatformOperation, PlatformOperationStatus } from './ports';

export interface PlatformApiAdapterOptions {
  /** Base URL (`egress.platformApi.url`). */
  url: string;
  /** The API's audience (`egress.platformApi.audience`); the token is asked for `{audience}/.default`. */
  audience: string;
  credential: TokenCredential;
  /** Per call; default 30 s. */
  timeoutMs?: number;
}

export class PlatformApiError extends Error {
  constructor(
    readonly statusCode: number | undefined,
    readonly title: string,
    detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'PlatformApiError';
  }
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);

/** One classification of the platform API's failures (the orchestration retries `retryable`, records `terminal`). */
export function classifyPlatformError(e: unknown): ClassifiedError {
  if (e instanceof PlatformApiError) {
    const status = e.statusCode;
    // An answer that breaks the contract (no Operation-Location, an unknown status, a foreign URL) will not mend itself.
    const broken = e.title === 'InvalidResponse' || e.title === 'InvalidOperationLocation';
    const retryable = !broken && (status === undefined || status >= 500 || RETRYABLE_STATUS.has(status));
    return {
      class: retryable ? 'retryable' : 'terminal',
      code: status === undefined ? 'PlatformApiUnreachable' : `PlatformApi${status}`,
      message: e.message,
      ...(status !== undefined ? { statusCode: status } : {}),
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    };
  }
  return { class: 'retryable', code: 'PlatformApiUnreachable', message: e instanceof Error ? e.message : String(e) };
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The contract's shape of a validated destination. */
export function platformDestination(d: Destination): PlatformDestination {
  return d.kind === 'fqdnTag' ? { fqdnTag: d.tag } : { fqdn: d.fqdn, ports: d.ports.map((p) => ({ protocol: p.protocol, port: p.port })) };
}

const OPERATION_STATUSES: readonly PlatformOperationStatus[] = ['NotStarted', 'Running', 'Succeeded', 'Failed'];

export function createPlatformApiAdapter(options: PlatformApiAdapterOptions): PlatformApiPort {
  const base = options.url.replace(/\/+$/, '');
  const scope = `${options.audience.replace(/\/+$/, '')}/.default`;

  async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const token = await options.credential.getToken(scope);
    if (!token) throw new PlatformApiError(undefined, 'NoToken', `no token for ${scope}`);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (e) {
      throw new PlatformApiError(undefined, 'PlatformApiUnreachable', `${method} ${url}: ${(e as Error).message}`);
    }
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      let title = `HTTP ${res.status}`;
      let detail = text.slice(0, 500);
      try {
        const problem = JSON.parse(text) as { title?: unknown; detail?: unknown };
        if (typeof problem.title === 'string') title = problem.title;
        detail = typeof problem.detail === 'string' ? problem.detail : '';
      } catch {
        // Not problem+json: the text (bounded) is the detail.
      }
      throw new PlatformApiError(res.status, title, `${method} ${new URL(url).pathname}: ${detail}`, parseRetryAfter(res.headers.get('retry-after')));
    }
    return res;
  }

  const json = async <T>(res: Response): Promise<T> => {
    try {
      return (await res.json()) as T;
    } catch (e) {
      throw new PlatformApiError(res.status, 'InvalidResponse', `the platform API's answer is not JSON: ${(e as Error).message}`);
    }
  };

  return {
    async createRequest(request, idempotencyKey = request.requestId) {
      const res = await call('POST', `${base}/v1/egress-requests`, request, { 'idempotency-key': idempotencyKey });
      const body = await json<{ id?: unknown; status?: unknown }>(res);
      return { id: typeof body.id === 'string' ? body.id : request.requestId, status: typeof body.status === 'string' ? body.status : 'Recorded' };
    },
    async start(requestId, request) {
      const action = request.action;
      const res = await call('POST', `${base}/v1/egress-requests/${encodeURIComponent(requestId)}/${action}`, request.action === 'apply' ? request.decision : undefined);
      const location = res.headers.get('operation-location');
      if (res.status !== 202 || !location) throw new PlatformApiError(res.status, 'InvalidResponse', `${action} answered ${res.status} without Operation-Location`);
      await res.body?.cancel();
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      return { operationUrl: new URL(location, `${base}/`).toString(), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    },
    async getOperation(operationUrl) {
      // Only the configured API is followed: an Operation-Location elsewhere would carry our token away.
      if (new URL(operationUrl).origin !== new URL(base).origin) throw new PlatformApiError(undefined, 'InvalidOperationLocation', `${operationUrl} is not on ${base}`);
      const res = await call('GET', operationUrl);
      const body = await json<{ id?: unknown; status?: unknown; error?: { title?: unknown; detail?: unknown } }>(res);
      const status = OPERATION_STATUSES.find((s) => s === body.status);
      if (!status) throw new PlatformApiError(res.status, 'InvalidResponse', `operation status ${JSON.stringify(body.status)} is none of ${OPERATION_STATUSES.join('|')}`);
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      const error = body.error ? [body.error.title, body.error.detail].filter((x) => typeof x === 'string').join(': ') : undefined;
      const op: PlatformOperation = { id: typeof body.id === 'string' ? body.id : '', status, ...(error ? { error } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      return op;
    },
  };
}
