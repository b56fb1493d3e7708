/**
 * Shared set-up of the peering flow's integration tests: the embedded default running the real app (dist/), the real
 * SDK clients against its ARM emulator, and small probes over the app's HTTP API.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { NetworkManagementClient } from '@azure/arm-network';
import { demoTopology, ids, staticTokenCredential, type Topology } from '../../../local/demo';
import type { Clock } from '../../../local/contract';
import { startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault, type EmbeddedOptions } from '../../../local/embedded';
import { apiFetch } from '../operator-token';

export const root = path.resolve(__dirname, '../../..');
export const POLL = { updateIntervalInMs: 5 };

export interface PeeringWorld {
  topology: Topology;
  embedded: EmbeddedDefault;
  network(subscriptionId: string): NetworkManagementClient;
  hubWeu: string;
  hubNeu: string;
  stop(): Promise<void>;
}

const SETTINGS = ['CONTROL_PLANE_MODE', 'LOCAL_LOG_LEVEL', 'CONTROL_PLANE_TOPOLOGY', 'CONTROL_PLANE_TOPOLOGY_FILE', 'ARM_ENDPOINT', 'ARM_CA_CERT_FILE', 'TABLES_CONNECTION_STRING', 'CONTROL_PLANE_LOCAL', 'AZURE_TENANT_ID', 'ARM_LRO_POLL_INTERVAL_MS', 'ARM_RETRY_DELAY_MS', 'WEBSITE_HOSTNAME', 'CONTROL_PLANE_PRINCIPAL_IDS', 'AUTH_ISSUERS', 'AUTH_JWKS_URL', 'LOCAL_EGRESS_APPLY_MODE'];

/** Starts the embedded default with the real app; the app reads process.env, as in Azure, so settings go there. */
export async function startWorld(settings: Record<string, string> = {}, armTimeScale = 0.005, clock?: Clock, telemetry?: EmbeddedOptions['telemetry']): Promise<PeeringWorld> {
  const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { LOCAL_LOG_LEVEL: 'warning', ...settings });
  const topology = demoTopology();
  const embedded = await startEmbeddedDefault({
    topology,
    port: 0,
    settingsFile: path.join(root, 'no-such-local.settings.json'),
    storage: { kind: 'memory' },
    armTimeScale,
    taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
    ...(clock ? { clock } : {}),
    ...(telemetry ? { telemetry } : {}),
  });
  const ca = fs.readFileSync(embedded.caCertFile, 'utf8');
  const clients = new Map<string, NetworkManagementClient>();
  const sub = topology.connectivity.subscriptionId;
  const hub = (region: string) => {
    const h = topology.connectivity.hubs.find((x) => x.region === region);
    if (!h) throw new Error(`no hub in ${region}`);
    return ids.vnet(sub, h.resourceGroup, h.vnet.name);
  };
  return {
    topology,
    embedded,
    hubWeu: hub('westeurope'),
    hubNeu: hub('northeurope'),
    network(subscriptionId) {
      let c = clients.get(subscriptionId);
      if (!c) {
        c = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId, objectId: 'oid-workload-team', appId: 'a11ce000-0000-4000-8000-00000000a11c' }), subscriptionId, {
          endpoint: embedded.armEndpoint,
          tlsOptions: { ca },
          retryOptions: { retryDelayInMs: 5 },
        });
        clients.set(subscriptionId, c);
      }
      return c;
    },
    async stop() {
      await embedded.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
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
    await sleep(25);
  }
}

export interface SpokeView {
  vnetId: string;
  condition: { type: string; status: string; reason: string; message: string; lastTransitionTime: string } | null;
  orchestration: { instanceId: string; runtimeStatus: string | null };
  audit: Array<{ action: string; outcome: string; target?: string; reason: string; trigger?: Record<string, unknown>; before?: unknown; after?: unknown }>;
  [key: string]: unknown;
}

export function spokePath(vnetId: string): string {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(vnetId);
  if (!m) throw new Error(`not a VNet ID: ${vnetId}`);
  return `/api/spokes/${m[1]}/${m[2]}/${m[3]}`;
}

export async function getSpoke(world: PeeringWorld, vnetId: string): Promise<SpokeView | undefined> {
  const res = await apiFetch(`${world.embedded.baseUrl}${spokePath(vnetId)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${spokePath(vnetId)} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as SpokeView;
}

/** Waits until the spoke's orchestration has finished with a condition matching `reason` and nothing runs any more. */
export async function settledSpoke(world: PeeringWorld, vnetId: string, reason: string, timeoutMs = 30_000): Promise<SpokeView> {
  await until(`${vnetId} to record ${reason}`, async () => {
    const view = await getSpoke(world, vnetId);
    return view?.condition?.reason === reason && view.orchestration.runtimeStatus === 'Completed' ? view : undefined;
  }, timeoutMs);
  await quiesce(world);
  const view = await getSpoke(world, vnetId);
  if (view?.condition?.reason !== reason) throw new Error(`${vnetId} moved on to ${view?.condition?.reason}: ${view?.condition?.message}`);
  return view;
}

/** Waits until the whole embedded default is quiet (see EmbeddedDefault.whenQuiet); fails the test otherwise. */
export async function quiesce(world: PeeringWorld): Promise<void> {
  if (!(await world.embedded.whenQuiet({ timeoutMs: 60_000 }))) throw new Error('the control plane never went quiet');
}

export function peeringWrites(world: PeeringWorld): number {
  return world.embedded.arm.requestLog.count('PUT virtualNetworkPeerings');
}

export async function createVnet(world: PeeringWorld, vnetId: string, spec: { location: string; prefixes: string[]; tags?: Record<string, string> }): Promise<void> {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(vnetId);
  if (!m?.[1] || !m[2] || !m[3]) throw new Error(`not a VNet ID: ${vnetId}`);
  await world.network(m[1]).virtualNetworks.createOrUpdate(
    m[2],
    m[3],
    { location: spec.location, addressSpace: { addressPrefixes: spec.prefixes }, ...(spec.tags ? { tags: spec.tags } : {}) },
    POLL,
  );
}

/** A subscription event as Event Grid delivers it (Event Grid schema), for the tests that post events themselves. */
export function resourceEvent(subject: string, kind: 'Write' | 'Delete', operationName: string, id: string = randomUUID()): Record<string, unknown> {
  const subscriptionId = subject.split('/')[2];
  return {
    id,
    topic: `/subscriptions/${subscriptionId}`,
    subject,
    eventType: `Microsoft.Resources.Resource${kind}Success`,
    eventTime: new Date().toISOString(),
    dataVersion: '2',
    metadataVersion: '1',
    data: {
      subscriptionId,
      resourceUri: subject,
      operationName,
      status: 'Succeeded',
      correlationId: randomUUID(),
      claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'alice@contoso.example' },
    },
  };
}

export async function postEvents(world: PeeringWorld, events: unknown[]): Promise<Response> {
  const url = world.embedded.eventGridWebhooks[0];
  if (!url) throw new Error('the app has no Event Grid function');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify(events) });
}

/**
 * Wall-clock time that a test can move forward in one jump (days pass at once, seconds still pass as seconds):
 * for durable timers of days (decision expiry, TTL) while the emulators keep their real pace. Callbacks due after a
 * jump run at once.
 */
export interface JumpClock extends Clock {
  jump(ms: number): void;
}

export function createJumpClock(): JumpClock {
  let offset = 0;
  const timers = new Set<{ at: number; fn: () => void; handle?: NodeJS.Timeout }>();
  const now = () => Date.now() + offset;
  const arm = (t: { at: number; fn: () => void; handle?: NodeJS.Timeout }) => {
    if (t.handle) clearTimeout(t.handle);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, t.at - now()));
    t.handle = setTimeout(() => {
      if (now() < t.at) return arm(t);
      timers.delete(t);
      t.fn();
    }, delay);
    t.handle.unref();
  };
  return {
    now,
    schedule(at, fn) {
      const t = { at, fn };
      timers.add(t);
      arm(t);
      return () => {
        timers.delete(t);
        clearTimeout((t as { handle?: NodeJS.Timeout }).handle);
      };
    },
    jump(ms) {
      offset += ms;
      for (const t of timers) arm(t);
    },
  };
}
