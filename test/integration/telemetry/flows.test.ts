/**
 * Telemetry through the embedded default, with an in-memory metric reader and span exporter beside the Prometheus
 * endpoint: a spoke converging (latency, outcome, one trace holding the ARM requests), an injected 429 (throttling),
 * an egress request waiting (approval age), and the Prometheus text parsed by a Prometheus text parser.
 */
import { randomUUID } from 'node:crypto';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ids } from '../../../local/demo';
import { METRICS, prometheusName, SPAN_ATTRIBUTES } from '../../../shared/telemetry';
import { createVnet, quiesce, settledSpoke, startWorld, until, type PeeringWorld } from '../peering/support';
import { counted, histogramCount, newTelemetry, points } from '../../support/telemetry';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';

describe('telemetry of the flows on the embedded default', () => {
  let world: PeeringWorld;
  const telemetry = newTelemetry();

  beforeAll(async () => {
    world = await startWorld({}, 0.005, undefined, telemetry.options);
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a spoke converging records its latency and outcome, and one trace holds its activities and ARM requests', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-telemetry-weu');
    const before = await counted(telemetry.reader, METRICS.reconcileOutcomes.name, { flow: 'peering', status: 'True', reason: 'Converged' });
    const latencyBefore = await histogramCount(telemetry.reader, METRICS.convergeLatency.name, { flow: 'peering' });
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.61.0.0/24'] });
    const view = await settledSpoke(world, spoke, 'Converged');

    expect(await counted(telemetry.reader, METRICS.reconcileOutcomes.name, { flow: 'peering', status: 'True', reason: 'Converged', source: 'event' })).toBeGreaterThan(before);
    expect(await histogramCount(telemetry.reader, METRICS.convergeLatency.name, { flow: 'peering' })).toBeGreaterThan(latencyBefore);
    expect(await counted(telemetry.reader, METRICS.armRequests.name, { operation: 'PUT virtualNetworkPeerings', status: '200' }) + (await counted(telemetry.reader, METRICS.armRequests.name, { operation: 'PUT virtualNetworkPeerings', status: '201' }))).toBeGreaterThanOrEqual(2);
    // Both peering writes went through the hub's writer queue: their waits are recorded, and the queue is empty again.
    expect(await histogramCount(telemetry.reader, METRICS.writerQueueWait.name, { queue: 'hubWriteQueue' })).toBeGreaterThanOrEqual(1);
    const depths = (await points(telemetry.reader, METRICS.writerQueueDepth.name)).filter((p) => p.attributes['queue'] === 'hubWriteQueue');
    expect(depths.length).toBeGreaterThanOrEqual(1);
    expect(depths.every((p) => p.value === 0)).toBe(true);
    // The gauge read from the records counts it.
    const resources = await points(telemetry.reader, METRICS.resources.name);
    expect(resources.find((p) => p.attributes['flow'] === 'peering' && p.attributes['reason'] === 'Converged')?.value).toBeGreaterThanOrEqual(1);

    // The trace of the event that converged it: the record activity carries its trigger.
    const trigger = (view.audit.find((a) => a.trigger)?.trigger ?? {}) as { correlationId?: string };
    const finished = telemetry.spans.getFinishedSpans();
    const record = finished.find((s) => s.name.startsWith('activity ') && s.name.includes('record') && s.attributes[SPAN_ATTRIBUTES.correlationId] === trigger.correlationId);
    expect(record).toBeDefined();
    const traceId = record?.spanContext().traceId;
    const inTrace = finished.filter((s) => s.spanContext().traceId === traceId);
    const names = new Set(inTrace.map((s) => s.name));
    // The Event Grid route, the observe and hub-writer activities, and the Azure SDK's spans for the ARM requests.
    expect([...names].some((n) => n.startsWith('event peering'))).toBe(true);
    expect([...names].some((n) => /observe/i.test(n))).toBe(true);
    expect([...names].some((n) => /applyHubWork|hub/i.test(n) && n.startsWith('activity '))).toBe(true);
    // The Azure SDK's request spans (its core-rest-pipeline tracing policy): the spoke's read and both peering writes.
    const armUrls = inTrace.filter((s) => /^HTTP (GET|PUT)$/.test(s.name)).map((s) => String(s.attributes['http.url'] ?? s.attributes['url.full'] ?? ''));
    expect(armUrls.some((u) => u.toLowerCase().includes(`${spoke.toLowerCase()}?`))).toBe(true);
    expect(armUrls.filter((u) => u.includes('/virtualNetworkPeerings/')).length).toBeGreaterThanOrEqual(2);
  });

  it('a 429 from ARM shows in the throttling metric with its Retry-After', async () => {
    const throttledBefore = await counted(telemetry.reader, METRICS.armThrottled.name);
    const retryBefore = await histogramCount(telemetry.reader, METRICS.armRetryAfter.name);
    // Only the control plane writes peerings: the first of them is throttled once.
    world.embedded.arm.faults.failNext(1, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'http', status: 429, code: 'TooManyRequests', retryAfterSeconds: 2 });
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-throttled-weu');
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.62.0.0/24'] });
    await settledSpoke(world, spoke, 'Converged');
    expect(await counted(telemetry.reader, METRICS.armThrottled.name, { operation: 'PUT virtualNetworkPeerings' })).toBe(throttledBefore + 1);
    expect(await counted(telemetry.reader, METRICS.armRequests.name, { operation: 'PUT virtualNetworkPeerings', status: '429' })).toBeGreaterThanOrEqual(1);
    expect(await histogramCount(telemetry.reader, METRICS.armRetryAfter.name, { operation: 'PUT virtualNetworkPeerings' })).toBe(retryBefore + 1);
  });

  it('an egress request waiting for approval shows in the requests by state and the oldest approval age', async () => {
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    if (!payments || !weu) throw new Error('demo topology lost its westeurope spoke');
    const spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    const tokenRes = await fetch(`${world.embedded.baseUrl}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'requester', roles: ['Egress.Requester'] }) });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const created = await fetch(`${world.embedded.baseUrl}/api/egress-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ spokeVnetId: spoke, destinations: [{ fqdn: 'metrics.contoso.com', ports: ['Https:443'] }], justification: 'telemetry test', ttlDays: 1 }),
    });
    expect(created.status).toBe(202);
    const pending = await until('the request to wait for approval', async () => {
      const p = (await points(telemetry.reader, METRICS.egressRequests.name)).find((x) => x.attributes['state'] === 'PendingApproval');
      return p && p.value >= 1 ? p : undefined;
    });
    expect(pending.value).toBe(1);
    // Its age grows while it waits (the gauge is read from the record's history at each collection).
    const age = await until('the oldest approval to have aged', async () => {
      const p = (await points(telemetry.reader, METRICS.egressOldestPending.name))[0];
      return p && p.value > 0 ? p.value : undefined;
    });
    expect(age).toBeGreaterThan(0);
  });

  it('serves the same metrics as Prometheus text at metrics.url, which a Prometheus parser reads', async () => {
    const info = (await (await fetch(`${world.embedded.baseUrl}/api/local/info`)).json()) as { metrics?: { url?: string } };
    expect(info.metrics?.url).toBe(world.embedded.metricsUrl);
    const res = await fetch(world.embedded.metricsUrl);
    expect(res.status).toBe(200);
    const families = parsePrometheusTextFormat(await res.text());
    const byName = new Map(families.map((f) => [f.name, f]));
    const outcomes = byName.get(prometheusName(METRICS.reconcileOutcomes));
    expect(outcomes?.type).toBe('COUNTER');
    expect(outcomes?.metrics.some((m) => 'labels' in m && m.labels?.['flow'] === 'peering' && m.labels['reason'] === 'Converged' && Number(m.value) >= 2)).toBe(true);
    expect(byName.get(prometheusName(METRICS.convergeLatency))?.type).toBe('HISTOGRAM');
    expect(byName.get(prometheusName(METRICS.armThrottled))?.type).toBe('COUNTER');
    expect(byName.get(prometheusName(METRICS.egressOldestPending))?.type).toBe('GAUGE');
  });
});
