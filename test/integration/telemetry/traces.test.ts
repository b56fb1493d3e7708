/**
 * One trace per piece of work where no Event Grid correlation exists, through the embedded default with an in-memory
 * span exporter: a drift run (keyed by its run ID) holds its detectors and their list requests; an egress request
 * made over HTTP and approved in `direct` mode (keyed by the HTTP call's invocation ID) holds its activities, the
 * policy writer's wave and the Firewall Policy's rule collection group PUT.
 */
import { randomUUID } from 'node:crypto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ids } from '../../../local/demo';
import { SPAN_ATTRIBUTES } from '../../../shared/telemetry';
import { runDrift } from '../drift/support';
import { quiesce, startWorld, until, type PeeringWorld } from '../peering/support';
import { newTelemetry } from '../../support/telemetry';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000001';
const APPROVER = 'bbbbbbbb-0000-4000-8000-000000000002';

const urlOf = (s: ReadableSpan): string => String(s.attributes['http.url'] ?? s.attributes['url.full'] ?? '');
const methodOf = (s: ReadableSpan): string => /^HTTP (\w+)$/.exec(s.name)?.[1] ?? '';

describe('one trace per egress request and per drift run', () => {
  let world: PeeringWorld;
  const telemetry = newTelemetry();

  beforeAll(async () => {
    world = await startWorld({}, 0.005, undefined, telemetry.options);
    await quiesce(world);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  const inTraceOf = (span: ReadableSpan | undefined): ReadableSpan[] => {
    if (!span) throw new Error('no span to follow');
    const traceId = span.spanContext().traceId;
    return telemetry.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  };

  it("a drift run's activities and its detectors' list requests are in the run's trace", async () => {
    const run = await runDrift(world);
    const detects = telemetry.spans.getFinishedSpans().filter((s) => s.name === 'activity driftDetect' && s.attributes[SPAN_ATTRIBUTES.correlationId] === run.runId);
    // One detector per flow, all in one trace.
    expect(detects.length).toBe(run.flows.length);
    expect(new Set(detects.map((s) => s.spanContext().traceId)).size).toBe(1);
    const trace = inTraceOf(detects[0]);
    const names = new Set(trace.map((s) => s.name));
    expect(names.has('activity driftBeginRun')).toBe(true);
    expect(names.has('activity driftFinishRun')).toBe(true);
    // The detectors' ARM list requests (collections, not one resource): the VNets of the watched subscriptions.
    const lists = trace.filter((s) => methodOf(s) === 'GET').map(urlOf);
    expect(lists.some((u) => /\/providers\/Microsoft\.Network\/virtualNetworks\?/i.test(u))).toBe(true);
    // Every ARM request span of the trace hangs under one of the run's activity spans.
    const spanIds = new Set(trace.map((s) => s.spanContext().spanId));
    const arm = trace.filter((s) => methodOf(s) !== '');
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.every((s) => s.parentSpanContext?.spanId !== undefined && spanIds.has(s.parentSpanContext.spanId))).toBe(true);
    // Another run is another trace.
    const next = await runDrift(world);
    const other = telemetry.spans.getFinishedSpans().find((s) => s.name === 'activity driftDetect' && s.attributes[SPAN_ATTRIBUTES.correlationId] === next.runId);
    expect(other?.spanContext().traceId).toBeDefined();
    expect(other?.spanContext().traceId).not.toBe(detects[0]?.spanContext().traceId);
  });

  it('an egress request approved in direct mode is one trace holding the Firewall Policy PUT', async () => {
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    if (!payments || !weu) throw new Error('demo topology lost its westeurope spoke');
    const spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    const base = world.embedded.baseUrl;
    const token = async (oid: string, roles: string[]): Promise<string> => {
      const res = await fetch(`${base}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: `user ${oid.slice(0, 4)}`, roles }) });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const approver = await token(APPROVER, ['Egress.Approver']);
    const created = await fetch(`${base}/api/egress-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(REQUESTER, ['Egress.Requester'])}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ spokeVnetId: spoke, destinations: [{ fqdn: 'traces.contoso.com', ports: ['Https:443'] }], justification: 'trace test', ttlDays: 1 }),
    });
    expect(created.status).toBe(202);
    const id = String(((await created.json()) as { id: string }).id);
    const status = async (): Promise<string> => String(((await (await fetch(`${base}/api/egress-requests/${id}`, { headers: { authorization: `Bearer ${approver}` } })).json()) as { status: string }).status);
    await until(`${id} to wait for approval`, async () => ((await status()) === 'PendingApproval' ? true : undefined));
    const decided = await fetch(`${base}/api/egress-requests/${id}/decision`, { method: 'POST', headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json' }, body: JSON.stringify({ verdict: 'approve', comment: 'ok' }) });
    expect(decided.status).toBeLessThan(300);
    await until(`${id} to be Active`, async () => ((await status()) === 'Active' ? true : undefined), 60_000);

    // The HTTP call that made it starts the trace (keyed by its invocation ID).
    const root = telemetry.spans.getFinishedSpans().find((s) => s.name === 'http egress request' && s.attributes[SPAN_ATTRIBUTES.resourceId] === id);
    expect(root?.attributes[SPAN_ATTRIBUTES.correlationId]).toEqual(expect.any(String));
    const trace = await until('the policy write to end in the trace', () => {
      const spans = inTraceOf(root);
      return spans.some((s) => s.name === 'activity egressApplyPolicyWork') ? spans : undefined;
    });
    const names = new Set(trace.map((s) => s.name));
    expect(names.has('activity egressPrepare')).toBe(true);
    expect(names.has('activity egressSetStatus')).toBe(true);
    // The spoke's read, and the policy writer's PUT of the control plane's rule collection group.
    expect(trace.filter((s) => methodOf(s) === 'GET').map(urlOf).some((u) => u.toLowerCase().includes(`${spoke.toLowerCase()}?`))).toBe(true);
    const puts = trace.filter((s) => methodOf(s) === 'PUT').map(urlOf);
    expect(puts.some((u) => /\/firewallPolicies\/[^/]+\/ruleCollectionGroups\/rcg-hubspoke-egress\?/i.test(u))).toBe(true);
    // Every activity span of the trace carries the request's correlation.
    const correlation = root?.attributes[SPAN_ATTRIBUTES.correlationId];
    expect(trace.filter((s) => s.name.startsWith('activity ')).every((s) => s.attributes[SPAN_ATTRIBUTES.correlationId] === correlation)).toBe(true);
  });
});
