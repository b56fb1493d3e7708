import * as path from 'node:path';
import { FunctionLogEntry, loadFunctionApp } from '../../../local/host/app-loader';
import { registerFunction } from '../../../local/host/functions-core';

const entry = path.resolve(__dirname, '../../fixtures/loader-app/index.ts');

describe('loadFunctionApp', () => {
  const logs: FunctionLogEntry[] = [];
  const fnApp = loadFunctionApp({ entries: [entry], onLog: (e) => logs.push(e) });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the same module instance the loader loaded
  const fixture = require(entry) as { seenByHooks: string[] };

  it('captures every registration with its trigger binding', () => {
    const names = fnApp.list().map((f) => `${f.name}:${f.trigger.type}`).sort();
    expect(names).toEqual([
      'double:activityTrigger',
      'echo:httpTrigger',
      'explode:activityTrigger',
      'oneStep:orchestrationTrigger',
      'startOneStep:httpTrigger',
    ]);
    expect(fnApp.get('ECHO')?.trigger).toMatchObject({ route: 'echo/{name}', methods: ['POST'] });
  });

  it('invokes an HTTP function through the library converters, with hooks and logs', async () => {
    const result = await fnApp.invoke({
      functionName: 'echo',
      triggerData: {
        http: {
          method: 'POST',
          url: 'http://127.0.0.1:7071/api/echo/abc',
          headers: { 'content-type': 'application/json' },
          query: {},
          params: { name: 'abc' },
          body: { string: '{"x":1}' },
        },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const http = result.returnValue as { statusCode: string; body: { bytes: Uint8Array } };
    expect(http.statusCode).toBe('201');
    expect(JSON.parse(Buffer.from(http.body.bytes).toString('utf8'))).toEqual({ name: 'abc', body: { x: 1 } });
    expect(fixture.seenByHooks).toEqual(['pre:echo', 'post:echo']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'information', functionName: 'echo', message: 'echo abc' }));
  });

  it('invokes an activity with JSON input and decodes its result', async () => {
    const result = await fnApp.invoke({ functionName: 'double', triggerData: { json: '21' } });
    expect(result).toEqual({ ok: true, returnValue: 42, outputs: {} });
  });

  it('drives an orchestrator episode and returns the library state', async () => {
    const now = new Date('2026-01-01T00:00:00Z').toISOString();
    const orchestrationInput = {
      history: [
        { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: now },
        { EventType: 0, EventId: -1, IsPlayed: false, Timestamp: now, Name: 'oneStep', Input: '5' },
      ],
      input: 5,
      instanceId: 'i1',
      isReplaying: false,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
    };
    const result = await fnApp.invoke({ functionName: 'oneStep', triggerData: { string: JSON.stringify(orchestrationInput) } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.returnValue).toMatchObject({
      isDone: false,
      actions: [[{ actionType: 0, functionName: 'double', input: 5 }]],
    });
  });

  it('supplies extra inputs from a provider by binding type', async () => {
    fnApp.provideInput('durableClient', () => ({
      string: JSON.stringify({ taskHubName: 'LocalHub', creationUrls: {}, managementUrls: {}, baseUrl: 'http://127.0.0.1/x', requiredQueryStringParameters: '', rpcBaseUrl: 'http://127.0.0.1/x/' }),
    }));
    const result = await fnApp.invoke({
      functionName: 'startOneStep',
      triggerData: { http: { method: 'GET', url: 'http://127.0.0.1/api/start', headers: {}, query: {}, params: {} } },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const http = result.returnValue as { body: { bytes: Uint8Array } };
    expect(JSON.parse(Buffer.from(http.body.bytes).toString('utf8'))).toEqual({ taskHub: 'LocalHub' });
  });

  it('reports an unknown function and a failing handler as errors, not throws', async () => {
    await expect(fnApp.invoke({ functionName: 'nope', triggerData: { json: '1' } })).resolves.toEqual({
      ok: false,
      error: new Error('No function named "nope" is registered.'),
    });
    const failed = await fnApp.invoke({ functionName: 'explode', triggerData: { json: 'null' } });
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.error.message).toContain('boom: the activity failed');
  });

  it('rejects registrations after the app has loaded, as the worker does', () => {
    expect(() => registerFunction({ name: 'late', bindings: {} }, () => undefined)).toThrow(
      'Function "late" was registered after the app finished loading',
    );
  });
});
