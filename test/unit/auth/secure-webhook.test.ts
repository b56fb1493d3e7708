import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { AuthSettings } from '../../../shared/config';
import { ACTION_GROUPS_APP_ID, ACTION_GROUPS_ROLE, verifySecureWebhook } from '../../../shared/auth/secure-webhook';
import { TokenValidator } from '../../../shared/auth/tokens';

const TENANT = '7e0a0000-0000-4000-8000-00000000e0a1';
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1 = `https://sts.windows.net/${TENANT}/`;
const AUD = 'api://hubspoke-control-plane';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const OID = 'bbbbbbbb-0000-4000-8000-000000000002';
const settings: AuthSettings = { issuers: [V2, V1], audiences: [AUD, CLIENT_ID], easyAuth: true };

let signing: Awaited<ReturnType<typeof generateKeyPair>>;
let validator: TokenValidator;
const now = () => Math.floor(Date.now() / 1000);

async function token(claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: number } = {}): Promise<string> {
  return new SignJWT({ oid: OID, tid: TENANT, roles: [ACTION_GROUPS_ROLE], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(options.iss ?? V2)
    .setAudience(options.aud ?? CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 3600)
    .sign(signing.privateKey);
}

beforeAll(async () => {
  signing = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  validator = new TokenValidator(settings, createLocalJWKSet({ keys: [jwk] }));
});

describe('verifySecureWebhook: the app token validator, then role and calling application', () => {
  it('accepts the action groups app as azp (v2.0) or appid (v1.0) with the role', async () => {
    expect(await verifySecureWebhook(`Bearer ${await token({ azp: ACTION_GROUPS_APP_ID })}`, validator)).toEqual({ ok: true, appId: ACTION_GROUPS_APP_ID, oid: OID });
    expect(await verifySecureWebhook(`Bearer ${await token({ appid: ACTION_GROUPS_APP_ID.toUpperCase() }, { iss: V1, aud: AUD })}`, validator)).toEqual({ ok: true, appId: ACTION_GROUPS_APP_ID, oid: OID });
  });

  it.each<[string, () => Promise<string | null>, RegExp]>([
    ['no header', async () => null, /bearer token is required/],
    ['another audience (the validator\'s audiences)', async () => `Bearer ${await token({ azp: ACTION_GROUPS_APP_ID }, { aud: 'api://someone-else' })}`, /not for this API \(audience\)/],
    ['another issuer (the validator\'s issuers)', async () => `Bearer ${await token({ azp: ACTION_GROUPS_APP_ID }, { iss: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0' })}`, /issuer this API does not trust/],
    ['an expired token (beyond the 60 s skew)', async () => `Bearer ${await token({ azp: ACTION_GROUPS_APP_ID }, { exp: now() - 120 })}`, /has expired/],
    ['no ActionGroupsSecureWebhook role', async () => `Bearer ${await token({ azp: ACTION_GROUPS_APP_ID, roles: ['Egress.Approver'] })}`, /does not carry the app role ActionGroupsSecureWebhook/],
    ['another application', async () => `Bearer ${await token({ azp: 'cccccccc-0000-4000-8000-000000000003' })}`, /application cccccccc-0000-4000-8000-000000000003 is not Azure Monitor's action groups/],
    ['no application claim', async () => `Bearer ${await token({})}`, /application \(none\) is not Azure Monitor's action groups/],
  ])('refuses %s with the reason', async (_name, header, reason) => {
    const result = await verifySecureWebhook(await header(), validator);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});
