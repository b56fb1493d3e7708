/**
 * Fuzzing of every edge of the running control plane (the embedded default with the real app): every HTTP route the
 * app registers (path, query, body, headers), the Event Grid webhook of every Event Grid function (Event Grid schema
 * and CloudEvents 1.0, handshakes included) and the stamps' alert webhook. Property: every input gets a 2xx or a 4xx
 * whose body names the problem - never a 5xx, a failed invocation, a request that does not end, or (for a refused
 * input) an ARM write or a record write. Runs and seed: see arbitraries.ts (FUZZ_RUNS, FUZZ_SEED; `npm run fuzz`);
 * the CI budgets per property: FUZZ_ROUTE_RUNS, FUZZ_EVENT_RUNS, FUZZ_HANDSHAKE_RUNS, FUZZ_ALERT_RUNS. FUZZ_DEBUG=1
 * prints how often each answer (route, status, message start) came, to see how deep the generators reach.
 */
import fc from 'fast-check';
import { demoTopology, ids } from '../../local/demo';
import { DEMO_STAMPS } from '../../local/demo/stamps';
import { ACTION_GROUPS_APP_ID, ACTION_GROUPS_ROLE } from '../../shared/auth/secure-webhook';
import { ROLES } from '../../shared/auth/tokens';
import { fillRoute, KEYS, routeParams, startControlPlane, type ControlPlane, type RegisteredRoute } from '../support/control-plane';
import { body, cloudEvent, commonAlert, eventGridEvent, FUZZ_TIMEOUT_MS, fuzzParameters, query, routeParam, validationCode, type Known } from './arbitraries';

/** No request may take longer than this (a hang is a finding); far above what any request takes. */
const REQUEST_BOUND_MS = 15_000;
const FUZZ_CALLER = 'f0220000-0000-4000-8000-00000000f022';
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

const seen: string[] = [];
afterAll(() => {
  if (!process.env.FUZZ_DEBUG) return;
  const counts = new Map<string, number>();
  for (const s of seen) counts.set(s, (counts.get(s) ?? 0) + 1);
  process.stdout.write([...counts].sort().map(([k, v]) => `${v}\t${k}`).join('\n') + '\n');
});

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** The message of a refusal: `{error: {code, message}}` (the routes, the host) or problem+json `{title, detail}`. */
function refusalMessage(answer: Answer): string {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return '';
  }
  const o = (json ?? {}) as { error?: { code?: unknown; message?: unknown }; title?: unknown; detail?: unknown };
  if (typeof o.error?.message === 'string' && typeof o.error.code === 'string') return `${o.error.code}: ${o.error.message}`;
  if (typeof o.title === 'string' && typeof o.detail === 'string') return `${o.title}: ${o.detail}`;
  return '';
}

function knownOf(): Known {
  const t = demoTopology();
  const spokes = t.workloads.flatMap((w) => w.spokes.map((s) => ({ sub: w.subscriptionId, rg: s.resourceGroup, name: s.vnet.name })));
  return {
    subscriptions: [t.connectivity.subscriptionId, ...t.workloads.map((w) => w.subscriptionId)],
    resourceGroups: [...new Set([...t.connectivity.hubs.map((h) => h.resourceGroup), ...spokes.map((s) => s.rg)])],
    names: [...t.connectivity.hubs.map((h) => h.vnet.name), ...spokes.map((s) => s.name), ...t.workloads.flatMap((w) => w.privateEndpoints.map((p) => p.name))],
    vnetIds: spokes.map((s) => ids.vnet(s.sub, s.rg, s.name)),
    stamps: DEMO_STAMPS.map((s) => s.name),
    requestIds: [],
  };
}

describe('fuzz: every edge of the control plane', () => {
  let plane: ControlPlane;
  let token: string;
  const known = knownOf();

  beforeAll(async () => {
    plane = await startControlPlane();
    token = await plane.token({ oid: FUZZ_CALLER, roles: [ROLES.requester, ROLES.approver, ROLES.operator, ACTION_GROUPS_ROLE], appId: ACTION_GROUPS_APP_ID });
    // Egress requests of another requester, for the decision and revoke routes to find.
    const requester = await plane.token({ oid: 'aaaaaaaa-0000-4000-8000-0000000000a1', roles: [ROLES.requester] });
    for (const fqdn of ['api.github.com', '*.contoso.com', 'login.microsoftonline.com']) {
      const created = await send('/api/egress-requests', {
        method: 'POST',
        headers: { authorization: `Bearer ${requester}`, 'idempotency-key': fqdn, 'content-type': 'application/json' },
        body: JSON.stringify({ spokeVnetId: known.vnetIds[0], destinations: [{ fqdn, ports: ['Https:443'] }], justification: 'fuzz', ttlDays: 7 }),
      });
      if (created.status !== 202) throw new Error(`creating an egress request: ${created.status} ${created.text}`);
      known.requestIds.push((JSON.parse(created.text) as { id: string }).id);
    }
    await plane.quiet();
    await plane.settle();
  }, 120_000);
  afterAll(async () => {
    await plane?.stop();
  });

  async function send(path: string, init: RequestInit): Promise<Answer> {
    const res = await fetch(`${plane.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  /** A 2xx, or a 4xx that names the problem and wrote nothing (no ARM write, no record changed). */
  async function judged(what: string, call: () => Promise<Answer>): Promise<Answer> {
    const before = { arm: plane.armWrites(), records: await plane.recordsFingerprint() };
    const answer = await call();
    if (process.env.FUZZ_DEBUG) seen.push(`${what.split(' ')[0]} ${answer.status} ${refusalMessage(answer).slice(0, 60)}`);
    const where = `${what} -> ${answer.status} ${answer.text.slice(0, 400)}`;
    if (answer.status >= 500 || answer.status < 200 || (answer.status >= 300 && answer.status < 400)) throw new Error(`not a 2xx or 4xx: ${where}`);
    if (answer.status >= 400) {
      const message = refusalMessage(answer);
      if (message.trim() === '') throw new Error(`a refusal that names no problem: ${where}`);
      // A message is prose: another route's error object serialized into it names the problem only to a parser.
      if (/: \s*\{"/.test(message)) throw new Error(`a refusal whose message is a serialized error object: ${where}`);
      const after = { arm: plane.armWrites(), records: await plane.recordsFingerprint() };
      if (after.arm !== before.arm) throw new Error(`a refused input wrote to ARM (${after.arm - before.arm} writes): ${where}`);
      if (after.records !== before.records) throw new Error(`a refused input changed records: ${where}`);
    }
    return answer;
  }

  it('finds the routes the app registers', () => {
    const routes = plane.httpRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(plane.eventGridFunctions().length).toBeGreaterThan(0);
  });

  describe('HTTP routes', () => {
    // One property per registered route, so a route added later is fuzzed too without a line here.
    const routes = (): RegisteredRoute[] => plane.httpRoutes();
    it('answers every route\'s fuzzed path, query, body and headers with a 2xx or a 4xx that names the problem', async () => {
      for (const route of routes()) {
        const params = Object.fromEntries(routeParams(route.route).map((p) => [p, routeParam(known, p)]));
        const input = fc.record({
          method: fc.constantFrom(...route.methods),
          params: Object.keys(params).length ? fc.record(params) : fc.constant({} as Record<string, string>),
          query: query(known),
          body: body(known),
          contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'application/octet-stream', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x'), { nil: undefined }),
          idempotencyKey: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: headerValue }, { weight: 1, arbitrary: fc.constant(undefined) }),
          authorization: fc.oneof({ weight: 6, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: headerValue }),
        });
        await fc.assert(
          fc.asyncProperty(input, async (i) => {
            const search = new URLSearchParams(i.query);
            const path = `/api/${fillRoute(route.route, i.params)}${i.query.length ? `?${search.toString()}` : ''}`;
            const send_ = () =>
              send(path, {
                method: i.method,
                headers: {
                  'x-functions-key': KEYS.master,
                  authorization: i.authorization === 'valid' ? `Bearer ${token}` : i.authorization,
                  ...(i.contentType ? { 'content-type': i.contentType } : {}),
                  ...(i.idempotencyKey !== undefined ? { 'idempotency-key': i.idempotencyKey } : {}),
                },
                ...(i.body !== undefined && i.method !== 'GET' ? { body: i.body } : {}),
              });
            const answer = await judged(`${route.functionName}: ${i.method} ${path} body ${JSON.stringify(i.body)?.slice(0, 300)}`, send_);
            // Accepted work (a sweep, a reconcile, a pin) runs in the background: let it finish before the next input
            // is judged on what it writes.
            if (answer.status < 300 && i.method !== 'GET') await plane.quiet();
          }),
          fuzzParameters(Number(process.env.FUZZ_ROUTE_RUNS ?? '15')),
        );
      }
    }, FUZZ_TIMEOUT_MS);
  });

  describe('regressions found by fuzzing', () => {
    // The egress API put the other routes' whole error object, serialized, into its problem+json detail, and
    // answered a body over the limit with 400 instead of 413 on the decision route.
    it.each([
      ['POST', '/api/egress-requests', 400, '{', /^the body is not JSON: /],
      ['POST', '/api/egress-requests', 413, 'x'.repeat(70 * 1024), /larger than 65536 bytes/],
      ['POST', '/api/egress-requests/egr-000000000000000000000000/decision', 400, '[1,2', /^the body is not JSON: /],
      ['POST', '/api/egress-requests/egr-000000000000000000000000/decision', 413, 'x'.repeat(70 * 1024), /larger than 65536 bytes/],
    ])('%s %s, a body it cannot read -> %i with the reason as the detail', async (method, path, status, text, detail) => {
      const answer = await send(path, { method, headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'regression', 'content-type': 'application/json' }, body: text });
      expect(answer.status).toBe(status);
      const problem = JSON.parse(answer.text) as { status: number; detail: string };
      expect(problem.status).toBe(status);
      expect(problem.detail).toMatch(detail);
    });
  });

  describe('Event Grid webhook', () => {
    const webhook = (fn: string) => `/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(fn)}&code=${KEYS.eventGrid}`;

    it('accepts every delivery of fuzzed events in either schema (202) and writes nothing to ARM for events about nothing', async () => {
      const arm = plane.armWrites();
      for (const fn of plane.eventGridFunctions()) {
        const delivery = fc.oneof(
          fc.record({ schema: fc.constant('eventgrid'), events: fc.array(eventGridEvent(known), { minLength: 1, maxLength: 4 }) }),
          fc.record({ schema: fc.constant('cloudevents'), events: fc.array(cloudEvent(known), { minLength: 1, maxLength: 4 }) }),
        );
        await fc.assert(
          fc.asyncProperty(delivery, fc.boolean(), async ({ schema, events }, single) => {
            const payload = single && events.length === 1 ? events[0] : events;
            const contentType = schema === 'cloudevents' ? (single ? 'application/cloudevents+json' : 'application/cloudevents-batch+json') : 'application/json';
            const answer = await send(webhook(fn), { method: 'POST', headers: { 'aeg-event-type': 'Notification', 'content-type': contentType }, body: JSON.stringify(payload) });
            if (answer.status !== 202) throw new Error(`${fn}: ${schema} delivery -> ${answer.status} ${answer.text.slice(0, 400)}: ${JSON.stringify(payload).slice(0, 600)}`);
          }),
          fuzzParameters(Number(process.env.FUZZ_EVENT_RUNS ?? '60')),
        );
      }
      await plane.quiet();
      await plane.settle(1000);
      expect(plane.armWrites()).toBe(arm);
    }, FUZZ_TIMEOUT_MS);

    it('answers both schemas\' validation handshakes with the code or the allowed origin, and refuses other event types by name', async () => {
      for (const fn of plane.eventGridFunctions()) {
        await fc.assert(
          fc.asyncProperty(validationCode, fc.boolean(), fc.oneof(fc.constantFrom('eventgrid.azure.net', 'eventgrid.azure.us'), headerValue), fc.oneof(fc.constant(undefined), headerValue), async (code, cloud, origin, aegType) => {
            const validation = cloud
              ? { specversion: '1.0', id: 'v1', source: '/x', type: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: code } }
              : [{ id: 'v1', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: '2026-01-01T00:00:00Z', dataVersion: '2', data: { validationCode: code } }];
            const handshake = await send(webhook(fn), { method: 'POST', headers: { 'aeg-event-type': 'SubscriptionValidation', 'content-type': 'application/json' }, body: JSON.stringify(validation) });
            expect(handshake.status).toBe(200);
            expect(JSON.parse(handshake.text)).toEqual({ validationResponse: code });
            const options = await send(webhook(fn), { method: 'OPTIONS', headers: { 'webhook-request-origin': origin } });
            expect(options.status).toBe(200);
            expect(options.headers.get('webhook-allowed-origin')).toMatch(/^eventgrid\.azure\./);
            if (aegType !== undefined && !['notification', 'subscriptionvalidation', 'unsubscribe'].includes(aegType.trim().toLowerCase())) {
              const other = await judged(`aeg-event-type ${aegType}`, () => send(webhook(fn), { method: 'POST', headers: { 'aeg-event-type': aegType, 'content-type': 'application/json' }, body: '[]' }));
              expect(other.status).toBe(400);
            }
          }),
          fuzzParameters(Number(process.env.FUZZ_HANDSHAKE_RUNS ?? '25')),
        );
      }
    }, FUZZ_TIMEOUT_MS);
  });

  describe('stamp alert webhook', () => {
    it('answers fuzzed alerts with a 2xx, or a 4xx that names the problem and writes nothing', async () => {
      const arm = plane.armWrites();
      const alertBody = fc.oneof({ weight: 3, arbitrary: commonAlert(known).map((a) => JSON.stringify(a)) }, { weight: 1, arbitrary: body(known) });
      await fc.assert(
        fc.asyncProperty(alertBody, fc.boolean(), async (b, viaToken) => {
          const headers: Record<string, string> = { 'content-type': 'application/json', ...(viaToken ? { authorization: `Bearer ${token}` } : { 'x-functions-key': KEYS.alert }) };
          await judged(`alert ${b?.slice(0, 400)}`, () => send('/api/stamps/alerts', { method: 'POST', headers, ...(b !== undefined ? { body: b } : {}) }));
        }),
        fuzzParameters(Number(process.env.FUZZ_ALERT_RUNS ?? '80')),
      );
      await plane.quiet();
      // Alerts about nothing (no target or stampId is a stamp) never reach a monitor: nothing is written to ARM.
      expect(plane.armWrites()).toBe(arm);
    }, FUZZ_TIMEOUT_MS);
  });
});
