/**
 * The control plane's metrics: one list, read by the code that records them (shared/telemetry/index.ts), by the
 * README's "Operating it" table, and by the tests that check the workbook and alert rules in infra/ refer only to
 * metrics that exist. Names are OpenTelemetry names (Azure Monitor keeps them as the customMetrics `name`); the
 * Prometheus exporter writes them with `_` for `.`, the unit in a `# UNIT` line and `_total` on counters.
 */
export type MetricKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  /** UCUM unit: `s` for durations, `{thing}` for counts. */
  unit: string;
  description: string;
  /** The attributes it is recorded with. */
  attributes: readonly string[];
}

export const METRICS = {
  convergeLatency: {
    name: 'controlplane.converge.latency',
    kind: 'histogram',
    unit: 's',
    description: 'From the Event Grid event (its eventTime) to the outcome recorded True (converged), per flow',
    attributes: ['flow', 'reason'],
  },
  reconcileOutcomes: {
    name: 'controlplane.reconcile.outcomes',
    kind: 'counter',
    unit: '{outcome}',
    description: 'Outcomes recorded, by flow, condition status and reason, trigger source and mode',
    attributes: ['flow', 'status', 'reason', 'source', 'mode'],
  },
  resources: {
    name: 'controlplane.resources',
    kind: 'gauge',
    unit: '{resource}',
    description: 'Managed resources by flow and condition (status, reason), read from the records',
    attributes: ['flow', 'status', 'reason'],
  },
  notConverged: {
    name: 'controlplane.resources.not_converged.age',
    kind: 'gauge',
    unit: 's',
    description: 'Per flow, how long the oldest resource whose condition is not True (and not a decision) has been so',
    attributes: ['flow'],
  },
  armRequests: {
    name: 'controlplane.arm.requests',
    kind: 'counter',
    unit: '{request}',
    description: 'ARM requests sent (each attempt), by operation (method and resource type) and HTTP status',
    attributes: ['operation', 'status'],
  },
  armThrottled: {
    name: 'controlplane.arm.throttled',
    kind: 'counter',
    unit: '{response}',
    description: 'ARM answers 429 (throttled), by operation',
    attributes: ['operation'],
  },
  armRetryAfter: {
    name: 'controlplane.arm.retry_after',
    kind: 'histogram',
    unit: 's',
    description: 'The Retry-After a throttled (429) ARM answer asked the client to wait, by operation',
    attributes: ['operation'],
  },
  writerQueueDepth: {
    name: 'controlplane.writer.queue.depth',
    kind: 'gauge',
    unit: '{request}',
    description: 'Requests waiting in a writer queue (hub VNet, Firewall Policy, Front Door profile), as last seen by its entity',
    attributes: ['queue', 'target'],
  },
  writerQueueWait: {
    name: 'controlplane.writer.queue.wait',
    kind: 'histogram',
    unit: 's',
    description: 'How long a request waited in a writer queue before its writer took it',
    attributes: ['queue'],
  },
  egressRequests: {
    name: 'controlplane.egress.requests',
    kind: 'gauge',
    unit: '{request}',
    description: 'Egress requests by state, read from the records',
    attributes: ['state'],
  },
  egressOldestPending: {
    name: 'controlplane.egress.pending_approval.oldest_age',
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest egress request waiting for approval (0 when none waits)',
    attributes: [],
  },
  stamps: {
    name: 'controlplane.stamps',
    kind: 'gauge',
    unit: '{stamp}',
    description: 'Stamps by state (Healthy, Suspect, Ejected, Probation), read from the records',
    attributes: ['state'],
  },
  stampEjections: {
    name: 'controlplane.stamps.ejections',
    kind: 'counter',
    unit: '{ejection}',
    description: 'Stamps taken out of rotation (ejected), by stamp',
    attributes: ['stamp'],
  },
  driftItems: {
    name: 'controlplane.drift.items',
    kind: 'counter',
    unit: '{item}',
    description: 'Drift found by a drift run, by flow and kind',
    attributes: ['flow', 'kind'],
  },
  driftRunDuration: {
    name: 'controlplane.drift.run.duration',
    kind: 'histogram',
    unit: 's',
    description: 'How long each drift run took',
    attributes: [],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.name);

/** The name the Prometheus exporter serves a metric under (without histogram `_bucket`/`_sum`/`_count`). */
export function prometheusName(metric: Pick<MetricDefinition, 'name' | 'kind'>): string {
  const base = metric.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return `${base}${metric.kind === 'counter' ? '_total' : ''}`;
}

/** The flow a managed kind belongs to (the `flow` attribute). */
export const FLOW_OF_KIND = { spoke: 'peering', endpoint: 'dns', egressRequest: 'egress', stamp: 'stamps' } as const;
export type Flow = (typeof FLOW_OF_KIND)[keyof typeof FLOW_OF_KIND] | 'drift';
