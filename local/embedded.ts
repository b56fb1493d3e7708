/**
 * The embedded default: everything the control plane needs on one machine with no Azure account, composed in the
 * order Azure would have it ready: Table storage (Azurite) and ARM (the emulator, seeded with a topology) first, then
 * the Functions host with the Durable engine, then the Event Grid system topics that point at the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from './contract';
import { startAzurite, type AzuriteTables } from './azurite';
import { createArmEmulator, type ArmEmulator } from './arm';
import { activityTraceFile, createDurableEngine, WEBHOOK_PREFIX, type DurableEngine } from './durable';
import { createEventGate, createEventGridPublisher, LOCAL_EVENTGRID_PATH, publishResourceEvents, type EventGate, type EventGridPublisher, type InjectionSettings } from './eventgrid';
import { chaosRules } from './arm/faults';
import { seeded } from './arm/lockConflicts';
import { sendError, sendJson } from './host/http-codec';
import { createEventOutbox } from './eventgrid/outbox';
import { createLocalHost, FileTimerStatusStore, LOG_LEVEL_SETTING, MemoryTimerStatusStore, startRpcListener, type LocalHost } from './host';
import { MASTER_KEY_SETTING } from './host/keys';
import { readLocalSettingsFile, settingOf } from './host/settings';
import { METRICS_PATH, startLocalTelemetry, type LocalTelemetryOptions } from './telemetry';
import { findProjectRoot } from './project';
import { CONSOLE_PATH } from '../functions/console-assets';
import { AUDIENCE_SETTING, createLocalIdentity, DEFAULT_AUDIENCE, IDENTITY_PREFIX, TOKEN_PATH } from './identity';
import { LOCAL_APP_ID, LOCAL_OBJECT_ID, staticTokenCredential } from '../shared/azure/local-credential';
import { DEMO_STAMPS, demoStampsConfig, seedDemoFrontDoors } from './demo/stamps';
import { LOCAL_STAMPS_PATH, startLocalStamps, type LocalStamps } from './stamps';
import { startPlatformApiEmulator, type PlatformApiEmulator } from './platform-api';
import { controlPlaneEventSubscriptions, controlPlaneTopology, eventScopeOf, ids, seedTopology, watchedSubscriptions, type EventScope, type Topology } from './demo';
import { parseResourceId } from '../shared/azure/resource-id';
import { acquireDataDir, wipeDataDir, type InstanceLock } from './dataDir';
import { ConfigError, loadConfig, type HubConfig, type Mode } from '../shared/config';

export { findProjectRoot };

export interface EmbeddedOptions {
  /** The app's entry modules; default: package.json `main` (dist/functions/index.js). */
  entries?: string[];
  /** The app's folder (host.json, package.json), as the host's function app directory; default the project root. */
  appDirectory?: string;
  /** The Azure topology the ARM emulator starts with. */
  topology: Topology;
  /** The file `topology` was read from (LOCAL_TOPOLOGY_FILE); absent for the bundled demo topology. */
  topologySource?: string;
  /** Create the topology's resources in the emulator at start (default true). */
  seed?: boolean;
  /** Functions host port (0 = any free port). Default: PORT / local.settings.json / 7071. */
  port?: number;
  /** local.settings.json to read; default the one in the current directory, if any. */
  settingsFile?: string;
  /** Environment the settings overlay and the app reads; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the Durable journal, Azurite and the ARM emulator keep data; `memory` keeps nothing on disk. A disk folder
   * is locked for this instance (`instance.json`, see dataDir.ts) and the emulator's world is resumed from it.
   */
  storage: { kind: 'disk'; dir: string } | { kind: 'memory' };
  /** Empty the data folder (after taking its lock) and start from the topology again (default false). */
  fresh?: boolean;
  /** ARM emulator time scale: 1 = Azure-like durations, 0.1 = ten times faster (default). */
  armTimeScale?: number;
  /** Azure's ARM throttling in the emulator (default true). */
  armThrottling?: boolean;
  /**
   * The demo stamps: two Front Door profiles in the ARM emulator, a switchable health endpoint per stamp, and the
   * control plane's `stamps` block (when the topology comes from the emulator). Off unless asked for (npm start
   * asks): their monitors run forever, which a test waiting for the control plane to go quiet cannot have.
   */
  demoStamps?: boolean | { policy: Record<string, unknown> };
  /** host.json `extensions.durableTask.hubName`. */
  taskHubName: string;
  clock?: Clock;
  /** More telemetry readers and exporters (tests: in-memory ones) beside the Prometheus endpoint; see local/telemetry.ts. */
  telemetry?: Pick<LocalTelemetryOptions, 'metricReaders' | 'spanExporters'>;
  /**
   * Chaos for soaks (LOCAL_ARM_FAULT_RATE, LOCAL_EVENTGRID_INJECTION, LOCAL_CHAOS_SEED): ARM faults at `armFaultRate`
   * (the mix of faults.ts chaosRules, switched on after seeding) and Event Grid delivery injection, both drawn from
   * generators seeded with `seed`.
   */
  chaos?: ChaosOptions;
  /** Append the Durable engine's activity execution trace to this file (durable/activityTrace.ts). */
  activityTraceFile?: string;
}

export interface ChaosOptions {
  armFaultRate?: number;
  eventGrid?: InjectionSettings;
  seed?: number;
}

/** Local-only routes for harnesses (the soak): the ARM request log and "wait until quiet". */
export const LOCAL_ARM_REQUESTS_PATH = '/api/local/arm/requests';
export const LOCAL_QUIET_PATH = '/api/local/quiet';

export interface EmbeddedDefault {
  baseUrl: string;
  /** The Prometheus text endpoint (`{baseUrl}/metrics`). */
  metricsUrl: string;
  host: LocalHost;
  engine: DurableEngine;
  arm: ArmEmulator;
  /** The platform team's egress API emulator (docs/platform-api.openapi.yaml). */
  platformApi: PlatformApiEmulator;
  armEndpoint: string;
  caCertFile: string;
  publisher: EventGridPublisher;
  tables: AzuriteTables;
  /** Webhook URLs subscribed to the watched subscriptions' system topics, one per Event Grid function. */
  eventGridWebhooks: string[];
  /** True when the ARM emulator resumed the world saved in the data folder (the topology was not seeded again). */
  resumed: boolean;
  /** What the control plane runs with, as the app reads it (see controlPlaneSummary). */
  controlPlane(): ControlPlaneSummary;
  /**
   * Resolves true once nothing is in flight: no event being delivered, no orchestration Running or Pending, no work
   * queued in the Durable engine, and no ARM request for `quietMs` (default 150); false when `timeoutMs` passes first.
   * `ignoreWaiting`: orchestrations that wait on a timer or an external event with nothing queued (an egress request
   * awaiting approval, a monitor between probes) do not count as in flight. `ignoreReads`: only ARM write requests
   * (PUT/PATCH/POST/DELETE) break the quiet window, so monitors that read Front Door every round (the stamps) do not.
   */
  whenQuiet(options?: { quietMs?: number; timeoutMs?: number; ignoreWaiting?: boolean; ignoreReads?: boolean }): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The control plane's mode, where its configuration comes from, the subscriptions it watches, and its hubs with
 * whether their VNet exists.
 */
export type ControlPlaneSummary =
  | { ok: true; mode: Mode; configSource: string; watchedSubscriptions: string[]; hubs: Array<HubConfig & { exists: boolean }> }
  | { ok: false; configSource: string; problems: string[] };

/** Reads `extensions.durableTask.hubName` from a host.json, as the Functions host does. */
export function taskHubNameFrom(hostJsonFile: string): string {
  const hostJson = JSON.parse(fs.readFileSync(hostJsonFile, 'utf8')) as { extensions?: { durableTask?: { hubName?: unknown } } };
  const hubName = hostJson.extensions?.durableTask?.hubName;
  if (typeof hubName !== 'string' || hubName === '' || hubName.includes('%')) {
    throw new Error(`${hostJsonFile}: extensions.durableTask.hubName must be a literal task hub name (got ${JSON.stringify(hubName)}).`);
  }
  return hubName;
}

/** The app's entry point from package.json `main`, resolved against the project root. */
export function appEntryFrom(projectRoot: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof pkg.main !== 'string') throw new Error(`${projectRoot}/package.json has no "main": it must name the compiled app entry.`);
  return path.join(projectRoot, pkg.main);
}

/**
 * Creating a gateway takes ~30 minutes in Azure; the control plane never creates or waits for one, so seeding the
 * demo's gateway at that pace would only delay start-up. Every other operation keeps its Azure-like duration.
 */
const DURABLE_LOG_LEVELS = { info: 'information', warn: 'warning', error: 'error' } as const;

/** The extension's RPC path (`http://127.0.0.1:17071/durabletask/` in Azure). */
const DURABLE_RPC_PATH = '/durabletask/';

const SEED_FRIENDLY_LRO_DURATIONS_MS = { virtualNetworkGateways: 60_000 };
const SEED_TIME_SCALE = 0.002;
/** At the seed pace operations end within milliseconds; the SDK would otherwise poll every ~2 s. */
const SEED_POLL_INTERVAL_MS = 10;
/** `direct` (default: the control plane writes the demo's firewall policies) or `platformApi` (the local platform team's API does). */
export const EGRESS_APPLY_MODE_SETTING = 'LOCAL_EGRESS_APPLY_MODE';

export async function startEmbeddedDefault(options: EmbeddedOptions): Promise<EmbeddedDefault> {
  const projectRoot = findProjectRoot(__dirname);
  const env = options.env ?? process.env;
  const started: { stop(): Promise<void> | void }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const piece of started.reverse()) await piece.stop();
  };

  // The lock comes before anything opens the folder; it is released last.
  let lock: InstanceLock | undefined;
  if (options.storage.kind === 'disk') {
    lock = acquireDataDir(options.storage.dir);
    started.push({ stop: () => lock?.release() });
  }

  try {
    if (lock && options.fresh) wipeDataDir(lock);
    // A folder written before the emulator kept its state (records and journal, no arm/state.json) cannot be resumed
    // as one world: the topology is seeded anew beside the old records. Say so once.
    const orphanedRecords =
      lock !== undefined &&
      !fs.existsSync(path.join(lock.dir, 'arm', 'state.json')) &&
      ['durable', 'azurite'].some((sub) => fs.existsSync(path.join(lock.dir, sub)));
    const tables = await startAzurite(
      options.storage.kind === 'memory'
        ? { inMemory: true, silent: true }
        : { inMemory: false, location: path.join(options.storage.dir, 'azurite'), silent: true },
    );
    started.push(tables);

    const arm = createArmEmulator({
      timeScale: options.armTimeScale ?? 0.1,
      throttling: options.armThrottling ?? true,
      lroDurationsMs: SEED_FRIENDLY_LRO_DURATIONS_MS,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.storage.kind === 'disk' ? { stateFile: path.join(options.storage.dir, 'arm', 'state.json') } : {}),
      ...(options.chaos ? { faultRandom: seeded(options.chaos.seed ?? 1) } : {}),
    });
    const { endpoint: armEndpoint, caCertFile } = await arm.start();
    started.push(arm);
    // A resumed world already holds the topology and everything made since: seeding again would undo those changes.
    if ((options.seed ?? true) && !arm.restored) {
      // Seed at a fast pace (the topology exists before the control plane starts), then run at the chosen one.
      arm.setTimeScale(SEED_TIME_SCALE);
      await seedTopology(options.topology, { endpoint: armEndpoint, caCertFile, updateIntervalInMs: SEED_POLL_INTERVAL_MS });
      arm.setTimeScale(options.armTimeScale ?? 0.1);
    }
    // Chaos starts once the topology exists (as a bad day starts on a built landing zone).
    for (const rule of chaosRules(options.chaos?.armFaultRate ?? 0)) arm.faults.add(rule);

    // What the app reads to reach "Azure": set before the app loads, as app settings are in Azure.
    env.ARM_ENDPOINT = armEndpoint;
    env.ARM_CA_CERT_FILE = caCertFile;
    env.TABLES_CONNECTION_STRING = tables.connectionString;
    env.CONTROL_PLANE_LOCAL = 'true';

    // Telemetry providers before the app loads (the app records through the OpenTelemetry API): metrics at /metrics,
    // spans on the console at debug level.
    const logLevel = settingOf(env, readLocalSettingsFile(options.settingsFile ?? path.resolve('local.settings.json'))?.Values ?? {}, LOG_LEVEL_SETTING);
    const telemetry = startLocalTelemetry({ printSpans: logLevel === 'debug' || logLevel === 'trace', ...options.telemetry });
    started.push(telemetry);

    const host = createLocalHost({
      entries: options.entries ?? [appEntryFrom(projectRoot)],
      env,
      functionAppDirectory: options.appDirectory ?? projectRoot,
      // Timer schedule status beside the Durable journal, as the host keeps it in its storage account.
      timerStatus:
        options.storage.kind === 'memory'
          ? new MemoryTimerStatusStore()
          : new FileTimerStatusStore(path.join(options.storage.dir, 'timers'), (line) => host.logger.host('warning', line)),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.settingsFile ? { settingsFile: options.settingsFile } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    if (orphanedRecords) {
      host.logger.host(
        'warning',
        `${lock?.dir} holds records and a Durable journal but no ARM emulator state (arm/state.json): they may describe resources that the new world does not have. Start with --fresh (LOCAL_FRESH=true) to begin clean.`,
      );
    }
    const engine = createDurableEngine({
      invoker: host.app,
      store: options.storage.kind === 'memory' ? 'memory' : { dir: path.join(options.storage.dir, 'durable') },
      taskHubName: options.taskHubName,
      baseUrl: () => host.baseUrl(),
      systemKey: () => host.settings.get(MASTER_KEY_SETTING) || undefined,
      rpcBaseUrl: () => rpc.baseUrl,
      log: (level, message) => host.logger.host(DURABLE_LOG_LEVELS[level], `[durable] ${message}`),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.activityTraceFile ? { activityTrace: activityTraceFile(options.activityTraceFile) } : {}),
    });
    let localStamps: LocalStamps | undefined;
    // Known once the host lists its Event Grid functions, after it starts.
    const eventGrid: { webhook?: string } = {};
    if (options.demoStamps) {
      localStamps = await startLocalStamps({ stamps: DEMO_STAMPS, tenantId: options.topology.tenantId, baseUrl: () => host.baseUrl(), eventGridWebhook: () => eventGrid.webhook });
      const stamps = localStamps;
      started.push({ stop: () => stamps.stop() });
      if (!arm.restored && (options.seed ?? true)) {
        arm.setTimeScale(SEED_TIME_SCALE);
        await seedDemoFrontDoors(arm, { endpoint: armEndpoint, caCertFile, credential: staticTokenCredential({ tenantId: options.topology.tenantId }), updateIntervalInMs: SEED_POLL_INTERVAL_MS });
        arm.setTimeScale(options.armTimeScale ?? 0.1);
      }
    }
    // The platform team's API: it writes into the emulated firewall policies through ARM as its own principal.
    const platformApi = await startPlatformApiEmulator({
      armEndpoint,
      caCertFile,
      tenantId: options.topology.tenantId,
      updateIntervalInMs: Math.max(5, Math.round(1000 * (options.armTimeScale ?? 0.1))),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    started.push(platformApi);
    host.addInfo('platformApi', () => platformApi.info());
    const egressApplyMode = host.settings.get(EGRESS_APPLY_MODE_SETTING) || 'direct';
    if (egressApplyMode !== 'direct' && egressApplyMode !== 'platformApi') throw new Error(`${EGRESS_APPLY_MODE_SETTING} is "${egressApplyMode}": give "direct" or "platformApi"`);
    const topologyFromEmulator = applyControlPlaneDefaults(host, env, options.topology, options.armTimeScale ?? 0.1, egressApplyMode === 'platformApi' ? { url: platformApi.url, audience: platformApi.audience } : undefined, localStamps ? demoStampsConfig(localStamps.healthUrls(), typeof options.demoStamps === 'object' ? options.demoStamps.policy : {}) : undefined);
    // The durable client calls a keyless loopback endpoint (rpcBaseUrl), as in Azure; the public routes need the key.
    const rpc = await startRpcListener({
      handler: engine.routeHandler,
      rpcPath: DURABLE_RPC_PATH,
      webhookPrefix: WEBHOOK_PREFIX,
      onError: (line) => host.logger.host('error', line),
    });
    started.push(rpc);
    host.mount(WEBHOOK_PREFIX, engine.routeHandler);
    host.mount(METRICS_PATH, telemetry.routes);
    host.addInfo('metrics', () => ({ url: new URL(METRICS_PATH, host.baseUrl()).toString(), format: 'Prometheus text (OpenTelemetry Prometheus exporter)', spans: logLevel === 'debug' || logLevel === 'trace' ? 'printed (LOCAL_LOG_LEVEL debug)' : 'not printed (set LOCAL_LOG_LEVEL=debug)' }));
    // The local token issuer: an Entra-shaped tenant whose key survives restarts when the data is on disk.
    const clock = options.clock;
    const identity = createLocalIdentity({
      tenantId: host.settings.get('AZURE_TENANT_ID') ?? options.topology.tenantId,
      audience: host.settings.get(AUDIENCE_SETTING) || DEFAULT_AUDIENCE,
      baseUrl: () => host.baseUrl(),
      ...(options.storage.kind === 'disk' ? { keyFile: path.join(options.storage.dir, 'identity', 'signing-key.json') } : {}),
      ...(clock ? { now: () => clock.now() } : {}),
    });
    host.mount(IDENTITY_PREFIX, identity.identityRoutes);
    host.mount(TOKEN_PATH, identity.tokenRoute);
    host.addInfo('auth', () => identity.info());
    host.app.provideInput('durableClient', () => engine.clientInput());
    await engine.start();
    started.push(engine);
    const baseUrl = await host.start();
    started.push(host);
    lock?.setBaseUrl(baseUrl);
    // durable-functions builds management links from WEBSITE_HOSTNAME, as in Azure.
    env.WEBSITE_HOSTNAME = new URL(baseUrl).host;
    // The app's token validator (the egress API, the alert webhook) trusts the local token issuer unless settings name
    // other issuers (known once the host has a URL).
    const auth = identity.info();
    if (!host.settings.get('AUTH_ISSUERS')) env.AUTH_ISSUERS = auth.issuer;
    if (!host.settings.get('AUTH_JWKS_URL')) env.AUTH_JWKS_URL = auth.jwksUri;

    // Deliveries survive a kill -9 as they do in Azure (Event Grid is not in the control plane's process): outbox.ts.
    const outbox = lock ? createEventOutbox(path.join(lock.dir, 'eventgrid', 'outbox.jsonl'), () => publisher) : undefined;
    if (outbox) started.push({ stop: () => outbox.close() });
    const publisher = createEventGridPublisher({
      timeScale: options.armTimeScale ?? 0.1,
      ...(outbox ? { onDeliveryRecord: (record) => outbox.onDeliveryRecord(record) } : {}),
      ...(options.chaos?.eventGrid ? { injection: options.chaos.eventGrid } : {}),
      ...(options.chaos ? { random: seeded((options.chaos.seed ?? 1) + 1) } : {}),
      log: (line) => host.logger.host('information', line),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    started.push(publisher);
    // POST /api/local/eventgrid/pause|resume: events raised while paused are lost, as when Event Grid gives up.
    const gate = createEventGate((line) => host.logger.host('information', line));
    host.mount(LOCAL_EVENTGRID_PATH, gate.routes);
    started.push({ stop: publishResourceEvents(arm, gate.gated(outbox ?? publisher), (line) => host.logger.host('warning', line)) });

    const eventGridKey = host.settings.get('LOCAL_EVENTGRID_KEY');
    const eventGridWebhooks = host.app
      .list()
      .filter((fn) => fn.trigger.type.toLowerCase() === 'eventgridtrigger')
      .map((fn) => {
        const url = new URL('/runtime/webhooks/eventgrid', baseUrl);
        url.searchParams.set('functionName', fn.name);
        if (eventGridKey) url.searchParams.set('code', eventGridKey);
        return url.toString();
      });
    const controlPlane = (): ControlPlaneSummary => controlPlaneSummary(env, topologyFromEmulator, options.topologySource, arm);
    // Subscribe where the control plane is configured to listen (as infra/events.bicep does in Azure); the emulator
    // topology's own lists only when the configuration does not load (the banner says why).
    const summary = controlPlane();
    const scope: EventScope = summary.ok
      ? { watched: summary.watchedSubscriptions, hubSubscriptions: summary.hubs.map((hub) => parseResourceId(hub.vnetId).subscriptionId) }
      : eventScopeOf(options.topology);
    for (const webhook of eventGridWebhooks) {
      for (const subscription of controlPlaneEventSubscriptions(scope, webhook)) {
        await publisher.subscribe(subscription);
      }
    }

    const redelivered = outbox?.redeliverOpen() ?? 0;
    if (redelivered > 0) host.logger.host('warning', `Event Grid: ${redelivered} event(s) published before the last stop were not delivered yet; delivering them again.`);

    eventGrid.webhook = eventGridWebhooks[0];
    if (localStamps) {
      const stamps = localStamps;
      host.mount(LOCAL_STAMPS_PATH, stamps.routes);
      host.addInfo('stamps', () => stamps.info());
    }
    addInfoSections(host, options.topology, { armEndpoint, caCertFile, tables, eventGridWebhooks, engine: options, controlPlane, arm, gate });

    const whenQuiet = async ({ quietMs = 150, timeoutMs = 60_000, ignoreWaiting = false, ignoreReads = false }: { quietMs?: number; timeoutMs?: number; ignoreWaiting?: boolean; ignoreReads?: boolean } = {}): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      let requests = -1;
      while (Date.now() < deadline) {
        await publisher.settled();
        await engine.whenIdle();
        const log = arm.requestLog.snapshot();
        const now = ignoreReads ? log.writeRequests : log.total;
        if (now === requests && (ignoreWaiting || engine.list({ runtimeStatus: ['Running', 'Pending'] }).items.length === 0)) return true;
        requests = now;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
      }
      return false;
    };

    mountHarnessRoutes(host, arm, whenQuiet);

    return {
      baseUrl,
      metricsUrl: new URL(METRICS_PATH, baseUrl).toString(),
      host,
      engine,
      arm,
      platformApi,
      armEndpoint,
      caCertFile,
      publisher,
      tables,
      eventGridWebhooks,
      resumed: arm.restored,
      controlPlane,
      whenQuiet,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

/**
 * `GET /api/local/arm/requests`: the ARM emulator's request log (per operation and per caller; counted since this
 * process started) and the long-running operations fault injection made fail, per path; with `journal=true` also
 * the journal (every write request and every answer other than 2xx, in order, faults marked; `afterSeq=` after one). `GET /api/local/quiet?quietMs=&timeoutMs=`: answers `{"quiet": true}` once nothing is in flight
 * (whenQuiet; `ignoreWaiting=true` and `ignoreReads=true` as there), `{"quiet": false}` when `timeoutMs` (default 30 s, at most 120 s) passes
 * first. Local only.
 */
function mountHarnessRoutes(host: LocalHost, arm: ArmEmulator, whenQuiet: EmbeddedDefault['whenQuiet']): void {
  const only = (path: string, handler: (url: URL) => Promise<unknown> | unknown): void =>
    host.mount(path, async (req, res, url) => {
      if (url.pathname !== path) return false;
      if ((req.method ?? 'GET').toUpperCase() !== 'GET') {
        sendError(res, 405, 'MethodNotAllowed', `${req.method} ${path}: only GET`);
        return true;
      }
      try {
        sendJson(res, 200, await handler(url));
      } catch (e) {
        sendError(res, 400, 'InvalidQuery', (e as Error).message);
      }
      return true;
    });
  only(LOCAL_ARM_REQUESTS_PATH, (url) => {
    const journal = url.searchParams.get('journal');
    if (journal !== null && journal !== 'true' && journal !== 'false') throw new Error(`journal must be true or false (got "${journal}")`);
    const rawAfter = url.searchParams.get('afterSeq');
    const afterSeq = rawAfter === null ? 0 : Number(rawAfter);
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new Error(`afterSeq must be a non-negative integer (got "${rawAfter}")`);
    return {
      ...arm.requestLog.snapshot(),
      injectedLroFailures: arm.faults.lroFailuresByPath(),
      ...(journal === 'true' ? { journal: arm.requestLog.journalEntries(afterSeq) } : {}),
    };
  });
  only(LOCAL_QUIET_PATH, async (url) => {
    const number = (name: string, fallback: number, max: number): number => {
      const raw = url.searchParams.get(name);
      if (raw === null) return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name} must be an integer from 0 to ${max} (got "${raw}")`);
      return n;
    };
    const quietMs = number('quietMs', 150, 10_000);
    const timeoutMs = number('timeoutMs', 30_000, 120_000);
    const ignoreWaiting = url.searchParams.get('ignoreWaiting') === 'true';
    const ignoreReads = url.searchParams.get('ignoreReads') === 'true';
    return { quiet: await whenQuiet({ quietMs, timeoutMs, ignoreWaiting, ignoreReads }) };
  });
}

/**
 * The control plane's settings for the embedded default, unless the environment or local.settings.json sets them:
 * the demo topology's hubs and watched subscriptions, its tenant, and ARM poll / retry intervals at the emulator's
 * pace (at small time scales the emulator's Retry-After rounds to 0 s and the SDK would fall back to 2 s polls). The
 * poll is half the SDK's 2 s scaled: each serialized hub write is seen done that much sooner (bench: ratio 1.19 at
 * 20 ms vs 1.19-1.28 at 40 ms, for ~12 more status polls per spoke).
 */
function applyControlPlaneDefaults(host: LocalHost, env: NodeJS.ProcessEnv, topology: Topology, timeScale: number, platformApi: { url: string; audience: string } | undefined, stamps?: Record<string, unknown>): boolean {
  const unset = (name: string): boolean => !host.settings.get(name);
  const fromEmulatorTopology = unset('CONTROL_PLANE_TOPOLOGY') && unset('CONTROL_PLANE_TOPOLOGY_FILE');
  if (fromEmulatorTopology) env.CONTROL_PLANE_TOPOLOGY = JSON.stringify({ ...controlPlaneTopology(topology, platformApi), ...(stamps ? { stamps } : {}) });
  if (unset('AZURE_TENANT_ID')) env.AZURE_TENANT_ID = topology.tenantId;
  if (unset('CONTROL_PLANE_PRINCIPAL_IDS')) env.CONTROL_PLANE_PRINCIPAL_IDS = `${LOCAL_APP_ID},${LOCAL_OBJECT_ID}`;
  if (unset('ARM_LRO_POLL_INTERVAL_MS')) env.ARM_LRO_POLL_INTERVAL_MS = String(Math.max(5, Math.round(1000 * timeScale)));
  if (unset('ARM_RETRY_DELAY_MS')) env.ARM_RETRY_DELAY_MS = String(Math.max(10, Math.round(800 * timeScale)));
  return fromEmulatorTopology;
}

/**
 * What the control plane runs with, read as the app reads it (loadConfig over the same settings, relative files
 * against the current directory as currentConfig does): its mode, where its topology comes from, and each configured
 * hub with whether its VNet exists in the emulator.
 */
export function controlPlaneSummary(
  env: NodeJS.ProcessEnv,
  fromEmulatorTopology: boolean,
  topologySource: string | undefined,
  arm: Pick<ArmEmulator, 'getResource'>,
): ControlPlaneSummary {
  const configSource = fromEmulatorTopology
    ? topologySource
      ? `${path.resolve(topologySource)} (LOCAL_TOPOLOGY_FILE)`
      : 'the demo topology'
    : env.CONTROL_PLANE_TOPOLOGY_FILE
      ? `${path.resolve(env.CONTROL_PLANE_TOPOLOGY_FILE)} (CONTROL_PLANE_TOPOLOGY_FILE)`
      : 'CONTROL_PLANE_TOPOLOGY (inline JSON)';
  try {
    const config = loadConfig(env, process.cwd());
    return {
      ok: true,
      mode: config.mode,
      configSource,
      watchedSubscriptions: config.watchedSubscriptions,
      hubs: config.hubs.map((hub) => ({ ...hub, exists: arm.getResource(hub.vnetId) !== undefined })),
    };
  } catch (error) {
    return { ok: false, configSource, problems: error instanceof ConfigError ? error.problems : [String(error)] };
  }
}

/** The banner lines that say what the control plane runs with. */
export function controlPlaneBanner(summary: ControlPlaneSummary): Array<{ level: 'information' | 'warning'; line: string }> {
  if (!summary.ok) {
    return [
      { level: 'warning', line: `Config: ${summary.configSource} is invalid; the control plane's functions will fail until it is fixed:` },
      ...summary.problems.map((p) => ({ level: 'warning' as const, line: `  - ${p}` })),
    ];
  }
  return [
    { level: 'information', line: `Mode: ${summary.mode}` },
    { level: 'information', line: `Config: ${summary.configSource}` },
    ...summary.hubs
      .filter((hub) => !hub.exists)
      .map((hub) => ({ level: 'warning' as const, line: `Warning: hub "${hub.name}" (${hub.region}): its VNet ${hub.vnetId} does not exist in ARM; spokes in ${hub.region} cannot be peered.` })),
  ];
}

/**
 * The `controlPlane` section of `/api/local/info`: the mode as the app reads it (loadConfig, through the summary),
 * or the problems that stop it; where the configuration comes from; and the topology (the file named, else the inline
 * document, shown as text when it is not JSON: the problems say why).
 */
export function controlPlaneInfo(summary: ControlPlaneSummary, topologyFile: string | undefined, inlineTopology: string | undefined): Record<string, unknown> {
  let topology: unknown = topologyFile ?? null;
  if (!topologyFile && inlineTopology !== undefined) {
    try {
      topology = JSON.parse(inlineTopology);
    } catch {
      topology = inlineTopology;
    }
  }
  return { ...(summary.ok ? { mode: summary.mode } : { problems: summary.problems }), configSource: summary.configSource, topology };
}

/** Whether a VNet (as GET answers it) has a gateway: its GatewaySubnet carries a gateway's IP configuration. */
function vnetHasGateway(vnet: Record<string, unknown> | undefined): boolean {
  const subnets = (vnet?.['properties'] as { subnets?: Array<{ name?: string; properties?: { ipConfigurations?: unknown[] } }> } | undefined)?.subnets ?? [];
  return subnets.some((s) => s.name?.toLowerCase() === 'gatewaysubnet' && (s.properties?.ipConfigurations?.length ?? 0) > 0);
}

function addInfoSections(
  host: LocalHost,
  topology: Topology,
  ctx: {
    armEndpoint: string;
    caCertFile: string;
    tables: AzuriteTables;
    eventGridWebhooks: string[];
    engine: EmbeddedOptions;
    controlPlane: () => ControlPlaneSummary;
    arm: Pick<ArmEmulator, 'getResource'>;
    gate: EventGate;
  },
): void {
  host.addInfo('arm', () => ({ endpoint: ctx.armEndpoint, caCertFile: ctx.caCertFile, timeScale: ctx.engine.armTimeScale ?? 0.1 }));
  host.addInfo('eventGrid', () => ({
    webhookUrl: ctx.eventGridWebhooks[0] ?? null,
    webhookUrls: ctx.eventGridWebhooks,
    note: ctx.eventGridWebhooks.length ? undefined : 'The app has no Event Grid function yet, so no subscription was created.',
    ...ctx.gate.info(host.baseUrl()),
  }));
  host.addInfo('tables', () => ({ endpoint: ctx.tables.tableEndpoint, connectionString: ctx.tables.connectionString }));
  // The console is the app's own /api/console route (functions/console.ts); locally it signs in with the local issuer.
  host.addInfo('console', () => ({ url: new URL(CONSOLE_PATH, host.baseUrl()).toString(), signIn: 'local token issuer (POST /api/local/token)' }));
  host.addInfo('durable', () => ({
    taskHubName: ctx.engine.taskHubName,
    store: ctx.engine.storage.kind === 'memory' ? 'memory' : path.join(ctx.engine.storage.dir, 'durable'),
    managementApi: new URL(WEBHOOK_PREFIX, host.baseUrl()).toString(),
  }));
  host.addInfo('controlPlane', () => controlPlaneInfo(ctx.controlPlane(), host.settings.get('CONTROL_PLANE_TOPOLOGY_FILE'), host.settings.get('CONTROL_PLANE_TOPOLOGY')));
  // The subscriptions the control plane watches (its configuration's; the emulator topology's while that is invalid).
  host.addInfo('subscriptions', () => {
    const summary = ctx.controlPlane();
    return { connectivity: topology.connectivity.subscriptionId, watched: summary.ok ? summary.watchedSubscriptions : watchedSubscriptions(topology) };
  });
  // The hubs the control plane is configured with (not necessarily the emulator topology's), as they are in ARM now.
  host.addInfo('hubs', () => {
    const summary = ctx.controlPlane();
    if (!summary.ok) return { error: 'The control plane configuration is invalid', problems: summary.problems };
    return summary.hubs.map((hub) => {
      const vnet = ctx.arm.getResource(hub.vnetId);
      const addressSpace = (vnet?.['properties'] as { addressSpace?: { addressPrefixes?: string[] } } | undefined)?.addressSpace;
      return {
        name: hub.name,
        region: hub.region,
        vnetId: hub.vnetId,
        exists: hub.exists,
        addressPrefixes: addressSpace?.addressPrefixes ?? [],
        hasGateway: vnetHasGateway(vnet),
      };
    });
  });
  host.addInfo('privateDns', () => ({
    resourceGroupId: ids.resourceGroup(topology.connectivity.subscriptionId, topology.connectivity.privateDns.resourceGroup),
    zones: topology.connectivity.privateDns.zones,
  }));
}
