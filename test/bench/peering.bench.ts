/**
 * Benchmark of the spoke peering flow end to end: the embedded default (ARM emulator with Azure's LRO durations and
 * throttling, Event Grid, the Durable engine, Azurite) running the real app, seeded with the demo topology. Creates N
 * spoke VNets at once through the real SDK and measures the time until every one is Converged (GET
 * /api/spokes?status=True), the ARM requests the control plane spent on them, and how that time compares with the
 * emulator's floor for the same work. Prints figures; asserts nothing.
 *
 *   npm run bench:peering                      (builds, then runs dist/test/bench/peering.bench.js)
 *   SPOKES=20 npm run bench:peering            number of spoke VNets (default 200)
 *   TIME_SCALE=0.05 npm run bench:peering      ARM emulator time scale (default 0.02: 50x faster than Azure)
 *   SPOKES=1000 npm run bench:peering          scale mode: 500 spokes on each of the 2 hubs, Azure's peering limit per
 *                                              VNet and so the largest burst one hub can see (the ratio to the floor
 *                                              should not grow with N, peak RSS no faster than linearly)
 *
 * Also printed: LRO status polls per write (control plane and bench), and what the run cost the Durable backend
 * (orchestrator episodes, activity executions, entity operations) per converged spoke.
 *
 * Targets: convergence / lower bound <= 1.25; exactly 2 peering writes per spoke; zero AnotherOperationInProgress
 * (409) answers to peering writes.
 */
import * as fs from 'node:fs';
import { NetworkManagementClient } from '@azure/arm-network';
import { ids, staticTokenCredential, type Topology } from '../../local/demo';
import type { EmbeddedDefault } from '../../local/embedded';
import { DEFAULT_LRO_DURATIONS_MS, DEFAULT_THROTTLING } from '../../local/arm/options';
import { azureTime, rssSampler, startBenchWorld, delta, cpuMeter, durableCounts, line, ms, percentile, benchTally, printControlPlaneRequests, printDurableCost, printPollsPerWrite, sleep, statusCount } from './support';
import { apiFetch } from '../integration/operator-token';

const SPOKES = Number(process.env.SPOKES ?? 200);
const TIME_SCALE = Number(process.env.TIME_SCALE ?? 0.02);
const CONVERGENCE_TIMEOUT_MS = 20 * 60_000;
/**
 * How often the bench lists the API to see what converged. Each listing reads every record (O(N)), so the interval
 * grows with N beyond the default size, keeping the bench's own load per second the same at the scale modes (at
 * 100 ms, listings would grow as N squared over a run and the bench would measure itself).
 */
const POLL_MS = Math.max(100, Math.round((100 * SPOKES) / 200));
const QUIET_MS = 300;
const PEERING_PUT = 'PUT virtualNetworkPeerings';

interface BenchSpoke {
  vnetId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  region: string;
  prefix: string;
}

interface SpokeListItem {
  vnetId: string;
  condition: { type: string; status: string; reason: string; message: string } | null;
  [key: string]: unknown;
}

/**
 * N spokes with unique /24s from 10.100.0.0/16 upward, alternating over the hubs' regions, and within a region
 * alternating over the watched subscriptions, then over that subscription's resource groups in the region.
 */
function planSpokes(topology: Topology, n: number): BenchSpoke[] {
  const regions = topology.connectivity.hubs.map((h) => h.region);
  const watched = topology.workloads.filter((w) => w.watched);
  const plan: BenchSpoke[] = [];
  for (let i = 0; i < n; i++) {
    const region = regions[i % regions.length] as string;
    const k = Math.floor(i / regions.length);
    const subs = watched
      .map((w) => ({ subscriptionId: w.subscriptionId, rgs: [...new Set(w.spokes.filter((s) => s.region === region).map((s) => s.resourceGroup))] }))
      .filter((s) => s.rgs.length > 0);
    const sub = subs[k % subs.length];
    if (!sub) throw new Error(`no watched subscription has a resource group in ${region}`);
    const resourceGroup = sub.rgs[Math.floor(k / subs.length) % sub.rgs.length] as string;
    const name = `vnet-bench-${String(i).padStart(4, '0')}`;
    plan.push({
      vnetId: ids.vnet(sub.subscriptionId, resourceGroup, name),
      subscriptionId: sub.subscriptionId,
      resourceGroup,
      name,
      region,
      prefix: `10.${100 + Math.floor(i / 256)}.${i % 256}.0/24`,
    });
  }
  return plan;
}

async function listSpokes(embedded: EmbeddedDefault, status?: 'True'): Promise<{ count: number; spokes: SpokeListItem[] }> {
  const res = await apiFetch(`${embedded.baseUrl}/api/spokes?top=1000${status ? `&status=${status}` : ''}`);
  if (res.status !== 200) throw new Error(`GET /api/spokes -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as { count: number; spokes: SpokeListItem[] };
}

async function main(): Promise<void> {
  if (!(SPOKES > 0) || !Number.isInteger(SPOKES)) throw new Error(`SPOKES must be a positive integer (got ${process.env.SPOKES})`);
  if (!(TIME_SCALE > 0)) throw new Error(`TIME_SCALE must be > 0 (got ${process.env.TIME_SCALE})`);
  if (SPOKES > 256 * 156) throw new Error(`SPOKES must be at most ${256 * 156} (unique /24s from 10.100.0.0/16 upward)`);

  const rss = rssSampler();
  const { topology, embedded } = await startBenchWorld(TIME_SCALE);

  try {
    // Bench's own ARM requests (VNet creates and their polls, retries included), to tell them from the control plane's.
    const tally = benchTally();
    const ca = fs.readFileSync(embedded.caCertFile, 'utf8');
    const clients = new Map<string, NetworkManagementClient>();
    const network = (subscriptionId: string): NetworkManagementClient => {
      let c = clients.get(subscriptionId);
      if (!c) {
        c = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId, objectId: 'oid-bench-workload-team', appId: 'be0c0000-0000-4000-8000-0000000000be' }), subscriptionId, {
          endpoint: embedded.armEndpoint,
          tlsOptions: { ca },
          retryOptions: { retryDelayInMs: Math.max(5, Math.round(800 * TIME_SCALE)) },
          additionalPolicies: [{ policy: tally.policy, position: 'perRetry' }],
        });
        clients.set(subscriptionId, c);
      }
      return c;
    };

    const plan = planSpokes(topology, SPOKES);
    const benchIds = new Set(plan.map((s) => s.vnetId.toLowerCase()));

    // 2. Quiet after start, then the baseline.
    if (!(await embedded.whenQuiet({ quietMs: QUIET_MS, timeoutMs: 120_000 }))) process.stdout.write('warning: the control plane did not go quiet after start within 120 s\n');
    const before = embedded.arm.requestLog.snapshot();
    const benchBefore = tally.snapshot();
    const durableBefore = durableCounts(embedded);
    const cpu = cpuMeter();
    const baselineConverged = (await listSpokes(embedded, 'True')).count;

    // 3. All spoke VNets at once.
    // What the SDK waits between polls in Azure: NRP's Retry-After (10 s), scaled (the emulator's scaled Retry-After
    // rounds to 0 s at small time scales, and the SDK then falls back to this interval).
    const pollInterval = { updateIntervalInMs: Math.max(5, Math.round(10_000 * TIME_SCALE)) };
    const t0 = performance.now();
    const creates = Promise.all(
      plan.map((s) =>
        network(s.subscriptionId).virtualNetworks.createOrUpdate(s.resourceGroup, s.name, { location: s.region, addressSpace: { addressPrefixes: [s.prefix] } }, pollInterval),
      ),
    );
    let createError: unknown;
    let createsDoneAt: number | undefined;
    creates.then(
      () => {
        createsDoneAt = performance.now();
      },
      (e: unknown) => {
        createError = e;
      },
    );

    // 4. Poll the app's API until every bench spoke is Converged.
    const convergedAt = new Map<string, number>();
    let t1: number | undefined;
    let lastPollError: unknown;
    const deadline = t0 + CONVERGENCE_TIMEOUT_MS;
    while (performance.now() < deadline && createError === undefined) {
      try {
        const { count, spokes } = await listSpokes(embedded, 'True');
        const now = performance.now();
        for (const s of spokes) {
          const key = s.vnetId.toLowerCase();
          if (benchIds.has(key) && !convergedAt.has(key)) convergedAt.set(key, now - t0);
        }
        if (count - baselineConverged >= SPOKES && convergedAt.size >= SPOKES) {
          t1 = now;
          break;
        }
      } catch (e) {
        lastPollError = e;
      }
      await sleep(POLL_MS);
    }
    const timedOut = t1 === undefined;
    const endAt = t1 ?? performance.now();
    if (createError !== undefined) process.stdout.write(`error: creating the spoke VNets failed: ${String(createError)}\n`);

    if (timedOut) {
      process.stdout.write(
        `NOT CONVERGED: ${convergedAt.size}/${SPOKES} bench spokes Converged after ${ms(endAt - t0)}` +
          `${lastPollError ? ` (last poll error: ${String(lastPollError)})` : ''}\n`,
      );
      try {
        const { spokes } = await listSpokes(embedded);
        const byId = new Map(spokes.map((s) => [s.vnetId.toLowerCase(), s]));
        const missing = plan.filter((s) => !convergedAt.has(s.vnetId.toLowerCase()));
        const byReason = new Map<string, { n: number; example: string }>();
        for (const s of missing) {
          const view = byId.get(s.vnetId.toLowerCase());
          const key = view?.condition ? `${view.condition.status}/${view.condition.reason}` : 'no record';
          const entry = byReason.get(key) ?? { n: 0, example: `${s.name}: ${view?.condition?.message ?? '(the control plane has no record of it)'}` };
          entry.n += 1;
          byReason.set(key, entry);
        }
        for (const [reason, { n, example }] of byReason) process.stdout.write(`  ${n} x ${reason}, e.g. ${example}\n`);
        for (const s of missing.slice(0, 10)) {
          const view = byId.get(s.vnetId.toLowerCase());
          process.stdout.write(`  ${s.vnetId}: ${JSON.stringify(view?.condition ?? null)}\n`);
        }
      } catch (e) {
        process.stdout.write(`  (could not list spokes: ${String(e)})\n`);
      }
    }

    // Trailing read-only passes (our own peering writes raise events too) count toward the cost.
    await creates.catch(() => undefined);
    const quiet = await embedded.whenQuiet({ quietMs: QUIET_MS, timeoutMs: timedOut ? 60_000 : 5 * 60_000 });
    if (!quiet) process.stdout.write('warning: the control plane did not go quiet after convergence\n');
    const after = embedded.arm.requestLog.snapshot();
    const durableAfter = durableCounts(embedded);
    const cpuMs = cpu.stop();
    rss.stop();

    // 5. Figures.
    const d = delta(before, after);
    const benchAfter = tally.snapshot();
    const benchOwn = benchAfter.total - benchBefore.total;
    const benchOps = Object.fromEntries(Object.entries(benchAfter.byOperation).map(([op, n]) => [op, n - (benchBefore.byOperation[op] ?? 0)]));
    const convergenceMs = endAt - t0;
    const peeringDuration = DEFAULT_LRO_DURATIONS_MS.virtualNetworkPeerings * TIME_SCALE;
    const vnetDuration = DEFAULT_LRO_DURATIONS_MS.virtualNetworks * TIME_SCALE;
    const hubs = topology.connectivity.hubs.map((h) => {
      const spokes = plan.filter((s) => s.region === h.region).length;
      const writes = 2 * spokes;
      return { region: h.region, spokes, writes, floor: writes * peeringDuration };
    });
    const { bucket, refillPerSecond } = DEFAULT_THROTTLING.writes;
    const refillPerRealSecond = refillPerSecond / TIME_SCALE;
    const bucketFloor = (writes: number): number => (Math.max(0, writes - bucket) / refillPerRealSecond) * 1000;
    const subscriptions = [
      { name: 'connectivity', subscriptionId: topology.connectivity.subscriptionId, creates: 0, peeringWrites: SPOKES },
      ...topology.workloads
        .filter((w) => w.watched)
        .map((w) => {
          const own = plan.filter((s) => s.subscriptionId === w.subscriptionId).length;
          return { name: w.name, subscriptionId: w.subscriptionId, creates: own, peeringWrites: own };
        }),
    ].map((s) => ({ ...s, writes: s.creates + s.peeringWrites, floor: bucketFloor(s.creates + s.peeringWrites) }));
    const maxHubFloor = Math.max(...hubs.map((h) => h.floor));
    const maxBucketFloor = Math.max(...subscriptions.map((s) => s.floor));
    const lowerBound = vnetDuration + Math.max(maxHubFloor, maxBucketFloor);
    const ratio = convergenceMs / lowerBound;
    const peeringPuts = d.byOperation[PEERING_PUT]?.total ?? 0;
    const peering409 = statusCount(d, 409, PEERING_PUT);
    const latencies = [...convergedAt.values()].sort((a, b) => a - b);

    process.stdout.write('\n');
    line('spokes', String(SPOKES));
    line('hubs', `${hubs.length} (${hubs.map((h) => `${h.region}: ${h.spokes} spokes`).join(', ')})`);
    line('time scale', `${TIME_SCALE} (${(1 / TIME_SCALE).toFixed(0)}x Azure's pace)`);
    line('baseline Converged spokes', String(baselineConverged));
    line(
      'time to full convergence',
      timedOut
        ? `NOT REACHED within ${ms(CONVERGENCE_TIMEOUT_MS)} (${convergedAt.size}/${SPOKES} Converged after ${ms(convergenceMs)}, Azure time ${azureTime(convergenceMs, TIME_SCALE)})`
        : `${ms(convergenceMs)} (Azure time ${azureTime(convergenceMs, TIME_SCALE)})`,
    );
    line(
      'per-spoke time to Converged (from t0)',
      `p50 ${ms(percentile(latencies, 50))} | p90 ${ms(percentile(latencies, 90))} | p99 ${ms(percentile(latencies, 99))} | max ${ms(percentile(latencies, 100))} (${POLL_MS} ms poll resolution)`,
    );
    line('VNet creates done (SDK LROs finished)', createsDoneAt === undefined ? 'no' : `after ${ms(createsDoneAt - t0)}`);
    line('lower bound: VNet creation', `${ms(vnetDuration)} (${DEFAULT_LRO_DURATIONS_MS.virtualNetworks} ms x ${TIME_SCALE})`);
    line('lower bound: peering write', `${ms(peeringDuration)} (${DEFAULT_LRO_DURATIONS_MS.virtualNetworkPeerings} ms x ${TIME_SCALE}); both VNets locked, so one hub's writes serialize`);
    for (const h of hubs) line(`lower bound: hub ${h.region}`, `${h.writes} writes (2 x ${h.spokes} spokes) x ${ms(peeringDuration)} = ${ms(h.floor)}`);
    line('lower bound: writes bucket', `bucket ${bucket}, refill ${refillPerSecond}/scaled s = ${refillPerRealSecond.toFixed(0)}/s real`);
    for (const s of subscriptions) {
      line(
        `lower bound: subscription ${s.name}`,
        `${s.writes} writes (${s.creates} VNet creates + ${s.peeringWrites} peering writes) -> ${ms(s.floor)}`,
      );
    }
    line('lower bound', `${ms(vnetDuration)} + max(${ms(maxHubFloor)}, ${ms(maxBucketFloor)}) = ${ms(lowerBound)} (Azure time ${azureTime(lowerBound, TIME_SCALE)})`);
    line('convergence / lower bound', `${ratio.toFixed(2)}${timedOut ? ' (not converged)' : ''} (target <= 1.25)`);
    line('ARM peering PUTs per spoke', `${(peeringPuts / SPOKES).toFixed(2)} (${peeringPuts} PUT virtualNetworkPeerings; target exactly 2)`);
    line(
      'ARM requests per spoke',
      `${(d.total / SPOKES).toFixed(2)} (${d.total} total; bench's own VNet creates + polls ${benchOwn}, control plane ${((d.total - benchOwn) / SPOKES).toFixed(2)}/spoke)`,
    );
    for (const [op, entry] of Object.entries(d.byOperation).sort((a, b) => b[1].total - a[1].total)) {
      const statuses = Object.entries(entry.byStatus).map(([status, n]) => `${status}: ${n}`).join(', ');
      line(`  ${op}`, `${entry.total} (${(entry.total / SPOKES).toFixed(2)}/spoke) [${statuses}]`);
    }
    line('409 to PUT virtualNetworkPeerings', `${peering409} (AnotherOperationInProgress; target 0); 409s in total: ${statusCount(d, 409)}`);
    line('429 (throttled) answers', String(statusCount(d, 429)));
    printControlPlaneRequests(d, { byOperation: benchOps }, SPOKES, 'spoke');
    printPollsPerWrite(d, { polls: benchOps['GET operations'] ?? 0, writes: SPOKES }, [PEERING_PUT, 'DELETE virtualNetworkPeerings']);
    printDurableCost(durableBefore, durableAfter, SPOKES, 'spoke');
    line('CPU time (process, until quiet)', `${ms(cpuMs)} (${(cpuMs / SPOKES).toFixed(1)} ms/spoke; unlike wall time, barely moved by other load)`);
    line('peak RSS', `${(rss.peak() / 1024 / 1024).toFixed(0)} MB`);
    line('quiet after convergence', quiet ? 'yes' : 'NO');
  } finally {
    rss.stop();
    await embedded.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
