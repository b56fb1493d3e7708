/** Helpers the benchmarks share: the world they run in, peak RSS, printing figures, percentiles, request-log deltas. */
import * as path from 'node:path';
import type { RequestLogSnapshot } from '../../local/arm';
import { demoTopology, type Topology } from '../../local/demo';
import { findProjectRoot, startEmbeddedDefault, taskHubNameFrom, type EmbeddedDefault } from '../../local/embedded';

/** Samples the process's RSS every `intervalMs` until stopped; `peak()` includes a sample taken when called. */
export function rssSampler(intervalMs = 20): { peak(): number; stop(): void } {
  let peak = process.memoryUsage().rss;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
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
  return { total: after.total - before.total, byOperation: operationsDelta(before.byOperation, after.byOperation), byPrincipal, writesByPrincipal };
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

