/**
 * The telemetry module (shared/telemetry) on a real OpenTelemetry MeterProvider with a reader collected on demand:
 * drift runs, ARM responses, queue waits; the gauges read from records (a pure function, table-tested); the
 * operation names ARM requests are counted under; the trace a trigger's work lands in.
 */
import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { armOperationOf, inTriggerSpan, METRICS, recordArmResponse, recordDriftRun, recordQueueDepth, recordQueueWait, tracedActivity, traceParentOf } from '../../../shared/telemetry';
import { withTrigger } from '../../../orchestrations/common/arm-retry';
import { roundTrigger } from '../../../orchestrations/stamps/names';
import { recordGauges, type RecordsByKind } from '../../../shared/telemetry/records-view';
import type { ManagedRecord } from '../../../shared/store/records';
import { points as pointsOf, TestReader as Reader } from '../../support/telemetry';

describe('telemetry instruments on the registered meter provider', () => {
  let reader: Reader;
  let provider: MeterProvider;
  beforeEach(() => {
    reader = new Reader();
    provider = new MeterProvider({ readers: [reader] });
    metrics.disable();
    metrics.setGlobalMeterProvider(provider);
  });
  afterEach(async () => {
    await provider.shutdown();
    metrics.disable();
  });

  it('counts drift items by flow and kind and records each run duration in seconds', async () => {
    recordDriftRun({ durationMs: 1500, items: [{ flow: 'peering', kind: 'missingPeering' }, { flow: 'peering', kind: 'missingPeering' }, { flow: 'dns', kind: 'staleRecord' }] });
    recordDriftRun({ durationMs: 500, items: [] });
    const items = await pointsOf(reader, METRICS.driftItems.name);
    expect(items.map((p) => [p.attributes, p.value])).toEqual(expect.arrayContaining([[{ flow: 'peering', kind: 'missingPeering' }, 2], [{ flow: 'dns', kind: 'staleRecord' }, 1]]));
    expect(items).toHaveLength(2);
    const runs = await pointsOf<Histogram>(reader, METRICS.driftRunDuration.name);
    expect(runs[0]?.value).toMatchObject({ count: 2, sum: 2 });
  });

  it('counts ARM responses by operation and status; a 429 also as throttled with its Retry-After', async () => {
    const url = 'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/virtualNetworkPeerings/p?api-version=2024-05-01';
    recordArmResponse({ method: 'PUT', url, status: 429, retryAfterSeconds: 7 });
    recordArmResponse({ method: 'PUT', url, status: 200 });
    const requests = await pointsOf(reader, METRICS.armRequests.name);
    expect(requests.map((p) => [p.attributes, p.value])).toEqual(expect.arrayContaining([[{ operation: 'PUT virtualNetworkPeerings', status: '429' }, 1], [{ operation: 'PUT virtualNetworkPeerings', status: '200' }, 1]]));
    expect((await pointsOf(reader, METRICS.armThrottled.name)).map((p) => p.value)).toEqual([1]);
    expect((await pointsOf<Histogram>(reader, METRICS.armRetryAfter.name))[0]?.value.sum).toBe(7);
  });

  it('reports each writer queue depth as last set, and queue waits in seconds', async () => {
    recordQueueDepth('hubWriteQueue', 'hub-a', 3);
    recordQueueDepth('hubWriteQueue', 'hub-a', 1);
    recordQueueDepth('policyWriteQueue', 'pol-b', 0);
    recordQueueWait('hubWriteQueue', 250);
    const depth = await pointsOf(reader, METRICS.writerQueueDepth.name);
    expect(depth.map((p) => [p.attributes, p.value])).toEqual(expect.arrayContaining([[{ queue: 'hubWriteQueue', target: 'hub-a' }, 1], [{ queue: 'policyWriteQueue', target: 'pol-b' }, 0]]));
    expect((await pointsOf<Histogram>(reader, METRICS.writerQueueWait.name))[0]?.value).toMatchObject({ count: 1, sum: 0.25 });
  });
});

describe('armOperationOf', () => {
  it.each([
    ['GET', 'https://arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v?api-version=1', 'GET virtualNetworks'],
    ['PUT', 'https://arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/virtualNetworkPeerings/p', 'PUT virtualNetworkPeerings'],
    ['GET', 'https://arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks', 'GET virtualNetworks'],
    ['PATCH', 'https://arm/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/fd/originGroups/g/origins/o', 'PATCH origins'],
    ['GET', 'https://arm/subscriptions/s/providers/Microsoft.Network/locations/westeurope/operations/abc', 'GET operations'],
    ['get', 'https://arm/subscriptions/s/resourcegroups/rg', 'GET resourcegroups'],
  ])('%s %s -> %s', (method, url, expected) => {
    expect(armOperationOf(method, url)).toBe(expected);
  });
});

const record = (kind: ManagedRecord['kind'], id: string, status: 'True' | 'False' | 'Unknown', reason: string, since: string, details: Record<string, unknown> = {}): ManagedRecord => ({
  kind,
  resourceId: id,
  condition: { type: 'T', status, reason, message: '', lastTransitionTime: since },
  details,
  updatedAt: since,
});

describe('recordGauges', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const empty: RecordsByKind = { spoke: [], endpoint: [], egressRequest: [], stamp: [] };

  it('counts resources by flow and condition; the oldest unconverged failure per flow, decisions left out', () => {
    const g = recordGauges(
      {
        ...empty,
        spoke: [
          record('spoke', 'a', 'True', 'Converged', '2026-01-01T11:00:00Z'),
          record('spoke', 'b', 'True', 'Converged', '2026-01-01T11:00:00Z'),
          record('spoke', 'c', 'Unknown', 'NotConverged', '2026-01-01T11:50:00Z'),
          record('spoke', 'd', 'False', 'OptedOut', '2026-01-01T10:00:00Z'),
        ],
        endpoint: [record('endpoint', 'e', 'False', 'Conflict', '2026-01-01T11:59:00Z')],
      },
      now,
    );
    expect(g.resources).toEqual(expect.arrayContaining([
      { value: 2, attributes: { flow: 'peering', status: 'True', reason: 'Converged' } },
      { value: 1, attributes: { flow: 'peering', status: 'Unknown', reason: 'NotConverged' } },
      { value: 1, attributes: { flow: 'peering', status: 'False', reason: 'OptedOut' } },
      { value: 1, attributes: { flow: 'dns', status: 'False', reason: 'Conflict' } },
    ]));
    expect(g.notConverged).toEqual([
      { value: 600, attributes: { flow: 'peering' } },
      { value: 60, attributes: { flow: 'dns' } },
      { value: 0, attributes: { flow: 'egress' } },
    ]);
  });

  it('counts egress requests by state and ages the oldest waiting approval from its history; a waiting request is not "stuck"', () => {
    const pending = (id: string, at: string) => record('egressRequest', id, 'Unknown', 'PendingApproval', at, { status: 'PendingApproval', history: [{ at: '2026-01-01T00:00:00Z', status: 'Submitted' }, { at, status: 'PendingApproval' }] });
    const g = recordGauges({ ...empty, egressRequest: [pending('r1', '2026-01-01T10:00:00Z'), pending('r2', '2026-01-01T11:00:00Z'), record('egressRequest', 'r3', 'True', 'Active', '2026-01-01T09:00:00Z', { status: 'Active' })] }, now);
    expect(g.egressRequests).toEqual(expect.arrayContaining([{ value: 2, attributes: { state: 'PendingApproval' } }, { value: 1, attributes: { state: 'Active' } }]));
    expect(g.egressOldestPending).toEqual([{ value: 7200, attributes: {} }]);
    expect(g.notConverged.find((p) => p.attributes['flow'] === 'egress')?.value).toBe(0);
  });

  it('says 0 when no approval waits, and every stamp state even when empty', () => {
    const g = recordGauges({ ...empty, stamp: [record('stamp', 'weu-1', 'False', 'Ejected', '2026-01-01T11:00:00Z', { state: 'Ejected' }), record('stamp', 'weu-2', 'True', 'InRotation', '2026-01-01T11:00:00Z', { state: 'Healthy' })] }, now);
    expect(g.egressOldestPending).toEqual([{ value: 0, attributes: {} }]);
    expect(g.stamps).toEqual([
      { value: 1, attributes: { state: 'Healthy' } },
      { value: 0, attributes: { state: 'Suspect' } },
      { value: 1, attributes: { state: 'Ejected' } },
      { value: 0, attributes: { state: 'Probation' } },
    ]);
    // An ejected stamp is a decision, not a resource stuck.
    expect(g.notConverged.map((p) => p.attributes['flow'])).not.toContain('stamps');
  });
});

describe('a trigger\'s trace', () => {
  it('is the same for the same correlation ID (any case), another for another, none without one', () => {
    const a = traceParentOf({ source: 'event', correlationId: 'ABC-1', eventId: 'e1' });
    expect(traceParentOf({ source: 'event', correlationId: 'abc-1', eventId: 'e2' })).toEqual(a);
    expect(a?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceParentOf({ source: 'event', correlationId: 'abc-2' })?.traceId).not.toBe(a?.traceId);
    expect(traceParentOf({ source: 'event', eventId: 'e9' })?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceParentOf({ source: 'sweep' })).toBeUndefined();
  });

  it('puts spans of the same trigger in one trace with its correlation ID, and marks failures', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const trigger = { source: 'event' as const, correlationId: 'corr-9' };
      await inTriggerSpan('first', trigger, {}, async () => 1);
      await expect(inTriggerSpan('second', trigger, {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(['first', 'second']);
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceParentOf(trigger)?.traceId]));
      expect(spans[0]?.attributes['controlplane.correlation_id']).toBe('corr-9');
      expect(spans[1]?.status.code).toBe(2);
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });

  it("runs an activity in its input's trigger's trace: a writer's wave in its first request's, linking the others'", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.disable();
    trace.setGlobalTracerProvider(provider);
    try {
      const a = { source: 'http' as const, correlationId: 'invocation-a' };
      const b = { source: 'event' as const, correlationId: 'corr-b' };
      const wave = tracedActivity('apply', async (input: { requests: Array<{ id: string; trigger?: typeof a | typeof b }> }) => input.requests.length);
      expect(await wave({ requests: [{ id: '1', trigger: a }, { id: '2' }, { id: '3', trigger: b }, { id: '4', trigger: a }] }, undefined)).toBe(4);
      const run = tracedActivity('detect', async (input: { runId: string; trigger: 'timer' | 'http' }) => input.runId, (input) => ({ source: 'sweep', correlationId: input.runId }));
      await run({ runId: 'run-1', trigger: 'timer' }, undefined);
      const untraced = tracedActivity('plain', async (input: { trigger: string }) => input.trigger);
      await untraced({ trigger: 'http' }, undefined);
      const [applied, detected, plain] = exporter.getFinishedSpans();
      expect(applied?.name).toBe('activity apply');
      expect(applied?.spanContext().traceId).toBe(traceParentOf(a)?.traceId);
      // b once (a's own trace is the parent, not a link).
      expect(applied?.links.map((l) => l.context.traceId)).toEqual([traceParentOf(b)?.traceId]);
      expect(detected?.spanContext().traceId).toBe(traceParentOf({ source: 'sweep', correlationId: 'run-1' })?.traceId);
      expect(detected?.attributes['controlplane.correlation_id']).toBe('run-1');
      // A `trigger` that is not a TriggerInfo (a drift run's 'timer') names no trace.
      expect(plain?.attributes['controlplane.correlation_id']).toBeUndefined();
      expect(plain?.parentSpanContext).toBeUndefined();
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });

  it.each([
    ['an object without a trigger gets it', { id: 1 }, { id: 1, trigger: { source: 'http', correlationId: 'c' } }],
    ['an object naming its own trigger keeps it', { trigger: { source: 'event', correlationId: 'own' } }, { trigger: { source: 'event', correlationId: 'own' } }],
    ['a string is unchanged', 'vnet-id', 'vnet-id'],
    ['an array is unchanged', [1, 2], [1, 2]],
    ['null is unchanged', null, null],
  ])('withTrigger: %s', (_what, input, expected) => {
    expect(withTrigger(input, { source: 'http', correlationId: 'c' })).toEqual(expected);
  });

  it('a stamp round is traced by its first correlated signal, else by its own ID', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(roundTrigger('stamp-monitor-x', at, [])).toEqual({ source: 'sweep', correlationId: `stamp-monitor-x@${at}`, operationName: 'stampRound' });
    expect(roundTrigger('stamp-monitor-x', at, [{ trigger: { source: 'http' } }, { trigger: { source: 'event', eventId: 'ev-1' } }])).toEqual({ source: 'event', eventId: 'ev-1' });
    expect(roundTrigger('stamp-monitor-x', '2026-01-01T00:00:01.000Z', []).correlationId).not.toBe(roundTrigger('stamp-monitor-x', at, []).correlationId);
  });
});
