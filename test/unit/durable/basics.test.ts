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

  it('fails the task for an activity name that is not registered', async () => {
    const id = await h.engine.startNew('CallsMissingActivity');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.output).toEqual(
      expect.stringContaining("Activity function 'NoSuchActivity' failed: Activity function 'NoSuchActivity' does not exist."),
    );
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
    await expect(h.engine.startNew('WaitForever', { instanceId: 'dup-1' })).rejects.toThrow(
      "An orchestration instance with ID 'dup-1' already exists and is Pending",
    );
    const first = await h.engine.startNew('HelloSequence', { instanceId: 'dup-2' });
    await h.engine.waitForCompletion(first, 5000);
    await h.engine.startNew('FanOutFanIn', { instanceId: 'dup-2', inputJson: '[10]' });
    const again = await h.engine.waitForCompletion('dup-2', 5000);
    expect(again).toMatchObject({ name: 'FanOutFanIn', runtimeStatus: 'Completed', output: 20 });
  });
});
