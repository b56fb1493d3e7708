/**
 * Azure Monitor's secure webhook: the action group calls with an Entra access token of the "AzNS AAD Webhook" app
 * (461e8683-5575-4561-ac7f-899cc907d62a) carrying the app role `ActionGroupsSecureWebhook` of our API
 * (learn.microsoft.com/azure/azure-monitor/alerts/action-groups, "Secure webhook"). Validated in code with jose:
 * RS256 signature against the tenant's JWKS, issuer (v2.0, or v1 `sts.windows.net` on Entra), audience, lifetime,
 * then role and calling app. Settings: AZURE_TENANT_ID, AUTH_AUDIENCE (Application ID URI) and AUTH_CLIENT_ID
 * (its client ID: v2.0 tokens carry that as aud), AUTH_AUTHORITY (default https://login.microsoftonline.com; the
 * embedded default points it at its local token issuer).
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

export const ACTION_GROUPS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';
export const ACTION_GROUPS_ROLE = 'ActionGroupsSecureWebhook';
export const ENTRA_AUTHORITY = 'https://login.microsoftonline.com';
const DEFAULT_AUDIENCE = 'api://hubspoke-control-plane';

export interface TokenSettings {
  tenantId: string;
  authority: string;
  audiences: string[];
}

/** The token settings from app settings, or why they are missing. */
export function tokenSettingsFrom(env: NodeJS.ProcessEnv): TokenSettings | { missing: string } {
  const tenantId = env.AZURE_TENANT_ID?.trim();
  if (!tenantId) return { missing: 'AZURE_TENANT_ID is not set: tokens cannot be validated' };
  const audiences = [env.AUTH_AUDIENCE?.trim() || DEFAULT_AUDIENCE, env.AUTH_CLIENT_ID?.trim() ?? ''].filter((a) => a !== '');
  return { tenantId, authority: (env.AUTH_AUTHORITY?.trim() || ENTRA_AUTHORITY).replace(/\/+$/, ''), audiences };
}

const keySets = new Map<string, JWTVerifyGetKey>();

function keySet(url: string): JWTVerifyGetKey {
  let set = keySets.get(url);
  // Module scope: the key set (and its cache, refreshed on an unknown kid) is shared by warm invocations.
  if (!set) keySets.set(url, (set = createRemoteJWKSet(new URL(url))));
  return set;
}

export type WebhookCaller = { ok: true; appId: string; oid: string } | { ok: false; reason: string };

/** Validates `Authorization: Bearer <token>` as the action group's secure webhook call. */
export async function verifySecureWebhook(authorization: string | null, settings: TokenSettings): Promise<WebhookCaller> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return { ok: false, reason: 'no bearer token' };
  const issuers = [`${settings.authority}/${settings.tenantId}/v2.0`];
  if (settings.authority === ENTRA_AUTHORITY) issuers.push(`https://sts.windows.net/${settings.tenantId}/`);
  try {
    const { payload } = await jwtVerify(token, keySet(`${settings.authority}/${settings.tenantId}/discovery/v2.0/keys`), {
      issuer: issuers,
      audience: settings.audiences,
      algorithms: ['RS256'],
      clockTolerance: 60,
      requiredClaims: ['tid', 'oid'],
    });
    if (payload['tid'] !== settings.tenantId) return { ok: false, reason: `the token is from tenant ${String(payload['tid'])}` };
    const roles = Array.isArray(payload['roles']) ? (payload['roles'] as unknown[]) : [];
    if (!roles.includes(ACTION_GROUPS_ROLE)) return { ok: false, reason: `the token does not carry the app role ${ACTION_GROUPS_ROLE}` };
    const appId = String(payload['azp'] ?? payload['appid'] ?? '');
    if (appId.toLowerCase() !== ACTION_GROUPS_APP_ID) return { ok: false, reason: `the token's application ${appId || '(none)'} is not Azure Monitor's action groups (${ACTION_GROUPS_APP_ID})` };
    return { ok: true, appId, oid: String(payload['oid']) };
  } catch (e) {
    return { ok: false, reason: `the token is not valid: ${(e as Error).message}` };
  }
}
