/**
 * The embedded Durable engine: drives the real durable-functions orchestrators, activities and entities through the
 * extension's replay protocol (full history in, actions out, new history appended), over an instance store.
 *
 * Scheduling: episodes of one instance run strictly one after another; different instances, activities and
 * entities run concurrently within the configured bounds. Every state change is one store commit; work that a
 * commit asks for (activities, timers) starts only once the commit is durable, and messages to other instances
 * (sub-orchestrations, entity requests, completions to a parent) are part of the same commit, so a crash never
 * loses or half-applies them.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, FunctionInvoker, InvokeResult } from '../contract';
import { wallClock } from '../clock';
import {
  decideEpisode,
  invalidFunctionMessage,
  NondeterminismError,
  openTaskIds,
  RefusedActionError,
  schedulingIndex,
  splitBatch,
  UnsupportedActionError,
  type EpisodeWork,
  type FunctionCatalog,
  type FunctionKind,
} from './episode';
import { EventType, event, isSchedulingEvent, type HistoryEvent } from './history';
import {
  activityTriggerData,
  customStatusSizeError,
  findContinueAsNew,
  LONG_RUNNING_TIMER_INTERVAL,
  MAXIMUM_SHORT_TIMER_DURATION,
  orchestrationTriggerData,
  processedInputJson,
  readOrchestratorOutcome,
  REPLAY_SCHEMA,
  type WireOrchestratorState,
} from './protocol';
import { isTerminal, type EntityRequest, type OrchestrationRecord, type RuntimeStatus, type StoreOp } from './state';
import { matchesQuery, statusJson, type ListQuery, type OrchestrationStatusJson, type StatusOptions } from './status';
import type { InstanceStore } from './store';

export type EngineLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface EngineCoreOptions {
  invoker: FunctionInvoker;
  store: InstanceStore;
  clock?: Clock;
  log?: EngineLog;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
  maxConcurrentEntities?: number;
  /**
   * Activity execution trace (soak crash-safety check; see durable/activityTrace.ts): `start` before an activity is
   * invoked, `done` once its completion is committed to the store. Absent: nothing is traced.
   */
  activityTrace?: ActivityTrace;
}

export type ActivityTrace = (entry: { phase: 'start' | 'done'; instanceId: string; executionId: string; seq: number; name: string }) => void;

/** startNew for a name that is not a registered orchestrator (the extension throws ArgumentException: HTTP 400). */
export class OrchestratorNotFoundError extends Error {
  constructor(name: string, catalog: FunctionCatalog) {
    super(invalidFunctionMessage('orchestrator', name, catalog));
    this.name = 'OrchestratorNotFoundError';
  }
}

/**
 * startNew for an instance id that is Pending, Running, ContinuedAsNew or Suspended (overridableExistingInstanceStates
 * NonRunningStates, the extension's default). The Azure Storage backend, which the extension configures with
 * ThrowExceptionOnInvalidDedupeStatus, throws OrchestrationAlreadyExistsException with this message
 * (AzureStorageOrchestrationService.CreateTaskOrchestrationAsync); the HTTP API answers it with 500.
 */
export class InstanceExistsError extends Error {
  constructor(
    readonly instanceId: string,
    readonly status: RuntimeStatus,
  ) {
    super(`An Orchestration instance with the status ${status} already exists.`);
    this.name = 'InstanceExistsError';
  }
}

/** An instance id the extension refuses (DurableClient.StartNewAsync throws ArgumentException: HTTP 400). */
export class InvalidInstanceIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInstanceIdError';
  }
}

export const MAX_INSTANCE_ID_LENGTH = 256;

/** DurableClient.IsInvalidCharacter: '/', '\\', '?', '#' or a control character (char.IsControl: U+0000-U+001F, U+007F-U+009F). */
function isInvalidCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return c === '/' || c === '\\' || c === '?' || c === '#' || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * Why DurableClient.StartNewAsync refuses an instance id, in its words. Two of its ArgumentExceptions pass the
 * message as the parameter name (`new ArgumentException(nameof(instanceId), "...")`), so .NET prints them as
 * "instanceId (Parameter '...')"; that is what a caller sees, so it is kept. Empty means "generate one".
 */
export function instanceIdError(instanceId: string): string | undefined {
  if (instanceId === '') return undefined;
  if (instanceId.startsWith('@')) return "instanceId (Parameter 'Orchestration instance ids must not start with @.')";
  if ([...instanceId].some(isInvalidCharacter)) {
    return "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
  }
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH) return `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`;
  return undefined;
}

export class WaitTimeoutError extends Error {
  constructor(instanceId: string, timeoutMs: number, status: RuntimeStatus | undefined) {
    super(`Instance '${instanceId}' did not finish within ${timeoutMs} ms (runtimeStatus: ${status ?? 'not found'}).`);
    this.name = 'WaitTimeoutError';
  }
}

export type ClientOutcome = 'accepted' | 'notFound' | 'gone';

interface ActivityWork {
  instanceId: string;
  executionId: string;
  seq: number;
  name: string;
  input?: string;
}

const TRIGGER_OF: Record<FunctionKind, string> = { activity: 'activityTrigger', orchestrator: 'orchestrationTrigger', entity: 'entityTrigger' };

const ENTITY_BATCH_SIZE = 20;
const EPISODE_RETRY_MS = 1000;

/** `@name@key` -> { name, key } (as durable-functions' EntityId.getEntityIdFromSchedulerId). */
export function parseEntityId(schedulerId: string): { name: string; key: string } {
  const at = schedulerId.indexOf('@', 1);
  return { name: schedulerId.substring(1, at), key: schedulerId.substring(at + 1) };
}

export const entitySchedulerId = (name: string, key: string): string => `@${name.toLowerCase()}@${key}`;

export class DurableEngineCore {
  readonly store: InstanceStore;
  private readonly invoker: FunctionInvoker;
  private readonly clock: Clock;
  private readonly log: EngineLog;
  private readonly maxOrchestrations: number;
  private readonly maxActivities: number;
  private readonly maxEntities: number;

  private readonly readyOrchestrations = new Set<string>();
  private readonly runningOrchestrations = new Set<string>();
  private readonly activityQueue: ActivityWork[] = [];
  private activeActivities = 0;
  private readonly readyEntities = new Set<string>();
  private readonly runningEntities = new Set<string>();
  private readonly timers = new Map<string, Map<number, () => void>>();
  private readonly completionWaiters = new Map<string, Array<() => void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly inflight = new Set<Promise<void>>();
  private pumpScheduled = false;
  private started = false;
  private stopping = false;
  /**
   * What a production backend bills and throttles on, counted since the engine was made: orchestrator invocations
   * (episodes, replays included), activity executions and entity operations, each by function name. Read-only
   * bookkeeping for benchmarks and diagnostics; nothing in the engine depends on it.
   */
  readonly counts = { episodes: new Map<string, number>(), activities: new Map<string, number>(), entityOperations: new Map<string, number>() };

  constructor(options: EngineCoreOptions) {
    this.invoker = options.invoker;
    this.store = options.store;
    this.clock = options.clock ?? wallClock;
    this.log = options.log ?? (() => undefined);
    this.maxOrchestrations = options.maxConcurrentOrchestrations ?? 32;
    this.maxActivities = options.maxConcurrentActivities ?? 32;
    this.maxEntities = options.maxConcurrentEntities ?? 16;
    this.activityTrace = options.activityTrace;
  }

  private readonly activityTrace: ActivityTrace | undefined;

  // ---------------------------------------------------------------- lifecycle

  /** Opens the store and resumes every unfinished instance (pending activities run again, timers are re-armed). */
  async start(): Promise<void> {
    if (this.started) return;
    await this.store.open();
    this.started = true;
    let resumed = 0;
    for (const rec of this.store.orchestrations()) {
      if (rec.inbox.length > 0) this.readyOrchestrations.add(rec.instanceId);
      if (isTerminal(rec.status)) continue;
      resumed++;
      this.resumePendingWork(rec);
    }
    for (const ent of this.store.entities()) if (ent.queue.length > 0) this.readyEntities.add(ent.entityId);
    if (resumed > 0) this.log('info', `Durable engine resumed ${resumed} unfinished instance(s).`);
    this.pump();
  }

  /** Stops taking new work, waits for what is in flight, cancels timers and flushes the store. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    for (const byInstance of this.timers.values()) for (const cancel of byInstance.values()) cancel();
    this.timers.clear();
    await this.store.close();
    this.started = false;
  }

  /** Resolves when no episode, activity or entity batch is running or queued (timers may still be pending). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return (
      this.inflight.size === 0 &&
      this.readyOrchestrations.size === 0 &&
      this.activityQueue.length === 0 &&
      this.readyEntities.size === 0
    );
  }

  private resumePendingWork(rec: OrchestrationRecord): void {
    const answered = new Set<number>();
    for (const e of [...rec.history, ...rec.inbox]) {
      if (e.TaskScheduledId !== undefined) answered.add(e.TaskScheduledId);
      if (e.EventType === EventType.TimerFired && e.TimerId !== undefined) answered.add(e.TimerId);
    }
    for (const e of rec.history) {
      if (!isSchedulingEvent(e) || answered.has(e.EventId)) continue;
      if (e.EventType === EventType.TaskScheduled) {
        this.activityQueue.push({ instanceId: rec.instanceId, executionId: rec.executionId, seq: e.EventId, name: e.Name ?? '', input: e.Input });
      } else if (e.EventType === EventType.TimerCreated) {
        this.armTimer(rec.instanceId, rec.executionId, e.EventId, Date.parse(e.FireAt ?? ''));
      }
    }
  }

  // ---------------------------------------------------------------- client operations

  /** The registered functions by kind, as the extension's ThrowIfFunctionDoesNotExist sees them. */
  readonly catalog: FunctionCatalog = {
    has: (kind, name) => this.invoker.get(name)?.trigger.type === TRIGGER_OF[kind],
    names: (kind) => this.invoker.list().filter((f) => f.trigger.type === TRIGGER_OF[kind]).map((f) => f.name),
  };

  /** Starts an orchestration; `inputJson` is the input as JSON text. Returns the instance id. */
  async startNew(name: string, options: { instanceId?: string; inputJson?: string } = {}): Promise<string> {
    this.assertRunning();
    const fn = this.invoker.get(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') throw new OrchestratorNotFoundError(name, this.catalog);
    const invalid = instanceIdError(options.instanceId ?? '');
    if (invalid) throw new InvalidInstanceIdError(invalid);
    const instanceId = options.instanceId || randomUUID().replace(/-/g, '');
    const existing = this.store.getOrchestration(instanceId);
    if (existing && !isTerminal(existing.status)) throw new InstanceExistsError(instanceId, existing.status);
    await this.store.commit([{ t: 'create', rec: this.newInstance(fn.name, instanceId, options.inputJson) }]);
    this.enqueueOrchestration(instanceId);
    return instanceId;
  }

  private newInstance(name: string, instanceId: string, inputJson: string | undefined, parent?: OrchestrationRecord['parent']): OrchestrationRecord {
    const now = this.clock.now();
    const executionId = randomUUID().replace(/-/g, '');
    const started = event(EventType.ExecutionStarted, now, {
      Name: name,
      Input: inputJson,
      OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
      ...(parent
        ? {
            ParentInstance: {
              Name: this.store.getOrchestration(parent.instanceId)?.name ?? '',
              TaskScheduleId: parent.taskScheduledId,
              OrchestrationInstance: { InstanceId: parent.instanceId, ExecutionId: parent.executionId },
            },
          }
        : {}),
    });
    return {
      instanceId,
      name,
      executionId,
      status: 'Pending',
      input: inputJson,
      createdTime: now,
      lastUpdatedTime: now,
      parent,
      history: [],
      inbox: [started],
    };
  }

  /** Raises an external event. Unknown instances: notFound (dropped); finished ones: gone (dropped). */
  async raiseEvent(instanceId: string, eventName: string, dataJson?: string): Promise<ClientOutcome> {
    return this.sendControl(instanceId, event(EventType.EventRaised, this.clock.now(), { Name: eventName, Input: dataJson }));
  }

  async terminate(instanceId: string, reason?: string): Promise<ClientOutcome> {
    return this.sendControl(instanceId, event(EventType.ExecutionTerminated, this.clock.now(), { Input: JSON.stringify(reason ?? null) }));
  }

  async suspend(instanceId: string, reason?: string): Promise<ClientOutcome> {
    return this.sendControl(instanceId, event(EventType.ExecutionSuspended, this.clock.now(), { Reason: reason }));
  }

  async resume(instanceId: string, reason?: string): Promise<ClientOutcome> {
    return this.sendControl(instanceId, event(EventType.ExecutionResumed, this.clock.now(), { Reason: reason }));
  }

  private async sendControl(instanceId: string, ev: HistoryEvent): Promise<ClientOutcome> {
    this.assertRunning();
    const rec = this.store.getOrchestration(instanceId);
    if (!rec) return 'notFound';
    if (isTerminal(rec.status)) return 'gone';
    await this.store.commit([{ t: 'inbox', id: instanceId, ev }]);
    this.enqueueOrchestration(instanceId);
    return 'accepted';
  }

  /** Deletes a finished instance and its history. */
  async purge(instanceId: string): Promise<'purged' | 'notFound' | 'notTerminal'> {
    const rec = this.store.getOrchestration(instanceId);
    if (!rec) return 'notFound';
    if (!isTerminal(rec.status)) return 'notTerminal';
    await this.store.commit([{ t: 'purge', id: instanceId }]);
    return 'purged';
  }

  /** Purges finished instances matching the filter; returns how many. */
  async purgeWhere(query: Pick<ListQuery, 'createdTimeFrom' | 'createdTimeTo' | 'runtimeStatus'>): Promise<number> {
    const ids = [...this.store.orchestrations()]
      .filter((r) => isTerminal(r.status) && matchesQuery(r, query))
      .map((r) => r.instanceId);
    if (ids.length > 0) await this.store.commit(ids.map((id) => ({ t: 'purge', id }) as StoreOp));
    return ids.length;
  }

  async getStatus(instanceId: string, options: StatusOptions = {}): Promise<OrchestrationStatusJson | undefined> {
    const rec = this.store.getOrchestration(instanceId);
    if (!rec) return undefined;
    const history = options.showHistory ? await this.store.loadHistory(rec) : undefined;
    return statusJson(rec, history, options);
  }

  /** The raw history of the current execution (engine bookkeeping fields included), for tests and diagnostics. */
  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    const rec = this.store.getOrchestration(instanceId);
    return rec ? this.store.loadHistory(rec) : undefined;
  }

  /** Lists instances, oldest first; the continuation token is an opaque offset. */
  list(query: ListQuery = {}): { items: OrchestrationStatusJson[]; continuationToken?: string } {
    const all = [...this.store.orchestrations()]
      .filter((r) => matchesQuery(r, query))
      .sort((a, b) => a.createdTime - b.createdTime || a.instanceId.localeCompare(b.instanceId));
    const start = query.continuationToken ? Number.parseInt(Buffer.from(query.continuationToken, 'base64').toString('utf8'), 10) || 0 : 0;
    const end = query.top && query.top > 0 ? start + query.top : all.length;
    const items = all.slice(start, end).map((r) => statusJson(r, undefined, { showInput: query.showInput }));
    const continuationToken = end < all.length ? Buffer.from(String(end), 'utf8').toString('base64') : undefined;
    return { items, continuationToken };
  }

  /** Resolves with the final status once the instance is Completed, Failed or Terminated. */
  async waitForCompletion(instanceId: string, timeoutMs = 30_000): Promise<OrchestrationStatusJson> {
    const done = (): boolean => {
      const rec = this.store.getOrchestration(instanceId);
      return rec !== undefined && isTerminal(rec.status);
    };
    if (!done()) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          remove();
          reject(new WaitTimeoutError(instanceId, timeoutMs, this.store.getOrchestration(instanceId)?.status));
        }, timeoutMs);
        const waiter = (): void => {
          if (!done()) return;
          clearTimeout(timer);
          remove();
          resolve();
        };
        const remove = (): void => {
          const list = this.completionWaiters.get(instanceId) ?? [];
          const i = list.indexOf(waiter);
          if (i >= 0) list.splice(i, 1);
          if (list.length === 0) this.completionWaiters.delete(instanceId);
        };
        const list = this.completionWaiters.get(instanceId) ?? [];
        list.push(waiter);
        this.completionWaiters.set(instanceId, list);
      });
    }
    const status = await this.getStatus(instanceId);
    if (!status) throw new Error(`Instance '${instanceId}' was purged while waiting for it.`);
    return status;
  }

  /** Entity state as `readEntityState` sees it. */
  readEntity(name: string, key: string): { exists: boolean; state?: unknown } {
    const rec = this.store.getEntity(entitySchedulerId(name, key));
    if (!rec || !rec.exists) return { exists: false };
    return { exists: true, state: rec.state === undefined ? null : (JSON.parse(rec.state) as unknown) };
  }

  async signalEntity(name: string, key: string, operation: string, inputJson?: string): Promise<void> {
    this.assertRunning();
    const id = entitySchedulerId(name, key);
    await this.store.commit([{ t: 'entityMsg', id, req: { id: randomUUID(), op: operation, signal: true, input: inputJson }, at: this.clock.now() }]);
    this.enqueueEntity(id);
  }

  private assertRunning(): void {
    if (!this.started || this.stopping) throw new Error('The Durable engine is not running: call start() first (and not after stop()).');
  }

  // ---------------------------------------------------------------- scheduling

  private enqueueOrchestration(id: string): void {
    this.readyOrchestrations.add(id);
    this.pump();
  }

  private enqueueEntity(id: string): void {
    this.readyEntities.add(id);
    this.pump();
  }

  private pump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.drain();
    });
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => {
      this.inflight.delete(p);
      this.pump();
    });
  }

  private drain(): void {
    if (!this.started || this.stopping) return;
    for (const id of this.readyOrchestrations) {
      if (this.runningOrchestrations.size >= this.maxOrchestrations) break;
      if (this.runningOrchestrations.has(id)) continue;
      this.readyOrchestrations.delete(id);
      this.runningOrchestrations.add(id);
      let broke = false;
      this.track(
        this.runEpisode(id)
          .catch((e: unknown) => {
            broke = true;
            this.log('error', `Episode of instance '${id}' broke (retrying in ${EPISODE_RETRY_MS} ms): ${(e as Error).stack ?? String(e)}`);
            // Nothing was committed: the messages are still in the inbox. Retry later rather than in a hot loop.
            setTimeout(() => this.enqueueOrchestration(id), EPISODE_RETRY_MS).unref();
          })
          .finally(() => {
            this.runningOrchestrations.delete(id);
            // Messages held back (a second engine event) or that arrived during the episode need another one.
            const rec = this.store.getOrchestration(id);
            if (!broke && rec && rec.inbox.length > 0 && rec.status !== 'Suspended') this.readyOrchestrations.add(id);
          }),
      );
    }
    while (this.activeActivities < this.maxActivities && this.activityQueue.length > 0) {
      const work = this.activityQueue.shift() as ActivityWork;
      this.activeActivities++;
      this.track(
        this.runActivity(work)
          .catch((e: unknown) => this.log('error', `Activity '${work.name}' of '${work.instanceId}' broke: ${(e as Error).stack ?? String(e)}`))
          .finally(() => this.activeActivities--),
      );
    }
    for (const id of this.readyEntities) {
      if (this.runningEntities.size >= this.maxEntities) break;
      if (this.runningEntities.has(id)) continue;
      this.readyEntities.delete(id);
      this.runningEntities.add(id);
      this.track(
        this.runEntityBatch(id)
          .catch((e: unknown) => this.log('error', `Entity '${id}' broke: ${(e as Error).stack ?? String(e)}`))
          .finally(() => this.runningEntities.delete(id)),
      );
    }
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((r) => r());
  }

  private armTimer(instanceId: string, executionId: string, seq: number, fireAt: number): void {
    const byInstance = this.timers.get(instanceId) ?? new Map<number, () => void>();
    this.timers.set(instanceId, byInstance);
    byInstance.get(seq)?.();
    const cancel = this.clock.schedule(fireAt, () => {
      byInstance.delete(seq);
      if (byInstance.size === 0 && this.timers.get(instanceId) === byInstance) this.timers.delete(instanceId);
      if (this.stopping) return;
      const firedAt = Math.max(this.clock.now(), fireAt);
      this.track(this.deliver(instanceId, executionId, event(EventType.TimerFired, firedAt, { TimerId: seq, FireAt: new Date(fireAt).toISOString() })));
    });
    byInstance.set(seq, cancel);
  }

  private cancelTimers(instanceId: string): void {
    const byInstance = this.timers.get(instanceId);
    if (!byInstance) return;
    for (const cancel of byInstance.values()) cancel();
    this.timers.delete(instanceId);
  }

  /** Queues a message for one execution of an instance; dropped when that execution is over. */
  private async deliver(instanceId: string, executionId: string, ev: HistoryEvent): Promise<void> {
    const rec = this.store.getOrchestration(instanceId);
    if (!rec || rec.executionId !== executionId || isTerminal(rec.status)) return;
    await this.store.commit([{ t: 'inbox', id: instanceId, ev }]);
    this.enqueueOrchestration(instanceId);
  }

  private notifyCompletion(instanceId: string): void {
    for (const waiter of [...(this.completionWaiters.get(instanceId) ?? [])]) waiter();
  }

  // ---------------------------------------------------------------- activities

  private async runActivity(work: ActivityWork): Promise<void> {
    const traced = { instanceId: work.instanceId, executionId: work.executionId, seq: work.seq, name: work.name };
    this.activityTrace?.({ phase: 'start', ...traced });
    const fn = this.invoker.get(work.name);
    let completion: HistoryEvent;
    const now = (): number => this.clock.now();
    if (!fn || fn.trigger.type !== 'activityTrigger') {
      const inner = `Activity function '${work.name}' does not exist.`;
      completion = event(EventType.TaskFailed, now(), {
        TaskScheduledId: work.seq,
        Reason: `Activity function '${work.name}' failed: ${inner}`,
        Details: JSON.stringify({ ClassName: 'Microsoft.Azure.WebJobs.Extensions.DurableTask.FunctionFailedException', Message: inner }),
      });
    } else {
      bump(this.counts.activities, fn.name);
      const result = await this.invoker.invoke({ functionName: fn.name, triggerData: activityTriggerData(work.input) });
      if (result.ok) {
        completion = event(EventType.TaskCompleted, now(), { TaskScheduledId: work.seq, Result: JSON.stringify(result.returnValue) ?? 'null' });
      } else {
        // The host wraps a worker failure in an RpcException whose message is built like this.
        const inner = `Result: Failure\nException: ${result.error.message}\nStack: ${result.error.stack ?? ''}`;
        completion = event(EventType.TaskFailed, now(), {
          TaskScheduledId: work.seq,
          Reason: `Activity function '${work.name}' failed: ${inner}`,
          Details: JSON.stringify({ ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException', Message: inner }),
        });
      }
    }
    await this.deliver(work.instanceId, work.executionId, completion);
    this.activityTrace?.({ phase: 'done', ...traced });
  }

  // ---------------------------------------------------------------- entities

  private async runEntityBatch(entityId: string): Promise<void> {
    const rec = this.store.getEntity(entityId);
    if (!rec || rec.queue.length === 0) return;
    const batch = rec.queue.slice(0, ENTITY_BATCH_SIZE);
    const self = parseEntityId(entityId);
    const fn = this.invoker.get(self.name);
    const ops: StoreOp[] = [];
    const now = this.clock.now();
    let exists = rec.exists;
    let state = rec.state;
    const errors: (string | undefined)[] = [];
    const results: (string | undefined)[] = [];
    const signals: { target: string; req: EntityRequest }[] = [];

    if (!fn || fn.trigger.type !== 'entityTrigger') {
      batch.forEach(() => errors.push(`Entity function '${self.name}' doesn't exist, is disabled, or is not an entity function.`));
    } else {
      const input = {
        self,
        exists: rec.exists,
        state: rec.state,
        batch: batch.map((r) => ({ name: r.op, signal: r.signal, input: r.input, id: r.id })),
      };
      bump(this.counts.entityOperations, fn.name, batch.length);
      const result = await this.invoker.invoke({ functionName: fn.name, triggerData: { string: JSON.stringify(input) } });
      if (!result.ok) {
        batch.forEach(() => errors.push(`Entity function '${self.name}' failed: ${result.error.message}`));
      } else {
        const out = result.returnValue as {
          entityExists: boolean;
          entityState?: string;
          results: ({ isError: boolean; result?: string } | null)[];
          signals: { target: { name: string; key: string }; name: string; input?: string }[];
        };
        exists = out.entityExists;
        state = out.entityState;
        batch.forEach((r, i) => {
          const res = out.results[i];
          if (res?.isError) {
            const detail = res.result && res.result !== '{}' ? `: ${res.result}` : '';
            errors.push(`Entity operation '${r.op}' on entity '${entityId}' failed${detail}`);
            results.push(undefined);
          } else {
            errors.push(undefined);
            results.push(res?.result);
          }
        });
        for (const s of out.signals ?? []) {
          signals.push({
            target: entitySchedulerId(s.target.name, s.target.key),
            req: { id: randomUUID(), op: s.name, signal: true, input: s.input ? s.input : undefined },
          });
        }
      }
    }

    ops.push({ t: 'entityBatch', id: entityId, consumed: batch.length, exists, state, at: now });
    const callers = new Set<string>();
    batch.forEach((r, i) => {
      if (r.signal || !r.parentInstanceId) return;
      const parent = this.store.getOrchestration(r.parentInstanceId);
      if (!parent || isTerminal(parent.status)) return;
      const error = errors[i];
      const response = error !== undefined ? { result: JSON.stringify(error), exceptionType: 'Error' } : results[i] !== undefined ? { result: results[i] } : {};
      ops.push({ t: 'inbox', id: r.parentInstanceId, ev: event(EventType.EventRaised, now, { Name: r.id, Input: JSON.stringify(response) }) });
      callers.add(r.parentInstanceId);
    });
    for (const s of signals) ops.push({ t: 'entityMsg', id: s.target, req: s.req, at: now });
    await this.store.commit(ops);
    for (const id of callers) this.enqueueOrchestration(id);
    for (const s of signals) this.enqueueEntity(s.target);
    if ((this.store.getEntity(entityId)?.queue.length ?? 0) > 0) this.enqueueEntity(entityId);
  }

  // ---------------------------------------------------------------- orchestrations

  private async runEpisode(instanceId: string): Promise<void> {
    const rec = this.store.getOrchestration(instanceId);
    if (!rec || rec.inbox.length === 0) return;
    if (isTerminal(rec.status)) {
      // Messages to a finished instance (late timers, activity results, events) are dropped.
      await this.store.commit([{ t: 'episode', id: instanceId, consumed: rec.inbox.map((_, i) => i), meta: {} }]);
      return;
    }
    if (await this.handleControlMessages(rec)) return;
    if (rec.status === 'Suspended' || rec.inbox.length === 0) return;

    const index = schedulingIndex(rec.history);
    const { taken, engineEvent } = splitBatch(rec.inbox, index);
    // The episode's time never goes backwards, and is never before a timer it delivers.
    let now = Math.max(this.clock.now(), lastTimestamp(rec.history));
    for (const i of taken) {
      const fired = rec.inbox[i];
      if (fired?.EventType === EventType.TimerFired && fired.FireAt) now = Math.max(now, Date.parse(fired.FireAt));
    }
    const newEvents = [event(EventType.OrchestratorStarted, now), ...taken.map((i) => ({ ...(rec.inbox[i] as HistoryEvent), IsPlayed: false }))];
    const execution = rec.executionId;

    const fn = this.invoker.get(rec.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      await this.finish(rec, taken, newEvents, [], now, { status: 'Failed', message: new OrchestratorNotFoundError(rec.name, this.catalog).message });
      return;
    }
    const result = await this.invokeOrchestrator(rec, fn.name, newEvents);
    // Only this loop runs episodes of this instance, and only finished instances can be purged or replaced: after each
    // invocation, an instance purged or replaced meanwhile ends the episode.
    const replaced = (): boolean => this.store.getOrchestration(instanceId) !== rec || rec.executionId !== execution;
    if (replaced()) return;

    const outcome = readOrchestratorOutcome(result);
    const failed = (message: string, customStatus?: unknown): Promise<void> =>
      this.finish(rec, taken, newEvents, [], now, { status: 'Failed', message, customStatus, keepCustomStatus: customStatus === undefined });
    if (outcome.kind === 'broken') {
      await failed(`Orchestrator function '${rec.name}' failed: ${outcome.message}`);
      return;
    }
    if (outcome.kind === 'failed' && !outcome.state) {
      await failed(`Orchestrator function '${rec.name}' failed: ${outcome.message}`);
      return;
    }
    const state = outcome.state as WireOrchestratorState;
    const customStatus = state.customStatus;
    // The extension sets the custom status before it replays the actions; an oversized one fails the orchestration
    // (an ArgumentException in the shim: not an orchestrator error, so open tasks do not hold it back).
    const tooLarge = customStatusSizeError(customStatusJson(customStatus));
    if (tooLarge) {
      await failed(`Orchestrator function '${rec.name}' failed: ${tooLarge}`);
      return;
    }

    let decision: ReturnType<typeof decideEpisode>;
    try {
      decision = decideEpisode({
        orchestrator: rec.name,
        instanceId,
        parentInstanceId: rec.parent?.instanceId,
        committed: rec.history,
        now,
        state,
        engineEvent,
        catalog: this.catalog,
      });
    } catch (e) {
      if (!(e instanceof NondeterminismError) && !(e instanceof UnsupportedActionError) && !(e instanceof RefusedActionError)) throw e;
      this.log('error', e.message);
      await failed(e.message, customStatus);
      return;
    }

    const done = outcome.kind === 'failed' || state.isDone;
    if (!done) {
      await this.continueRunning(rec, taken, newEvents, decision.scheduled, decision.work, now, customStatus);
      return;
    }
    const continueAsNew = outcome.kind === 'state' ? findContinueAsNew(state) : undefined;
    // TaskOrchestrationExecutor completes, fails or continues an orchestration as new only once no task is open:
    // until then it stays Running and every new message replays it again.
    if (openTaskIds([...rec.history, ...newEvents, ...decision.scheduled], state).length > 0) {
      let appended = newEvents;
      if (continueAsNew && !rec.history.some((e) => e.ContinueAsNewAfter)) {
        const trigger = await this.continueAsNewTrigger(rec, fn.name, newEvents);
        if (replaced()) return;
        appended = newEvents.map((e, i) => (i === trigger ? { ...e, ContinueAsNewAfter: true } : e));
      }
      await this.continueRunning(rec, taken, appended, decision.scheduled, decision.work, now, customStatus);
      return;
    }
    // Finishing: what is still sent are messages to entities; nothing else new can be open (a new timer is cancelled).
    const work = decision.work.filter((w) => w.kind === 'entity');
    if (outcome.kind === 'failed') {
      await this.finish(rec, taken, newEvents, decision.scheduled, now, { status: 'Failed', message: `Orchestrator function '${rec.name}' failed: ${outcome.message}`, work, customStatus });
    } else if (continueAsNew) {
      const carried = await this.carriedOverEvents(rec, fn.name, newEvents);
      if (replaced()) return;
      await this.finish(rec, taken, newEvents, decision.scheduled, now, {
        status: 'ContinuedAsNew',
        inputJson: processedInputJson(continueAsNew.input),
        carried,
        work,
        customStatus,
      });
    } else {
      await this.finish(rec, taken, newEvents, decision.scheduled, now, { status: 'Completed', outputJson: JSON.stringify(state.output) ?? 'null', work, customStatus });
    }
  }

  /** One orchestrator invocation over the committed history plus `newEvents` (the episode's messages). */
  private invokeOrchestrator(rec: OrchestrationRecord, functionName: string, newEvents: HistoryEvent[]): Promise<InvokeResult> {
    bump(this.counts.episodes, functionName);
    const input = rec.input === undefined ? undefined : (JSON.parse(rec.input) as unknown);
    return this.invoker.invoke({
      functionName,
      triggerData: orchestrationTriggerData({
        history: [...rec.history, ...newEvents],
        input,
        instanceId: rec.instanceId,
        isReplaying: rec.history.length > 0,
        parentInstanceId: rec.parent?.instanceId,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: REPLAY_SCHEMA,
        longRunningTimerIntervalDuration: LONG_RUNNING_TIMER_INTERVAL,
        maximumShortTimerDuration: MAXIMUM_SHORT_TIMER_DURATION,
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      }),
    });
  }

  /**
   * The index in `newEvents` (OrchestratorStarted first) of the message whose processing made the orchestrator call
   * continueAsNew. DurableTask.Core plays a batch message by message; the extension calls ContinueAsNew as soon as
   * the shim reaches that action. The orchestrator is replayed over growing prefixes of the batch (it is
   * deterministic, and once it has continued as new, more messages do not undo that), by bisection.
   */
  private async continueAsNewTrigger(rec: OrchestrationRecord, functionName: string, newEvents: HistoryEvent[]): Promise<number> {
    let lo = 1;
    let hi = newEvents.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const outcome = readOrchestratorOutcome(await this.invokeOrchestrator(rec, functionName, newEvents.slice(0, mid + 1)));
      if (outcome.kind === 'state' && outcome.state.isDone && findContinueAsNew(outcome.state)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * External events that carry over to the next execution (TaskOrchestrationContext.HandleEventRaisedEvent: an
   * EventRaised played after ContinueAsNew goes to CarryoverEvents, BehaviorOnContinueAsNew.Carryover being the
   * dispatcher's default). Events before the trigger that the orchestrator did not take are dropped.
   */
  private async carriedOverEvents(rec: OrchestrationRecord, functionName: string, newEvents: HistoryEvent[]): Promise<HistoryEvent[]> {
    const marked = rec.history.findIndex((e) => e.ContinueAsNewAfter);
    const after =
      marked >= 0
        ? [...rec.history.slice(marked + 1), ...newEvents]
        : newEvents.length > 2
          ? newEvents.slice((await this.continueAsNewTrigger(rec, functionName, newEvents)) + 1)
          : [];
    return after.filter((e) => e.EventType === EventType.EventRaised).map((e) => ({ ...e, IsPlayed: false }));
  }

  /** Applies terminate / suspend / resume messages. Returns true when the instance is finished. */
  private async handleControlMessages(rec: OrchestrationRecord): Promise<boolean> {
    const now = this.clock.now();
    const terminateAt = rec.inbox.findIndex((e) => e.EventType === EventType.ExecutionTerminated);
    if (terminateAt >= 0) {
      const terminated = rec.inbox[terminateAt] as HistoryEvent;
      const reasonJson = terminated.Input ?? 'null';
      const append = [event(EventType.OrchestratorStarted, now), { ...terminated, IsPlayed: false }, event(EventType.OrchestratorCompleted, now)];
      const ops: StoreOp[] = [
        {
          t: 'episode',
          id: rec.instanceId,
          consumed: rec.inbox.map((_, i) => i),
          append: played(append),
          meta: { status: 'Terminated', output: reasonJson, lastUpdatedTime: now },
        },
      ];
      this.notifyParentOps(rec, ops, 'Failed', `Sub-orchestration '${rec.instanceId}' was terminated: ${String(JSON.parse(reasonJson))}`, undefined, now);
      await this.store.commit(ops);
      this.afterFinish(rec);
      return true;
    }
    const control: number[] = [];
    let suspended = rec.status === 'Suspended';
    const append: HistoryEvent[] = [];
    rec.inbox.forEach((e, i) => {
      if (e.EventType === EventType.ExecutionSuspended || e.EventType === EventType.ExecutionResumed) {
        control.push(i);
        suspended = e.EventType === EventType.ExecutionSuspended;
        append.push({ ...e, IsPlayed: true });
      }
    });
    if (control.length === 0) return false;
    const status: RuntimeStatus = suspended ? 'Suspended' : rec.history.length > 0 ? 'Running' : 'Pending';
    await this.store.commit([{ t: 'episode', id: rec.instanceId, consumed: control, append, meta: { status, lastUpdatedTime: now } }]);
    return false;
  }

  private async continueRunning(
    rec: OrchestrationRecord,
    taken: number[],
    newEvents: HistoryEvent[],
    scheduledEvents: HistoryEvent[],
    work: EpisodeWork[],
    now: number,
    customStatus: unknown,
  ): Promise<void> {
    const ops: StoreOp[] = [
      {
        t: 'episode',
        id: rec.instanceId,
        consumed: taken,
        append: played([...newEvents, ...scheduledEvents, event(EventType.OrchestratorCompleted, now)]),
        meta: { status: 'Running', customStatus: customStatusJson(customStatus), lastUpdatedTime: now },
      },
    ];
    const followUps = this.workOps(rec, work, ops, now);
    await this.store.commit(ops);
    followUps();
  }

  /** Store operations for an episode's work, and what to start once they are durable. */
  private workOps(rec: OrchestrationRecord, work: EpisodeWork[], ops: StoreOp[], now: number): () => void {
    const activities: ActivityWork[] = [];
    const timers: { seq: number; fireAt: number }[] = [];
    const children: string[] = [];
    const entities = new Set<string>();
    let selfMessage = false;
    for (const w of work) {
      switch (w.kind) {
        case 'activity':
          activities.push({ instanceId: rec.instanceId, executionId: rec.executionId, seq: w.seq, name: w.name, input: w.input });
          break;
        case 'timer':
          timers.push({ seq: w.seq, fireAt: w.fireAt });
          break;
        case 'entity':
          ops.push({ t: 'entityMsg', id: w.entityId, req: w.req, at: now });
          entities.add(w.entityId);
          break;
        case 'subOrchestration': {
          const existing = this.store.getOrchestration(w.instanceId);
          if (existing && !isTerminal(existing.status)) {
            ops.push({
              t: 'inbox',
              id: rec.instanceId,
              ev: event(EventType.SubOrchestrationInstanceFailed, now, {
                TaskScheduledId: w.seq,
                Reason: `An orchestration instance with ID '${w.instanceId}' already exists and is ${existing.status}.`,
                Details: '',
              }),
            });
            selfMessage = true;
          } else {
            const parent = { instanceId: rec.instanceId, executionId: rec.executionId, taskScheduledId: w.seq };
            ops.push({ t: 'create', rec: this.newInstance(w.name, w.instanceId, w.input, parent) });
            children.push(w.instanceId);
          }
          break;
        }
      }
    }
    return () => {
      for (const t of timers) this.armTimer(rec.instanceId, rec.executionId, t.seq, t.fireAt);
      this.activityQueue.push(...activities);
      for (const id of children) this.readyOrchestrations.add(id);
      for (const id of entities) this.readyEntities.add(id);
      if (selfMessage) this.readyOrchestrations.add(rec.instanceId);
      this.pump();
    };
  }

  private async finish(
    rec: OrchestrationRecord,
    taken: number[],
    newEvents: HistoryEvent[],
    scheduledEvents: HistoryEvent[],
    now: number,
    end:
      | { status: 'Completed'; outputJson: string; work?: EpisodeWork[]; customStatus?: unknown }
      /** `keepCustomStatus`: the episode's custom status was not accepted; the last one stays. */
      | { status: 'Failed'; message: string; work?: EpisodeWork[]; customStatus?: unknown; keepCustomStatus?: boolean }
      /** `carried`: external events that go to the new execution ahead of the messages still queued. */
      | { status: 'ContinuedAsNew'; inputJson?: string; carried: HistoryEvent[]; work?: EpisodeWork[]; customStatus?: unknown },
  ): Promise<void> {
    const ops: StoreOp[] = [];
    const customStatus = end.status === 'Failed' && end.keepCustomStatus ? undefined : customStatusJson(end.customStatus);
    if (end.status === 'ContinuedAsNew') {
      const executionId = randomUUID().replace(/-/g, '');
      const started = event(EventType.ExecutionStarted, now, {
        Name: rec.name,
        Input: end.inputJson,
        OrchestrationInstance: { InstanceId: rec.instanceId, ExecutionId: executionId },
      });
      // Messages not in this batch (they arrived during the episode) stay in the inbox for the new execution, after
      // the events carried over.
      ops.push({
        t: 'episode',
        id: rec.instanceId,
        consumed: taken,
        reset: { executionId, input: end.inputJson, history: [], inboxPrefix: [started, ...end.carried] },
        meta: { status: 'ContinuedAsNew', customStatus, output: null, lastUpdatedTime: now },
      });
      const followUps = this.workOps(rec, end.work ?? [], ops, now);
      await this.store.commit(ops);
      this.cancelTimers(rec.instanceId);
      followUps();
      this.enqueueOrchestration(rec.instanceId);
      return;
    }
    const outputJson = end.status === 'Completed' ? end.outputJson : JSON.stringify(end.message);
    const completed = event(EventType.ExecutionCompleted, now, { Result: outputJson, OrchestrationStatus: end.status });
    ops.push({
      t: 'episode',
      id: rec.instanceId,
      consumed: taken,
      append: played([...newEvents, ...scheduledEvents, completed, event(EventType.OrchestratorCompleted, now)]),
      meta: { status: end.status, output: outputJson, customStatus, lastUpdatedTime: now },
    });
    if (end.status === 'Failed') this.log('warn', `Instance '${rec.instanceId}' (${rec.name}) failed: ${end.message}`);
    this.notifyParentOps(rec, ops, end.status, end.status === 'Failed' ? end.message : undefined, outputJson, now);
    const followUps = this.workOps(rec, end.work ?? [], ops, now);
    await this.store.commit(ops);
    followUps();
    this.afterFinish(rec);
  }

  private notifyParentOps(
    rec: OrchestrationRecord,
    ops: StoreOp[],
    status: 'Completed' | 'Failed',
    failure: string | undefined,
    outputJson: string | undefined,
    now: number,
  ): void {
    const parentRef = rec.parent;
    if (!parentRef) return;
    const parent = this.store.getOrchestration(parentRef.instanceId);
    if (!parent || parent.executionId !== parentRef.executionId || isTerminal(parent.status)) return;
    const ev =
      status === 'Completed'
        ? event(EventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: parentRef.taskScheduledId, Result: outputJson ?? 'null' })
        : event(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: parentRef.taskScheduledId,
            Reason: failure ?? 'The sub-orchestration failed.',
            Details: JSON.stringify({ InstanceId: rec.instanceId }),
          });
    ops.push({ t: 'inbox', id: parentRef.instanceId, ev });
  }

  private afterFinish(rec: OrchestrationRecord): void {
    this.cancelTimers(rec.instanceId);
    if (rec.parent) this.enqueueOrchestration(rec.parent.instanceId);
    this.notifyCompletion(rec.instanceId);
    // Messages that arrived meanwhile are dropped by the next pass.
    if (rec.inbox.length > 0) this.enqueueOrchestration(rec.instanceId);
  }
}

const bump = (counts: Map<string, number>, name: string, by = 1): void => {
  counts.set(name, (counts.get(name) ?? 0) + by);
};

const played = (events: HistoryEvent[]): HistoryEvent[] => events.map((e) => (e.IsPlayed ? e : { ...e, IsPlayed: true }));

const customStatusJson = (value: unknown): string | null => (value === undefined ? null : (JSON.stringify(value) ?? null));

/** The newest timestamp in a history, so an episode's time never goes backwards (e.g. after a clock change). */
function lastTimestamp(history: HistoryEvent[]): number {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i] as HistoryEvent;
    if (e.EventType === EventType.OrchestratorStarted) return Date.parse(e.Timestamp);
  }
  return 0;
}
