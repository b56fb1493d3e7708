/**
 * Azure Monitor's secure webhook: the action group calls with an Entra access token of the "AzNS AAD Webhook" app
 * (461e8683-5575-4561-ac7f-899cc907d62a) carrying the app role `ActionGroupsSecureWebhook` of our API
 * (learn.microsoft.com/azure/azure-monitor/alerts/action-groups, "Secure webhook"). The token is validated by the
 * one token validator of the app (shared/auth/tokens.ts: AUTH_TENANT_ID or AUTH_ISSUERS, AUTH_AUDIENCE and
 * AUTH_CLIENT_ID, AUTH_JWKS_URL; RS256, lifetime with 60 s of skew, `oid` and `tid`), then this adds the webhook's
 * own checks: the role and the calling application (`azp` in v2.0 tokens, `appid` in v1.0 tokens).
 */
import type { TokenValidator } from './tokens';

export const ACTION_GROUPS_APP_ID = '461e8683-5575-4561-ac7f-899cc907d62a';
export const ACTION_GROUPS_ROLE = 'ActionGroupsSecureWebhook';

export type WebhookCaller = { ok: true; appId: string; oid: string } | { ok: false; reason: string };

/** Validates an `Authorization: Bearer <token>` header value as the action group's secure webhook call. */
export async function verifySecureWebhook(authorization: string | null, validator: TokenValidator): Promise<WebhookCaller> {
  const result = await validator.verifyBearer(authorization);
  if (!result.ok) return { ok: false, reason: result.description };
  const { caller } = result;
  if (!caller.roles.includes(ACTION_GROUPS_ROLE)) return { ok: false, reason: `the token does not carry the app role ${ACTION_GROUPS_ROLE}` };
  if (caller.appId !== ACTION_GROUPS_APP_ID) return { ok: false, reason: `the token's application ${caller.appId ?? '(none)'} is not Azure Monitor's action groups (${ACTION_GROUPS_APP_ID})` };
  return { ok: true, appId: caller.appId, oid: caller.oid };
}
