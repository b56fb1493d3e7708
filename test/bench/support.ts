/** Helpers the benchmarks share: the world they run in, peak RSS, printing figures, percentiles, request-log deltas. */
import * as path from 'node:path';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { RequestLogSnapshot } from '../../local/arm';
import { demoTopology, type Topology } from '../../local/demo';
import { findProjectRoot, startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../local/embedded';

/**
 * Samples the process's RSS every `intervalMs` until stopped; `peak()` includes a sample taken when called.
 * `process.memoryUsage.rss()`, not `process.memoryUsage()` (which walks the heap's spaces), every 100 ms, not 20: the
 * sampler alone was 1.2-1.7 % of the DNS bench's CPU profile.
 */
export function rssSampler(intervalMs = 100): { peak(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    peak: () => (sample(), peak),
    stop: () => clearInterval(timer),
  };
}

/** The embedded default on the demo topology, in memory, throttling on, at `timeScale`, as every flow bench runs it. */
export async function startBenchWorld(timeScale: number): Promise<{ root: string; topology: Topology; embedded: EmbeddedDefault }> {
  // The app reads its settings from process.env, as in Azure.
  process.env.LOCAL_LOG_LEVEL = 'warning';
  const root = findProjectRoot(__dirname);
  const topology = demoTopology();
  const embedded = await startEmbeddedDefault({
    topology,
    port: 0,
    settingsFile: path.join(root, 'no-such-local.settings.json'),
    storage: { kind: 'memory' },
    armTimeScale: timeScale,
    armThrottling: true,
    taskHubName: taskHubNameFrom(path.join(root, 'host.json')),
  });
  return { root, topology, embedded };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export const line = (label: string, value: string): void => {
  process.stdout.write(`${`${label}:`.padEnd(44)} ${value}\n`);
};
export const ms = (n: number): string => `${Math.round(n)} ms`;
export const azureTime = (realMs: number, timeScale: number): string => {
  const seconds = realMs / timeScale / 1000;
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;
};

export function delta(before: RequestLogSnapshot, after: RequestLogSnapshot): RequestLogSnapshot {
  const byPrincipal: RequestLogSnapshot['byPrincipal'] = {};
  for (const [principal, ops] of Object.entries(after.byPrincipal)) byPrincipal[principal] = operationsDelta(before.byPrincipal[principal] ?? {}, ops);
  const writesByPrincipal: RequestLogSnapshot['writesByPrincipal'] = {};
  for (const [principal, paths] of Object.entries(after.writesByPrincipal)) {
    const was = before.writesByPrincipal[principal] ?? {};
    writesByPrincipal[principal] = Object.fromEntries(Object.entries(paths).map(([p, n]) => [p, n - (was[p] ?? 0)]).filter(([, n]) => n !== 0));
  }
  return { total: after.total - before.total, writeRequests: after.writeRequests - before.writeRequests, byOperation: operationsDelta(before.byOperation, after.byOperation), byPrincipal, writesByPrincipal };
}

function operationsDelta(before: RequestLogSnapshot['byOperation'], after: RequestLogSnapshot['byOperation']): RequestLogSnapshot['byOperation'] {
  const byOperation: RequestLogSnapshot['byOperation'] = {};
  for (const [op, entry] of Object.entries(after)) {
    const was = before[op];
    const byStatus: Record<string, number> = {};
    for (const [status, count] of Object.entries(entry.byStatus)) {
      const d = count - (was?.byStatus[status] ?? 0);
      if (d !== 0) byStatus[status] = d;
    }
    const total = entry.total - (was?.total ?? 0);
    if (total !== 0) byOperation[op] = { total, byStatus };
  }
  return byOperation;
}

export const statusCount = (snapshot: RequestLogSnapshot, status: number, op?: string): number =>
  Object.entries(snapshot.byOperation)
    .filter(([name]) => op === undefined || name === op)
    .reduce((sum, [, entry]) => sum + (entry.byStatus[String(status)] ?? 0), 0);


/** The Durable engine's counts (orchestrator episodes, activity executions, entity operations), totals and by name. */
export interface DurableCounts {
  episodes: number;
  activities: number;
  entityOperations: number;
  byName: Record<string, number>;
}

export function durableCounts(embedded: EmbeddedDefault): DurableCounts {
  const { counts } = embedded.engine;
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const byName: Record<string, number> = {};
  for (const [kind, m] of [['episode', counts.episodes], ['activity', counts.activities], ['entity op', counts.entityOperations]] as const) {
    for (const [name, n] of m) byName[`${kind} ${name}`] = n;
  }
  return { episodes: sum(counts.episodes), activities: sum(counts.activities), entityOperations: sum(counts.entityOperations), byName };
}

/** Prints what the run cost the Durable backend, per `unit` (converged resource), and the heaviest functions. */
export function printDurableCost(before: DurableCounts, after: DurableCounts, per: number, unit: string): void {
  const d = (a: number, b: number): string => `${b - a} (${((b - a) / per).toFixed(2)}/${unit})`;
  line('durable: orchestrator episodes', d(before.episodes, after.episodes));
  line('durable: activity executions', d(before.activities, after.activities));
  line('durable: entity operations', d(before.entityOperations, after.entityOperations));
  const names = Object.entries(after.byName)
    .map(([name, n]) => [name, n - (before.byName[name] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  for (const [name, n] of names) line(`  ${name}`, `${n} (${(n / per).toFixed(2)}/${unit})`);
}

/**
 * Status polls per long-running write: the control plane's (the request log's status polls less the bench's own,
 * over the control plane's LRO writes) and the bench's own (its polls over its own writes).
 */
export function printPollsPerWrite(d: RequestLogSnapshot, bench: { polls: number; writes: number }, controlPlaneWriteOps: readonly string[]): void {
  const polls = d.byOperation['GET operations']?.total ?? 0;
  const writes = controlPlaneWriteOps.reduce((sum, op) => sum + (d.byOperation[op]?.total ?? 0), 0);
  const own = polls - bench.polls;
  line('LRO status polls per write: control plane', `${writes ? (own / writes).toFixed(2) : '-'} (${own} polls / ${writes} writes: ${controlPlaneWriteOps.join(', ')})`);
  line('LRO status polls per write: bench', `${bench.writes ? (bench.polls / bench.writes).toFixed(2) : '-'} (${bench.polls} polls / ${bench.writes} writes)`);
}

/**
 * CPU time (user + system) this process spends from now until `stop()`: unlike wall time, it hardly depends on what
 * else runs on the machine, so it compares runs on a shared machine.
 */
export function cpuMeter(): { stop(): number } {
  const start = process.cpuUsage();
  return {
    stop: () => {
      const d = process.cpuUsage(start);
      return (d.user + d.system) / 1000;
    },
  };
}

/** The bench's own ARM requests (its creates, their polls and final reads), by operation as the request log names them. */
export interface BenchTally {
  policy: PipelinePolicy;
  snapshot(): { total: number; byOperation: Record<string, number> };
}

/** `GET privateEndpoints`, `GET operations`: method and the resource type of a request to a named resource. */
const benchOperation = (method: string, url: string): string => {
  const segments = new URL(url).pathname.split('/').filter((s) => s !== '');
  return `${method} ${segments[segments.length - 2] ?? ''}`;
};

export function benchTally(): BenchTally {
  const byOperation: Record<string, number> = {};
  let total = 0;
  return {
    policy: {
      name: 'benchRequestTally',
      sendRequest: (request, next) => {
        total += 1;
        const op = benchOperation(request.method, request.url);
        byOperation[op] = (byOperation[op] ?? 0) + 1;
        return next(request);
      },
    },
    snapshot: () => ({ total, byOperation: { ...byOperation } }),
  };
}

/**
 * The control plane's own ARM requests per resource: the request log's, less the bench's. Reads besides status polls
 * are what the flows' targets count (the request log alone mixes in the bench's creates, their polls and the SDK's
 * final GET after each of them).
 */
export function printControlPlaneRequests(d: RequestLogSnapshot, bench: { byOperation: Record<string, number> }, per: number, unit: string): void {
  let reads = 0;
  const rows: Array<[string, number]> = [];
  for (const [op, entry] of Object.entries(d.byOperation)) {
    const own = entry.total - (bench.byOperation[op] ?? 0);
    if (own <= 0) continue;
    rows.push([op, own]);
    if (op.startsWith('GET ') && op !== 'GET operations' && op !== 'GET operationResults') reads += own;
  }
  line('control plane: ARM reads besides polls', `${(reads / per).toFixed(2)}/${unit} (${reads})`);
  for (const [op, n] of rows.sort((a, b) => b[1] - a[1])) line(`  control plane: ${op}`, `${n} (${(n / per).toFixed(2)}/${unit})`);
}
