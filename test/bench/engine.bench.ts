/**
 * Benchmark of the embedded Durable engine: 1,000 instances of a five-activity sequential orchestration
 * (trivial activities), on the in-memory store and on the on-disk journal. Prints throughput, end-to-end latency
 * (startNew -> Completed) and peak RSS; asserts nothing.
 *
 *   npm run bench:engine            (builds, then runs dist/test/bench/engine.bench.js)
 *   INSTANCES=5000 npm run bench:engine
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadFunctionApp } from '../../local/host/app-loader';
import { createDurableEngine } from '../../local/durable';

const INSTANCES = Number(process.env.INSTANCES ?? 1000);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

async function run(label: string, store: 'memory' | { dir: string }): Promise<void> {
  const app = loadFunctionApp({ entries: [path.resolve(__dirname, '../fixtures/durable-app/index.js')] });
  const engine = createDurableEngine({ invoker: app, store, taskHubName: 'Bench', baseUrl: () => 'http://127.0.0.1:0' });
  await engine.start();
  if (global.gc) global.gc();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: INSTANCES }, async (_, i) => {
      const started = performance.now();
      const id = await engine.startNew('FiveSteps', { instanceId: `${label}-${i}`, inputJson: '1' });
      const status = await engine.waitForCompletion(id, 600_000);
      if (status.runtimeStatus !== 'Completed' || status.output !== 32) {
        throw new Error(`${id} ended ${status.runtimeStatus} with ${JSON.stringify(status.output)}`);
      }
      latencies.push(performance.now() - started);
    }),
  );
  const elapsedMs = performance.now() - t0;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  await engine.stop();
  latencies.sort((a, b) => a - b);
  const line = [
    `${label.padEnd(7)}`,
    `${INSTANCES} instances x 5 activities`,
    `${(INSTANCES / (elapsedMs / 1000)).toFixed(1)} orchestrations/s`,
    `p50 ${percentile(latencies, 50).toFixed(0)} ms`,
    `p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    `peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`,
    `wall ${(elapsedMs / 1000).toFixed(2)} s`,
  ].join(' | ');
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  if (which === 'all') {
    // Each store in its own process, so one run's heap does not inflate the other's peak RSS.
    const { spawnSync } = await import('node:child_process');
    for (const mode of ['memory', 'disk']) {
      const r = spawnSync(process.execPath, [__filename, mode], { stdio: 'inherit' });
      if (r.status !== 0) process.exitCode = r.status ?? 1;
    }
    return;
  }
  if (which === 'memory') {
    await run('memory', 'memory');
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), 'durable-bench-'));
    try {
      await run('disk', { dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
