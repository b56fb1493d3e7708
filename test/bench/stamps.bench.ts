/**
 * Benchmark of the stamp health decision on a virtual clock: 20 origin groups x 5 stamps, six simulated hours of
 * 30 s probe rounds, a seeded random failure schedule (outages of 1-40 rounds, and some stamps that flap). Prints,
 * asserts nothing:
 *  - detection -> write latency in probe intervals (first failed probe to the round whose decision disables the
 *    origin; target <= ejectAfterFailures + 1), for ejections the limits did not hold back;
 *  - readmission latency (first good probe after the outage to the readmit), in intervals and seconds;
 *  - writes per flap (enabledState changes per outage episode);
 *  - safety invariant violations (a group with no origin enabled, or more out than the fraction allows): must be 0;
 *  - decisions per second the pure core sustains (stamp-rounds per second of wall time), and peak RSS;
 * then, on the embedded default running the real app: the same 20 x 5 stamps as monitors (one per origin group) with
 * a probe every second against a local health server, and the probes per second the Durable engine sustains.
 *
 *   npm run bench:stamps            (builds, then runs dist/test/bench/stamps.bench.js)
 *   SEED=7 GROUPS=50 npm run bench:stamps
 *   ENGINE_SECONDS=0 npm run bench:stamps      (skip the engine part)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { controlPlaneTopology, demoTopology } from '../../local/demo';
import { findProjectRoot, startEmbeddedDefault, taskHubNameFrom } from '../../local/embedded';
import { DEFAULT_STAMP_POLICY } from '../../shared/stamps/config';
import { decideRound, maxOut } from '../../shared/stamps/decide';
import { newStampStatus, type ProbeResult, type StampStatus } from '../../shared/stamps/model';

const GROUPS = Number(process.env.GROUPS ?? 20);
const STAMPS = Number(process.env.STAMPS ?? 5);
const HOURS = Number(process.env.HOURS ?? 6);
const SEED = Number(process.env.SEED ?? 42);
const policy = DEFAULT_STAMP_POLICY;
const ROUNDS = Math.round((HOURS * 3600) / policy.probeIntervalSeconds);
const T0 = Date.parse('2026-11-28T00:00:00Z');
const ENGINE_SECONDS = Number(process.env.ENGINE_SECONDS ?? 30);

/** mulberry32: a small seeded PRNG, so a run can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per stamp, per round: is its health URL answering 200? Outages start at random; one stamp in ten flaps. */
function schedule(random: () => number): boolean[][][] {
  return Array.from({ length: GROUPS }, () =>
    Array.from({ length: STAMPS }, () => {
      const flapper = random() < 0.1;
      const healthy: boolean[] = [];
      let down = 0;
      for (let r = 0; r < ROUNDS; r++) {
        if (down === 0 && random() < (flapper ? 0.08 : 0.004)) down = flapper ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * 40);
        healthy.push(down === 0);
        if (down > 0) down -= 1;
      }
      return healthy;
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const describe = (values: number[], unit: string): string => {
  const s = [...values].sort((a, b) => a - b);
  return values.length ? `p50 ${percentile(s, 50)} ${unit}, p95 ${percentile(s, 95)} ${unit}, max ${s[s.length - 1]} ${unit} (n=${values.length})` : 'none';
};

function main(): void {
  const plan = schedule(prng(SEED));
  const detection: number[] = [];
  const readmission: number[] = [];
  let heldBack = 0;
  let writes = 0;
  let episodes = 0;
  let violations = 0;
  let failOpenRounds = 0;
  let peakRss = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  for (let g = 0; g < GROUPS; g++) {
    const names = Array.from({ length: STAMPS }, (_, i) => `g${g}-s${i}`);
    let stamps: StampStatus[] = names.map(newStampStatus);
    const outageStart: Array<number | undefined> = names.map(() => undefined);
    const recoveredAt: Array<number | undefined> = names.map(() => undefined);
    for (let r = 0; r < ROUNDS; r++) {
      const now = new Date(T0 + r * policy.probeIntervalSeconds * 1000).toISOString();
      const probes: Record<string, ProbeResult> = {};
      names.forEach((name, i) => {
        const ok = plan[g]?.[i]?.[r] ?? true;
        const wasOk = r === 0 ? true : (plan[g]?.[i]?.[r - 1] ?? true);
        if (!ok && wasOk) {
          outageStart[i] = r;
          episodes += 1;
        }
        if (ok && !wasOk) recoveredAt[i] = r;
        probes[name] = ok ? { ok: true, status: 200, detail: '200', latencyMs: 20, at: now } : { ok: false, status: 503, detail: '503', latencyMs: 5, at: now };
      });
      const result = decideRound({ stamps, probes, policy, now, mode: 'enforce' });
      for (const d of result.decisions) {
        const i = names.indexOf(d.stamp);
        if (d.action === 'Eject') {
          writes += 1;
          const start = outageStart[i];
          if (start !== undefined) detection.push(r - start + 1);
          outageStart[i] = undefined;
        } else if (d.action === 'Readmit') {
          writes += 1;
          const at = recoveredAt[i];
          if (at !== undefined) readmission.push(r - at + 1);
          recoveredAt[i] = undefined;
        } else if (d.action === 'Held') {
          // Held in by a limit: its eventual ejection is not a detection latency.
          heldBack += 1;
          outageStart[i] = undefined;
        }
      }
      if (result.failOpen) failOpenRounds += 1;
      stamps = result.stamps;
      const out = stamps.filter((s) => s.desired === 'Disabled').length;
      if (out > maxOut(STAMPS, policy) || out === STAMPS) violations += 1;
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const interval = policy.probeIntervalSeconds;
  console.log(`stamp health bench: ${GROUPS} origin groups x ${STAMPS} stamps, ${HOURS} h of ${interval} s rounds (${ROUNDS} rounds), seed ${SEED}, default policy`);
  console.log(`  outage episodes:                 ${episodes}`);
  console.log(`  detection -> write:              ${describe(detection, 'intervals')}  (target <= ${policy.ejectAfterFailures + 1})`);
  console.log(`  held in by the limits:           ${heldBack} decisions (fraction / last origin / fail open)`);
  console.log(`  readmission (recovered -> in):   ${describe(readmission, 'intervals')}  = ${describe(readmission.map((n) => n * interval), 's')}`);
  console.log(`  writes per flap:                 ${(writes / Math.max(1, episodes)).toFixed(2)} (${writes} enabledState writes for ${episodes} episodes)`);
  console.log(`  rounds in fail open:             ${failOpenRounds}`);
  console.log(`  safety invariant violations:     ${violations}`);
  console.log(`  decision core:                   ${Math.round((GROUPS * STAMPS * ROUNDS) / seconds).toLocaleString('en')} stamp-rounds/s (${seconds.toFixed(2)} s wall for ${(GROUPS * STAMPS * ROUNDS).toLocaleString('en')})`);
  console.log(`  peak RSS:                        ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
}

/** The monitors on the Durable engine: probes per second it sustains at a 1 s interval (target GROUPS x STAMPS). */
async function engine(): Promise<void> {
  let probes = 0;
  const server = http.createServer((req, res) => {
    probes += 1;
    req.resume();
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const topology = demoTopology();
  const sub = 'a0000000-0000-4000-8000-0000000000a1';
  const stamps = Array.from({ length: GROUPS * STAMPS }, (_, n) => {
    const g = Math.floor(n / STAMPS);
    return { name: `g${g}-s${n % STAMPS}`, region: 'westeurope', origin: { frontDoor: 'afd', originGroup: `og-${g}`, origin: `s${n % STAMPS}` }, healthUrl: `http://127.0.0.1:${port}/g${g}/s${n % STAMPS}` };
  });
  process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify({
    ...controlPlaneTopology(topology),
    stamps: { frontDoors: [{ name: 'afd', id: `/subscriptions/${sub}/resourceGroups/rg-bench/providers/Microsoft.Cdn/profiles/afd-bench` }], stamps, policy: { probeIntervalSeconds: 1, probeTimeoutSeconds: 0.5 } },
  });
  process.env.LOCAL_LOG_LEVEL = 'warning';
  const root = findProjectRoot(__dirname);
  const embedded = await startEmbeddedDefault({ topology, port: 0, settingsFile: path.join(root, 'no-such-local.settings.json'), storage: { kind: 'memory' }, armTimeScale: 0.01, taskHubName: taskHubNameFrom(path.join(root, 'host.json')) });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  probes = 0;
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ENGINE_SECONDS * 1000));
  const rate = probes / ((Date.now() - started) / 1000);
  clearInterval(sampler);
  await embedded.stop();
  server.close();
  console.log(`engine: ${GROUPS} monitors x ${STAMPS} stamps, 1 s interval, ${ENGINE_SECONDS} s measured (the Front Door profile does not exist: reads find no origins, nothing is written)`);
  console.log(`  probes sustained:                ${rate.toFixed(1)} probes/s (target ${GROUPS * STAMPS}/s)`);
  console.log(`  peak RSS (whole local runtime):  ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
}

main();
if (ENGINE_SECONDS > 0) {
  engine().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
