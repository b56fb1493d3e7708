/**
 * The whole control plane for the hostile-input tests (fuzzing, the authorization matrix): the embedded default
 * running the real app (dist/) with the demo topology and the demo stamps, its data in a temp folder, function keys
 * enforced (LOCAL_FUNCTION_KEY, LOCAL_MASTER_KEY, LOCAL_EVENTGRID_KEY, STAMP_ALERT_KEYS), and what the tests need
 * to judge an answer: the app's registered HTTP routes and Event Grid functions as the host lists them, tokens from
 * the local issuer or forged with its key, the ARM writes the emulator logged and a fingerprint of the records.
 */
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { demoTopology } from '../../local/demo';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../local/embedded';
import { DEFAULT_AUDIENCE, loadOrCreateSigningKey } from '../../local/identity';
import { LOCAL_CLI_APP_ID } from '../../local/identity/clients';
import { createTablesRecordStore } from '../../shared/store/tables-store';
import { EGRESS_REQUEST_ORCHESTRATOR, POLICY_WRITER_ORCHESTRATOR } from '../../orchestrations/egress/names';
import { STAMP_MONITOR_ORCHESTRATOR, STAMP_WRITER_ORCHESTRATOR } from '../../orchestrations/stamps/names';
import type { ManagedKind, RecordStore } from '../../shared/store/records';

const root = path.resolve(__dirname, '../..');

export const KEYS = {
  function: 'fuzz-function-key-0123456789',
  master: 'fuzz-master-key-0123456789',
  eventGrid: 'fuzz-eventgrid-key-0123456789',
  alert: 'fuzz-alert-key-0123456789',
} as const;

/** A stamp policy slow enough that the monitors stay out of the way of the tests (they run forever). */
const QUIET_POLICY = { probeIntervalSeconds: 30, probeTimeoutSeconds: 1, ejectAfterFailures: 3, readmitAfterSuccesses: 3, minEjectionSeconds: 0, maxEjectionSeconds: 60 };

const SETTINGS = [
  'CONTROL_PLANE_MODE', 'LOCAL_LOG_LEVEL', 'CONTROL_PLANE_TOPOLOGY', 'CONTROL_PLANE_TOPOLOGY_FILE', 'ARM_ENDPOINT', 'ARM_CA_CERT_FILE', 'TABLES_CONNECTION_STRING',
  'CONTROL_PLANE_LOCAL', 'AZURE_TENANT_ID', 'ARM_LRO_POLL_INTERVAL_MS', 'ARM_RETRY_DELAY_MS', 'WEBSITE_HOSTNAME', 'CONTROL_PLANE_PRINCIPAL_IDS', 'AUTH_ISSUERS', 'AUTH_JWKS_URL',
  'AUTH_TENANT_ID', 'STAMP_ALERT_KEYS', 'LOCAL_FUNCTION_KEY', 'LOCAL_MASTER_KEY', 'LOCAL_EVENTGRID_KEY',
];

/**
 * Orchestrations that run forever or wait for people by design: the stamps' monitors and Front Door writers, an
 * egress request waiting for its decision or its expiry, the policy writer.
 */
const LONG_LIVED = new Set([STAMP_MONITOR_ORCHESTRATOR, STAMP_WRITER_ORCHESTRATOR, EGRESS_REQUEST_ORCHESTRATOR, POLICY_WRITER_ORCHESTRATOR]);

export const MANAGED_KINDS: ManagedKind[] = ['spoke', 'endpoint', 'dnsName', 'stamp', 'egressRequest'];

/** An HTTP route as the app registered it (one row per function). */
export interface RegisteredRoute {
  functionName: string;
  methods: string[];
  /** The route template under /api, e.g. `spokes/{subscriptionId}/{resourceGroup}/{vnetName}`. */
  route: string;
  authLevel: string;
}

export interface ControlPlane {
  embedded: EmbeddedDefault;
  baseUrl: string;
  tenantId: string;
  issuer: string;
  httpRoutes(): RegisteredRoute[];
  eventGridFunctions(): string[];
  /** A token from the local issuer's token route. */
  token(claims: { oid: string; roles: string[]; appId?: string; name?: string }): Promise<string>;
  /** A token signed with the local issuer's own key, with any claims and header (for the hostile caller kinds). */
  forge(claims: JWTPayload, header?: { alg?: string; kid?: string | null }): Promise<string>;
  /** The issuer's public key as PEM (for the "HS256 signed with the public key" attack). */
  publicKeyPem(): string;
  /** ARM writes (PUT, PATCH, DELETE, POST) the emulator has answered so far. */
  armWrites(): number;
  /** Every managed record's ID and update time, as one string (compare two to see a write). */
  recordsFingerprint(): Promise<string>;
  /** Waits until no ARM write happened for `quietMs` (the stamp monitors run forever: whenQuiet cannot be used). */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  /**
   * Waits until nothing runs but the long-lived orchestrations (see LONG_LIVED): no event in delivery, no other
   * orchestration Running or Pending, the engine idle.
   */
  quiet(timeoutMs?: number): Promise<void>;
  store: RecordStore;
  stop(): Promise<void>;
}

export async function startControlPlane(settings: Record<string, string> = {}): Promise<ControlPlane> {
  const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
  const topology = demoTopology();
  Object.assign(process.env, {
    LOCAL_LOG_LEVEL: 'error',
    LOCAL_FUNCTION_KEY: KEYS.function,
    LOCAL_MASTER_KEY: KEYS.master,
    LOCAL_EVENTGRID_KEY: KEYS.eventGrid,
    STAMP_ALERT_KEYS: KEYS.alert,
    AUTH_TENANT_ID: topology.tenantId,
    ...settings,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-plane-'));
  let embedded: EmbeddedDefault;
  try {
    embedded = await startEmbeddedDefault({
      topology,
      port: 0,
      settingsFile: path.join(root, 'no-such-local.settings.json'),
      storage: { kind: 'disk', dir },
      armTimeScale: 0.005,
      taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
      demoStamps: { policy: QUIET_POLICY },
    });
  } catch (e) {
    restore(saved);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const signingKey = loadOrCreateSigningKey(path.join(dir, 'identity', 'signing-key.json'));
  const issuer = process.env.AUTH_ISSUERS ?? '';
  const store = createTablesRecordStore({ connectionString: embedded.tables.connectionString });
  const armWrites = (): number =>
    Object.entries(embedded.arm.requestLog.snapshot().byOperation)
      .filter(([op]) => /^(PUT|PATCH|DELETE|POST) /.test(op))
      .reduce((sum, [, counts]) => sum + counts.total, 0);
  const plane: ControlPlane = {
    embedded,
    baseUrl: embedded.baseUrl,
    tenantId: topology.tenantId,
    issuer,
    store,
    httpRoutes() {
      return embedded.host.app
        .list()
        .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
        .map((fn) => ({
          functionName: fn.name,
          methods: ((fn.trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
          route: String(fn.trigger.route ?? fn.name),
          authLevel: String(fn.trigger.authLevel ?? 'anonymous').toLowerCase(),
        }));
    },
    eventGridFunctions() {
      return embedded.host.app.list().filter((fn) => fn.trigger.type.toLowerCase() === 'eventgridtrigger').map((fn) => fn.name);
    },
    async token(claims) {
      const res = await fetch(`${embedded.baseUrl}/api/local/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `user ${claims.oid.slice(0, 8)}`, ...claims }),
      });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async forge(claims, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { aud: DEFAULT_AUDIENCE, iss: issuer, iat: now, nbf: now, exp: now + 3600, tid: topology.tenantId, ver: '2.0', azp: LOCAL_CLI_APP_ID, ...claims };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      const kid = header.kid === undefined ? signingKey.kid : header.kid;
      return new SignJWT(payload).setProtectedHeader({ alg: header.alg ?? 'RS256', ...(kid !== null ? { kid } : {}), typ: 'JWT' }).sign(signingKey.privateKey);
    },
    publicKeyPem() {
      return createPublicKey(signingKey.privateKey).export({ format: 'pem', type: 'spki' }).toString();
    },
    armWrites,
    async recordsFingerprint() {
      const all = await Promise.all(MANAGED_KINDS.map((kind) => store.listRecords(kind)));
      return all
        .flat()
        // A stamp's record is rewritten by its monitor's rounds; what a request may change in it is its pin.
        .map((r) => `${r.kind}:${r.resourceId}@${r.kind === 'stamp' ? JSON.stringify(r.details.pin ?? null) : r.updatedAt}`)
        .sort()
        .join('\n');
    },
    async settle(quietMs = 1500, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      let since = Date.now();
      while (Date.now() < deadline) {
        await embedded.publisher.settled();
        const now = armWrites();
        if (now !== last) {
          last = now;
          since = Date.now();
        } else if (Date.now() - since >= quietMs) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the control plane kept writing to ARM');
    },
    async quiet(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let calm = 0;
      while (Date.now() < deadline) {
        await embedded.publisher.settled();
        await embedded.engine.whenIdle();
        const busy = embedded.engine.list({ runtimeStatus: ['Running', 'Pending'] }).items.filter((i) => !LONG_LIVED.has(String(i.name)));
        calm = busy.length === 0 ? calm + 1 : 0;
        if (calm >= 2) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the control plane never went quiet');
    },
    async stop() {
      try {
        await embedded.stop();
      } finally {
        restore(saved);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return plane;
}

function restore(saved: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** A route template with its parameters filled in (each value percent-encoded as one path segment). */
export function fillRoute(template: string, values: Record<string, string>): string {
  // A catch-all parameter ({*path}) is named without its star, as the host names it.
  return template.replace(/\{\*?([^}:?]+)(?::[^}]*)?\??\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

/** The parameter names of a route template. */
export function routeParams(template: string): string[] {
  return [...template.matchAll(/\{\*?([^}:?]+)(?::[^}]*)?\??\}/g)].map((m) => m[1] ?? '');
}
