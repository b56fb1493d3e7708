import { EventType } from '../../../local/durable';
import { startHarness, type Harness } from './harness';

describe('embedded Durable engine: activities, failures and history', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs a sequence of activities and records the history the extension would', async () => {
    const id = await h.engine.startNew('HelloSequence', { instanceId: 'seq-1' });
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status).toMatchObject({ name: 'HelloSequence', instanceId: 'seq-1', runtimeStatus: 'Completed' });
    expect(status.output).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
    const history = (await h.engine.getHistory(id)) ?? [];
    const types = history.map((e) => e.EventType);
    expect(types).toEqual([
      EventType.OrchestratorStarted, EventType.ExecutionStarted, EventType.TaskScheduled, EventType.OrchestratorCompleted,
      EventType.OrchestratorStarted, EventType.TaskCompleted, EventType.TaskScheduled, EventType.OrchestratorCompleted,
      EventType.OrchestratorStarted, EventType.TaskCompleted, EventType.TaskScheduled, EventType.OrchestratorCompleted,
      EventType.OrchestratorStarted, EventType.TaskCompleted, EventType.ExecutionCompleted, EventType.OrchestratorCompleted,
    ]);
    const scheduled = history.filter((e) => e.EventType === EventType.TaskScheduled);
    expect(scheduled.map((e) => [e.EventId, e.Name, e.Input])).toEqual([
      [0, 'Hello', '"Tokyo"'],
      [1, 'Hello', '"Seattle"'],
      [2, 'Hello', '"London"'],
    ]);
    const completed = history.filter((e) => e.EventType === EventType.TaskCompleted);
    expect(completed.map((e) => [e.TaskScheduledId, e.Result])).toEqual([
      [0, '"Hello Tokyo!"'],
      [1, '"Hello Seattle!"'],
      [2, '"Hello London!"'],
    ]);
  });

  it('keeps a finished instance\'s history out of the live state (memory store) and reads it back whole; a restart starts afresh', async () => {
    const id = await h.engine.startNew('HelloSequence', { instanceId: 'seq-archived' });
    await h.engine.waitForCompletion(id, 5000);
    const rec = h.engine.store.getOrchestration(id);
    expect([rec?.archived, rec?.history.length]).toEqual([true, 0]);
    const history = (await h.engine.getHistory(id)) ?? [];
    expect(history.map((e) => e.EventType).filter((t) => t === EventType.TaskCompleted)).toHaveLength(3);
    expect(history.at(-2)?.EventType).toBe(EventType.ExecutionCompleted);
    await h.engine.startNew('HelloSequence', { instanceId: id });
    const restarted = h.engine.store.getOrchestration(id);
    expect(restarted?.archived).toBeFalsy();
    await h.engine.waitForCompletion(id, 5000);
    expect(((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
    expect(h.engine.counts.episodes.get('HelloSequence')).toBeGreaterThanOrEqual(8);
    expect(h.engine.counts.activities.get('Hello')).toBeGreaterThanOrEqual(6);
  });

  it('delivers an activity failure to the orchestrator as an Error with the extension\'s reason', async () => {
    const id = await h.engine.startNew('CatchActivityFailure');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(expect.stringContaining("Activity function 'AlwaysFails' failed: Result: Failure\nException: kaboom: input-1"));
  });

  it('fails the instance when an activity failure is not handled', async () => {
    const id = await h.engine.startNew('UnhandledActivityFailure');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toEqual(expect.stringContaining("Orchestrator function 'UnhandledActivityFailure' failed: Activity function 'AlwaysFails' failed"));
    expect(status.output).toEqual(expect.stringContaining('kaboom: unhandled'));
  });

  it('fails the instance with the orchestrator\'s own error message when it throws', async () => {
    const id = await h.engine.startNew('ThrowsDirectly');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe("Orchestrator function 'ThrowsDirectly' failed: the orchestrator exploded");
  });

  it('fails the orchestration, not a task it could catch, when it calls an activity that is not registered', async () => {
    const id = await h.engine.startNew('CallsMissingActivity');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toBe(
      "Orchestrator function 'CallsMissingActivity' failed: The function 'NoSuchActivity' doesn't exist, is disabled, or is not an activity function. " +
        "Additional info: The following are the known activity functions: 'Hello', 'Double', 'Echo', 'Flaky', 'Gate', 'AlwaysFails', 'Step'.",
    );
    // Nothing was scheduled for it.
    expect(((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.TaskScheduled)).toEqual([]);
  });

  it('fails the orchestration when it calls or signals an entity that is not registered', async () => {
    const expected =
      "The function 'nosuchentity' doesn't exist, is disabled, or is not an entity function. " +
      "Additional info: The following are the known entity functions: 'Counter'.";
    const called = await h.engine.waitForCompletion(await h.engine.startNew('CallsMissingEntity'), 5000);
    expect(called).toMatchObject({ runtimeStatus: 'Failed', output: `Orchestrator function 'CallsMissingEntity' failed: ${expected}` });
    const signalled = await h.engine.waitForCompletion(await h.engine.startNew('SignalsMissingEntity'), 5000);
    expect(signalled).toMatchObject({ runtimeStatus: 'Failed', output: `Orchestrator function 'SignalsMissingEntity' failed: ${expected}` });
  });

  it('refuses to start an orchestrator that is not registered', async () => {
    await expect(h.engine.startNew('Hello')).rejects.toThrow("The function 'Hello' doesn't exist, is disabled, or is not an orchestrator function.");
  });

  it('fans out and in with Task.all, and nests compound tasks', async () => {
    const fan = await h.engine.startNew('FanOutFanIn', { inputJson: JSON.stringify([1, 2, 3, 4, 5]) });
    expect((await h.engine.waitForCompletion(fan, 5000)).output).toBe(30);
    const history = (await h.engine.getHistory(fan)) ?? [];
    // All five activities were scheduled in the first episode, with consecutive sequence numbers.
    const firstEpisode = history.slice(0, history.findIndex((e) => e.EventType === EventType.OrchestratorCompleted));
    expect(firstEpisode.filter((e) => e.EventType === EventType.TaskScheduled).map((e) => e.EventId)).toEqual([0, 1, 2, 3, 4]);

    const nested = await h.engine.startNew('NestedCompound');
    expect((await h.engine.waitForCompletion(nested, 5000)).output).toEqual({ anyResult: expect.any(Number), all: [6, 8] });
  });

  it('rejects a second start of a running instance id with InstanceExistsError and restarts a finished one', async () => {
    await h.engine.startNew('WaitForever', { instanceId: 'dup-1' });
    await expect(h.engine.startNew('WaitForever', { instanceId: 'dup-1' })).rejects.toThrow('An Orchestration instance with the status Pending already exists.');
    await h.engine.whenIdle();
    await expect(h.engine.startNew('HelloSequence', { instanceId: 'dup-1' })).rejects.toThrow('An Orchestration instance with the status Running already exists.');
    expect((await h.engine.getStatus('dup-1'))?.name).toBe('WaitForever');
    await h.engine.terminate('dup-1', 'test over');
    const first = await h.engine.startNew('HelloSequence', { instanceId: 'dup-2' });
    await h.engine.waitForCompletion(first, 5000);
    await h.engine.startNew('FanOutFanIn', { instanceId: 'dup-2', inputJson: '[10]' });
    const again = await h.engine.waitForCompletion('dup-2', 5000);
    expect(again).toMatchObject({ name: 'FanOutFanIn', runtimeStatus: 'Completed', output: 20 });
  });

  it.each([
    ['a leading @', '@acme', "instanceId (Parameter 'Orchestration instance ids must not start with @.')"],
    ['a slash', 'a/b', "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"],
    ['a backslash', 'a\\b', "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"],
    ['a hash', 'a#b', "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"],
    ['a question mark', 'a?b', "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"],
    ['a control character', 'a\u0007b', "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"],
    ['257 characters', 'x'.repeat(257), 'Instance ID lengths must not exceed 256 characters.'],
  ])('refuses an instance id with %s, as DurableClient.StartNewAsync does, and creates nothing', async (_what, instanceId, message) => {
    await expect(h.engine.startNew('HelloSequence', { instanceId })).rejects.toThrow(message);
    expect(await h.engine.getStatus(instanceId)).toBeUndefined();
  });

  it('accepts an instance id of 256 characters and one with @ after the start', async () => {
    for (const instanceId of ['y'.repeat(256), 'team@acme']) {
      expect(await h.engine.startNew('HelloSequence', { instanceId })).toBe(instanceId);
      expect((await h.engine.waitForCompletion(instanceId, 5000)).runtimeStatus).toBe('Completed');
    }
  });
});
