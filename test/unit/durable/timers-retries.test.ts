import { createVirtualClock } from '../../../local/clock';
import { EventType, type DurableEngine, type HistoryEvent } from '../../../local/durable';
import { eventually, fixtureModule, startHarness, type Harness } from './harness';

const fixture = fixtureModule();

const START = Date.UTC(2026, 0, 1);

/** Lets the engine settle, then jumps the virtual clock to the next timer, until the instance finishes. */
async function runToCompletion(engine: DurableEngine, clock: ReturnType<typeof createVirtualClock>, id: string, maxSteps = 50): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    await engine.whenIdle();
    const status = await engine.getStatus(id);
    if (status && ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) return;
    if (!clock.advanceToNext()) throw new Error(`Instance ${id} is stuck in ${status?.runtimeStatus} with no timer pending`);
  }
  throw new Error(`Instance ${id} did not finish in ${maxSteps} steps`);
}

const kinds = (h: HistoryEvent[]): string[] =>
  h
    .filter((e) => e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted)
    .map((e) => {
      const id = e.EventId >= 0 ? e.EventId : (e.TaskScheduledId ?? e.TimerId ?? '');
      return `${Object.entries(EventType).find(([, v]) => v === e.EventType)?.[0]}${id === '' ? '' : `:${id}`}`;
    });

describe('timers and retries on a virtual clock', () => {
  const clock = createVirtualClock(START);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => {
    // A held Gate activity would keep stop() waiting: open any a failed test left behind.
    for (const open of fixture.gates.values()) open();
    await h.close();
  });

  it('retries a failing activity with backoff timers, each consuming a sequence number, until it succeeds', async () => {
    const id = await h.engine.startNew('RetryFlaky', { inputJson: JSON.stringify({ key: 'retry-ok', failTimes: 2, attempts: 3 }) });
    await runToCompletion(h.engine, clock, id);
    const status = await h.engine.getStatus(id);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'succeeded on attempt 3' });
    expect(fixture.activityRuns.get('retry-ok')).toBe(3);
    const history = (await h.engine.getHistory(id)) ?? [];
    expect(kinds(history)).toEqual([
      'ExecutionStarted',
      'TaskScheduled:0', 'TaskFailed:0', 'TimerCreated:1', 'TimerFired:1',
      'TaskScheduled:2', 'TaskFailed:2', 'TimerCreated:3', 'TimerFired:3',
      'TaskScheduled:4', 'TaskCompleted:4', 'ExecutionCompleted',
    ]);
    const timers = history.filter((e) => e.EventType === EventType.TimerCreated);
    // first interval 1 s, backoff coefficient 2: the second wait is 2 s.
    const delays = timers.map((t) => Date.parse(t.FireAt ?? '') - Date.parse(t.Timestamp));
    expect(delays).toEqual([1000, 2000]);
  });

  it('fails the task at once after the last attempt: the back-compat timer after it is due immediately', async () => {
    const id = await h.engine.startNew('RetryFlaky', { inputJson: JSON.stringify({ key: 'retry-exhausted', failTimes: 10, attempts: 3 }) });
    await runToCompletion(h.engine, clock, id);
    const status = await h.engine.getStatus(id);
    expect(status?.runtimeStatus).toBe('Completed');
    expect((status?.output as { failed: string }).failed).toContain('Flaky attempt 3 failed');
    expect(fixture.activityRuns.get('retry-exhausted')).toBe(3);
    const history = (await h.engine.getHistory(id)) ?? [];
    expect(kinds(history).slice(-4)).toEqual(['TaskFailed:4', 'TimerCreated:5', 'TimerFired:5', 'ExecutionCompleted']);
    // RetryInterceptor: 1 s, then 2 s, then the "dummy timer for back-compat" at the current time.
    const delays = history.filter((e) => e.EventType === EventType.TimerCreated).map((t) => Date.parse(t.FireAt ?? '') - Date.parse(t.Timestamp));
    expect(delays).toEqual([1000, 2000, 0]);
  });

  it('caps the retry interval at 6 days when the options set no maximum, as the extension\'s RetryOptions does', async () => {
    const day = 24 * 3600 * 1000;
    const id = await h.engine.startNew('RetryFlaky', {
      inputJson: JSON.stringify({ key: 'retry-cap', failTimes: 2, attempts: 3, firstMs: day, backoff: 10 }),
    });
    await runToCompletion(h.engine, clock, id);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'succeeded on attempt 3' });
    const timers = ((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.TimerCreated);
    // 1 day, then 10 days capped to 6.
    expect(timers.map((t) => (Date.parse(t.FireAt ?? '') - Date.parse(t.Timestamp)) / day)).toEqual([1, 6]);
  });

  it.each([
    ['retryTimeoutInMilliseconds', { retryTimeoutMs: 60_000 }, /RetryOptions\.retryTimeoutInMilliseconds \(60000\) is refused by the embedded Durable engine: in Azure an orchestration whose retry timeout passes hangs forever .*Azure\/azure-functions-durable-js#629/],
    ['a zero maxRetryIntervalInMilliseconds', { maxIntervalMs: 0 }, /RetryOptions\.maxRetryIntervalInMilliseconds 0 is refused by the embedded Durable engine/],
  ])('refuses %s (it hangs orchestrations in Azure) by failing the orchestration with a message that says so', async (_what, options, message) => {
    const key = `refused-${JSON.stringify(options)}`;
    const id = await h.engine.startNew('RetryFlaky', { inputJson: JSON.stringify({ key, failTimes: 1, attempts: 3, ...options }) });
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toMatch(/^Orchestrator function 'RetryFlaky' failed: /);
    expect(status.output).toMatch(message);
    expect(fixture.activityRuns.get(key)).toBeUndefined();
  });

  it('stays Running while a timer the orchestrator did not cancel is pending, and completes when it fires', async () => {
    const sixDays = 6 * 24 * 3600 * 1000;
    const id = await h.engine.startNew('ForgetsTask', { inputJson: JSON.stringify({ timerMs: sixDays }) });
    await h.engine.whenIdle();
    expect(await h.engine.raiseEvent(id, 'Go', '"now"')).toBe('accepted');
    await h.engine.whenIdle();
    // The orchestrator has returned, but the 6-day timer is open: Azure keeps the instance Running, without output.
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', output: null });
    clock.advance(sixDays - 1);
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    clock.advance(1);
    expect(await h.engine.waitForCompletion(id, 5000)).toMatchObject({ runtimeStatus: 'Completed', output: 'went: "now"' });
    expect(kinds((await h.engine.getHistory(id)) ?? []).slice(-3)).toEqual(['EventRaised', 'TimerFired:0', 'ExecutionCompleted']);
  });

  it('fails only once the open timer has fired when the orchestrator throws with a task open', async () => {
    const id = await h.engine.startNew('ForgetsTask', { inputJson: JSON.stringify({ timerMs: 3600_000, fail: true }) });
    await h.engine.whenIdle();
    await h.engine.raiseEvent(id, 'Go', '"x"');
    await h.engine.whenIdle();
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', output: null });
    clock.advance(3600_000);
    expect(await h.engine.waitForCompletion(id, 5000)).toMatchObject({ runtimeStatus: 'Failed', output: 'Orchestrator function \'ForgetsTask\' failed: failed after "x"' });
  });

  it('continues as new only once the open timer has fired, carrying events that arrived meanwhile', async () => {
    const id = await h.engine.startNew('ForgetsTask', { instanceId: 'forgets-can', inputJson: JSON.stringify({ timerMs: 3600_000, continueAsNew: true }) });
    await h.engine.whenIdle();
    await h.engine.raiseEvent(id, 'Go', '1');
    await h.engine.whenIdle();
    await h.engine.raiseEvent(id, 'Meanwhile', '2');
    await h.engine.whenIdle();
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', input: { timerMs: 3600_000, continueAsNew: true } });
    clock.advance(3600_000);
    const done = await h.engine.waitForCompletion(id, 5000);
    expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 'generation 1', input: { generation: 1 } });
    // The event raised after the one that made it continue as new went to the new execution.
    const raised = ((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.EventRaised).map((e) => e.Name);
    expect(raised).toEqual(['Meanwhile']);
  });

  it('stays Running while an activity it did not wait for is still running', async () => {
    const id = await h.engine.startNew('ForgetsTask', { inputJson: JSON.stringify({ gate: 'forgotten-activity' }) });
    await eventually(() => fixture.gates.has('forgotten-activity'), 5000, 'the activity to start');
    await h.engine.raiseEvent(id, 'Go', '"early"');
    await eventually(async () => ((await h.engine.getHistory(id)) ?? []).some((e) => e.EventType === EventType.EventRaised), 5000, 'the event episode');
    await eventually(() => h.engine.store.getOrchestration(id)?.inbox.length === 0, 5000, 'the episode to finish');
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', output: null });
    fixture.gates.get('forgotten-activity')?.();
    expect(await h.engine.waitForCompletion(id, 5000)).toMatchObject({ runtimeStatus: 'Completed', output: 'went: "early"' });
  });

  it('retries a failing sub-orchestration with new child instances', async () => {
    const id = await h.engine.startNew('ParentRetriesChild', { instanceId: 'retry-parent', inputJson: JSON.stringify({ key: 'child-retry', failTimes: 1 }) });
    await runToCompletion(h.engine, clock, id);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'succeeded on attempt 2' });
    expect((await h.engine.getStatus('retry-parent:0'))?.runtimeStatus).toBe('Failed');
    expect((await h.engine.getStatus('retry-parent:2'))?.runtimeStatus).toBe('Completed');
  });

  it('fires a timer at its time and gives the orchestrator that time as currentUtcDateTime', async () => {
    const id = await h.engine.startNew('Sleeper', { inputJson: JSON.stringify({ ms: 3 * 3600 * 1000 }) });
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    const startedAt = clock.now();
    clock.advance(3 * 3600 * 1000 - 1);
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    clock.advance(1);
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.output).toEqual({ started: new Date(startedAt).toISOString(), woke: new Date(startedAt + 3 * 3600 * 1000).toISOString() });
  });

  it('splits a timer longer than six days into three-day timers, as the library does', async () => {
    const tenDays = 10 * 24 * 3600 * 1000;
    const id = await h.engine.startNew('Sleeper', { inputJson: JSON.stringify({ ms: tenDays }) });
    await runToCompletion(h.engine, clock, id);
    const status = await h.engine.getStatus(id);
    expect(status?.runtimeStatus).toBe('Completed');
    const { started, woke } = status?.output as { started: string; woke: string };
    expect(Date.parse(woke) - Date.parse(started)).toBe(tenDays);
    const timers = ((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.TimerCreated);
    const day = 24 * 3600 * 1000;
    // 10 days: a 3-day sub-timer, then 7 days remain (> 6): another 3 days, then the last 4 days.
    expect(timers.map((t) => [t.EventId, (Date.parse(t.FireAt ?? '') - Date.parse(started)) / day])).toEqual([
      [0, 3],
      [1, 6],
      [2, 10],
    ]);
  });

  it('approval pattern: the event wins and the timer is cancelled; without the event the timer wins', async () => {
    const approved = await h.engine.startNew('Approval');
    await h.engine.whenIdle();
    expect(await h.engine.raiseEvent(approved, 'Approval', JSON.stringify({ by: 'platform-team' }))).toBe('accepted');
    const ok = await h.engine.waitForCompletion(approved, 5000);
    expect(ok.output).toBe('approved: {"by":"platform-team"}');

    const timedOut = await h.engine.startNew('Approval');
    await h.engine.whenIdle();
    clock.advance(24 * 3600 * 1000);
    expect((await h.engine.waitForCompletion(timedOut, 5000)).output).toBe('timed out');
  });

  it('numbers a retry timer after the actions the orchestrator issued in the same episode', async () => {
    const id = await h.engine.startNew('RetryAlongside', { inputJson: '"alongside"' });
    await runToCompletion(h.engine, clock, id);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: [2, 20, 'succeeded on attempt 2'] });
    const history = (await h.engine.getHistory(id)) ?? [];
    const scheduling = history.filter((e) => e.EventId >= 0).map((e) => `${e.EventId}:${e.EventType === EventType.TimerCreated ? 'timer' : e.Name}`);
    // Whatever the batching, numbers are consecutive and each names what the library expected at that number.
    expect(scheduling.map((s) => Number(s.split(':')[0]))).toEqual([0, 1, 2, 3, 4]);
    expect(scheduling.filter((s) => s.endsWith(':timer'))).toHaveLength(1);
    expect(scheduling.filter((s) => s.endsWith(':Flaky'))).toHaveLength(2);
  });
});
