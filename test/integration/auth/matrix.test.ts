/**
 * The authorization matrix: every route the app registers (HTTP routes and the Event Grid webhook of every Event
 * Grid function, enumerated from the running host) times every kind of caller, with the answer each must get - as
 * one table. A route's row is a small policy ('functionKey', token(roles), 'alertKey', 'eventGridKey', 'admin') from
 * which the expected answer for every caller kind is derived, plus the route's own overrides (the requester
 * approving their own request, a replayed decision). A route registered without a row fails the test.
 *
 * Keys are the host's settings (LOCAL_FUNCTION_KEY, LOCAL_MASTER_KEY, LOCAL_EVENTGRID_KEY; STAMP_ALERT_KEYS for the
 * alert webhook), so function-level routes really check them. Tokens come from the local issuer, or are forged here
 * with jose (signed with the issuer's own key, so that only the hostile part is wrong).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { demoTopology, ids } from '../../../local/demo';
import { ACTION_GROUPS_APP_ID, ACTION_GROUPS_ROLE } from '../../../shared/auth/secure-webhook';
import { ROLES } from '../../../shared/auth/tokens';
import { fillRoute, KEYS, startControlPlane, type ControlPlane } from '../../support/control-plane';

// ---- policies ---------------------------------------------------------------------------------------------------

/** Who may call a route: the host's key levels, the app's own key, or a bearer token holding one of `roles`. */
type Policy = 'anonymous' | 'anyToken' | 'functionKey' | 'admin' | 'eventGridKey' | 'alertKey' | { token: readonly string[] };
const token = (...roles: string[]): Policy => ({ token: roles });

const EGRESS_ANY = [ROLES.requester, ROLES.approver];

// ---- callers ----------------------------------------------------------------------------------------------------

const CALLER_OID = 'ca11e400-0000-4000-8000-0000000ca11e';
const REQUESTER_OID = 'aaaaaaaa-0000-4000-8000-0000000000a1';
const REPLAY_OID = 'bbbbbbbb-0000-4000-8000-0000000000b2';
const OTHER_TENANT = 'fa1e0000-0000-4000-8000-00000000fa1e';
const ALL_ROLES = [...Object.values(ROLES), ACTION_GROUPS_ROLE];

type KeyName = keyof typeof KEYS | 'wrong';

interface Caller {
  name: string;
  /** A key, presented as both the x-functions-key header and the code query parameter. */
  key?: KeyName;
  /** A bearer token, and whether a correct validator accepts it and with which roles. */
  token?: { valid: boolean; roles: readonly string[]; make(plane: ControlPlane): Promise<string> };
}

const now = () => Math.floor(Date.now() / 1000);
const hostile = (name: string, make: (plane: ControlPlane) => Promise<string>): Caller => ({ name, token: { valid: false, roles: ALL_ROLES, make } });
const everything = { oid: CALLER_OID, roles: ALL_ROLES, azp: ACTION_GROUPS_APP_ID };

const CALLERS: Caller[] = [
  { name: 'anonymous' },
  { name: 'function key', key: 'function' },
  { name: 'master key', key: 'master' },
  { name: 'wrong key', key: 'wrong' },
  { name: 'alert key', key: 'alert' },
  { name: 'Event Grid key', key: 'eventGrid' },
  // One caller per role the app knows (a role added to ROLES gets its column without a line here).
  ...ALL_ROLES.map((role): Caller => ({ name: `token: ${role}`, token: { valid: true, roles: [role], make: (p) => p.token({ oid: CALLER_OID, roles: [role], appId: ACTION_GROUPS_APP_ID }) } })),
  { name: 'token without roles', token: { valid: true, roles: [], make: (p) => p.token({ oid: CALLER_OID, roles: [], appId: ACTION_GROUPS_APP_ID }) } },
  hostile('expired', (p) => p.forge({ ...everything, iat: now() - 7200, nbf: now() - 7200, exp: now() - 600 })),
  hostile('not yet valid', (p) => p.forge({ ...everything, nbf: now() + 600, exp: now() + 4200 })),
  hostile('wrong audience', (p) => p.forge({ ...everything, aud: 'api://someone-else' })),
  hostile('wrong issuer', (p) => p.forge({ ...everything, iss: `https://login.microsoftonline.com/${p.tenantId}/v2.0` })),
  hostile('wrong tenant', (p) => p.forge({ ...everything, tid: OTHER_TENANT })),
  hostile('alg: none', async (p) => new UnsecuredJWT({ ...everything, aud: 'api://hubspoke-control-plane', iss: p.issuer, tid: p.tenantId, iat: now(), nbf: now(), exp: now() + 3600 }).encode()),
  hostile('HS256 signed with the public key', async (p) =>
    new SignJWT({ ...everything, aud: 'api://hubspoke-control-plane', iss: p.issuer, tid: p.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setNotBefore(now())
      .setExpirationTime(now() + 3600)
      .sign(new TextEncoder().encode(p.publicKeyPem())),
  ),
  hostile('tampered signature', async (p) => {
    const valid = await p.token({ oid: CALLER_OID, roles: [...ALL_ROLES], appId: ACTION_GROUPS_APP_ID });
    const [h, b, s = ''] = valid.split('.');
    return `${h}.${b}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  }),
  hostile('tampered claims (roles added)', async (p) => {
    const valid = await p.token({ oid: CALLER_OID, roles: [], appId: ACTION_GROUPS_APP_ID });
    const [h, b = '', s] = valid.split('.');
    const claims = JSON.parse(Buffer.from(b, 'base64url').toString('utf8')) as Record<string, unknown>;
    return `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ALL_ROLES })).toString('base64url')}.${s}`;
  }),
  // The egress decision's own callers: valid tokens whose refusal is the route's (overrides below).
  { name: 'requester approving their own request', token: { valid: true, roles: [ROLES.requester, ROLES.approver], make: (p) => p.token({ oid: REQUESTER_OID, roles: [ROLES.requester, ROLES.approver] }) } },
  { name: 'replayed decision', token: { valid: true, roles: [ROLES.approver], make: (p) => p.token({ oid: REPLAY_OID, roles: [ROLES.approver] }) } },
];

type Allowed = 'allowed';

/** What a policy answers a caller: allowed (the route's own answer), or the status of the refusal. */
function decide(policy: Policy, caller: Caller): Allowed | 401 | 403 {
  const key = caller.key;
  if (policy === 'anonymous') return 'allowed';
  if (policy === 'anyToken') return caller.token?.valid ? 'allowed' : 401;
  if (policy === 'functionKey') return key === 'function' || key === 'master' ? 'allowed' : 401;
  if (policy === 'admin') return key === 'master' ? 'allowed' : 401;
  if (policy === 'eventGridKey') return key === 'eventGrid' || key === 'master' ? 'allowed' : 401;
  if (policy === 'alertKey') {
    if (key === 'alert') return 'allowed';
    return caller.token?.valid && caller.token.roles.includes(ACTION_GROUPS_ROLE) ? 'allowed' : 401;
  }
  if (!caller.token || !caller.token.valid) return 401;
  return caller.token.roles.some((r) => policy.token.includes(r)) ? 'allowed' : 403;
}

// ---- rows -------------------------------------------------------------------------------------------------------

interface Context {
  plane: ControlPlane;
  spoke: { subscriptionId: string; resourceGroup: string; vnetName: string };
  endpoint: { subscriptionId: string; resourceGroup: string; endpointName: string };
  requestId: string;
  /** A new egress request, PendingApproval, by REQUESTER_OID; its ID. */
  freshRequest(): Promise<string>;
  spokeVnetId: string;
}

interface Row {
  policy: Policy;
  /** The route's parameters for this caller (default none). */
  params?(ctx: Context, caller: Caller): Promise<Record<string, string>> | Record<string, string>;
  body?(ctx: Context): unknown;
  headers?: Record<string, string>;
  /** The route's answer to an allowed caller (either of two where the route's own state decides, e.g. 202 or 409). */
  allowed: number | readonly [number, number];
  /** Per-caller answers that the route itself decides (beyond the policy). */
  overrides?: Record<string, number>;
}

const spokeParams = (ctx: Context) => ctx.spoke;
const endpointParams = (ctx: Context) => ctx.endpoint;
const unmatchedAlert = () => ({
  schemaId: 'azureMonitorCommonAlertSchema',
  data: { essentials: { alertId: `/subscriptions/${randomUUID()}/providers/Microsoft.AlertsManagement/alerts/${randomUUID()}`, alertRule: 'matrix', severity: 'Sev3', signalType: 'Metric', monitorCondition: 'Fired', monitoringService: 'Platform', alertTargetIDs: [], firedDateTime: new Date().toISOString() }, alertContext: {}, customProperties: { stampId: 'no-such-stamp' } },
});

/** One row per registered function (HTTP route or Event Grid function), by function name. */
// The operator routes: reads for readers, operators and approvers (the console shows approvers the landing zone);
// writes for operators.
const READ = token(ROLES.reader, ROLES.operator, ROLES.approver);
const WRITE = token(ROLES.operator);

const ROWS: Record<string, Row> = {
  // The console's static assets hold no data; /api/me answers any valid caller with who the API sees.
  console: { policy: 'anonymous', params: () => ({ path: 'index.html' }), allowed: 200 },
  whoAmI: { policy: 'anyToken', allowed: 200 },
  // Operator routes (function keys today).
  listHubs: { policy: READ, allowed: 200 },
  listSpokes: { policy: READ, allowed: 200 },
  getSpoke: { policy: READ, params: spokeParams, allowed: 200 },
  deleteSpoke: { policy: WRITE, params: spokeParams, allowed: 409 }, // StillExists: the VNet exists
  reconcileSpokes: { policy: WRITE, body: () => ({}), allowed: 202 },
  reconcileSpoke: { policy: WRITE, params: spokeParams, allowed: 202 },
  listEndpoints: { policy: READ, allowed: 200 },
  getEndpoint: { policy: READ, params: endpointParams, allowed: 200 },
  deleteEndpoint: { policy: WRITE, params: endpointParams, allowed: 409 },
  reconcileEndpoints: { policy: WRITE, body: () => ({}), allowed: 202 },
  reconcileEndpoint: { policy: WRITE, params: endpointParams, allowed: 202 },
  listRejectedEvents: { policy: READ, allowed: 200 },
  // Drift runs: one run at a time, so a start is 202 or, while the first runs, 409 (both past the authorization).
  startDriftRun: { policy: WRITE, allowed: [202, 409] },
  listDriftRuns: { policy: READ, allowed: 200 },
  getDriftRun: { policy: READ, params: () => ({ runId: 'latest' }), allowed: [200, 404] },
  listStamps: { policy: READ, allowed: 200 },
  getStamp: { policy: READ, params: () => ({ name: 'weu-1' }), allowed: 200 },
  // A pin drains or restores a stamp: operators only (the gap the function key left: any key holder could pin).
  pinStamp: { policy: WRITE, params: () => ({ name: 'weu-1' }), body: () => ({ mode: 'auto', reason: 'authorization matrix' }), allowed: 202 },
  // Azure Monitor's action group: its secure-webhook token or the configured alert key.
  stampAlerts: { policy: 'alertKey', body: unmatchedAlert, allowed: 202 },
  // The egress API: bearer tokens with roles.
  createEgressRequest: {
    policy: token(ROLES.requester),
    headers: { 'idempotency-key': 'matrix-create' },
    body: (ctx) => ({ spokeVnetId: ctx.spokeVnetId, destinations: [{ fqdn: 'matrix.contoso.com', ports: ['Https:443'] }], justification: 'authorization matrix', ttlDays: 7 }),
    allowed: 202,
  },
  listEgressRequests: { policy: token(...EGRESS_ANY), allowed: 200 },
  getEgressRequest: { policy: token(...EGRESS_ANY), params: (ctx) => ({ id: ctx.requestId }), allowed: 200 },
  decideEgressRequest: {
    policy: token(ROLES.approver),
    params: async (ctx, caller) => {
      if (decide({ token: [ROLES.approver] }, caller) !== 'allowed') return { id: ctx.requestId };
      const id = await ctx.freshRequest();
      if (caller.name === 'replayed decision') {
        const first = await call(ctx.plane, 'POST', `/api/egress-requests/${id}/decision`, { bearer: await caller.token?.make(ctx.plane), body: { verdict: 'reject', comment: 'first' } });
        if (first.status !== 202) throw new Error(`the first decision answered ${first.status}: ${first.text}`);
      }
      return { id };
    },
    body: () => ({ verdict: 'reject', comment: 'authorization matrix' }),
    allowed: 202,
    overrides: { 'requester approving their own request': 403, 'replayed decision': 409 },
  },
  revokeEgressRequest: {
    policy: token(...EGRESS_ANY),
    params: async (ctx, caller) => ({ id: decide({ token: EGRESS_ANY }, caller) === 'allowed' ? await ctx.freshRequest() : ctx.requestId }),
    allowed: 202,
    // Only the requester or an approver may revoke: a requester revoking another's request is refused by the route.
    overrides: { [`token: ${ROLES.requester}`]: 403 },
  },
  // The Event Grid webhook (`/runtime/webhooks/eventgrid?functionName=...`): the extension's system key.
  resourceEvents: { policy: 'eventGridKey', allowed: 202 },
};

// ---- the test ---------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  text: string;
}

async function call(plane: ControlPlane, method: string, path: string, options: { key?: KeyName; bearer?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(path, plane.baseUrl);
  const key = options.key === undefined ? undefined : options.key === 'wrong' ? 'not-a-key-of-this-app' : KEYS[options.key];
  if (key) url.searchParams.set('code', key);
  const res = await fetch(url, {
    method,
    headers: {
      ...(key ? { 'x-functions-key': key } : {}),
      ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

describe('authorization matrix: every route x every caller', () => {
  let plane: ControlPlane;
  let ctx: Context;

  beforeAll(async () => {
    plane = await startControlPlane();
    const t = demoTopology();
    const payments = t.workloads.find((w) => w.spokes.some((s) => s.region === 'westeurope' && s.peering === 'connected') && w.privateEndpoints.length > 0) ?? t.workloads[0];
    const spoke = payments?.spokes.find((s) => s.region === 'westeurope') ?? payments?.spokes[0];
    const pe = payments?.privateEndpoints[0];
    if (!payments || !spoke || !pe) throw new Error('the demo topology lost its spoke or private endpoint');
    const requester = await plane.token({ oid: REQUESTER_OID, roles: [ROLES.requester] });
    const spokeVnetId = ids.vnet(payments.subscriptionId, spoke.resourceGroup, spoke.vnet.name);
    const freshRequest = async (): Promise<string> => {
      const created = await call(plane, 'POST', '/api/egress-requests', {
        bearer: requester,
        headers: { 'idempotency-key': randomUUID() },
        body: { spokeVnetId, destinations: [{ fqdn: `r${randomUUID().slice(0, 8)}.contoso.com`, ports: ['Https:443'] }], justification: 'authorization matrix', ttlDays: 7 },
      });
      if (created.status !== 202) throw new Error(`creating an egress request answered ${created.status}: ${created.text}`);
      return (JSON.parse(created.text) as { id: string }).id;
    };
    ctx = {
      plane,
      spoke: { subscriptionId: payments.subscriptionId, resourceGroup: spoke.resourceGroup, vnetName: spoke.vnet.name },
      endpoint: { subscriptionId: payments.subscriptionId, resourceGroup: pe.resourceGroup, endpointName: pe.name },
      spokeVnetId,
      requestId: '',
      freshRequest,
    };
    ctx.requestId = await freshRequest();
    // Records for the spoke and the endpoint exist once a sweep has looked at them.
    const operator = await plane.token({ oid: CALLER_OID, roles: [ROLES.operator] });
    for (const kind of ['spokes', 'endpoints']) expect((await call(plane, 'POST', `/api/${kind}/reconcile`, { bearer: operator, body: {} })).status).toBe(202);
    await plane.quiet();
  }, 180_000);
  afterAll(async () => {
    await plane?.stop();
  });

  it('has one row for every registered route, and no row for a route that is not registered', () => {
    const registered = [...plane.httpRoutes().map((r) => r.functionName), ...plane.eventGridFunctions()].sort();
    expect(registered.length).toBeGreaterThan(10);
    expect(Object.keys(ROWS).sort()).toEqual(registered);
  });

  it('answers every caller of every route as its policy says', async () => {
    const routes = [
      ...plane.httpRoutes().map((r) => ({ name: r.functionName, method: r.methods[0] ?? 'GET', path: (p: Record<string, string>) => `/api/${fillRoute(r.route, p)}` })),
      ...plane.eventGridFunctions().map((name) => ({ name, method: 'POST', path: () => `/runtime/webhooks/eventgrid?functionName=${name}` })),
    ];
    const table: string[] = [];
    const wrong: string[] = [];
    for (const route of routes) {
      const row = ROWS[route.name];
      if (!row) continue; // the test above fails for it
      for (const caller of CALLERS) {
        const policyAnswer = decide(row.policy, caller);
        const expected = row.overrides?.[caller.name] ?? (policyAnswer === 'allowed' ? row.allowed : policyAnswer);
        const params = row.params ? await row.params(ctx, caller) : {};
        const isEventGrid = route.path({}).startsWith('/runtime/');
        const answer = await call(plane, route.method, route.path(params), {
          ...(caller.key ? { key: caller.key } : {}),
          ...(caller.token ? { bearer: await caller.token.make(plane) } : {}),
          ...(isEventGrid ? { body: [], headers: { 'aeg-event-type': 'Notification' } } : row.body ? { body: row.body(ctx) } : {}),
          ...(row.headers ? { headers: row.headers } : {}),
        });
        const accepted: readonly number[] = typeof expected === 'number' ? [expected] : expected;
        const line = `${route.name.padEnd(22)} ${caller.name.padEnd(40)} expected ${accepted.join('|')} got ${answer.status}`;
        table.push(line);
        if (!accepted.includes(answer.status)) wrong.push(`${line}: ${answer.text.slice(0, 300)}`);
      }
    }
    await plane.quiet();
    if (process.env.AUTH_MATRIX_PRINT) process.stdout.write(`${table.join('\n')}\n`);
    expect(wrong).toEqual([]);
  });
});
