import type { FunctionInvoker } from '../../../local/contract';
import { EventType } from '../../../local/durable';
import { eventually, fixtureModule, startHarness, type Harness } from './harness';

const fixture = fixtureModule();

describe('external events, sub-orchestrations, continueAsNew, entities, management', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('buffers events raised before the wait, and queues several with one name in order', async () => {
    const id = await h.engine.startNew('WaitTwice');
    // Raised before the orchestrator's first episode has even run: both must be kept.
    expect(await h.engine.raiseEvent(id, 'Step', '"first"')).toBe('accepted');
    expect(await h.engine.raiseEvent(id, 'Step', '"second"')).toBe('accepted');
    expect((await h.engine.waitForCompletion(id, 5000)).output).toEqual(['first', 'second']);
  });

  it('drops events to unknown and to finished instances', async () => {
    expect(await h.engine.raiseEvent('no-such-instance', 'Step', '1')).toBe('notFound');
    const id = await h.engine.startNew('HelloSequence');
    await h.engine.waitForCompletion(id, 5000);
    const before = (await h.engine.getHistory(id))?.length;
    expect(await h.engine.raiseEvent(id, 'Step', '1')).toBe('gone');
    expect((await h.engine.getHistory(id))?.length).toBe(before);
  });

  it('runs sub-orchestrations with a chosen and a generated instance id', async () => {
    const id = await h.engine.startNew('Parent', { instanceId: 'parent-1', inputJson: JSON.stringify({ n: 4, childId: 'my-child' }) });
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.output).toEqual([
      { child: 'my-child', parent: 'parent-1', doubled: 8 },
      { child: 'parent-1:1', parent: 'parent-1', doubled: 10 },
    ]);
    const history = (await h.engine.getHistory(id)) ?? [];
    expect(history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated).map((e) => [e.EventId, e.InstanceId])).toEqual([
      [0, 'my-child'],
      [1, 'parent-1:1'],
    ]);
    expect((await h.engine.getStatus('my-child'))?.runtimeStatus).toBe('Completed');
  });

  it.each([
    ['starts with @', '@kid', "instanceId (Parameter 'Orchestration instance ids must not start with @')"],
    // Compared ignoring case, as the extension does (the parent below is 'parent-self').
    ['is the parent\'s own id', 'PARENT-SELF', 'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.'],
  ])('fails an orchestration whose sub-orchestration instance id %s, as the extension does', async (_what, childId, message) => {
    const id = await h.engine.startNew('Parent', { instanceId: childId === '@kid' ? 'parent-at' : 'parent-self', inputJson: JSON.stringify({ n: 1, childId }) });
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status).toMatchObject({ runtimeStatus: 'Failed', output: `Orchestrator function 'Parent' failed: ${message}` });
    expect(await h.engine.getStatus(childId)).toBeUndefined();
  });

  it('fails the parent task when a sub-orchestration fails', async () => {
    const id = await h.engine.startNew('ParentOfFailingChild');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.output).toContain("Orchestrator function 'ThrowsDirectly' failed: the orchestrator exploded");
  });

  it('continues as new: events of the batch after the one that triggered it carry over, earlier unconsumed ones are dropped', async () => {
    const id = await h.engine.startNew('Accumulator', { instanceId: 'acc-carry', inputJson: JSON.stringify({ total: 0, seen: 0, count: 3 }) });
    // All arrive before the first episode, so they form one batch: [ExecutionStarted, Note, Add 1, Add 10, Later].
    await h.engine.raiseEvent(id, 'Note', '"before the trigger"');
    await h.engine.raiseEvent(id, 'Add', '1');
    await h.engine.raiseEvent(id, 'Add', '10');
    await h.engine.raiseEvent(id, 'Later', '"after the trigger"');
    // Add 1 triggers continueAsNew; Add 10 and Later go to the next execution, where Add 10 triggers it again.
    await eventually(async () => ((await h.engine.getStatus(id))?.input as { seen?: number } | undefined)?.seen === 2, 5000, 'the third execution');
    await h.engine.whenIdle();
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', input: { total: 11, seen: 2, count: 3 } });
    const raised = ((await h.engine.getHistory(id)) ?? []).filter((e) => e.EventType === EventType.EventRaised).map((e) => [e.Name, e.Input]);
    expect(raised).toEqual([['Later', '"after the trigger"']]);
    await h.engine.raiseEvent(id, 'Add', '100');
    expect(await h.engine.waitForCompletion(id, 5000)).toMatchObject({ runtimeStatus: 'Completed', output: 111 });
  });

  it('publishes custom status', async () => {
    const id = await h.engine.startNew('WithCustomStatus');
    await eventually(async () => (await h.engine.getStatus(id))?.runtimeStatus === 'Running', 5000, 'Running');
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.customStatus).toEqual({ stage: 'waiting for Go' });
    await h.engine.raiseEvent(id, 'Go', '"now"');
    const done = await h.engine.waitForCompletion(id, 5000);
    expect(done.customStatus).toEqual({ stage: 'done', go: 'now' });
  });

  it('fails an instance whose custom status is above 16 KB in UTF-16, as the extension does', async () => {
    // A string of n characters serializes to n + 2 UTF-16 code units, 2 bytes each; the extension rounds the KB down.
    const fits = await h.engine.startNew('BigCustomStatus', { inputJson: JSON.stringify({ length: 8701 }) }); // 17,406 bytes: 16 KB
    const tooBig = await h.engine.startNew('BigCustomStatus', { inputJson: JSON.stringify({ length: 8702 }) }); // 17,408 bytes: 17 KB
    const failed = await h.engine.waitForCompletion(tooBig, 5000);
    expect(failed).toMatchObject({
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'BigCustomStatus' failed: The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB.",
      customStatus: null,
    });
    await h.engine.whenIdle();
    const running = await h.engine.getStatus(fits);
    expect(running?.runtimeStatus).toBe('Running');
    expect((running?.customStatus as string).length).toBe(8701);
    await h.engine.terminate(fits, 'test over');
  });

  it('calls and signals entities, one operation at a time, and keeps their state', async () => {
    const id = await h.engine.startNew('UsesCounter', { inputJson: '"c1"' });
    const status = await h.engine.waitForCompletion(id, 5000);
    // The two signals were sent before the call, and operations on one entity run in order.
    expect(status.output).toEqual({
      afterAdd: 16,
      value: 16,
      failure: "Entity operation 'fail' on entity '@counter@c1' failed",
    });
    expect(h.engine.readEntity('Counter', 'c1')).toEqual({ exists: true, state: 16 });
    await h.engine.signalEntity('Counter', 'c1', 'add', '4');
    await h.engine.whenIdle();
    expect(h.engine.readEntity('Counter', 'c1')).toEqual({ exists: true, state: 20 });
    await h.engine.signalEntity('Counter', 'c1', 'delete');
    await h.engine.whenIdle();
    expect(h.engine.readEntity('Counter', 'c1')).toEqual({ exists: false });
  });

  it('terminates a running instance with a reason, and answers gone afterwards', async () => {
    const id = await h.engine.startNew('WaitForever');
    await h.engine.whenIdle();
    expect(await h.engine.terminate(id, 'no longer needed')).toBe('accepted');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect(await h.engine.terminate(id, 'again')).toBe('gone');
  });

  it('suspends and resumes: events wait while suspended', async () => {
    const id = await h.engine.startNew('WithCustomStatus');
    await h.engine.whenIdle();
    await h.engine.suspend(id, 'maintenance');
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Suspended');
    await h.engine.raiseEvent(id, 'Go', '1');
    await h.engine.whenIdle();
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Suspended');
    await h.engine.resume(id, 'done');
    expect((await h.engine.waitForCompletion(id, 5000)).output).toBe('finished');
  });

  it('purges only finished instances', async () => {
    const running = await h.engine.startNew('WaitForever');
    expect(await h.engine.purge(running)).toBe('notTerminal');
    const done = await h.engine.startNew('HelloSequence');
    await h.engine.waitForCompletion(done, 5000);
    expect(await h.engine.purge(done)).toBe('purged');
    expect(await h.engine.getStatus(done)).toBeUndefined();
    expect(await h.engine.purge(done)).toBe('notFound');
    await h.engine.terminate(running, 'cleanup');
  });

  it('fails an instance whose code schedules a different activity than its history recorded', async () => {
    fixture.codeVersion.useNewActivity = false;
    const id = await h.engine.startNew('ChangesItsMind', { instanceId: 'nd-1' });
    await eventually(async () => ((await h.engine.getHistory(id)) ?? []).some((e) => e.EventType === EventType.TaskCompleted), 5000, 'first task');
    await h.engine.whenIdle();
    fixture.codeVersion.useNewActivity = true;
    try {
      await h.engine.raiseEvent(id, 'Continue', 'true');
      const status = await h.engine.waitForCompletion(id, 5000);
      expect(status.runtimeStatus).toBe('Failed');
      expect(status.output).toBe(
        "Non-deterministic workflow detected in orchestrator 'ChangesItsMind' (instance 'nd-1'): at sequence number 0 the history " +
          "recorded TaskScheduled 'Hello', but the orchestrator now schedules CallActivity 'Echo'. An orchestrator must issue the same " +
          'actions in the same order on every replay; do not change in-flight orchestrations or branch on anything but inputs, task ' +
          'results and currentUtcDateTime.',
      );
    } finally {
      fixture.codeVersion.useNewActivity = false;
    }
  });

  it('fails an instance whose code schedules an activity where its history has a timer', async () => {
    fixture.codeVersion.useNewActivity = false;
    const id = await h.engine.startNew('ChangesTimerToActivity', { instanceId: 'nd-2' });
    await h.engine.whenIdle();
    fixture.codeVersion.useNewActivity = true;
    try {
      await h.engine.raiseEvent(id, 'Continue', 'true');
      const status = await h.engine.waitForCompletion(id, 5000);
      expect(status.output).toContain('at sequence number 0 the history recorded TimerCreated');
      expect(status.output).toContain("but the orchestrator now schedules CallActivity 'Hello'");
    } finally {
      fixture.codeVersion.useNewActivity = false;
    }
  });

  it('continues as new with a fresh history, carrying over events that arrive during the episode', async () => {
    // An invoker that raises the next "Add" while each Accumulator episode runs, i.e. during the episode.
    const adds = ['1', '10', '100', '1000'];
    const holder: { racing?: Harness } = {};
    const app = h.app;
    const invoker: FunctionInvoker = {
      list: () => app.list(),
      get: (name) => app.get(name),
      async invoke(request) {
        const next = request.functionName === 'Accumulator' ? adds.shift() : undefined;
        if (next !== undefined && holder.racing) await holder.racing.engine.raiseEvent('acc-carry', 'Add', next);
        return app.invoke(request);
      },
    };
    const racing = await startHarness({ invoker });
    holder.racing = racing;
    try {
      const id = await racing.engine.startNew('Accumulator', { instanceId: 'acc-carry', inputJson: JSON.stringify({ total: 0, seen: 0, count: 3 }) });
      const status = await racing.engine.waitForCompletion(id, 5000);
      expect(status.output).toBe(111);
      expect(status.input).toEqual({ total: 111, seen: 3, count: 3 });
      const history = (await racing.engine.getHistory(id)) ?? [];
      // Only the last execution's history remains, and it starts with its own ExecutionStarted.
      expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
      expect(history.filter((e) => e.EventType === EventType.ContinueAsNew)).toHaveLength(0);
    } finally {
      await racing.close();
    }
  });
});
