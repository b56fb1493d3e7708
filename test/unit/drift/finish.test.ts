/**
 * A drift run's end is recorded in the metrics once per run: the finish activity retried (or run twice) finds the
 * report's end already written by a conditional write and records nothing again. On the in-memory report store and a
 * real OpenTelemetry MeterProvider.
 */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, type Histogram } from '@opentelemetry/sdk-metrics';
import { endRun } from '../../../shared/drift/end';
import type { DriftItem, DriftRun, FlowInspection } from '../../../shared/drift/model';
import { createMemoryDriftStore, endRunOnce, type DriftReportStore } from '../../../shared/drift/store';
import { METRICS } from '../../../shared/telemetry';
import { points as pointsOf, TestReader as Reader } from '../../support/telemetry';

const runId = 'dr-20261128T111500123Z-ab12cd';
const begun: DriftRun = { runId, status: 'Running', trigger: 'timer', mode: 'enforce', startedAt: '2026-11-28T11:15:00.123Z', flows: [], counts: {}, actions: {}, itemCount: 0 };
const flows: FlowInspection[] = [{ flow: 'peering', enabled: true, inspected: { vnets: 3 }, notInspected: [], calls: {}, durationMs: 5 }];
const items: DriftItem[] = [
  { flow: 'peering', kind: 'missingPeering', resource: 'a', expected: 'both sides', actual: 'no spoke side', action: 'reported' },
  { flow: 'peering', kind: 'missingPeering', resource: 'b', expected: 'both sides', actual: 'no spoke side', action: 'reported' },
];

describe('the drift run\'s end: metrics once per run', () => {
  let reader: Reader;
  let provider: MeterProvider;
  let store: DriftReportStore;
  beforeEach(async () => {
    reader = new Reader();
    provider = new MeterProvider({ readers: [reader] });
    metrics.disable();
    metrics.setGlobalMeterProvider(provider);
    store = createMemoryDriftStore();
    await store.putRun(begun);
    await store.putItems(runId, 0, items);
  });
  afterEach(async () => {
    await provider.shutdown();
    metrics.disable();
  });

  it('a retried finish records the run\'s duration and items once, and answers the end the first attempt wrote', async () => {
    const first = await endRun(store, 'enforce', { runId, endedAt: '2026-11-28T11:15:02.123Z', flows });
    // The retry (the activity's result was lost, say) runs later: its end differs, the stored one stands.
    const retried = await endRun(store, 'enforce', { runId, endedAt: '2026-11-28T11:15:09.123Z', flows });
    expect(first).toMatchObject({ status: 'Completed', durationMs: 2000, itemCount: 2 });
    expect(retried).toEqual(first);
    expect(await store.getRun(runId)).toEqual(first);
    expect((await pointsOf(reader, METRICS.driftItems.name)).map((p) => [p.attributes, p.value])).toEqual([[{ flow: 'peering', kind: 'missingPeering' }, 2]]);
    expect((await pointsOf<Histogram>(reader, METRICS.driftRunDuration.name))[0]?.value).toMatchObject({ count: 1, sum: 2 });
  });

  it('two finishes at once: exactly one records', async () => {
    const ends = await Promise.all([1, 2].map((s) => endRun(store, 'enforce', { runId, endedAt: `2026-11-28T11:15:0${s}.123Z`, flows })));
    expect(ends[0]).toEqual(ends[1]);
    expect((await pointsOf<Histogram>(reader, METRICS.driftRunDuration.name))[0]?.value).toMatchObject({ count: 1 });
  });

  it('two runs are two: each records its own end', async () => {
    const other = 'dr-20261128T113000123Z-ef34ab';
    await store.putRun({ ...begun, runId: other, startedAt: '2026-11-28T11:30:00.123Z' });
    await endRun(store, 'enforce', { runId, endedAt: '2026-11-28T11:15:02.123Z', flows });
    await endRun(store, 'enforce', { runId: other, endedAt: '2026-11-28T11:30:01.123Z', flows });
    expect((await pointsOf<Histogram>(reader, METRICS.driftRunDuration.name))[0]?.value).toMatchObject({ count: 2, sum: 3 });
  });
});

describe('endRunOnce', () => {
  const ended: DriftRun = { ...begun, status: 'Partial', endedAt: '2026-11-28T11:15:02.123Z', durationMs: 2000 };
  it('writes the end over a Running report once; a later end finds it and keeps it', async () => {
    const store = createMemoryDriftStore();
    await store.putRun(begun);
    expect(await endRunOnce(store, ended)).toEqual({ first: true, run: ended });
    expect(await endRunOnce(store, { ...ended, status: 'Failed', error: 'later' })).toEqual({ first: false, run: ended });
    expect(await store.getRun(runId)).toEqual(ended);
  });
  it('writes the end of a run whose beginning was never stored', async () => {
    const store = createMemoryDriftStore();
    expect(await endRunOnce(store, ended)).toEqual({ first: true, run: ended });
  });
  it('reads again when the report changed between its read and its write', async () => {
    const store = createMemoryDriftStore();
    await store.putRun(begun);
    const racing: DriftReportStore = {
      ...store,
      // Another attempt ends the run right after this one read it.
      async getRunVersioned(id) {
        const read = await store.getRunVersioned(id);
        if (read?.run.status === 'Running') await store.putRunIf({ ...ended, error: 'the other attempt' }, read.version);
        return read;
      },
    };
    expect(await endRunOnce(racing, { ...ended, status: 'Failed' })).toEqual({ first: false, run: { ...ended, error: 'the other attempt' } });
  });
});
