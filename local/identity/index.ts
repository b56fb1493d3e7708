/**
 * The local token issuer: a stand-in for an Entra ID tenant that the app validates tokens against exactly as it would
 * Entra's (OpenID discovery document -> jwks_uri -> RS256 signature, issuer, audience, lifetime), and a local-only
 * `POST /api/local/token` so a person or a test can act as any user.
 *
 * Shapes follow Entra's v2.0 endpoints, under the local host instead of login.microsoftonline.com:
 *   issuer          {baseUrl}/local/identity/{tenantId}/v2.0          (Entra: https://login.microsoftonline.com/{tid}/v2.0)
 *   discovery       {issuer}/.well-known/openid-configuration
 *   jwks_uri        {baseUrl}/local/identity/{tenantId}/discovery/v2.0/keys   (Entra: .../{tid}/discovery/v2.0/keys)
 * Tokens are v2.0 access tokens: RS256 with a `kid`, claims aud, iss, iat, nbf, exp, oid, sub, tid, name, roles, ver,
 * azp and azpacr (the client is the local CLI's application ID).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { RouteHandler } from '../contract';
import { GUID } from '../../shared/azure/resource-id';
import { writeFileAtomic } from '../files';
import { readBody, sendError, sendJson } from '../host/http-codec';
import { LOCAL_CLI_APP_ID } from './clients';

export const DEFAULT_AUDIENCE = 'api://hubspoke-control-plane';
export const AUDIENCE_SETTING = 'AUTH_AUDIENCE';
export const IDENTITY_PREFIX = '/local/identity/';
export const TOKEN_PATH = '/api/local/token';
export const MAX_ROLES = 50;
export const MIN_LIFETIME_SECONDS = 60;
/** Entra's configurable token lifetime ends at one day. */
export const MAX_LIFETIME_SECONDS = 86_400;
export const DEFAULT_LIFETIME_SECONDS = 3_600;
export const MAX_TOKEN_BODY_BYTES = 16 * 1024;

// An app role's value: no spaces (Entra rejects them), at most 120 characters here.
const ROLE = /^[^\s]{1,120}$/;

export const tokenRequestSchema = z
  .object({
    oid: z.string().regex(GUID, 'must be a GUID (the user\'s or application\'s object ID)'),
    name: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
    roles: z
      .array(z.string().regex(ROLE, 'each role must be 1-120 characters without spaces'))
      .max(MAX_ROLES, `must hold at most ${MAX_ROLES} roles`),
    audience: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
    expiresInSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(MIN_LIFETIME_SECONDS, `must be at least ${MIN_LIFETIME_SECONDS}`)
      .max(MAX_LIFETIME_SECONDS, `must be at most ${MAX_LIFETIME_SECONDS} (one day)`)
      .optional(),
  })
  .strict();

export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** A token request, or the 400 message naming every problem. */
export function parseTokenRequest(body: unknown): { ok: true; value: TokenRequest } | { ok: false; message: string } {
  const parsed = tokenRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const message = parsed.error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (allowed: oid, name, roles, audience, expiresInSeconds)`;
      const field = issue.path.length ? issue.path.map(String).join('.') : 'body';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  return { ok: false, message };
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The public half as a JWK with kid, use and alg, as Entra's JWKS lists it. */
  publicJwk: JsonWebKey & { kid: string; use: 'sig'; alg: 'RS256' };
}

function signingKeyFrom(privateJwk: JsonWebKey): SigningKey {
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const { kty, n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (kty !== 'RSA' || !n || !e) throw new Error('the key is not an RSA key');
  // RFC 7638 thumbprint (members e, kty, n in lexicographic order), as many issuers use for kid.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
  return { kid, privateKey, publicJwk: { kty, n, e, kid, use: 'sig', alg: 'RS256' } };
}

export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return signingKeyFrom(privateKey.export({ format: 'jwk' }));
}

/**
 * The key pair kept in `file` (a private JWK, mode 0600), made on first use. A file that exists but cannot be read
 * as an RSA key stops start-up rather than being replaced: tokens already handed out would silently stop validating.
 */
export function loadOrCreateSigningKey(file: string): SigningKey {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: cannot be read (${(e as Error).message})`);
  }
  if (text !== undefined) {
    try {
      return signingKeyFrom(JSON.parse(text) as JsonWebKey);
    } catch (e) {
      throw new Error(`${file}: is not the local token issuer's RSA private key (${(e as Error).message}); delete the file to make a new key (tokens issued before stop validating).`);
    }
  }
  const key = generateSigningKey();
  writeFileAtomic(file, JSON.stringify(key.privateKey.export({ format: 'jwk' })), { mode: 0o600 });
  return key;
}

export interface LocalIdentityOptions {
  tenantId: string;
  /** The default `aud` of issued tokens. */
  audience: string;
  /** The local host's base URL (known once it listens). */
  baseUrl: () => string;
  /** Where the key pair is kept; absent = in memory, a new key at each start. */
  keyFile?: string;
  now?: () => number;
}

export interface LocalAuthInfo {
  issuer: string;
  audience: string;
  tokenUrl: string;
  openIdConfiguration: string;
  jwksUri: string;
  tenantId: string;
  keyId: string;
}

export interface LocalIdentity {
  /** Serves the discovery document and JWKS; mount under {@link IDENTITY_PREFIX}. */
  identityRoutes: RouteHandler;
  /** Serves `POST /api/local/token`; mount at {@link TOKEN_PATH}. */
  tokenRoute: RouteHandler;
  /** The `auth` section of `/api/local/info`. */
  info(): LocalAuthInfo;
  issue(request: TokenRequest): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }>;
}

export function createLocalIdentity(options: LocalIdentityOptions): LocalIdentity {
  if (!GUID.test(options.tenantId)) throw new Error(`The local token issuer's tenant ID "${options.tenantId}" is not a GUID.`);
  const key = options.keyFile ? loadOrCreateSigningKey(options.keyFile) : generateSigningKey();
  const now = options.now ?? Date.now;
  const tenantPath = `${IDENTITY_PREFIX}${options.tenantId}`;
  const issuer = (): string => `${options.baseUrl()}${tenantPath}/v2.0`;
  const jwksUri = (): string => `${options.baseUrl()}${tenantPath}/discovery/v2.0/keys`;

  const discovery = (): Record<string, unknown> => ({
    issuer: issuer(),
    jwks_uri: jwksUri(),
    // The local issuer has no interactive sign-in; tokens come from the local-only token route (JSON, not OAuth 2.0).
    token_endpoint: `${options.baseUrl()}${TOKEN_PATH}`,
    response_types_supported: ['token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['aud', 'iss', 'iat', 'nbf', 'exp', 'oid', 'sub', 'tid', 'name', 'roles', 'ver', 'azp', 'azpacr'],
  });

  async function issue(request: TokenRequest): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number }> {
    const lifetime = request.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS;
    const iat = Math.floor(now() / 1000);
    const token = await new SignJWT({
      oid: request.oid,
      tid: options.tenantId,
      name: request.name,
      roles: request.roles,
      ver: '2.0',
      azp: LOCAL_CLI_APP_ID,
      azpacr: '0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .setIssuer(issuer())
      .setAudience(request.audience ?? options.audience)
      // Entra's sub is pairwise per application; the object ID stands in for it here.
      .setSubject(request.oid)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + lifetime)
      .sign(key.privateKey);
    return { access_token: token, token_type: 'Bearer', expires_in: lifetime };
  }

  const identityRoutes: RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const routes: Record<string, () => unknown> = {
      [`${tenantPath}/v2.0/.well-known/openid-configuration`]: discovery,
      [`${tenantPath}/discovery/v2.0/keys`]: () => ({ keys: [key.publicJwk] }),
    };
    const route = routes[url.pathname];
    if (!route) {
      sendError(res, 404, 'NotFound', `The local token issuer serves ${tenantPath}/v2.0/.well-known/openid-configuration and ${tenantPath}/discovery/v2.0/keys, not ${url.pathname}.`);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'MethodNotAllowed', `${url.pathname} accepts GET.`, { Allow: 'GET' });
      return true;
    }
    sendJson(res, 200, route());
    return true;
  };

  const tokenRoute: RouteHandler = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== TOKEN_PATH) return false;
    if (req.method !== 'POST') {
      sendError(res, 405, 'MethodNotAllowed', `${TOKEN_PATH} accepts POST with {"oid", "name", "roles": [...], "audience"?, "expiresInSeconds"?}.`, { Allow: 'POST' });
      return true;
    }
    // Past the bound, the host answers 413 PayloadTooLarge (RequestTooLargeError) and reads no further.
    const body = await readBody(req, MAX_TOKEN_BODY_BYTES, 'the most a token request may hold');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (e) {
      sendError(res, 400, 'InvalidJson', `The body is not JSON: ${(e as Error).message}. Send {"oid": "<guid>", "name": "...", "roles": ["..."]}.`);
      return true;
    }
    const parsed = parseTokenRequest(json);
    if (!parsed.ok) {
      sendError(res, 400, 'InvalidTokenRequest', parsed.message);
      return true;
    }
    sendJson(res, 200, await issue(parsed.value), { 'cache-control': 'no-store' });
    return true;
  };

  return {
    identityRoutes,
    tokenRoute,
    issue,
    info: () => ({
      issuer: issuer(),
      audience: options.audience,
      tokenUrl: `${options.baseUrl()}${TOKEN_PATH}`,
      openIdConfiguration: `${issuer()}/.well-known/openid-configuration`,
      jwksUri: jwksUri(),
      tenantId: options.tenantId,
      keyId: key.kid,
    }),
  };
}
