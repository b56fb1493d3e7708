// The control plane's HTTP API, as the console calls it: the signed-in user's bearer token (local sign-in) or the
// App Service Authentication cookie (Azure). Refusals become ApiError with the API's own words.
import { session } from './auth.js';

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function messageOf(status, body) {
  if (body && typeof body === 'object') {
    if (typeof body.title === 'string') return `${status} ${body.title}: ${body.detail ?? ''}`;
    if (body.error && typeof body.error === 'object') return `${status} ${body.error.code ?? ''}: ${body.error.message ?? ''}`;
  }
  return `${status}: ${typeof body === 'string' && body ? body.slice(0, 300) : 'the API refused'}`;
}

export async function api(method, path, body, headers = {}) {
  const h = { accept: 'application/json', ...headers };
  const s = session();
  if (s?.token) h.authorization = `Bearer ${s.token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers: h, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(res.status, parsed), parsed);
  return { status: res.status, body: parsed, headers: res.headers };
}

export const get = async (path) => (await api('GET', path)).body;

/** Every item of a paged list route (following nextLink), at most `max`. */
export async function listAll(path, field, max = 5000) {
  const items = [];
  let next = path;
  while (next && items.length < max) {
    const page = await get(next);
    items.push(...(page[field] ?? []));
    next = page.nextLink;
  }
  return items;
}

/** The route of a spoke or endpoint from its ARM ID. */
export function recordPath(kind, id) {
  const p = String(id).split('/');
  return `/api/${kind}/${p[2]}/${encodeURIComponent(p[4])}/${encodeURIComponent(p[p.length - 1])}`;
}
