/**
 * `fetch` as the local operator: the operator routes (spokes, endpoints, stamps, rejected events) want a bearer token
 * with an app role, so tests call them through this, which adds one from the local token issuer
 * (POST /api/local/token, ControlPlane.Operator), fetched once per origin. A 401 (a new world on a reused port signs
 * with a new key) fetches a new token and tries once more. A call with its own Authorization header is left as it is.
 */
export const OPERATOR = { oid: '0e7a0000-0000-4000-8000-0000000000a1', name: 'test operator', roles: ['ControlPlane.Operator'] };

const tokens = new Map<string, Promise<string>>();

/** A token from the local issuer at `origin`. */
export async function localToken(origin: string, who: { oid: string; name: string; roles: string[] } = OPERATOR): Promise<string> {
  const response = await fetch(`${origin}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (!response.ok) throw new Error(`POST ${origin}/api/local/token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export async function apiFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = new URL(String(input));
  const headers = new Headers(init.headers);
  if (headers.has('authorization')) return fetch(url, init);
  const send = async (): Promise<Response> => {
    let token = tokens.get(url.origin);
    if (!token) tokens.set(url.origin, (token = localToken(url.origin)));
    headers.set('authorization', `Bearer ${await token}`);
    return fetch(url, { ...init, headers });
  };
  const first = await send();
  if (first.status !== 401) return first;
  tokens.delete(url.origin);
  return send();
}
