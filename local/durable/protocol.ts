/**
 * The out-of-process orchestration protocol of durable-functions 3.x: what goes into an orchestrator invocation
 * and how its answer (an OrchestratorState, or an error carrying one after `$OutOfProcData$:`) is read back.
 */
import type { InvokeResult, TypedData } from '../contract';
import type { HistoryEvent, WireRetryOptions } from './history';

/** Replay schema the engine announces. V3 (2) enables long-timer splitting; V4 (entity locks) is not offered. */
export const REPLAY_SCHEMA = 2;
export const LONG_RUNNING_TIMER_INTERVAL = '3.00:00:00';
export const MAXIMUM_SHORT_TIMER_DURATION = '6.00:00:00';
export const LONG_RUNNING_TIMER_INTERVAL_MS = 3 * 24 * 3600 * 1000;
export const MAXIMUM_SHORT_TIMER_MS = 6 * 24 * 3600 * 1000;

/** durable-functions `ActionType`. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ActionType).map(([k, v]) => [v, k]));

/** An action as the library serializes it (only the fields the engine reads). */
export interface WireAction {
  actionType: number;
  functionName?: string;
  /** For activities and continueAsNew: a JSON text when the input was a string (library `Utils.processInput`), else the value. */
  input?: unknown;
  retryOptions?: WireRetryOptions;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  operation?: string;
  compoundActions?: WireAction[];
}

export interface WireOrchestratorState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

export interface OrchestrationTriggerInput {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId?: string;
  upperSchemaVersion: number;
  upperSchemaVersionNew: number;
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
  defaultHttpAsyncRequestSleepTimeMillseconds: number;
}

export function orchestrationTriggerData(input: OrchestrationTriggerInput): TypedData {
  return { string: JSON.stringify(input) };
}

/** Trigger data for an activity, as the extension sends it: strings as `string`, everything else as JSON. */
export function activityTriggerData(inputJson: string | undefined): TypedData {
  const value: unknown = inputJson === undefined ? null : JSON.parse(inputJson);
  return typeof value === 'string' ? { string: value } : { json: JSON.stringify(value) };
}

/** JSON text of an activity or continueAsNew input (the library already JSON-encoded string inputs). */
export function processedInputJson(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** JSON text of a raw value (sub-orchestration and entity inputs are sent unprocessed). */
export function rawInputJson(input: unknown): string | undefined {
  return input === undefined ? undefined : JSON.stringify(input);
}

/** The extension's limit on custom status (DurableOrchestrationContext.SetCustomStatus: MaxCustomStatusPayloadSizeInKB). */
export const MAX_CUSTOM_STATUS_KB = 16;

/**
 * Why a serialized custom status is refused, as MessagePayloadDataConverter.Serialize(value, 16) words it: the
 * payload's UTF-16 byte count in whole KB (rounded down) must not exceed 16, so 17 KB (17,408 bytes, 8,704 UTF-16
 * code units) is the first size refused. A JS string's length counts UTF-16 code units, two bytes each.
 */
export function customStatusSizeError(json: string | null | undefined): string | undefined {
  if (json === null || json === undefined) return undefined;
  const kb = Math.floor((json.length * 2) / 1024);
  if (kb <= MAX_CUSTOM_STATUS_KB) return undefined;
  return (
    `The UTF-16 size of the JSON-serialized payload must not exceed ${MAX_CUSTOM_STATUS_KB} KB. ` +
    `The current payload size is ${kb.toLocaleString('en-US')} KB.`
  );
}

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

export type OrchestratorOutcome =
  | { kind: 'state'; state: WireOrchestratorState }
  /** The orchestrator threw: `message` is the user's error, `state` the actions it had issued before. */
  | { kind: 'failed'; message: string; state?: WireOrchestratorState }
  /** The invocation broke outside the orchestrator (e.g. function missing, bad answer). */
  | { kind: 'broken'; message: string };

export function readOrchestratorOutcome(result: InvokeResult): OrchestratorOutcome {
  if (!result.ok) {
    const msg = result.error.message;
    const at = msg.indexOf(OUT_OF_PROC_LABEL);
    if (at < 0) return { kind: 'broken', message: msg };
    const message = msg.slice(0, at);
    try {
      const state = JSON.parse(msg.slice(at + OUT_OF_PROC_LABEL.length)) as WireOrchestratorState;
      // durable-functions 3.5 builds the text before the label from `orchestratorReturned` (it reads "false"),
      // so the extension-facing error message is the state's `error`.
      return { kind: 'failed', message: state.error ?? message, state };
    } catch {
      return { kind: 'failed', message };
    }
  }
  const value = result.returnValue;
  if (!value || typeof value !== 'object' || !Array.isArray((value as WireOrchestratorState).actions)) {
    return {
      kind: 'broken',
      message: `The orchestrator returned ${JSON.stringify(value)} instead of an orchestrator state; register it with df.app.orchestration.`,
    };
  }
  return { kind: 'state', state: value as WireOrchestratorState };
}

/**
 * The actions that consume sequence numbers, in the order the library assigned them: compound actions (Task.any /
 * Task.all) are expanded depth-first, waits for external events (keyed by name) are left out.
 */
export function flattenActions(state: WireOrchestratorState): WireAction[] {
  const out: WireAction[] = [];
  const visit = (a: WireAction): void => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const c of a.compoundActions ?? []) visit(c);
    } else if (a.actionType !== ActionType.WaitForExternalEvent && a.actionType !== ActionType.ContinueAsNew) {
      out.push(a);
    }
  };
  for (const group of state.actions) for (const a of group) visit(a);
  return out;
}

export function findContinueAsNew(state: WireOrchestratorState): WireAction | undefined {
  for (const group of state.actions) for (const a of group) if (a.actionType === ActionType.ContinueAsNew) return a;
  return undefined;
}
