// Who is signed in. Under the embedded default: a token from the local token issuer (POST /api/local/token) for a
// user and roles picked on the sign-in page, sent as a bearer token. In Azure: App Service Authentication (Easy Auth)
// with Microsoft Entra ID: its session cookie goes with every same-origin call and the platform hands the API the
// caller's principal (X-MS-CLIENT-PRINCIPAL, which the API's one token validator accepts when AUTH_EASY_AUTH_ENABLED
// is set): no token code and no MSAL in the browser. Either way the API decides; the console shows its answers.

const KEY = 'hubspoke-console-session';

export function session() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (value && value.kind === 'local' && value.expiresAt && Date.parse(value.expiresAt) <= Date.now()) return null;
    return value;
  } catch {
    return null;
  }
}

export function setSession(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

/**
 * How this control plane signs browsers in: `{kind: 'local', tokenUrl}` under the embedded default, else
 * `{kind: 'entra', user?}` (App Service Authentication): `user` is the caller as the API sees them (GET /api/me with
 * the session cookie), absent before sign-in.
 */
export async function signInMethod() {
  try {
    const res = await fetch('/api/local/info', { headers: { accept: 'application/json' } });
    if (res.ok) {
      const info = await res.json();
      if (info?.auth?.tokenUrl) return { kind: 'local', tokenUrl: new URL(info.auth.tokenUrl).pathname };
    }
  } catch {
    // not the embedded default
  }
  try {
    const res = await fetch('/api/me', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (res.ok) {
      const me = await res.json();
      return { kind: 'entra', user: { name: me.name ?? me.oid, roles: me.roles ?? [] } };
    }
  } catch {
    // not signed in
  }
  return { kind: 'entra' };
}

/** Signs in with the local token issuer; throws with the issuer's message when it refuses. */
export async function localSignIn(tokenUrl, who) {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || typeof body.access_token !== 'string') throw new Error(body?.error?.message ?? `the token issuer answered ${res.status}`);
  setSession({ kind: 'local', token: body.access_token, name: who.name, oid: who.oid, roles: who.roles, expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString() });
}

export const EASY_AUTH_LOGIN = '/.auth/login/aad?post_login_redirect_uri=/api/console/';
export const EASY_AUTH_LOGOUT = '/.auth/logout?post_logout_redirect_uri=/api/console/';
