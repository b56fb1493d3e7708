/**
 * What one orchestrator episode decides, as the Durable extension's shim would: check the orchestrator's actions
 * against the history it replayed (nondeterminism), turn new actions into scheduling events with the sequence
 * numbers the library assigned, and add the events the extension itself creates for retries and long timers.
 *
 * Sequence numbers. The library numbers tasks in the order it tracks them (TaskOrchestrationExecutor.trackOpenTask)
 * and a fire-and-forget signal takes one when it is issued. A RetryableTask takes one extra number when its
 * attempt fails (the retry timer) and one when that timer fires (the next attempt); a LongTimerTask takes one
 * per further sub-timer. Those numbers are taken while the library processes the event, so the engine puts at
 * most one such "engine event" in a batch, always last (see `splitBatch`): then every number the orchestrator's
 * new actions take comes first, and the engine's event takes the next one.
 */
import { randomUUID } from 'node:crypto';
import { EventType, isSchedulingEvent, iso, scheduled, type HistoryEvent, type WireRetryOptions } from './history';
import {
  ACTION_NAMES,
  ActionType,
  LONG_RUNNING_TIMER_INTERVAL_MS,
  MAXIMUM_SHORT_TIMER_MS,
  flattenActions,
  processedInputJson,
  rawInputJson,
  type WireAction,
  type WireOrchestratorState,
} from './protocol';
import type { EntityRequest } from './state';

/**
 * RetryOptions.MaxRetryInterval when the action does not set one: the extension's RetryOptions constructor sets
 * 6 days (DurableTask.Core's own default, TimeSpan.MaxValue, is never used by the extension).
 */
export const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600 * 1000;

/** Work to start once the episode is durable. */
export type EpisodeWork =
  | { kind: 'activity'; seq: number; name: string; input?: string }
  | { kind: 'timer'; seq: number; fireAt: number }
  | { kind: 'subOrchestration'; seq: number; name: string; instanceId: string; input?: string }
  | { kind: 'entity'; entityId: string; req: EntityRequest };

/** The engine event of a batch (see the module comment). */
export type EngineEvent =
  | { kind: 'retryFailed'; ownerId: number }
  | { kind: 'retryTimerFired'; ownerId: number }
  | { kind: 'longTimerFired'; ownerId: number; finalFireAt: number };

/** The kinds of function an orchestrator can call. */
export type FunctionKind = 'activity' | 'orchestrator' | 'entity';

/** What the host has registered, by kind (names as registered; lookups are case-insensitive, as FunctionName is). */
export interface FunctionCatalog {
  has(kind: FunctionKind, name: string): boolean;
  names(kind: FunctionKind): string[];
}

/**
 * The extension's message for a call to a function that is not registered (DurableTaskExtension
 * GetInvalidActivityFunctionMessage / GetInvalidOrchestratorFunctionMessage / GetInvalidEntityFunctionMessage).
 * The entity variant tests the orchestrator count but lists entities, so with orchestrators and no entities it
 * prints an empty list; that quirk is kept.
 */
export function invalidFunctionMessage(kind: FunctionKind, name: string, catalog: FunctionCatalog): string {
  const known = catalog.names(kind);
  const gate = kind === 'entity' ? catalog.names('orchestrator') : known;
  const info =
    gate.length > 0 ? `The following are the known ${kind} functions: '${known.join("', '")}'.` : `No ${kind} functions are currently registered!`;
  return `The function '${name}' doesn't exist, is disabled, or is not an ${kind} function. Additional info: ${info}`;
}

/**
 * An action the extension refuses while replaying it: a function that is not registered (ThrowIfFunctionDoesNotExist),
 * a sub-orchestration instance id it does not allow (CallDurableTaskFunctionAsync), or retry options the engine
 * refuses (see {@link refusedRetryOption}). The extension's ArgumentException fails the orchestration; the
 * orchestrator cannot catch it.
 */
export class RefusedActionError extends Error {
  constructor(orchestrator: string, message: string) {
    super(`Orchestrator function '${orchestrator}' failed: ${message}`);
    this.name = 'RefusedActionError';
  }
}

/**
 * Retry options that hang an orchestration in Azure. DurableTask.Core's RetryInterceptor stops retrying without a
 * retry timer once `RetryTimeout` has passed (or when the computed delay is zero, e.g. `maxRetryInterval` 0), but
 * durable-functions' RetryableTask waits for a timer after every failed attempt, so the task never settles
 * (Azure/azure-functions-durable-js#629, open). The engine refuses them instead of hanging.
 */
export function refusedRetryOption(retry: WireRetryOptions | undefined): string | undefined {
  if (!retry) return undefined;
  if (retry.retryTimeoutInMilliseconds !== undefined && retry.retryTimeoutInMilliseconds !== null) {
    return (
      `RetryOptions.retryTimeoutInMilliseconds (${retry.retryTimeoutInMilliseconds}) is refused by the embedded Durable engine: ` +
      'in Azure an orchestration whose retry timeout passes hangs forever (the extension stops retrying without the retry timer ' +
      'durable-functions waits for; Azure/azure-functions-durable-js#629). Bound the retries with maxNumberOfAttempts and ' +
      'maxRetryIntervalInMilliseconds instead.'
    );
  }
  if (retry.maxRetryIntervalInMilliseconds !== undefined && retry.maxRetryIntervalInMilliseconds !== null && !(retry.maxRetryIntervalInMilliseconds > 0)) {
    return (
      `RetryOptions.maxRetryIntervalInMilliseconds ${retry.maxRetryIntervalInMilliseconds} is refused by the embedded Durable engine: ` +
      'in Azure a zero retry interval ends the retries without the retry timer durable-functions waits for, which hangs the ' +
      'orchestration. Leave it unset (the default is 6 days) or give a positive value.'
    );
  }
  return undefined;
}

export class NondeterminismError extends Error {
  constructor(orchestrator: string, instanceId: string, seq: number, expected: string, actual: string) {
    super(
      `Non-deterministic workflow detected in orchestrator '${orchestrator}' (instance '${instanceId}'): ` +
        `at sequence number ${seq} the history recorded ${expected}, but the orchestrator now ${actual}. ` +
        'An orchestrator must issue the same actions in the same order on every replay; ' +
        'do not change in-flight orchestrations or branch on anything but inputs, task results and currentUtcDateTime.',
    );
    this.name = 'NondeterminismError';
  }
}

const describeEvent = (e: HistoryEvent): string => {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      return `TaskScheduled '${e.Name}'`;
    case EventType.SubOrchestrationInstanceCreated:
      return `SubOrchestrationInstanceCreated '${e.Name}'`;
    case EventType.TimerCreated:
      return `TimerCreated (fireAt ${e.FinalFireAt ?? e.FireAt})`;
    case EventType.EventSent:
      return `EventSent '${e.Name}' to '${e.InstanceId}'`;
    default:
      return `event type ${e.EventType}`;
  }
};

const describeAction = (a: WireAction): string => {
  const name = ACTION_NAMES[a.actionType] ?? `action type ${a.actionType}`;
  if (a.functionName) return `${name} '${a.functionName}'`;
  if (a.operation) return `${name} '${a.operation}' on '${a.instanceId}'`;
  if (a.fireAt) return `${name} (fireAt ${a.fireAt})`;
  return name;
};

function matches(a: WireAction, e: HistoryEvent): boolean {
  switch (e.EventType) {
    case EventType.TaskScheduled:
      return (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry) && a.functionName === e.Name;
    case EventType.SubOrchestrationInstanceCreated:
      return (
        (a.actionType === ActionType.CallSubOrchestrator || a.actionType === ActionType.CallSubOrchestratorWithRetry) &&
        a.functionName === e.Name
      );
    case EventType.TimerCreated:
      return a.actionType === ActionType.CreateTimer;
    case EventType.EventSent:
      return (
        (a.actionType === ActionType.CallEntity || a.actionType === ActionType.SignalEntity) &&
        a.instanceId === e.InstanceId &&
        a.operation === e.Name
      );
    default:
      return false;
  }
}

/** Scheduling events of a history by sequence number. */
export function schedulingIndex(history: HistoryEvent[]): Map<number, HistoryEvent> {
  const map = new Map<number, HistoryEvent>();
  for (const e of history) if (isSchedulingEvent(e)) map.set(e.EventId, e);
  return map;
}

/** The engine event a new message is, if any. */
export function engineEventOf(ev: HistoryEvent, index: Map<number, HistoryEvent>): EngineEvent | undefined {
  if (ev.EventType === EventType.TaskFailed || ev.EventType === EventType.SubOrchestrationInstanceFailed) {
    const target = ev.TaskScheduledId === undefined ? undefined : index.get(ev.TaskScheduledId);
    if (!target) return undefined;
    const ownerId = target.Origin === 'retryCall' ? (target.OwnerId ?? target.EventId) : target.EventId;
    const owner = index.get(ownerId);
    return owner?.RetryOptions ? { kind: 'retryFailed', ownerId } : undefined;
  }
  if (ev.EventType === EventType.TimerFired) {
    const target = ev.TimerId === undefined ? undefined : index.get(ev.TimerId);
    if (!target) return undefined;
    if (target.Origin === 'retryTimer' && target.OwnerId !== undefined) return { kind: 'retryTimerFired', ownerId: target.OwnerId };
    if (target.FinalFireAt !== undefined) {
      return { kind: 'longTimerFired', ownerId: target.OwnerId ?? target.EventId, finalFireAt: Date.parse(target.FinalFireAt) };
    }
  }
  return undefined;
}

/**
 * Orders a batch of new messages: ordinary ones in arrival order, then at most one engine event. Returns the
 * inbox indexes taken, in delivery order; engine events beyond the first wait for the next episode.
 */
export function splitBatch(inbox: HistoryEvent[], index: Map<number, HistoryEvent>): { taken: number[]; engineEvent?: EngineEvent } {
  const taken: number[] = [];
  let engine: { i: number; ev: EngineEvent } | undefined;
  inbox.forEach((ev, i) => {
    const special = engineEventOf(ev, index);
    if (!special) taken.push(i);
    else if (!engine) engine = { i, ev: special };
  });
  if (engine) taken.push(engine.i);
  return { taken, engineEvent: engine?.ev };
}

export interface EpisodeInput {
  orchestrator: string;
  instanceId: string;
  /** History before this episode. */
  committed: HistoryEvent[];
  /** The episode's OrchestratorStarted time (the orchestrator's currentUtcDateTime). */
  now: number;
  state: WireOrchestratorState;
  engineEvent?: EngineEvent;
  /** The registered functions: new actions naming an unknown one fail the orchestration. */
  catalog: FunctionCatalog;
  parentInstanceId?: string;
}

export interface EpisodeDecision {
  /** Scheduling events to append (before OrchestratorCompleted). */
  scheduled: HistoryEvent[];
  work: EpisodeWork[];
}

/** Checks the actions against history and turns what is new into scheduling events and work. */
export function decideEpisode(input: EpisodeInput): EpisodeDecision {
  const { committed, now, orchestrator, instanceId } = input;
  const index = schedulingIndex(committed);
  const actionEvents = committed.filter((e) => isSchedulingEvent(e) && e.Origin === undefined);
  let nextSeq = index.size;
  const actions = flattenActions(input.state);

  const common = Math.min(actions.length, actionEvents.length);
  for (let i = 0; i < common; i++) {
    const a = actions[i] as WireAction;
    const e = actionEvents[i] as HistoryEvent;
    if (!matches(a, e)) {
      throw new NondeterminismError(orchestrator, instanceId, e.EventId, describeEvent(e), `schedules ${describeAction(a)}`);
    }
  }
  if (actions.length < actionEvents.length && !input.state.isDone) {
    const e = actionEvents[actions.length] as HistoryEvent;
    throw new NondeterminismError(orchestrator, instanceId, e.EventId, describeEvent(e), 'no longer schedules it');
  }

  const scheduledEvents: HistoryEvent[] = [];
  const work: EpisodeWork[] = [];
  for (const a of actions.slice(actionEvents.length)) {
    checkNewAction(a, input);
    const seq = nextSeq++;
    const retry: WireRetryOptions | undefined = a.retryOptions;
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = a.functionName ?? '';
        const inputJson = processedInputJson(a.input);
        scheduledEvents.push(
          scheduled(EventType.TaskScheduled, seq, now, {
            Name: name,
            Input: inputJson,
            ...(a.actionType === ActionType.CallActivityWithRetry && retry ? { RetryOptions: retry } : {}),
          }),
        );
        work.push({ kind: 'activity', seq, name, input: inputJson });
        break;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = a.functionName ?? '';
        const childId = a.instanceId || `${instanceId}:${seq}`;
        const inputJson = rawInputJson(a.input);
        scheduledEvents.push(
          scheduled(EventType.SubOrchestrationInstanceCreated, seq, now, {
            Name: name,
            InstanceId: childId,
            Input: inputJson,
            ...(a.actionType === ActionType.CallSubOrchestratorWithRetry && retry ? { RetryOptions: retry } : {}),
          }),
        );
        work.push({ kind: 'subOrchestration', seq, name, instanceId: childId, input: inputJson });
        break;
      }
      case ActionType.CreateTimer: {
        const finalAt = Date.parse(a.fireAt ?? '');
        if (Number.isNaN(finalAt)) throw new Error(`Orchestrator '${orchestrator}' created a timer without a valid fireAt (${a.fireAt}).`);
        // Mirrors DurableOrchestrationContext.createTimer: beyond the maximum short timer the library splits it.
        const isLong = finalAt - now > MAXIMUM_SHORT_TIMER_MS;
        const fireAt = isLong ? now + LONG_RUNNING_TIMER_INTERVAL_MS : finalAt;
        scheduledEvents.push(
          scheduled(EventType.TimerCreated, seq, now, { FireAt: iso(fireAt), ...(isLong ? { FinalFireAt: iso(finalAt) } : {}) }),
        );
        work.push({ kind: 'timer', seq, fireAt });
        break;
      }
      case ActionType.CallEntity:
      case ActionType.SignalEntity: {
        const entityId = a.instanceId ?? '';
        const signal = a.actionType === ActionType.SignalEntity;
        const req: EntityRequest = {
          id: randomUUID(),
          op: a.operation ?? '',
          signal,
          input: rawInputJson(a.input),
          ...(signal ? {} : { parentInstanceId: instanceId }),
        };
        scheduledEvents.push(
          scheduled(EventType.EventSent, seq, now, {
            Name: req.op,
            InstanceId: entityId,
            // The library reads the request id from here to match the entity's response (EventRaised.Name).
            Input: JSON.stringify({ id: req.id, op: req.op, signal, input: req.input, parent: instanceId }),
          }),
        );
        work.push({ kind: 'entity', entityId, req });
        break;
      }
      case ActionType.CallHttp:
        throw new UnsupportedActionError(orchestrator, instanceId, 'context.df.callHttp is not supported by the embedded Durable engine; call HTTP from an activity instead.');
      default:
        throw new UnsupportedActionError(
          orchestrator,
          instanceId,
          `the action ${describeAction(a)} is not supported by the embedded Durable engine (replay schema V3).`,
        );
    }
  }

  if (input.engineEvent) {
    const ev = engineEventFollowUp(input.engineEvent, index, nextSeq, now, instanceId);
    if (ev) {
      scheduledEvents.push(ev.event);
      work.push(ev.work);
    }
  }

  return { scheduled: scheduledEvents, work };
}

/** The function a new action calls, by kind (entity names come from the scheduler id `@name@key`). */
function calledFunction(a: WireAction): { kind: FunctionKind; name: string } | undefined {
  switch (a.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { kind: 'activity', name: a.functionName ?? '' };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return { kind: 'orchestrator', name: a.functionName ?? '' };
    case ActionType.CallEntity:
    case ActionType.SignalEntity: {
      const id = a.instanceId ?? '';
      const at = id.indexOf('@', 1);
      return { kind: 'entity', name: at > 0 ? id.substring(1, at) : id };
    }
    default:
      return undefined;
  }
}

/** What the extension checks while replaying a new action, plus the retry options the engine refuses. */
function checkNewAction(a: WireAction, input: EpisodeInput): void {
  const refuse = (message: string): never => {
    throw new RefusedActionError(input.orchestrator, message);
  };
  const called = calledFunction(a);
  if (called && !input.catalog.has(called.kind, called.name)) refuse(invalidFunctionMessage(called.kind, called.name, input.catalog));
  if (a.actionType === ActionType.CallSubOrchestrator || a.actionType === ActionType.CallSubOrchestratorWithRetry) {
    const childId = a.instanceId;
    const same = (other: string | undefined): boolean => other !== undefined && childId?.toLowerCase() === other.toLowerCase();
    if (childId && (same(input.instanceId) || same(input.parentInstanceId))) {
      refuse('The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.');
    }
    // ArgumentException(nameof(instanceId), "...") again: the text lands in the parameter name.
    if (childId?.startsWith('@')) refuse("instanceId (Parameter 'Orchestration instance ids must not start with @')");
  }
  if (a.actionType === ActionType.CallActivityWithRetry || a.actionType === ActionType.CallSubOrchestratorWithRetry) {
    const refused = refusedRetryOption(a.retryOptions);
    if (refused) refuse(refused);
  }
}

/**
 * The tasks still open after an episode, as DurableTask.Core counts them (TaskOrchestrationContext.openTasks):
 * scheduled activities, sub-orchestrations and timers without their completion. Entity messages are not tasks
 * (the extension waits for an entity's answer as an external event); a cancelled timer stops being open
 * (CreateTimer's cancellation callback removes it), and so do the further sub-timers of a cancelled long timer.
 * TaskOrchestrationExecutor completes, fails or continues an orchestration as new only when none is open.
 *
 * `history` is everything the execution has seen (committed, this episode's messages and new scheduling events);
 * `actions` the orchestrator's cumulative actions, whose `isCanceled` marks cancelled timers.
 */
export function openTaskIds(history: HistoryEvent[], state: WireOrchestratorState): number[] {
  const answered = new Set<number>();
  for (const e of history) {
    if (
      (e.EventType === EventType.TaskCompleted ||
        e.EventType === EventType.TaskFailed ||
        e.EventType === EventType.SubOrchestrationInstanceCompleted ||
        e.EventType === EventType.SubOrchestrationInstanceFailed) &&
      e.TaskScheduledId !== undefined
    ) {
      answered.add(e.TaskScheduledId);
    } else if (e.EventType === EventType.TimerFired && e.TimerId !== undefined) {
      answered.add(e.TimerId);
    }
  }
  const actionEvents = history.filter((e) => isSchedulingEvent(e) && e.Origin === undefined);
  const actions = flattenActions(state);
  const cancelled = new Set<number>();
  actionEvents.forEach((e, i) => {
    if (e.EventType === EventType.TimerCreated && actions[i]?.actionType === ActionType.CreateTimer && actions[i]?.isCanceled) cancelled.add(e.EventId);
  });
  const open: number[] = [];
  for (const e of history) {
    if (!isSchedulingEvent(e) || e.EventType === EventType.EventSent || answered.has(e.EventId)) continue;
    if (e.EventType === EventType.TimerCreated) {
      const owner = e.Origin === 'longTimer' ? e.OwnerId : e.EventId;
      if (owner !== undefined && cancelled.has(owner)) continue;
    }
    open.push(e.EventId);
  }
  return open;
}

export class UnsupportedActionError extends Error {
  constructor(orchestrator: string, instanceId: string, what: string) {
    super(`Orchestrator '${orchestrator}' (instance '${instanceId}'): ${what}`);
    this.name = 'UnsupportedActionError';
  }
}

/** Attempts made so far for a retrying task: its first call plus every re-call. */
function attemptsOf(ownerId: number, index: Map<number, HistoryEvent>): number {
  let n = 0;
  for (const e of index.values()) if (e.EventId === ownerId || (e.Origin === 'retryCall' && e.OwnerId === ownerId)) n++;
  return n;
}

/**
 * The extension's own follow-up to an engine event, as DurableTask.Core's RetryInterceptor and the long-timer loop
 * do it: a retry timer after a failed attempt (after the last one, a timer due at once: the library waits for a
 * timer before it fails the task), the next attempt when that timer fires, the next sub-timer of a long timer.
 */
function engineEventFollowUp(
  ev: EngineEvent,
  index: Map<number, HistoryEvent>,
  seq: number,
  now: number,
  instanceId: string,
): { event: HistoryEvent; work: EpisodeWork } | undefined {
  const owner = index.get(ev.ownerId);
  if (!owner) return undefined;
  switch (ev.kind) {
    case 'retryFailed': {
      const opts = owner.RetryOptions as WireRetryOptions;
      const attempts = attemptsOf(ev.ownerId, index);
      const retryCount = attempts - 1;
      const backoff = opts.backoffCoefficient ?? 1;
      const max = opts.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
      const next = opts.firstRetryIntervalInMilliseconds * Math.pow(backoff, retryCount);
      const delay = next < max ? next : max;
      // After the last attempt RetryInterceptor schedules a "dummy timer for back-compat" due at once: the library
      // waits for a timer after every failure, and the task fails as soon as that one fires.
      const fireAt = attempts >= opts.maxNumberOfAttempts ? now : now + Math.round(delay);
      return {
        event: scheduled(EventType.TimerCreated, seq, now, { FireAt: iso(fireAt), Origin: 'retryTimer', OwnerId: ev.ownerId }),
        work: { kind: 'timer', seq, fireAt },
      };
    }
    case 'retryTimerFired': {
      const opts = owner.RetryOptions as WireRetryOptions;
      if (attemptsOf(ev.ownerId, index) >= opts.maxNumberOfAttempts) return undefined;
      const name = owner.Name ?? '';
      if (owner.EventType === EventType.SubOrchestrationInstanceCreated) {
        const firstId = owner.InstanceId ?? '';
        // A caller-chosen instance id is reused (the failed attempt is finished); generated ids are per attempt.
        const childId = firstId === `${instanceId}:${owner.EventId}` ? `${instanceId}:${seq}` : firstId;
        return {
          event: scheduled(EventType.SubOrchestrationInstanceCreated, seq, now, {
            Name: name,
            InstanceId: childId,
            Input: owner.Input,
            Origin: 'retryCall',
            OwnerId: ev.ownerId,
          }),
          work: { kind: 'subOrchestration', seq, name, instanceId: childId, input: owner.Input },
        };
      }
      return {
        event: scheduled(EventType.TaskScheduled, seq, now, { Name: name, Input: owner.Input, Origin: 'retryCall', OwnerId: ev.ownerId }),
        work: { kind: 'activity', seq, name, input: owner.Input },
      };
    }
    case 'longTimerFired': {
      if (!(ev.finalFireAt > now)) return undefined;
      const fireAt = ev.finalFireAt - now > MAXIMUM_SHORT_TIMER_MS ? now + LONG_RUNNING_TIMER_INTERVAL_MS : ev.finalFireAt;
      return {
        event: scheduled(EventType.TimerCreated, seq, now, {
          FireAt: iso(fireAt),
          Origin: 'longTimer',
          OwnerId: ev.ownerId,
          FinalFireAt: iso(ev.finalFireAt),
        }),
        work: { kind: 'timer', seq, fireAt },
      };
    }
  }
}

