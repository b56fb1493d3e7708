// The local token issuer in the embedded default, validated the way the app will validate Entra's tokens: jose's
// createRemoteJWKSet + jwtVerify against the discovery document, over loopback.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { demoTopology } from '../../../local/demo';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../../local/embedded';
import { MAX_TOKEN_BODY_BYTES } from '../../../local/identity';
import { freePort } from './free-port';

const entry = path.resolve(__dirname, '../../fixtures/embedded-app/index.ts');
const root = path.resolve(__dirname, '../../..');
const topology = demoTopology();
const ALICE = '11111111-1111-4111-8111-111111111111';

interface AuthInfo {
  issuer: string;
  audience: string;
  tokenUrl: string;
  openIdConfiguration: string;
  keyId: string;
}

function start(options: { dir?: string; port?: number; env?: Record<string, string> }): Promise<EmbeddedDefault> {
  return startEmbeddedDefault({
    entries: [entry],
    topology,
    seed: false,
    port: options.port ?? 0,
    env: { LOCAL_LOG_LEVEL: 'warning', ...options.env },
    settingsFile: path.join(root, 'no-such-local.settings.json'),
    storage: options.dir ? { kind: 'disk', dir: options.dir } : { kind: 'memory' },
    armTimeScale: 0.001,
    taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
  });
}

async function authOf(embedded: EmbeddedDefault): Promise<AuthInfo> {
  const info = (await (await fetch(`${embedded.baseUrl}/api/local/info`)).json()) as { auth: AuthInfo };
  return info.auth;
}

async function mint(embedded: EmbeddedDefault, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${embedded.baseUrl}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What the app will do: discovery document -> jwks_uri -> verify signature, issuer, audience, lifetime, RS256 only. */
async function validate(auth: AuthInfo, token: string, audience = auth.audience) {
  const discovery = (await (await fetch(auth.openIdConfiguration)).json()) as { issuer: string; jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  return jwtVerify(token, jwks, { issuer: discovery.issuer, audience, algorithms: ['RS256'] });
}

describe('the local token issuer (memory storage)', () => {
  let embedded: EmbeddedDefault;
  let auth: AuthInfo;

  beforeAll(async () => {
    embedded = await start({});
    auth = await authOf(embedded);
  });
  afterAll(async () => {
    await embedded?.stop();
  });

  it('publishes issuer, audience and tokenUrl under auth in /api/local/info, shaped like an Entra v2.0 tenant', async () => {
    expect(auth).toMatchObject({
      issuer: `${embedded.baseUrl}/local/identity/${topology.tenantId}/v2.0`,
      audience: 'api://hubspoke-control-plane',
      tokenUrl: `${embedded.baseUrl}/api/local/token`,
      openIdConfiguration: `${embedded.baseUrl}/local/identity/${topology.tenantId}/v2.0/.well-known/openid-configuration`,
    });
    const discovery = (await (await fetch(auth.openIdConfiguration)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: auth.issuer,
      jwks_uri: `${embedded.baseUrl}/local/identity/${topology.tenantId}/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', kid: auth.keyId });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('mints a token that validates against the discovery document with the claims asked for', async () => {
    const minted = await mint(embedded, { oid: ALICE, name: 'Alice', roles: ['Egress.Approve', 'Reader'] });
    expect(minted.status).toBe(200);
    expect(minted.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const token = String(minted.body.access_token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: auth.keyId });
    const { payload } = await validate(auth, token);
    expect(payload).toMatchObject({
      oid: ALICE,
      sub: ALICE,
      tid: topology.tenantId,
      name: 'Alice',
      roles: ['Egress.Approve', 'Reader'],
      ver: '2.0',
      iss: auth.issuer,
      aud: 'api://hubspoke-control-plane',
    });
    expect(typeof payload.azp).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.nbf).toBe(payload.iat);
  });

  it('honours audience and expiresInSeconds, and a token for another audience does not validate for ours', async () => {
    const minted = await mint(embedded, { oid: ALICE, name: 'Alice', roles: [], audience: 'api://other-app', expiresInSeconds: 120 });
    const token = String(minted.body.access_token);
    const claims = decodeJwt(token);
    expect(claims.aud).toBe('api://other-app');
    expect(claims.exp! - claims.iat!).toBe(120);
    await expect(validate(auth, token, 'api://other-app')).resolves.toBeDefined();
    await expect(validate(auth, token)).rejects.toThrow(/unexpected "aud" claim value/);
  });

  it('rejects a tampered token: roles added to a valid token break the signature', async () => {
    const token = String((await mint(embedded, { oid: ALICE, name: 'Alice', roles: ['Reader'] })).body.access_token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['Egress.Approve'] })).toString('base64url');
    await expect(validate(auth, `${header}.${forged}.${signature}`)).rejects.toThrow(/signature verification failed/);
    await expect(validate(auth, token)).resolves.toBeDefined();
  });

  it.each([
    ['no oid', { name: 'A', roles: [] }, 'oid: '],
    ['an oid that is not a GUID', { oid: 'alice', name: 'A', roles: [] }, 'oid: must be a GUID'],
    ['an empty name', { oid: ALICE, name: ' ', roles: [] }, 'name: must not be empty'],
    ['no roles list', { oid: ALICE, name: 'A' }, 'roles: '],
    ['51 roles', { oid: ALICE, name: 'A', roles: Array.from({ length: 51 }, (_, i) => `r${i}`) }, 'roles: must hold at most 50 roles'],
    ['a role with a space', { oid: ALICE, name: 'A', roles: ['Egress Approve'] }, 'roles.0: each role must be 1-120 characters without spaces'],
    ['a lifetime under a minute', { oid: ALICE, name: 'A', roles: [], expiresInSeconds: 10 }, 'expiresInSeconds: must be at least 60'],
    ['a lifetime over a day', { oid: ALICE, name: 'A', roles: [], expiresInSeconds: 86_401 }, 'expiresInSeconds: must be at most 86400 (one day)'],
    ['a fractional lifetime', { oid: ALICE, name: 'A', roles: [], expiresInSeconds: 90.5 }, 'expiresInSeconds: must be a whole number of seconds'],
    ['an unknown field', { oid: ALICE, name: 'A', roles: [], scp: 'all' }, 'unknown field(s) "scp"'],
  ])('answers 400 naming the problem for %s', async (_case, body, message) => {
    const answer = await mint(embedded, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'InvalidTokenRequest' });
    expect((answer.body.error as { message: string }).message).toContain(message);
  });

  it('answers 400 for a body that is not JSON and 405 for GET', async () => {
    const notJson = await fetch(`${embedded.baseUrl}/api/local/token`, { method: 'POST', body: '{oid:' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('InvalidJson');
    expect((await fetch(`${embedded.baseUrl}/api/local/token`)).status).toBe(405);
  });

  it('answers 413 naming the bound for a body past MAX_TOKEN_BODY_BYTES', async () => {
    const body = JSON.stringify({ oid: ALICE, name: 'x'.repeat(MAX_TOKEN_BODY_BYTES), roles: [] });
    const res = await fetch(`${embedded.baseUrl}/api/local/token`, { method: 'POST', body });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'PayloadTooLarge', message: `The request body exceeds ${MAX_TOKEN_BODY_BYTES} bytes, the most a token request may hold.` },
    });
  });
});

describe('the local token issuer (disk storage)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-identity-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its key pair in LOCAL_DATA_DIR, so a token minted before a restart still validates after it', async () => {
    const port = await freePort();
    const first = await start({ dir, port });
    let token: string;
    let before: AuthInfo;
    try {
      before = await authOf(first);
      token = String((await mint(first, { oid: ALICE, name: 'Alice', roles: ['Reader'] })).body.access_token);
    } finally {
      await first.stop();
    }
    const keyFile = path.join(dir, 'identity', 'signing-key.json');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const second = await start({ dir, port });
    try {
      const after = await authOf(second);
      expect(after.keyId).toBe(before.keyId);
      await expect(validate(after, token)).resolves.toBeDefined();
    } finally {
      await second.stop();
    }
  });

  it('refuses to start over a key file it cannot read as its key, and leaves the file alone', async () => {
    const keyFile = path.join(dir, 'identity', 'signing-key.json');
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    fs.writeFileSync(keyFile, '{"kty":"oct","k":"c2VjcmV0"}');
    await expect(start({ dir })).rejects.toThrow(`${keyFile}: is not the local token issuer's RSA private key`);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe('{"kty":"oct","k":"c2VjcmV0"}');
  });

  it('takes its default audience from AUTH_AUDIENCE', async () => {
    const embedded = await start({ dir, env: { AUTH_AUDIENCE: 'api://my-control-plane' } });
    try {
      const auth = await authOf(embedded);
      expect(auth.audience).toBe('api://my-control-plane');
      const token = String((await mint(embedded, { oid: ALICE, name: 'Alice', roles: [] })).body.access_token);
      await expect(validate(auth, token)).resolves.toMatchObject({ payload: { aud: 'api://my-control-plane' } });
    } finally {
      await embedded.stop();
    }
  });
});
