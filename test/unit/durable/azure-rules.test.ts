/**
 * The pure rules the engine takes from the Durable extension and DurableTask.Core, as tables: which tasks are
 * open, which instance ids and retry options are refused, when a custom status is too large, and how a missing
 * function is named.
 */
import { instanceIdError } from '../../../local/durable/engine';
import { invalidFunctionMessage, openTaskIds, refusedRetryOption, type FunctionCatalog, type FunctionKind } from '../../../local/durable/episode';
import { EventType, event, scheduled, type HistoryEvent } from '../../../local/durable/history';
import { ActionType, customStatusSizeError, type WireAction } from '../../../local/durable/protocol';

const T = Date.UTC(2026, 0, 1);
const activity = (seq: number): HistoryEvent => scheduled(EventType.TaskScheduled, seq, T, { Name: 'A' });
const timer = (seq: number, fields: Partial<HistoryEvent> = {}): HistoryEvent => scheduled(EventType.TimerCreated, seq, T, { FireAt: new Date(T + 1000).toISOString(), ...fields });
const child = (seq: number): HistoryEvent => scheduled(EventType.SubOrchestrationInstanceCreated, seq, T, { Name: 'C', InstanceId: 'c' });
const sent = (seq: number): HistoryEvent => scheduled(EventType.EventSent, seq, T, { Name: 'op', InstanceId: '@e@k' });
const completed = (seq: number): HistoryEvent => event(EventType.TaskCompleted, T, { TaskScheduledId: seq, Result: '1' });
const fired = (seq: number): HistoryEvent => event(EventType.TimerFired, T, { TimerId: seq });
const callActivity: WireAction = { actionType: ActionType.CallActivity, functionName: 'A' };
const createTimer = (isCanceled = false): WireAction => ({ actionType: ActionType.CreateTimer, fireAt: new Date(T + 1000).toISOString(), isCanceled });
const state = (...actions: WireAction[]): { isDone: boolean; actions: WireAction[][] } => ({ isDone: true, actions: [actions] });

describe('open tasks (TaskOrchestrationContext.openTasks)', () => {
  it.each<[string, HistoryEvent[], WireAction[], number[]]>([
    ['an answered activity is closed', [activity(0), completed(0)], [callActivity], []],
    ['an activity without its result is open', [activity(0)], [callActivity], [0]],
    ['a timer not cancelled is open until it fires', [timer(0)], [createTimer()], [0]],
    ['a fired timer is closed', [timer(0), fired(0)], [createTimer()], []],
    ['a cancelled timer is closed', [timer(0)], [createTimer(true)], []],
    ['the later sub-timers of a cancelled long timer are closed', [timer(0), fired(0), timer(1, { Origin: 'longTimer', OwnerId: 0 })], [createTimer(true)], []],
    ['the later sub-timers of a long timer still running are open', [timer(0), fired(0), timer(1, { Origin: 'longTimer', OwnerId: 0 })], [createTimer()], [1]],
    ['a retry timer is open (it cannot be cancelled)', [activity(0), event(EventType.TaskFailed, T, { TaskScheduledId: 0 }), timer(1, { Origin: 'retryTimer', OwnerId: 0 })], [{ ...callActivity, actionType: ActionType.CallActivityWithRetry }], [1]],
    ['a sub-orchestration without its result is open', [child(0)], [{ actionType: ActionType.CallSubOrchestrator, functionName: 'C' }], [0]],
    ['an entity message is not a task', [sent(0)], [{ actionType: ActionType.CallEntity, instanceId: '@e@k', operation: 'op' }], []],
    [
      'actions are matched to their events in order, inside compound actions too',
      [activity(0), timer(1), completed(0)],
      [{ actionType: ActionType.WhenAny, compoundActions: [callActivity, createTimer(true)] }],
      [],
    ],
  ])('%s', (_what, history, actions, open) => {
    expect(openTaskIds(history, state(...actions))).toEqual(open);
  });
});

describe('instance ids (DurableClient.StartNewAsync)', () => {
  const chars = "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
  it.each<[string, string | undefined]>([
    ['', undefined],
    ['plain-id', undefined],
    ['team@acme', undefined],
    ['x'.repeat(256), undefined],
    ['é-unicode-✓', undefined],
    ['@acme', "instanceId (Parameter 'Orchestration instance ids must not start with @.')"],
    ['a/b', chars],
    ['a\\b', chars],
    ['a#b', chars],
    ['a?b', chars],
    ['tab\there', chars],
    ['del\u007f', chars],
    ['c1\u0085', chars],
    ['x'.repeat(257), 'Instance ID lengths must not exceed 256 characters.'],
  ])('%j -> %s', (id, error) => {
    expect(instanceIdError(id)).toBe(error);
  });
});

describe('custom status size (MessagePayloadDataConverter.Serialize, 16 KB)', () => {
  it.each<[number, string | undefined]>([
    [8703, undefined], // 17,406 bytes: 16 KB after rounding down
    [8704, 'The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB.'],
    [512 * 1024 + 1, 'The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 1,024 KB.'],
  ])('%d UTF-16 code units', (units, error) => {
    expect(customStatusSizeError('x'.repeat(units))).toBe(error);
  });

  it('accepts no custom status', () => {
    expect(customStatusSizeError(null)).toBeUndefined();
  });
});

describe('retry options the engine refuses', () => {
  it.each([
    [{ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3 }, undefined],
    [{ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, maxRetryIntervalInMilliseconds: 5000 }, undefined],
    [{ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, retryTimeoutInMilliseconds: 10_000 }, /retryTimeoutInMilliseconds \(10000\) is refused/],
    [{ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, maxRetryIntervalInMilliseconds: 0 }, /maxRetryIntervalInMilliseconds 0 is refused/],
  ])('%j', (options, refused) => {
    const answer = refusedRetryOption(options);
    if (refused) expect(answer).toMatch(refused);
    else expect(answer).toBeUndefined();
  });
});

describe("missing functions (DurableTaskExtension.GetInvalid*FunctionMessage)", () => {
  const catalog = (names: Partial<Record<FunctionKind, string[]>>): FunctionCatalog => ({
    has: (kind, name) => (names[kind] ?? []).some((n) => n.toLowerCase() === name.toLowerCase()),
    names: (kind) => names[kind] ?? [],
  });
  it.each<[FunctionKind, Partial<Record<FunctionKind, string[]>>, string]>([
    ['activity', { activity: ['A', 'B'] }, "The function 'X' doesn't exist, is disabled, or is not an activity function. Additional info: The following are the known activity functions: 'A', 'B'."],
    ['activity', {}, "The function 'X' doesn't exist, is disabled, or is not an activity function. Additional info: No activity functions are currently registered!"],
    ['orchestrator', { orchestrator: ['O'] }, "The function 'X' doesn't exist, is disabled, or is not an orchestrator function. Additional info: The following are the known orchestrator functions: 'O'."],
    // The extension tests the orchestrator count before listing entities.
    ['entity', { orchestrator: ['O'] }, "The function 'X' doesn't exist, is disabled, or is not an entity function. Additional info: The following are the known entity functions: ''."],
    ['entity', { entity: ['E'] }, "The function 'X' doesn't exist, is disabled, or is not an entity function. Additional info: No entity functions are currently registered!"],
  ])('%s with %j', (kind, names, message) => {
    expect(invalidFunctionMessage(kind, 'X', catalog(names))).toBe(message);
  });
});
