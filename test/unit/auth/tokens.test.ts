import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { AuthSettings } from '../../../shared/config';
import { principalFromEasyAuth, requireRole, ROLES, TokenValidator, type AuthResult } from '../../../shared/auth/tokens';

const TENANT = '7e0a0000-0000-4000-8000-00000000e0a1';
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const V1 = `https://sts.windows.net/${TENANT}/`;
const AUD = 'api://hubspoke-control-plane';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const OID = 'aaaaaaaa-0000-4000-8000-000000000001';
const settings: AuthSettings = { issuers: [V2, V1], audiences: [AUD, CLIENT_ID], easyAuth: false };

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let signing: Keys;
let other: Keys;
let validator: TokenValidator;

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });
const now = () => Math.floor(Date.now() / 1000);

async function token(claims: Record<string, unknown> = {}, options: { key?: Keys; kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ oid: OID, tid: TENANT, name: 'Ada', roles: [ROLES.requester], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: 'JWT' })
    .setIssuer(options.iss ?? V2)
    .setAudience(options.aud ?? AUD)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 3600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign((options.key ?? signing).privateKey);
}

const bearer = async (t: string | Promise<string>): Promise<AuthResult> => validator.authenticate(headers({ authorization: `Bearer ${await t}` }));

beforeAll(async () => {
  signing = await generateKeyPair('RS256');
  other = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  validator = new TokenValidator(settings, createLocalJWKSet({ keys: [jwk] }));
});

describe('TokenValidator (real RS256 tokens)', () => {
  it('accepts a v2 token for the App ID URI and returns the caller', async () => {
    expect(await bearer(token())).toEqual({ ok: true, caller: { oid: OID, tid: TENANT, name: 'Ada', roles: [ROLES.requester], via: 'bearer' } });
  });

  it('accepts a v1 token (sts.windows.net issuer) and the client ID as audience', async () => {
    expect((await bearer(token({}, { iss: V1, aud: CLIENT_ID }))).ok).toBe(true);
  });

  it('names the calling application from azp (v2.0) or appid (v1.0), lower case', async () => {
    expect(await bearer(token({ azp: 'ABCDEF00-0000-4000-8000-000000000001' }))).toMatchObject({ ok: true, caller: { appId: 'abcdef00-0000-4000-8000-000000000001' } });
    expect(await bearer(token({ appid: 'abcdef00-0000-4000-8000-000000000002' }, { iss: V1 }))).toMatchObject({ ok: true, caller: { appId: 'abcdef00-0000-4000-8000-000000000002' } });
  });

  it('allows 60 s of clock skew on exp and nbf', async () => {
    expect((await bearer(token({}, { exp: now() - 30 }))).ok).toBe(true);
    expect((await bearer(token({}, { nbf: now() + 30 }))).ok).toBe(true);
  });

  it.each<[string, () => Promise<AuthResult>, 'invalid_request' | 'invalid_token', RegExp]>([
    ['no Authorization header', () => validator.authenticate(headers({})), 'invalid_request', /bearer token is required/],
    ['a Basic header', () => validator.authenticate(headers({ authorization: 'Basic YTpi' })), 'invalid_request', /must be "Bearer <token>"/],
    ['an empty bearer', () => validator.authenticate(headers({ authorization: 'Bearer ' })), 'invalid_request', /must be "Bearer <token>"/],
    ['an expired token', () => bearer(token({}, { exp: now() - 120 })), 'invalid_token', /has expired/],
    ['a token not valid yet', () => bearer(token({}, { nbf: now() + 600 })), 'invalid_token', /not valid yet/],
    ['a wrong audience', () => bearer(token({}, { aud: 'api://someone-else' })), 'invalid_token', /audience/],
    ['a wrong issuer', () => bearer(token({}, { iss: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0' })), 'invalid_token', /issuer/],
    ['another key with the same kid', () => bearer(token({}, { key: other })), 'invalid_token', /signature is invalid/],
    ['an unknown kid', () => bearer(token({}, { kid: 'k9' })), 'invalid_token', /unknown key/],
    ['no oid', () => bearer(token({ oid: undefined })), 'invalid_token', /"oid" claim/],
    ['no tid', () => bearer(token({ tid: undefined })), 'invalid_token', /"tid" claim/],
    ['garbage', () => bearer('abc.def.ghi'), 'invalid_token', /malformed|could not be validated/],
  ])('401 for %s', async (_label, call, error, description) => {
    const result = await call();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(401);
    expect(result.error).toBe(error);
    expect(result.description).toMatch(description);
    expect(result.wwwAuthenticate).toMatch(new RegExp(`^Bearer error="${error}", error_description="`));
  });

  it('401 for alg none (an unsigned token) and for HS256', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { oid: OID, tid: TENANT, iss: V2, aud: AUD, exp: now() + 3600, roles: [ROLES.approver] };
    const none = await bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    expect(none).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    expect(await bearer(hs)).toMatchObject({ ok: false, status: 401, error: 'invalid_token', description: expect.stringMatching(/RS256/) });
  });
});

describe('the tenant (AUTH_TENANT_ID)', () => {
  // A trusted issuer does not pin the tenant when AUTH_ISSUERS trusts issuers of several tenants (or one that is not
  // per tenant): tid is checked on its own (found by the authorization matrix, "wrong tenant").
  const OTHER_TENANT = 'fa1e0000-0000-4000-8000-00000000fa1e';
  let pinned: TokenValidator;
  beforeAll(async () => {
    const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    pinned = new TokenValidator({ ...settings, tenantId: TENANT }, createLocalJWKSet({ keys: [jwk] }));
  });

  it('401 for a token of a trusted issuer whose tid is another tenant', async () => {
    const result = await pinned.verifyBearer(`Bearer ${await token({ tid: OTHER_TENANT })}`);
    expect(result).toMatchObject({ ok: false, status: 401, error: 'invalid_token', description: expect.stringMatching(/another tenant|not this API's tenant/) });
  });

  it('accepts the tenant in any casing', async () => {
    expect((await pinned.verifyBearer(`Bearer ${await token({ tid: TENANT.toUpperCase() })}`)).ok).toBe(true);
  });

  it('does not check tid when no tenant is configured (issuers alone decide)', async () => {
    expect((await validator.verifyBearer(`Bearer ${await token({ tid: OTHER_TENANT })}`)).ok).toBe(true);
  });
});

describe('Easy Auth (X-MS-CLIENT-PRINCIPAL)', () => {
  const principal = (claims: Array<{ typ: string; val: string }>, roleTyp = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role') =>
    Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: roleTyp, claims })).toString('base64');
  const header = principal([
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: OID.toUpperCase() },
    { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: TENANT },
    { typ: 'name', val: 'Ada' },
    { typ: 'roles', val: ROLES.approver },
    { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: ROLES.requester },
  ]);

  it('is trusted only when the setting says Easy Auth is on', async () => {
    const on = new TokenValidator({ ...settings, easyAuth: true }, createLocalJWKSet({ keys: [] }));
    expect(await on.authenticate(headers({ 'x-ms-client-principal': header }))).toEqual({
      ok: true,
      caller: { oid: OID, tid: TENANT, name: 'Ada', roles: [ROLES.approver, ROLES.requester], via: 'easyAuth' },
    });
    // Off: the header is ignored and a bearer token is required.
    expect(await validator.authenticate(headers({ 'x-ms-client-principal': header }))).toMatchObject({ ok: false, error: 'invalid_request' });
  });

  it('refuses a principal without oid or tid, and garbage', () => {
    expect(principalFromEasyAuth(principal([{ typ: 'name', val: 'x' }]))).toBeUndefined();
    expect(principalFromEasyAuth('not-base64-json')).toBeUndefined();
  });
});

describe('requireRole', () => {
  it('403 without the role', () => {
    const caller = { oid: OID, tid: TENANT, roles: [ROLES.requester], via: 'bearer' as const };
    expect(requireRole(caller, ROLES.requester)).toEqual({ ok: true });
    expect(requireRole(caller, ROLES.approver)).toEqual({ ok: false, status: 403, message: `the caller ${OID} lacks the app role Egress.Approver` });
  });
});
