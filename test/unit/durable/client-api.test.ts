import { startHarness, clientCommand, eventually, type Harness } from './harness';

/** The durable client of durable-functions, unchanged, against the engine's HTTP API on a loopback port. */
describe('durable client (df.getClient) through the extension HTTP API', () => {
  let h: Harness;
  const savedHostname = process.env.WEBSITE_HOSTNAME;
  beforeAll(async () => {
    h = await startHarness();
    // Without it, getClient rewrites management URLs to http://localhost:7071 (the Core Tools default).
    process.env.WEBSITE_HOSTNAME = new URL(h.baseUrl).host;
  });
  afterAll(async () => {
    if (savedHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
    else process.env.WEBSITE_HOSTNAME = savedHostname;
    await h.close();
  });

  it('starts an instance, reads its status and history, and answers a duplicate start with 500 as the extension does', async () => {
    const started = (await clientCommand(h, { op: 'startNew', name: 'HelloSequence', instanceId: 'client-1', input: { x: 1 } })) as { id: string };
    expect(started).toEqual({ id: 'client-1' });
    await h.engine.waitForCompletion('client-1', 5000);
    const status = (await clientCommand(h, { op: 'getStatus', instanceId: 'client-1', showHistory: true, showHistoryOutput: true })) as Record<string, unknown>;
    expect(status).toMatchObject({
      name: 'HelloSequence',
      instanceId: 'client-1',
      runtimeStatus: 'Completed',
      input: { x: 1 },
      output: ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!'],
    });
    const history = status.history as { EventType: string; Result?: string }[];
    expect(history.map((e) => e.EventType)).toEqual([
      'ExecutionStarted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'ExecutionCompleted',
    ]);
    expect(history[2]?.Result).toBe('"Hello Tokyo!"');

    await clientCommand(h, { op: 'startNew', name: 'WaitForever', instanceId: 'client-dup' });
    const dup = (await clientCommand(h, { op: 'startNew', name: 'WaitForever', instanceId: 'client-dup' })) as { error: string };
    // Azure Storage backend: OrchestrationAlreadyExistsException, which HttpApiHandler's catch-all answers with 500.
    expect(dup.error).toMatch(/^The operation failed with an unexpected status code: 500\. Details: /);
    expect(JSON.parse(dup.error.replace(/^[^{]*/, ''))).toEqual({
      Message: 'Something went wrong while processing your request',
      ExceptionMessage: expect.stringMatching(/^An Orchestration instance with the status (Pending|Running) already exists\.$/),
      ExceptionType: 'DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException',
    });
    await clientCommand(h, { op: 'terminate', instanceId: 'client-dup', reason: 'cleanup' });
  });

  it('raises events, and reports unknown instances as the SDK expects', async () => {
    await clientCommand(h, { op: 'startNew', name: 'WaitTwice', instanceId: 'client-events' });
    expect(await clientCommand(h, { op: 'raiseEvent', instanceId: 'client-events', eventName: 'Step', eventData: { n: 1 } })).toEqual({ ok: true });
    expect(await clientCommand(h, { op: 'raiseEvent', instanceId: 'client-events', eventName: 'Step', eventData: 'two' })).toEqual({ ok: true });
    expect((await h.engine.waitForCompletion('client-events', 5000)).output).toEqual([{ n: 1 }, 'two']);
    expect(await clientCommand(h, { op: 'raiseEvent', instanceId: 'nobody', eventName: 'Step', eventData: 1 })).toEqual({
      error: "No instance with ID 'nobody' found.",
    });
    expect(await clientCommand(h, { op: 'getStatus', instanceId: 'nobody' })).toEqual({
      error: expect.stringContaining('Durable Functions extension replied with HTTP 404 response'),
    });
  });

  it('terminates, suspends, resumes, refuses rewind with 501, and purges', async () => {
    await clientCommand(h, { op: 'startNew', name: 'WithCustomStatus', instanceId: 'client-mgmt' });
    await h.engine.whenIdle();
    expect(await clientCommand(h, { op: 'suspend', instanceId: 'client-mgmt', reason: 'pause' })).toEqual({ ok: true });
    await eventually(async () => (await h.engine.getStatus('client-mgmt'))?.runtimeStatus === 'Suspended', 5000, 'Suspended');
    expect(await clientCommand(h, { op: 'resume', instanceId: 'client-mgmt', reason: 'go on' })).toEqual({ ok: true });
    expect(await clientCommand(h, { op: 'terminate', instanceId: 'client-mgmt', reason: 'stop it' })).toEqual({ ok: true });
    const terminated = await h.engine.waitForCompletion('client-mgmt', 5000);
    expect(terminated).toMatchObject({ runtimeStatus: 'Terminated', output: 'stop it' });
    const rewind = (await clientCommand(h, { op: 'rewind', instanceId: 'client-mgmt', reason: 'x' })) as { error: string };
    expect(rewind.error).toContain('Rewind is not supported by the embedded Durable engine');
    expect(await clientCommand(h, { op: 'purge', instanceId: 'client-mgmt' })).toEqual({ instancesDeleted: 1 });
    expect(await clientCommand(h, { op: 'purge', instanceId: 'client-mgmt' })).toEqual({ instancesDeleted: 0 });
  });

  it('lists instances by status and prefix, and pages with the continuation token header', async () => {
    for (const n of [1, 2, 3]) await clientCommand(h, { op: 'startNew', name: 'HelloSequence', instanceId: `list-${n}` });
    await Promise.all([1, 2, 3].map((n) => h.engine.waitForCompletion(`list-${n}`, 5000)));
    // The SDK's getStatusBy sends runtimeStatus (and times), not instanceIdPrefix.
    const completed = (await clientCommand(h, { op: 'getStatusBy', runtimeStatus: ['Completed'] })) as { instanceId: string; runtimeStatus: string }[];
    expect(completed.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['list-1', 'list-2', 'list-3', 'client-1']));
    expect(completed.every((s) => s.runtimeStatus === 'Completed')).toBe(true);
    const terminated = (await clientCommand(h, { op: 'getStatusBy', runtimeStatus: ['Terminated'] })) as { instanceId: string }[];
    expect(terminated.map((s) => s.instanceId)).toEqual(['client-dup']);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const res = await fetch(`${h.baseUrl}/runtime/webhooks/durabletask/instances/?instanceIdPrefix=list-&top=2`, {
        headers: token ? { 'x-ms-continuation-token': token } : {},
      });
      expect(res.status).toBe(200);
      pages.push(((await res.json()) as { instanceId: string }[]).map((s) => s.instanceId));
      token = res.headers.get('x-ms-continuation-token') ?? undefined;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(pages.flat().sort()).toEqual(['list-1', 'list-2', 'list-3']);
  });

  it('signals entities and reads their state', async () => {
    expect(await clientCommand(h, { op: 'signalEntity', name: 'Counter', key: 'client', operation: 'add', input: 7 })).toEqual({ ok: true });
    await h.engine.whenIdle();
    expect(await clientCommand(h, { op: 'readEntityState', name: 'Counter', key: 'client' })).toEqual({ entityExists: true, entityState: 7 });
    expect(await clientCommand(h, { op: 'readEntityState', name: 'Counter', key: 'nobody' })).toEqual({ entityExists: false });
  });

  it('builds management links that point at the engine routes', async () => {
    const payload = (await clientCommand(h, { op: 'managementPayload', instanceId: 'abc' })) as Record<string, string>;
    expect(payload.id).toBe('abc');
    expect(payload.statusQueryGetUri).toBe(`${h.baseUrl}/runtime/webhooks/durabletask/instances/abc?taskHub=TestHub&connection=Storage`);
    expect(payload.sendEventPostUri).toBe(`${h.baseUrl}/runtime/webhooks/durabletask/instances/abc/raiseEvent/{eventName}?taskHub=TestHub&connection=Storage`);
  });

  it('answers an HTTP starter with createCheckStatusResponse whose status link works', async () => {
    const result = await h.app.invoke({
      functionName: 'HttpStart',
      triggerData: {
        http: {
          method: 'POST',
          url: `${h.baseUrl}/api/start/FanOutFanIn/http-1`,
          headers: { 'content-type': 'application/json' },
          query: {},
          params: { name: 'FanOutFanIn', id: 'http-1' },
          body: { string: '[1,2]' },
        },
      },
    });
    if (!result.ok) throw result.error;
    const http = result.returnValue as { statusCode: string; headers: Record<string, string>; body: { bytes: Uint8Array } };
    expect(http.statusCode).toBe('202');
    const links = JSON.parse(Buffer.from(http.body.bytes).toString('utf8')) as Record<string, string>;
    expect(links.id).toBe('http-1');
    await h.engine.waitForCompletion('http-1', 5000);
    const status = await fetch(links.statusQueryGetUri as string);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ instanceId: 'http-1', runtimeStatus: 'Completed', output: 6 });
  });

  it('answers wrong requests with the extension\'s status codes and a message', async () => {
    const api = `${h.baseUrl}/runtime/webhooks/durabletask`;
    const unknown = await fetch(`${api}/orchestrators/NotAnOrchestrator`, { method: 'POST' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      Message: 'One or more of the arguments submitted is incorrect',
      ExceptionMessage: expect.stringMatching(
        /^The function 'NotAnOrchestrator' doesn't exist, is disabled, or is not an orchestrator function\. Additional info: The following are the known orchestrator functions: 'HelloSequence', /,
      ),
      ExceptionType: 'System.ArgumentException',
    });
    expect((await fetch(`${api}/instances/never-started`)).status).toBe(404);
    const badJson = await fetch(`${api}/orchestrators/HelloSequence`, { method: 'POST', body: '{oops' });
    expect(badJson.status).toBe(400);
    await h.engine.startNew('WaitForever', { instanceId: 'http-running' });
    const purgeRunning = await fetch(`${api}/instances/http-running`, { method: 'DELETE' });
    expect(purgeRunning.status).toBe(412);
    expect(await purgeRunning.text()).toContain('Only orchestrations in a terminal state can be purged');
    const running = await fetch(`${api}/instances/http-running`);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(`${api}/instances/http-running`);
    await h.engine.terminate('http-running', 'done');
    expect((await fetch(`${api}/nothing/here`)).status).toBe(404);
  });

  it('fails a parent whose sub-orchestrator is not registered, naming the function (the parent cannot catch it)', async () => {
    const id = await h.engine.startNew('ParentOfUnknownChild');
    const status = await h.engine.waitForCompletion(id, 5000);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toMatch(
      /^Orchestrator function 'ParentOfUnknownChild' failed: The function 'NoSuchOrchestrator' doesn't exist, is disabled, or is not an orchestrator function\. Additional info: The following are the known orchestrator functions: 'HelloSequence', .*'ParentOfUnknownChild'/,
    );
    expect(await h.engine.getStatus(`${id}:0`)).toBeUndefined();
  });

  it('refuses instance ids the extension refuses with 400 and the ArgumentException, over HTTP and through the client', async () => {
    const api = `${h.baseUrl}/runtime/webhooks/durabletask`;
    const chars = "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
    for (const [encoded, message] of [
      ['%40team', "instanceId (Parameter 'Orchestration instance ids must not start with @.')"],
      ['a%2Fb', chars],
      ['a%5Cb', chars],
      ['a%23b', chars],
      ['a%3Fb', chars],
      ['a%0Ab', chars],
      ['x'.repeat(257), 'Instance ID lengths must not exceed 256 characters.'],
    ] as const) {
      const res = await fetch(`${api}/orchestrators/HelloSequence/${encoded}`, { method: 'POST' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ Message: 'One or more of the arguments submitted is incorrect', ExceptionMessage: message, ExceptionType: 'System.ArgumentException' });
    }
    const viaClient = (await clientCommand(h, { op: 'startNew', name: 'HelloSequence', instanceId: '@team' })) as { error: string };
    expect(viaClient.error).toContain('The operation failed with an unexpected status code: 400');
    expect(viaClient.error).toContain('must not start with @.');
    expect(h.engine.list({ instanceIdPrefix: '@' }).items).toEqual([]);
  });
});
