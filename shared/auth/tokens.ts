/**
 * Who is calling the HTTP API (the egress routes and the operator routes): an Entra ID bearer token validated in code with `jose` (issuers and audiences from
 * settings, v1 and v2 issuers, RS256 only, exp/nbf with 60 s of clock skew, `oid` and `tid` required - `tid` that of
 * AUTH_TENANT_ID when it is set -, keys from the
 * JWKS fetched and cached per URL), or App Service Authentication's X-MS-CLIENT-PRINCIPAL header when a setting
 * says Easy Auth is on in front of the app (the header is trusted only then: nothing says a client cannot send it
 * when Easy Auth is off).
 *
 * Answers follow RFC 6750: no or malformed credentials -> 401 `WWW-Authenticate: Bearer error="invalid_request"`,
 * a bad token -> 401 `error="invalid_token"` with a description; a valid caller without the role -> 403.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthSettings } from '../config';

/**
 * The API's app roles. ControlPlane.Reader reads the operator routes (spokes, endpoints, stamps, rejected events, drift),
 * ControlPlane.Operator also acts on them (reconcile, delete a record, pin a stamp, run drift); Egress.* are the egress
 * API's. An Egress.Approver may read the operator routes too (the console shows them the landing zone's state).
 */
export const ROLES = {
  requester: 'Egress.Requester',
  approver: 'Egress.Approver',
  reader: 'ControlPlane.Reader',
  operator: 'ControlPlane.Operator',
} as const;
export type Role = (typeof ROLES)[keyof typeof ROLES];

/** Entra's documented clock skew allowance for token lifetimes. */
export const CLOCK_SKEW_SECONDS = 60;

export interface Caller {
  /** Object ID (user or service principal), lower case. */
  oid: string;
  tid: string;
  name?: string;
  roles: string[];
  via: 'bearer' | 'easyAuth';
  /** The calling application (a bearer token's `azp`, v2, or `appid`, v1), lower case, when the token names one. */
  appId?: string;
}

export type AuthFailure = { ok: false; status: 401; error: 'invalid_request' | 'invalid_token'; description: string; wwwAuthenticate: string };
export type AuthResult = { ok: true; caller: Caller } | AuthFailure;

/** Header access as both Node's Fetch `Headers` and simple records provide it (names case-insensitive). */
export interface HeaderSource {
  get(name: string): string | null;
}

const jwksCache = new Map<string, JWTVerifyGetKey>();

/** The key set of a JWKS URL, shared by every validation in this process (jose caches keys and refetches on rollover). */
export function remoteKeys(url: string): JWTVerifyGetKey {
  let keys = jwksCache.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    jwksCache.set(url, keys);
  }
  return keys;
}

function failure(error: AuthFailure['error'], description: string): AuthFailure {
  const quoted = description.replace(/["\\]/g, "'");
  return { ok: false, status: 401, error, description, wwwAuthenticate: `Bearer error="${error}", error_description="${quoted}"` };
}

const CLAIM_OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const CLAIM_TID = 'http://schemas.microsoft.com/identity/claims/tenantid';
const CLAIM_ROLE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

/** The caller of an X-MS-CLIENT-PRINCIPAL header (Base64 JSON `{auth_typ, claims:[{typ,val}], name_typ, role_typ}`). */
export function principalFromEasyAuth(header: string): Caller | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { claims?: Array<{ typ?: unknown; val?: unknown }>; name_typ?: unknown; role_typ?: unknown };
    const claims = (parsed.claims ?? []).filter((c): c is { typ: string; val: string } => typeof c.typ === 'string' && typeof c.val === 'string');
    const first = (...types: string[]) => claims.find((c) => types.includes(c.typ))?.val;
    const oid = first('oid', CLAIM_OID);
    const tid = first('tid', CLAIM_TID);
    if (!oid || !tid) return undefined;
    const roleTypes = ['roles', CLAIM_ROLE, ...(typeof parsed.role_typ === 'string' ? [parsed.role_typ] : [])];
    const name = first('name', ...(typeof parsed.name_typ === 'string' ? [parsed.name_typ] : []));
    return { oid: oid.toLowerCase(), tid: tid.toLowerCase(), ...(name ? { name } : {}), roles: [...new Set(claims.filter((c) => roleTypes.includes(c.typ)).map((c) => c.val))], via: 'easyAuth' };
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'the token is not signed with RS256';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature is invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'the token is signed with an unknown key';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      if (claim === 'aud') return 'the token is not for this API (audience)';
      if (claim === 'iss') return 'the token is from an issuer this API does not trust';
      if (claim === 'nbf') return 'the token is not valid yet';
      return `the token's "${String(claim)}" claim is missing or invalid`;
    }
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'the token is malformed';
    default:
      return `the token could not be validated: ${message}`;
  }
}

export class TokenValidator {
  private readonly keys: JWTVerifyGetKey | undefined;

  /** `keys` replaces the JWKS of the settings (tests with an in-memory key set). */
  constructor(
    private readonly settings: AuthSettings,
    keys?: JWTVerifyGetKey,
  ) {
    this.keys = keys ?? (settings.jwksUrl ? remoteKeys(settings.jwksUrl) : undefined);
  }

  /** The caller of a request: Easy Auth's principal header when trusted and present, else the bearer token. */
  async authenticate(headers: HeaderSource): Promise<AuthResult> {
    if (this.settings.easyAuth) {
      const principal = headers.get('x-ms-client-principal');
      if (principal) {
        const caller = principalFromEasyAuth(principal);
        return caller ? { ok: true, caller } : failure('invalid_request', 'the X-MS-CLIENT-PRINCIPAL header carries no oid and tid');
      }
    }
    return this.verifyBearer(headers.get('authorization'));
  }

  /**
   * The caller of an `Authorization: Bearer <token>` header value: issuers, audiences, keys, RS256, lifetime with
   * skew, `oid` and `tid`. Every API that takes Entra tokens (the egress API, the stamps' alert webhook) checks them
   * here, then adds its own checks on the caller.
   */
  async verifyBearer(header: string | null): Promise<AuthResult> {
    if (!header) return failure('invalid_request', 'a bearer token is required (Authorization: Bearer <token>)');
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
    if (!match?.[1]) return failure('invalid_request', 'the Authorization header must be "Bearer <token>"');
    if (!this.keys || this.settings.issuers.length === 0) return failure('invalid_token', 'token validation is not configured (AUTH_TENANT_ID or AUTH_ISSUERS, AUTH_JWKS_URL)');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], this.keys, {
        issuer: this.settings.issuers,
        audience: this.settings.audiences,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp', 'oid', 'tid'],
      }));
    } catch (error) {
      return failure('invalid_token', describe(error));
    }
    const oid = payload['oid'];
    const tid = payload['tid'];
    if (typeof oid !== 'string' || typeof tid !== 'string' || oid === '' || tid === '') return failure('invalid_token', 'the token\'s "oid" and "tid" claims must be strings');
    // The issuer names the tenant for Entra's per-tenant issuers, but AUTH_ISSUERS may trust issuers of several
    // tenants: the caller's tenant is checked on its own when AUTH_TENANT_ID says which it must be.
    if (this.settings.tenantId && tid.toLowerCase() !== this.settings.tenantId) return failure('invalid_token', `the token is from tenant ${tid}, not this API's tenant (AUTH_TENANT_ID)`);
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
    const name = typeof payload['name'] === 'string' ? payload['name'] : undefined;
    // v2.0 access tokens name the calling application in `azp`, v1.0 tokens in `appid`.
    const app = [payload['azp'], payload['appid']].find((v): v is string => typeof v === 'string' && v !== '');
    return { ok: true, caller: { oid: oid.toLowerCase(), tid: tid.toLowerCase(), ...(name ? { name } : {}), roles, via: 'bearer', ...(app ? { appId: app.toLowerCase() } : {}) } };
  }
}

const validators = new WeakMap<AuthSettings, TokenValidator>();

/** The validator of a configuration's auth settings, one per loaded configuration (its key set shared per JWKS URL). */
export function tokenValidator(settings: AuthSettings): TokenValidator {
  let validator = validators.get(settings);
  if (!validator) validators.set(settings, (validator = new TokenValidator(settings)));
  return validator;
}

/** 403 unless the caller holds one of the app roles. */
export function requireRole(caller: Caller, ...roles: Role[]): { ok: true } | { ok: false; status: 403; message: string } {
  if (roles.some((role) => caller.roles.includes(role))) return { ok: true };
  return { ok: false, status: 403, message: `the caller ${caller.oid} lacks the app role ${roles.join(' or ')}` };
}
