/**
 * Shared set-up of the stamp flow's integration tests: the embedded default running the real app (dist/) with the
 * demo stamps (local health endpoints, the two Front Door profiles in the ARM emulator), the real SDK clients, and
 * small helpers over the app's and the local environment's HTTP APIs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CdnManagementClient } from '@azure/arm-cdn';
import { FrontDoorManagementClient } from '@azure/arm-frontdoor';
import { demoTopology, staticTokenCredential } from '../../../local/demo';
import { DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS, DEMO_STAMP_SUBSCRIPTION } from '../../../local/demo/stamps';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault, type EmbeddedOptions } from '../../../local/embedded';
import { apiFetch } from '../operator-token';

const root = path.resolve(__dirname, '../../..');

/** A policy fast enough for tests: a probe a second, 3 failures out, 3 successes in, no minimum ejection time. */
export const FAST_POLICY = { probeIntervalSeconds: 1, probeTimeoutSeconds: 0.5, ejectAfterFailures: 3, readmitAfterSuccesses: 3, minEjectionSeconds: 0, maxEjectionSeconds: 60 };

const SETTINGS = ['CONTROL_PLANE_MODE', 'LOCAL_LOG_LEVEL', 'CONTROL_PLANE_TOPOLOGY', 'CONTROL_PLANE_TOPOLOGY_FILE', 'ARM_ENDPOINT', 'ARM_CA_CERT_FILE', 'TABLES_CONNECTION_STRING', 'CONTROL_PLANE_LOCAL', 'AZURE_TENANT_ID', 'ARM_LRO_POLL_INTERVAL_MS', 'ARM_RETRY_DELAY_MS', 'WEBSITE_HOSTNAME', 'CONTROL_PLANE_PRINCIPAL_IDS', 'AUTH_ISSUERS', 'AUTH_JWKS_URL', 'STAMP_ALERT_KEYS'];

export interface StampWorld {
  embedded: EmbeddedDefault;
  cdn: CdnManagementClient;
  classic: FrontDoorManagementClient;
  /** The Standard origin's enabledState in ARM. */
  origin(name: string): Promise<string | undefined>;
  /** The classic backend's enabledState in ARM. */
  backend(address: string): Promise<string | undefined>;
  setHealth(stamp: string, status: number | 'timeout' | 'refuse'): Promise<void>;
  local(stamp: string, action: string, body: unknown): Promise<{ status: number; body: unknown }>;
  api(pathAndQuery: string, init?: RequestInit): Promise<{ status: number; body: unknown }>;
  stamp(name: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startStampWorld(settings: Record<string, string> = {}, policy: Record<string, unknown> = FAST_POLICY, telemetry?: EmbeddedOptions['telemetry']): Promise<StampWorld> {
  const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { LOCAL_LOG_LEVEL: 'warning', ...settings });
  const topology = demoTopology();
  const embedded = await startEmbeddedDefault({
    topology,
    port: 0,
    settingsFile: path.join(root, 'no-such-local.settings.json'),
    storage: { kind: 'memory' },
    armTimeScale: 0.005,
    taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    demoStamps: { policy },
    ...(telemetry ? { telemetry } : {}),
  });
  const options = { endpoint: embedded.armEndpoint, tlsOptions: { ca: fs.readFileSync(embedded.caCertFile, 'utf8') }, retryOptions: { retryDelayInMs: 5 } };
  const credential = staticTokenCredential({ tenantId: topology.tenantId, objectId: 'oid-stamp-tests', appId: 'a11ce000-0000-4000-8000-00000000a11c' });
  const cdn = new CdnManagementClient(credential, DEMO_STAMP_SUBSCRIPTION, options);
  const classic = new FrontDoorManagementClient(credential, DEMO_STAMP_SUBSCRIPTION, options);
  const json = async (response: Response): Promise<{ status: number; body: unknown }> => {
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  const world: StampWorld = {
    embedded,
    cdn,
    classic,
    async origin(name) {
      return (await cdn.afdOrigins.get(DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS.standard.name, DEMO_FRONT_DOORS.standard.originGroup, name)).enabledState;
    },
    async backend(address) {
      const fd = await classic.frontDoors.get(DEMO_EDGE_RESOURCE_GROUP, DEMO_FRONT_DOORS.classic.name);
      return fd.backendPools?.[0]?.backends?.find((b) => b.address === address)?.enabledState;
    },
    async setHealth(stamp, status) {
      const answer = await world.local(stamp, 'health', { status });
      if (answer.status !== 200) throw new Error(`switching ${stamp} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    },
    async local(stamp, action, body) {
      return json(await fetch(`${embedded.baseUrl}/api/local/stamps/${stamp}/${action}`, { method: action === 'health' ? 'PUT' : 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    },
    async api(pathAndQuery, init) {
      // The alert webhook authenticates itself (a key or the action group's token); the other routes want an operator.
      const send = pathAndQuery.startsWith('/api/stamps/alerts') ? fetch : apiFetch;
      return json(await send(`${embedded.baseUrl}${pathAndQuery}`, init));
    },
    async stamp(name) {
      const answer = await world.api(`/api/stamps/${name}`);
      if (answer.status !== 200) throw new Error(`GET /api/stamps/${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body as Record<string, unknown>;
    },
    async stop() {
      await embedded.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
  return world;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
