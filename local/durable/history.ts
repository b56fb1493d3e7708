/**
 * History events as the Durable extension sends them to out-of-process orchestrators (durable-functions 3.x reads
 * them in TaskOrchestrationExecutor.processEvent). Field names are the extension's PascalCase wire names.
 */

/** DurableTask.Core `EventType` values (durable-functions `HistoryEventType`). */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeValue = (typeof EventType)[keyof typeof EventType];

export const EVENT_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

/** Retry options exactly as the library serializes `RetryOptions` into a *WithRetry action. */
export interface WireRetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** Why the engine (not the orchestrator's own action) created a scheduling event. */
export type EngineOrigin = 'retryTimer' | 'retryCall' | 'longTimer';

export interface HistoryEvent {
  EventType: EventTypeValue;
  /** The sequence number for scheduling events (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, EventSent); -1 otherwise. */
  EventId: number;
  IsPlayed: boolean;
  /** ISO-8601; the library turns it into a Date. */
  Timestamp: string;
  Name?: string;
  /** A JSON text (or absent). */
  Input?: string;
  /** A JSON text. */
  Result?: string;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; TaskScheduleId: number; OrchestrationInstance: { InstanceId: string; ExecutionId: string } };
  OrchestrationStatus?: string;
  /*
   * Engine bookkeeping below. The library ignores unknown fields; the extension keeps the same facts in its own
   * replay of the shim code. Keeping them in history makes every decision derivable from history alone, which is
   * what lets a restarted engine resume without any other state.
   */
  /** Set on scheduling events the engine created for a retry or a long timer. */
  Origin?: EngineOrigin;
  /** For engine-created events: the sequence number of the orchestrator action they belong to. */
  OwnerId?: number;
  /** On the scheduling event of a *WithRetry action: its retry options. */
  RetryOptions?: WireRetryOptions;
  /** On timers of a long (split) timer: the time the orchestrator asked for. */
  FinalFireAt?: string;
  /**
   * On the message after which the orchestrator called continueAsNew, while the execution waits for open tasks:
   * external events after it carry over to the next execution.
   */
  ContinueAsNewAfter?: boolean;
}

export const isSchedulingEvent = (e: HistoryEvent): boolean =>
  e.EventType === EventType.TaskScheduled ||
  e.EventType === EventType.TimerCreated ||
  e.EventType === EventType.SubOrchestrationInstanceCreated ||
  e.EventType === EventType.EventSent;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A non-scheduling event (EventId -1), stamped at `atMs`. */
export function event(type: EventTypeValue, atMs: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: iso(atMs), ...fields };
}

/** A scheduling event that consumes sequence number `seq`. */
export function scheduled(type: EventTypeValue, seq: number, atMs: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: seq, IsPlayed: false, Timestamp: iso(atMs), ...fields };
}

/** Strips the engine's bookkeeping fields, for showing history to clients. */
export function publicEvent(e: HistoryEvent): Record<string, unknown> {
  const { Origin: _o, OwnerId: _w, RetryOptions: _r, FinalFireAt: _f, ContinueAsNewAfter: _c, IsPlayed: _p, ...rest } = e;
  return { ...rest, EventType: EVENT_TYPE_NAMES[e.EventType] ?? String(e.EventType) };
}
