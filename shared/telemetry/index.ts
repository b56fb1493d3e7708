/**
 * The control plane's telemetry: one meter and one tracer, through the OpenTelemetry API. Whoever hosts the app
 * registers the providers: in Azure {@link startAzureMonitor} (the Azure Monitor distro, which also turns on the Azure
 * SDK's own spans for every ARM request); locally the embedded default (local/telemetry.ts: Prometheus text and
 * spans on the console at debug level). With neither, every call here is a no-op.
 *
 * Metrics are recorded where work really happens once: activities, recordOutcome, triggers, the writer queues'
 * entities; never from orchestrator code, which replays. Names, units and attributes: ./metrics.ts (METRICS).
 */
import { createHash } from 'node:crypto';
import {
  context as otelContext,
  metrics,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Counter,
  type Histogram,
  type Link,
  type MeterProvider,
  type ObservableGauge,
  type Span,
} from '@opentelemetry/api';
import { ManagedIdentityCredential } from '@azure/identity';
import { createAzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import type { ManagedKind, ManagedRecord, TriggerInfo } from '../store/records';
import { FLOW_OF_KIND, METRICS, type MetricKey } from './metrics';
import { recordGauges, type GaugePoint } from './records-view';

export { METRICS, METRIC_NAMES, prometheusName, FLOW_OF_KIND, type MetricDefinition } from './metrics';

/** The instrumentation scope of every metric and span the app makes. */
export const TELEMETRY_SCOPE = 'hubspoke-control-plane';

let azureMonitorStarted = false;

/**
 * In Azure: when APPLICATIONINSIGHTS_CONNECTION_STRING is set, the Azure Monitor distro registers the meter and tracer
 * providers, exporting to Application Insights, with its instrumentations on (among them the Azure SDK's, so each ARM
 * client call and HTTP request is a span). Called once at the app's start; false when the setting is absent.
 */
export function startAzureMonitor(env: NodeJS.ProcessEnv = process.env): boolean {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString || azureMonitorStarted) return azureMonitorStarted;
  // Loaded only when used: the distro pulls in the whole Node SDK, which a local run has no use for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, heavy dependency loaded on demand
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  // infra/app/monitoring.bicep turns local auth off: ingestion with the app's managed identity (the same client ID the
  // Functions host is given in APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
  const clientId = /ClientId=([^;]+)/i.exec(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '')?.[1];
  const credential = /Authorization=AAD/i.test(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '') ? new ManagedIdentityCredential(clientId ? { clientId } : {}) : undefined;
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString, ...(credential ? { credential } : {}) }, instrumentationOptions: { azureSdk: { enabled: true } } });
  // The distro's Azure SDK instrumentation hooks `require`: @azure/core-tracing is loaded already (by @azure/identity
  // above, and by the app's imports), so its patch is applied to the loaded module too.
  enableAzureSdkSpans();
  azureMonitorStarted = true;
  return true;
}

/**
 * Lets @azure/core-tracing report through OpenTelemetry (every Azure SDK client call and HTTP request a span). The
 * instrumentation (@azure/opentelemetry-instrumentation-azure-sdk) normally does this from a require hook when
 * @azure/core-tracing is first loaded; when it was loaded before (or under jest, which has no require hooks) its
 * own patch is applied to the loaded module. Idempotent.
 */
export function enableAzureSdkSpans(): void {
  const instrumentation = createAzureSdkInstrumentation() as unknown as { init(): { patch?: (exports: unknown) => unknown } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module the SDK clients already loaded
  instrumentation.init().patch?.(require('@azure/core-tracing'));
}

/** Where the observable gauges read from (the record store), set by the app once its dependencies exist. */
export type RecordSource = (kind: ManagedKind) => Promise<ManagedRecord[]>;
let recordSource: RecordSource | undefined;
const queueDepths = new Map<string, { queue: string; target: string; depth: number }>();

interface Instruments {
  provider: MeterProvider;
  counters: Partial<Record<MetricKey, Counter>>;
  histograms: Partial<Record<MetricKey, Histogram>>;
}
let current: Instruments | undefined;

/**
 * The instruments on the meter provider registered now: made again when another provider was registered (a test
 * starting a second embedded default in the same process), so nothing records into a provider that is gone.
 */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (current?.provider === provider) return current;
  const meter = provider.getMeter(TELEMETRY_SCOPE);
  const made: Instruments = { provider, counters: {}, histograms: {} };
  const gauges = new Map<MetricKey, ObservableGauge>();
  for (const [key, m] of Object.entries(METRICS) as [MetricKey, (typeof METRICS)[MetricKey]][]) {
    const options = { unit: m.unit, description: m.description };
    if (m.kind === 'counter') made.counters[key] = meter.createCounter(m.name, options);
    else if (m.kind === 'histogram') made.histograms[key] = meter.createHistogram(m.name, options);
    else gauges.set(key, meter.createObservableGauge(m.name, options));
  }
  meter.addBatchObservableCallback(async (result) => {
    const observe = (key: MetricKey, points: GaugePoint[]): void => {
      const gauge = gauges.get(key);
      if (gauge) for (const p of points) result.observe(gauge, p.value, p.attributes);
    };
    observe(
      'writerQueueDepth',
      [...queueDepths.values()].map((q) => ({ value: q.depth, attributes: { queue: q.queue, target: q.target } })),
    );
    if (!recordSource) return;
    try {
      const read = recordSource;
      const byKind = Object.fromEntries(await Promise.all((Object.keys(FLOW_OF_KIND) as Array<keyof typeof FLOW_OF_KIND>).map(async (k) => [k, await read(k)] as const))) as Record<keyof typeof FLOW_OF_KIND, ManagedRecord[]>;
      const g = recordGauges(byKind, Date.now());
      observe('resources', g.resources);
      observe('notConverged', g.notConverged);
      observe('egressRequests', g.egressRequests);
      observe('egressOldestPending', g.egressOldestPending);
      observe('stamps', g.stamps);
    } catch {
      // The store is unreachable (or the configuration invalid): no record gauges in this collection.
    }
  }, [...gauges.values()]);
  current = made;
  return made;
}

const add = (key: MetricKey, value: number, attributes: Attributes): void => instruments().counters[key]?.add(value, attributes);
const histogram = (key: MetricKey, value: number, attributes: Attributes): void => instruments().histograms[key]?.record(value, attributes);

/** The app's record store, read by the gauges (resources by condition, egress requests, stamps) at each collection. */
export function observeRecords(source: RecordSource): void {
  recordSource = source;
  instruments();
}

/** One recorded outcome (recordOutcome): the outcome counter, and, when it converged after an event, the latency. */
export function recordReconcileOutcome(outcome: { kind: ManagedKind; status: string; reason: string; mode: string; trigger: TriggerInfo; at: Date }): void {
  const flow = outcome.kind in FLOW_OF_KIND ? FLOW_OF_KIND[outcome.kind as keyof typeof FLOW_OF_KIND] : outcome.kind;
  add('reconcileOutcomes', 1, { flow, status: outcome.status, reason: outcome.reason, source: outcome.trigger.source, mode: outcome.mode });
  if (outcome.status === 'True' && outcome.trigger.eventTime) {
    const since = Date.parse(outcome.trigger.eventTime);
    if (Number.isFinite(since)) histogram('convergeLatency', Math.max(0, (outcome.at.getTime() - since) / 1000), { flow, reason: outcome.reason });
  }
}

/** The operation an ARM request is counted under: method and the last resource type of its path (`PUT virtualNetworkPeerings`). */
export function armOperationOf(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const segments = path.split('/').filter(Boolean);
  // .../providers/Microsoft.Network/virtualNetworks/{name}/virtualNetworkPeerings/{name}: types at odd positions after the namespace.
  const provider = segments.findIndex((s) => s.toLowerCase() === 'providers');
  let type: string | undefined;
  if (provider >= 0) {
    const rest = segments.slice(provider + 2);
    for (let i = 0; i < rest.length; i += 2) type = rest[i];
  } else {
    type = segments.length >= 3 ? segments[segments.length - (segments.length % 2 === 0 ? 2 : 1)] : segments[segments.length - 1];
  }
  return `${method.toUpperCase()} ${type ?? '/'}`;
}

/** One ARM response (each attempt): counted by operation and status; a 429 also as throttled with its Retry-After. */
export function recordArmResponse(response: { method: string; url: string; status: number; retryAfterSeconds?: number }): void {
  const operation = armOperationOf(response.method, response.url);
  add('armRequests', 1, { operation, status: String(response.status) });
  if (response.status === 429) {
    add('armThrottled', 1, { operation });
    if (response.retryAfterSeconds !== undefined) histogram('armRetryAfter', response.retryAfterSeconds, { operation });
  }
}

/** A writer queue's depth as its entity sees it now (idempotent: an operation run again sets the same value). */
export function recordQueueDepth(queue: string, target: string, depth: number): void {
  queueDepths.set(`${queue}\n${target}`, { queue, target, depth });
  instruments();
}

/** Requests a writer took, each with how long it waited since it was enqueued. */
export function recordQueueWait(queue: string, waitedMs: number): void {
  histogram('writerQueueWait', Math.max(0, waitedMs) / 1000, { queue });
}

/** A stamp was ejected (taken out of rotation). */
export function recordStampEjection(stamp: string): void {
  add('stampEjections', 1, { stamp });
}

export interface DriftRun {
  durationMs: number;
  /** Each drift item found by the run. */
  items: ReadonlyArray<{ flow: string; kind: string }>;
}

/** A drift run ended: its duration, and its items counted by flow and kind (a run that found nothing adds none). */
export function recordDriftRun(run: DriftRun): void {
  histogram('driftRunDuration', Math.max(0, run.durationMs) / 1000, {});
  const counts = new Map<string, { flow: string; kind: string; n: number }>();
  for (const item of run.items) {
    const key = `${item.flow}\n${item.kind}`;
    const c = counts.get(key) ?? { flow: item.flow, kind: item.kind, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  for (const c of counts.values()) add('driftItems', c.n, { flow: c.flow, kind: c.kind });
}

// ---- traces ----

/** Span attributes the control plane sets (Application Insights: customDimensions). */
export const SPAN_ATTRIBUTES = { correlationId: 'controlplane.correlation_id', eventId: 'controlplane.event_id', resourceId: 'controlplane.resource_id', flow: 'controlplane.flow', source: 'controlplane.trigger_source' } as const;

/** The key a trigger's trace hangs on: its correlation ID, else its event ID; none for sweeps and HTTP calls without one. */
function traceKeyOf(trigger: TriggerInfo | undefined): string | undefined {
  return trigger?.correlationId ?? trigger?.eventId;
}

/**
 * The W3C trace a trigger's work belongs to. Locally the Durable engine runs activities apart from the trigger that
 * started them (no context flows through it, as none flows through the Durable task hub in Azure without its own
 * distributed tracing), so the trace ID is derived from the trigger's correlation ID: every span made for the same
 * event (the Event Grid trigger, the activities that carry its trigger, the ARM requests they send) lands in one
 * trace, on any worker, in any replay. The parent span ID stands for the event itself.
 */
export function traceParentOf(trigger: TriggerInfo | undefined): { traceId: string; spanId: string } | undefined {
  const key = traceKeyOf(trigger);
  if (!key) return undefined;
  const hash = createHash('sha256').update(`controlplane-trace:${key.toLowerCase()}`).digest('hex');
  return { traceId: hash.slice(0, 32), spanId: hash.slice(32, 48) };
}

function triggerAttributes(trigger: TriggerInfo | undefined): Attributes {
  return {
    ...(trigger?.correlationId ? { [SPAN_ATTRIBUTES.correlationId]: trigger.correlationId } : {}),
    ...(trigger?.eventId ? { [SPAN_ATTRIBUTES.eventId]: trigger.eventId } : {}),
    ...(trigger ? { [SPAN_ATTRIBUTES.source]: trigger.source } : {}),
  };
}

/**
 * Runs `work` inside a span named `name`, in the trigger's trace (see traceParentOf) when it has one, else under
 * whatever span is active. The Azure SDK's spans for ARM requests made inside become its children. `linked`: the
 * triggers of other work the span also serves (a writer's wave of several requests), as span links to their traces.
 * Errors mark the span and are rethrown.
 */
export async function inTriggerSpan<T>(name: string, trigger: TriggerInfo | undefined, attributes: Attributes, work: () => Promise<T>, linked: ReadonlyArray<TriggerInfo> = []): Promise<T> {
  const tracer = trace.getTracer(TELEMETRY_SCOPE);
  const parent = traceParentOf(trigger);
  const base = parent ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }) : otelContext.active();
  const links: Link[] = [];
  const seen = new Set(parent ? [parent.traceId] : []);
  for (const other of linked) {
    const p = traceParentOf(other);
    if (!p || seen.has(p.traceId)) continue;
    seen.add(p.traceId);
    links.push({ context: { traceId: p.traceId, spanId: p.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }, attributes: triggerAttributes(other) });
  }
  return tracer.startActiveSpan(name, { attributes: { ...triggerAttributes(trigger), ...attributes }, ...(links.length ? { links } : {}) }, base, async (span: Span) => {
    try {
      return await work();
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * An activity handler that runs inside a span named after the activity, in the trace of the trigger its input
 * carries: `trigger`, or `requests[].trigger` for the writers' apply steps (the first request's trace; the others'
 * as links). `traceOf` picks it instead for an input that names its trigger otherwise (a drift run: its run ID).
 */
export function tracedActivity<I, O, C>(name: string, handler: (input: I, context: C) => Promise<O> | O, traceOf?: (input: I) => TriggerInfo | undefined): (input: I, context: C) => Promise<O> {
  return (input, context) => {
    const triggers = traceOf ? [traceOf(input)].filter((t): t is TriggerInfo => t !== undefined) : triggersIn(input);
    return inTriggerSpan(`activity ${name}`, triggers[0], {}, async () => handler(input, context), triggers.slice(1));
  };
}

const isTrigger = (t: unknown): t is TriggerInfo => typeof t === 'object' && t !== null && typeof (t as { source?: unknown }).source === 'string';

function triggersIn(input: unknown): TriggerInfo[] {
  if (typeof input !== 'object' || input === null) return [];
  const o = input as { trigger?: unknown; requests?: Array<{ trigger?: unknown }> };
  if (isTrigger(o.trigger)) return [o.trigger];
  return Array.isArray(o.requests) ? o.requests.map((r) => r.trigger).filter(isTrigger) : [];
}
