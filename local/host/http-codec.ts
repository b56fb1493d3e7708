/**
 * Conversion between a real HTTP exchange and the worker's `RpcHttpData`, shaped as the Functions host sends it to a
 * Node worker that declared `RawHttpBodyBytes` (the body arrives as bytes) and as `@azure/functions` returns it
 * from `toRpcHttp` (status as a string, headers, cookies, body as typed data).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body the host accepts (Azure Functions limits HTTP requests to 100 MB). */
export const MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;

/** A body past the limit its reader set; the host answers 413 PayloadTooLarge with this message. */
export class RequestTooLargeError extends Error {
  constructor(limit: number, what: string) {
    super(`The request body exceeds ${limit} bytes, ${what}.`);
    this.name = 'RequestTooLargeError';
  }
}

/** The request half of RpcHttpData (see @azure/functions-core `RpcHttpData`). */
export interface RpcHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  body?: { bytes: Uint8Array };
}

interface RpcNullable<T> {
  value?: T | null;
}

interface RpcHttpCookie {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullable<string> | null;
  path?: RpcNullable<string> | null;
  expires?: RpcNullable<{ seconds?: number | string | null; nanos?: number | null }> | null;
  secure?: RpcNullable<boolean> | null;
  httpOnly?: RpcNullable<boolean> | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: RpcNullable<number> | null;
}

/** The response half of RpcHttpData, as `toRpcHttp` produces it. */
export interface RpcHttpResponse {
  statusCode?: string | null;
  headers?: Record<string, string> | null;
  cookies?: RpcHttpCookie[] | null;
  body?: { bytes?: Uint8Array | null; string?: string | null } | null;
}

/**
 * The request body, read no further than `limit` bytes (default the host's): past it, RequestTooLargeError (`what`
 * names the limit in its message), which the host answers with 413.
 */
export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES, what = "the Functions host's limit"): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) throw new RequestTooLargeError(limit, what);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Header values as one string each; repeated headers are comma-joined, as ASP.NET's StringValues.ToString() does. */
function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Query values by name; a repeated name is comma-joined, which is what the host sends (`?a=1&a=2` -> "1,2"). */
function flattenQuery(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name).join(',');
  return query;
}

export function toRpcHttpRequest(req: IncomingMessage, url: URL, params: Record<string, string>, body: Buffer): RpcHttpRequest {
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: url.toString(),
    headers: flattenHeaders(req),
    query: flattenQuery(url),
    params,
    // The worker builds a fetch Request from this; an absent body is an empty one.
    ...(body.length > 0 ? { body: { bytes: new Uint8Array(body.buffer, body.byteOffset, body.length) } } : {}),
  };
}

function cookieHeader(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value;
  if (expires && expires.seconds !== undefined && expires.seconds !== null) {
    const ms = Number(expires.seconds) * 1000 + Math.floor((expires.nanos ?? 0) / 1e6);
    parts.push(`Expires=${new Date(ms).toUTCString()}`);
  }
  if (cookie.maxAge?.value !== undefined && cookie.maxAge.value !== null) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  // 'none' means "not set"; 'explicitNone' is SameSite=None (see @azure/functions toRpcHttpCookie).
  if (cookie.sameSite === 'lax') parts.push('SameSite=Lax');
  else if (cookie.sameSite === 'strict') parts.push('SameSite=Strict');
  else if (cookie.sameSite === 'explicitNone') parts.push('SameSite=None');
  return parts.join('; ');
}

function isRpcHttpResponse(value: unknown): value is RpcHttpResponse {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value);
}

/**
 * Writes the function's RpcHttpData response. No response at all (the handler returned nothing) is
 * 204 No Content, as the Functions host (2.x and later) answers.
 */
export function writeRpcHttpResponse(req: IncomingMessage, res: ServerResponse, value: unknown): void {
  if (value === undefined || value === null) {
    res.writeHead(204).end();
    return;
  }
  if (!isRpcHttpResponse(value)) {
    throw new TypeError(`The HTTP function returned ${typeof value} where an HTTP response (RpcHttpData) was expected.`);
  }
  const status = value.statusCode ? Number.parseInt(value.statusCode, 10) : 200;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new TypeError(`The HTTP function returned status "${value.statusCode}", which is not an HTTP status code.`);
  }
  for (const [name, headerValue] of Object.entries(value.headers ?? {})) {
    // Headers joined by the fetch Headers object (set-cookie excepted) are sent as the single line they are.
    res.setHeader(name, headerValue);
  }
  const cookies = (value.cookies ?? []).map(cookieHeader);
  if (cookies.length > 0) {
    const existing = res.getHeader('set-cookie');
    const prior = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...prior, ...cookies]);
  }
  const body = value.body?.bytes
    ? Buffer.from(value.body.bytes.buffer, value.body.bytes.byteOffset, value.body.bytes.byteLength)
    : value.body?.string
      ? Buffer.from(value.body.string, 'utf8')
      : Buffer.alloc(0);
  const noBody = req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (!noBody) res.setHeader('content-length', body.length);
  res.writeHead(status);
  res.end(noBody ? undefined : body);
}

/** A JSON answer from the host itself (errors, handshakes, discovery). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The host's error body: `{"error": {"code", "message"}}`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
