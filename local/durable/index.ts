/**
 * The embedded Durable engine: public entry point for the local host.
 *
 *   const engine = createDurableEngine({ invoker, store: { dir }, taskHubName, baseUrl: () => host.baseUrl() });
 *   host.mount(WEBHOOK_PREFIX, engine.routeHandler);
 *   app.provideInput('durableClient', () => engine.clientInput());
 *   await engine.start();
 */
import type { Clock, FunctionInvoker, RouteHandler, TypedData } from '../contract';
import { DurableEngineCore, type ActivityTrace, type EngineLog } from './engine';
import { createHttpApi, durableClientData } from './http-api';
import { JournalInstanceStore } from './journal-store';
import { MemoryInstanceStore, type InstanceStore } from './store';

export interface DurableEngineOptions {
  invoker: FunctionInvoker;
  /** 'memory', or a directory for the crash-safe journal (the host passes LOCAL_DURABLE_STORE_DIR). */
  store: 'memory' | { dir: string; compactAtBytes?: number };
  clock?: Clock;
  /** host.json extensions.durableTask.hubName. */
  taskHubName: string;
  /** The host's base URL, e.g. `http://127.0.0.1:7071`; read whenever links are built. */
  baseUrl: () => string;
  /** The key the host requires on the management routes; carried by every link and the client binding. */
  systemKey?: () => string | undefined;
  /** The keyless loopback endpoint the durable client calls (`rpcBaseUrl`); default the management routes. */
  rpcBaseUrl?: () => string;
  log?: EngineLog;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
  maxConcurrentEntities?: number;
  /** Activity execution trace (start / done), e.g. activityTraceFile(LOCAL_DURABLE_ACTIVITY_TRACE). */
  activityTrace?: ActivityTrace;
}

export interface DurableEngine extends DurableEngineCore {
  /** Serves the extension's HTTP API; mount it under {@link WEBHOOK_PREFIX}. */
  readonly routeHandler: RouteHandler;
  /** The `durableClient` input binding data for `df.getClient(context)`. */
  clientInput(): TypedData;
}

export function createDurableEngine(options: DurableEngineOptions): DurableEngine {
  const store: InstanceStore =
    options.store === 'memory' ? new MemoryInstanceStore() : new JournalInstanceStore({ dir: options.store.dir, compactAtBytes: options.store.compactAtBytes });
  const core = new DurableEngineCore({
    invoker: options.invoker,
    store,
    clock: options.clock,
    log: options.log,
    maxConcurrentActivities: options.maxConcurrentActivities,
    maxConcurrentOrchestrations: options.maxConcurrentOrchestrations,
    maxConcurrentEntities: options.maxConcurrentEntities,
    activityTrace: options.activityTrace,
  });
  const api = { taskHubName: options.taskHubName, baseUrl: options.baseUrl, systemKey: options.systemKey, rpcBaseUrl: options.rpcBaseUrl };
  const routeHandler = createHttpApi(core, api);
  return Object.assign(core, {
    routeHandler,
    clientInput: (): TypedData => durableClientData(api),
  });
}

export { WEBHOOK_PREFIX } from './http-api';
export { InstanceExistsError, InvalidInstanceIdError, OrchestratorNotFoundError, WaitTimeoutError, DurableEngineCore } from './engine';
export { NondeterminismError, RefusedActionError } from './episode';
export type { OrchestrationStatusJson, StatusOptions, ListQuery } from './status';
export type { RuntimeStatus } from './state';
export { EventType, type HistoryEvent } from './history';
export type { ActivityTrace } from './engine';
export { activityTraceFile, checkActivityTrace, type ActivityTraceReport } from './activityTrace';
