/**
 * The embedded default's telemetry providers, registered before the app loads (the app records through the
 * OpenTelemetry API, shared/telemetry): metrics served in Prometheus text format by the OpenTelemetry Prometheus
 * exporter at `{baseUrl}/metrics`, and, at LOCAL_LOG_LEVEL debug or trace, spans printed by the console span
 * exporter, with the Azure SDK's instrumentation on so each ARM request is a span. Tests add their own in-memory
 * readers and exporters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { enableAzureSdkSpans } from '../shared/telemetry';
import type { RouteHandler } from './contract';

/** Where the embedded default serves its metrics. */
export const METRICS_PATH = '/metrics';

export interface LocalTelemetryOptions {
  /** Print spans on the console (LOCAL_LOG_LEVEL debug or trace). */
  printSpans: boolean;
  /** More metric readers (tests: an in-memory one). */
  metricReaders?: MetricReader[];
  /** More span exporters (tests: an in-memory one); spans are made whenever there is an exporter. */
  spanExporters?: SpanExporter[];
}

export interface LocalTelemetry {
  /** Serves `GET /metrics` in Prometheus text format. */
  routes: RouteHandler;
  stop(): Promise<void>;
}

export function startLocalTelemetry(options: LocalTelemetryOptions): LocalTelemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  // The exporter is built on its own (patch-level) copy of sdk-metrics; the reader interface is the same.
  const readers = [prometheus as unknown as MetricReader, ...(options.metricReaders ?? [])];
  const meterProvider = new MeterProvider({ readers });
  metrics.disable();
  metrics.setGlobalMeterProvider(meterProvider);

  const processors: SpanProcessor[] = [
    ...(options.printSpans ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : []),
    ...(options.spanExporters ?? []).map((e) => new SimpleSpanProcessor(e)),
  ];
  let tracerProvider: BasicTracerProvider | undefined;
  if (processors.length > 0) {
    tracerProvider = new BasicTracerProvider({ spanProcessors: processors });
    context.disable();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.disable();
    trace.setGlobalTracerProvider(tracerProvider);
    enableAzureSdkSpans();
  }

  const routes: RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    prometheus.getMetricsRequestHandler(req, res);
    return true;
  };

  return {
    routes,
    async stop() {
      await meterProvider.shutdown().catch(() => undefined);
      metrics.disable();
      if (tracerProvider) {
        await tracerProvider.shutdown().catch(() => undefined);
        trace.disable();
        context.disable();
      }
    },
  };
}
