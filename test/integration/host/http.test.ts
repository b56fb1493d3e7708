import * as http from 'node:http';
import { startTestHost, type TestHost } from './harness';

const FUNCTION_KEY = 'fn-key-123';
const MASTER_KEY = 'master-key-456';

describe('local host: HTTP triggers', () => {
  let t: TestHost;

  beforeAll(async () => {
    t = await startTestHost({
      IsEncrypted: false,
      Values: { LOCAL_FUNCTION_KEY: FUNCTION_KEY, LOCAL_MASTER_KEY: MASTER_KEY, TICK_SCHEDULE: '0 0 * * * *', LOCAL_LOG_LEVEL: 'debug' },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  const spoke = '/api/spokes/sub-1/rg-net/vnet%20one';

  it('passes route params, query (repeated names joined) and headers to a GET function', async () => {
    const res = await fetch(`${t.baseUrl}${spoke}?code=${FUNCTION_KEY}&tag=a&tag=b`, { headers: { 'x-test': 'hello' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      method: 'GET',
      url: `${t.baseUrl}${spoke}?code=${FUNCTION_KEY}&tag=a&tag=b`,
      params: { subscription: 'sub-1', resourceGroup: 'rg-net', vnet: 'vnet one' },
      query: { code: FUNCTION_KEY, tag: 'a,b' },
      tags: ['a,b'],
      testHeader: 'hello',
    });
  });

  it('routes POST on the same template to another function and round-trips a JSON body', async () => {
    const res = await fetch(`${t.baseUrl}${spoke}`, {
      method: 'POST',
      headers: { 'x-functions-key': FUNCTION_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ peer: true, prefixes: ['10.1.0.0/16'] }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      params: { subscription: 'sub-1', resourceGroup: 'rg-net', vnet: 'vnet one' },
      received: { peer: true, prefixes: ['10.1.0.0/16'] },
    });
  });

  it('round-trips a text body and a binary body byte for byte', async () => {
    const text = await fetch(`${t.baseUrl}${spoke}?code=${FUNCTION_KEY}`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'héllo',
    });
    expect(text.status).toBe(201);
    expect(await text.text()).toBe('text:héllo');

    const bytes = Buffer.from([0, 1, 2, 250, 255, 0x80]);
    const binary = await fetch(`${t.baseUrl}${spoke}?code=${FUNCTION_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(binary.status).toBe(201);
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from(bytes).reverse());
  });

  it('answers 404 (as the host: method and path match together) when the route matches but the method does not', async () => {
    const res = await fetch(`${t.baseUrl}${spoke}?code=${FUNCTION_KEY}`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('NotFound');
    expect(error.message).toContain('No function matches DELETE /api/spokes/sub-1/rg-net/vnet%20one; this route accepts ');
  });

  it.each([
    ['no key', '', 'This endpoint requires a key (function level): pass the value of LOCAL_FUNCTION_KEY (or LOCAL_MASTER_KEY) in the \'code\' query parameter or the \'x-functions-key\' header.'],
    ['a wrong key', '?code=nope', 'The key presented does not match LOCAL_FUNCTION_KEY (or LOCAL_MASTER_KEY) (function level).'],
  ])('rejects a function-level call with %s: 401 and a reason', async (_label, query, message) => {
    const res = await fetch(`${t.baseUrl}${spoke}${query}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'Unauthorized', message } });
  });

  it('accepts the master key at function level, and only the master key at admin level', async () => {
    expect((await fetch(`${t.baseUrl}${spoke}?code=${MASTER_KEY}`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/api/adminOnly?code=${FUNCTION_KEY}`)).status).toBe(401);
    const ok = await fetch(`${t.baseUrl}/api/adminOnly`, { headers: { 'x-functions-key': MASTER_KEY } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('admin ok');
  });

  it.each([
    ['/api/items/42', { kind: 'int', params: { id: '42' } }],
    ['/api/items/42/widget', { kind: 'int', params: { id: '42', name: 'widget' } }],
    ['/api/ITEMS/abc', { kind: 'alpha', params: { slug: 'abc' } }],
  ])('applies route constraints and optional parameters: %s', async (path, expected) => {
    const res = await fetch(`${t.baseUrl}${path}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
  });

  it.each(['/api/items/4x2', '/api/nothing/here', '/elsewhere'])('answers 404 JSON for %s', async (path) => {
    const res = await fetch(`${t.baseUrl}${path}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NotFound');
  });

  it('serves a function without a route at its name, for GET and POST, and answers 204 when it returns nothing', async () => {
    expect((await fetch(`${t.baseUrl}/api/defaultRoute`)).status).toBe(204);
    expect((await fetch(`${t.baseUrl}/api/defaultroute`, { method: 'POST', body: 'x' })).status).toBe(204);
  });

  it('sends status, headers and cookies from the function response', async () => {
    const res = await fetch(`${t.baseUrl}/api/cookies`);
    expect(res.status).toBe(202);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    expect(await res.text()).toBe('cookie set');
  });

  it('answers 500 with an empty body when the function throws, and logs the error', async () => {
    const res = await fetch(`${t.baseUrl}/api/explode`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
    expect(t.lines.some((l) => / error host - Executed 'Functions\.explode' \(Failed, .*kaboom: the fixture function failed on purpose/.test(l))).toBe(true);
  });

  it('serves mounted handlers before the app routes, and passes on when a handler returns false', async () => {
    const seen: string[] = [];
    t.host.mount('/runtime/webhooks/durabletask/', (req, res, url) => {
      seen.push(`${req.method} ${url.pathname}`);
      if (url.pathname.endsWith('/pass')) return false;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('from mount');
      return true;
    });
    t.host.mount('/api/items/', (_req, res) => {
      res.writeHead(418).end();
      return true;
    });
    const mounted = await fetch(`${t.baseUrl}/runtime/webhooks/durabletask/instances/x?code=${MASTER_KEY}`);
    expect([mounted.status, await mounted.text()]).toEqual([200, 'from mount']);
    expect((await fetch(`${t.baseUrl}/runtime/webhooks/durabletask/pass`, { headers: { 'x-functions-key': MASTER_KEY } })).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/api/items/1`)).status).toBe(418);
    expect(seen).toEqual(['GET /runtime/webhooks/durabletask/instances/x', 'GET /runtime/webhooks/durabletask/pass']);
  });

  it.each([
    ['no key', ''],
    ['the function key', `?code=${FUNCTION_KEY}`],
    ['a wrong key', '?code=nope'],
  ])('refuses an extension webhook (Durable management API) with %s when LOCAL_MASTER_KEY is set: 401, handler not reached', async (_label, query) => {
    let reached = false;
    t.host.mount('/runtime/webhooks/keycheck/', (_req, res) => {
      reached = true;
      res.writeHead(200).end();
      return true;
    });
    const res = await fetch(`${t.baseUrl}/runtime/webhooks/keycheck/instances${query}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/LOCAL_MASTER_KEY \(standing in for the extension's system key\)/);
    expect(reached).toBe(false);
  });

  it('closes keep-alive connections on stop instead of waiting for them to idle out', async () => {
    const other = await startTestHost({ Values: {} });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(`${other.baseUrl}/api/items/1`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
      const started = Date.now();
      await other.stop();
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(fetch(`${other.baseUrl}/api/items/1`)).rejects.toThrow();
    } finally {
      agent.destroy();
    }
  });
});
