/**
 * Telemetry of the stamps flow on the embedded default: an ejection counts, the stamps gauge shows it out, and the
 * Front Door write that ejected it is in the trace of the probe round that decided it.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { METRICS, SPAN_ATTRIBUTES } from '../../../shared/telemetry';
import { startStampWorld, until, type StampWorld } from '../stamps/support';
import { counted, newTelemetry, points } from '../../support/telemetry';

describe('stamp telemetry on the embedded default', () => {
  let world: StampWorld;
  const telemetry = newTelemetry();

  beforeAll(async () => {
    world = await startStampWorld({}, undefined, telemetry.options);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a stamp ejected counts once in the ejections and shows Ejected in the stamps by state', async () => {
    await until('every stamp Healthy', async () => {
      const healthy = (await points(telemetry.reader, METRICS.stamps.name)).find((p) => p.attributes['state'] === 'Healthy');
      return healthy && healthy.value >= 2 ? healthy : undefined;
    });
    expect(await counted(telemetry.reader, METRICS.stampEjections.name)).toBe(0);
    await world.setHealth('weu-1', 503);
    await until('weu-1 ejected', async () => ((await world.stamp('weu-1'))['state'] === 'Ejected' ? true : undefined));
    const ejected = await until('the stamps gauge to show one Ejected', async () => {
      const p = (await points(telemetry.reader, METRICS.stamps.name)).find((x) => x.attributes['state'] === 'Ejected');
      return p && p.value === 1 ? p : undefined;
    });
    expect(ejected.value).toBe(1);
    expect(await counted(telemetry.reader, METRICS.stampEjections.name, { stamp: 'weu-1' })).toBe(1);
    expect(await counted(telemetry.reader, METRICS.stampEjections.name)).toBe(1);

    // The round that ejected it is one trace (keyed by the round's ID: the monitor and its start time): the
    // writer's activity, its Front Door origin write, the round's Front Door read and its record.
    const spans = telemetry.spans.getFinishedSpans();
    const isWrite = (s: ReadableSpan) => /^HTTP (PATCH|PUT)$/.test(s.name) && /\/originGroups\/og-payments\/origins\/weu-1\?/i.test(String(s.attributes['http.url'] ?? s.attributes['url.full'] ?? ''));
    const apply = spans.find((s) => s.name === 'activity applyFrontDoorWrites' && spans.some((w) => isWrite(w) && w.parentSpanContext?.spanId === s.spanContext().spanId));
    expect(apply).toBeDefined();
    const traceId = apply?.spanContext().traceId;
    // The round's record activity ends just after the record that shows the stamp Ejected is written.
    const round = await until('the round to end', () => {
      const inTrace = telemetry.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return inTrace.some((s) => s.name === 'activity recordStampRound') ? inTrace : undefined;
    });
    const correlation = String(apply?.attributes[SPAN_ATTRIBUTES.correlationId]);
    expect(correlation).toMatch(/^stamp.*@\d{4}-\d\d-\d\dT/);
    const activities = round.filter((s) => s.name.startsWith('activity '));
    expect(new Set(activities.map((s) => s.name))).toEqual(new Set(['activity probeStamp', 'activity readFrontDoorOrigins', 'activity applyFrontDoorWrites', 'activity recordStampRound']));
    expect(activities.every((s) => s.attributes[SPAN_ATTRIBUTES.correlationId] === correlation)).toBe(true);
    // Another round is another trace.
    const other = spans.find((s) => s.name === 'activity readFrontDoorOrigins' && s.attributes[SPAN_ATTRIBUTES.correlationId] !== correlation);
    expect(other?.spanContext().traceId).not.toBe(traceId);
    await world.setHealth('weu-1', 200);
  });
});
