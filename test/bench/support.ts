/** Helpers the benchmarks share: printing figures, percentiles, request-log deltas. */
import type { RequestLogSnapshot } from '../../local/arm';

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
  const byOperation: RequestLogSnapshot['byOperation'] = {};
  for (const [op, entry] of Object.entries(after.byOperation)) {
    const was = before.byOperation[op];
    const byStatus: Record<string, number> = {};
    for (const [status, count] of Object.entries(entry.byStatus)) {
      const d = count - (was?.byStatus[status] ?? 0);
      if (d !== 0) byStatus[status] = d;
    }
    const total = entry.total - (was?.total ?? 0);
    if (total !== 0) byOperation[op] = { total, byStatus };
  }
  return { total: after.total - before.total, byOperation };
}

export const statusCount = (snapshot: RequestLogSnapshot, status: number, op?: string): number =>
  Object.entries(snapshot.byOperation)
    .filter(([name]) => op === undefined || name === op)
    .reduce((sum, [, entry]) => sum + (entry.byStatus[String(status)] ?? 0), 0);

