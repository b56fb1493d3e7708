/** An in-memory metric reader and span exporter for the telemetry tests, and lookups over what they hold. */
import { AggregationTemporality, MetricReader, type DataPoint, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

/** A reader collected on demand (cumulative, as the Prometheus exporter reads). */
export class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function newTelemetry(): { reader: TestReader; spans: InMemorySpanExporter; options: { metricReaders: MetricReader[]; spanExporters: InMemorySpanExporter[] } } {
  const reader = new TestReader();
  const spans = new InMemorySpanExporter();
  return { reader, spans, options: { metricReaders: [reader], spanExporters: [spans] } };
}

export async function points<T = number>(reader: TestReader, name: string): Promise<Array<DataPoint<T>>> {
  const { resourceMetrics } = await reader.collect();
  return pointsIn<T>(resourceMetrics, name);
}

function pointsIn<T>(rm: ResourceMetrics, name: string): Array<DataPoint<T>> {
  return rm.scopeMetrics.flatMap((s) => s.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as Array<DataPoint<T>>));
}

/** The sum of a counter's points whose attributes include `match`. */
export async function counted(reader: TestReader, name: string, match: Record<string, string> = {}): Promise<number> {
  return (await points(reader, name)).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + p.value, 0);
}

export async function histogramCount(reader: TestReader, name: string, match: Record<string, string> = {}): Promise<number> {
  return (await points<Histogram>(reader, name)).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + p.value.count, 0);
}
