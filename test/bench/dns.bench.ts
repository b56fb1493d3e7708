/**
 * Benchmark of the private endpoint DNS flow end to end: the embedded default (ARM emulator with Azure's LRO
 * durations and throttling, including the Private DNS per-zone limits; Event Grid; the Durable engine; Azurite)
 * running the real app. Creates N private endpoints at once through the real SDK, spread over five services (blob,
 * Key Vault, Cosmos DB Sql, Container Registry, Service Bus) and the two watched subscriptions, and measures the
 * time until every one is Registered (GET /api/endpoints?status=True), the ARM requests the control plane spent,
 * and how that time compares with the emulator's floor for the same work. Prints figures; asserts nothing.
 *
 *   npm run bench:dns                      (builds, then runs dist/test/bench/dns.bench.js)
 *   ENDPOINTS=50 npm run bench:dns         number of private endpoints (default 300)
 *   TIME_SCALE=0.05 npm run bench:dns      ARM emulator time scale (default 0.02: 50x faster than Azure)
 *   ENDPOINTS=1500 npm run bench:dns       scale mode, 5x the default (the ratio to the floor should not grow with N,
 *                                          peak RSS no faster than linearly)
 *
 * Also printed: LRO status polls per write (control plane and bench), and what the run cost the Durable backend
 * (orchestrator episodes, activity executions, entity operations) per Registered endpoint.
 *
 * Target: exactly 1 zone group write per new endpoint.
 */
import * as fs from 'node:fs';
import { NetworkManagementClient } from '@azure/arm-network';
import { ids, staticTokenCredential } from '../../local/demo';
import type { EmbeddedDefault } from '../../local/embedded';
import { DEFAULT_LRO_DURATIONS_MS, DEFAULT_THROTTLING } from '../../local/arm/options';
import { azureTime, rssSampler, startBenchWorld, delta, cpuMeter, durableCounts, line, ms, percentile, benchTally, printControlPlaneRequests, printDurableCost, printPollsPerWrite, sleep, statusCount } from './support';
import { apiFetch } from '../integration/operator-token';

const ENDPOINTS = Number(process.env.ENDPOINTS ?? 300);
const TIME_SCALE = Number(process.env.TIME_SCALE ?? 0.02);
const CONVERGENCE_TIMEOUT_MS = 20 * 60_000;
/**
 * How often the bench lists the API to see what converged. Each listing reads every record (O(N)), so the interval
 * grows with N beyond the default size, keeping the bench's own load per second the same at the scale modes (at
 * 100 ms, listings would grow as N squared over a run and the bench would measure itself).
 */
const POLL_MS = Math.max(100, Math.round((100 * ENDPOINTS) / 300));
const QUIET_MS = 300;
const ZONE_GROUP_PUT = 'PUT privateDnsZoneGroups';

/** Services the endpoints connect to: target type, groupId, and the names (records) each endpoint publishes. */
const SERVICES = [
  { type: 'Microsoft.Storage/storageAccounts', groupId: 'blob', zone: 'privatelink.blob.core.windows.net', names: 1 },
  { type: 'Microsoft.KeyVault/vaults', groupId: 'vault', zone: 'privatelink.vaultcore.azure.net', names: 1 },
  { type: 'Microsoft.DocumentDB/databaseAccounts', groupId: 'Sql', zone: 'privatelink.documents.azure.com', names: 2 },
  { type: 'Microsoft.ContainerRegistry/registries', groupId: 'registry', zone: 'privatelink.azurecr.io', names: 2 },
  { type: 'Microsoft.ServiceBus/namespaces', groupId: 'namespace', zone: 'privatelink.servicebus.windows.net', names: 1 },
] as const;

interface EndpointListItem {
  endpointId: string;
  condition: { status: string; reason: string; message: string } | null;
}

async function listEndpoints(embedded: EmbeddedDefault, status?: 'True'): Promise<{ count: number; endpoints: EndpointListItem[] }> {
  const res = await apiFetch(`${embedded.baseUrl}/api/endpoints?top=1000${status ? `&status=${status}` : ''}`);
  if (res.status !== 200) throw new Error(`GET /api/endpoints -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as { count: number; endpoints: EndpointListItem[] };
}

async function main(): Promise<void> {
  if (!(ENDPOINTS > 0) || !Number.isInteger(ENDPOINTS) || ENDPOINTS > 4000) throw new Error(`ENDPOINTS must be a whole number from 1 to 4000 (got ${process.env.ENDPOINTS})`);
  if (!(TIME_SCALE > 0)) throw new Error(`TIME_SCALE must be > 0 (got ${process.env.TIME_SCALE})`);

  const rss = rssSampler();
  const { topology, embedded } = await startBenchWorld(TIME_SCALE);

  try {
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
    // What the SDK waits between polls in Azure: NRP's Retry-After (10 s), scaled (the emulator's scaled Retry-After
    // rounds to 0 s at small time scales, and the SDK then falls back to this interval).
    const pollInterval = { updateIntervalInMs: Math.max(5, Math.round(10_000 * TIME_SCALE)) };

    // 1. One endpoint VNet per watched subscription, with a /19 subnet (opted out of peering to keep the run about DNS).
    const watched = topology.workloads.filter((w) => w.watched).map((w) => w.subscriptionId);
    const subnets = await Promise.all(
      watched.map(async (subscriptionId, i) => {
        const rg = topology.workloads.find((w) => w.subscriptionId === subscriptionId)?.spokes.find((s) => s.region === 'westeurope')?.resourceGroup;
        if (!rg) throw new Error(`no westeurope resource group in ${subscriptionId}`);
        const vnet = await network(subscriptionId).virtualNetworks.createOrUpdate(
          rg,
          'vnet-bench-endpoints',
          { location: 'westeurope', tags: { 'hubspoke-opt-out': 'true' }, addressSpace: { addressPrefixes: [`10.${200 + i}.0.0/19`] }, subnets: [{ name: 'snet-pe', addressPrefix: `10.${200 + i}.0.0/19` }] },
          pollInterval,
        );
        return { subscriptionId, resourceGroup: rg, subnetId: `${vnet.id}/subnets/snet-pe` };
      }),
    );
    const plan = Array.from({ length: ENDPOINTS }, (_, i) => {
      const service = SERVICES[i % SERVICES.length] as (typeof SERVICES)[number];
      const at = subnets[i % subnets.length] as (typeof subnets)[number];
      const name = `bench${String(i).padStart(4, '0')}`;
      return { ...at, service, name: `pe-${name}`, targetId: `/subscriptions/${at.subscriptionId}/resourceGroups/rg-bench-targets/providers/${service.type}/${name}` };
    });
    const benchIds = new Set(plan.map((p) => ids.resourceGroup(p.subscriptionId, p.resourceGroup).toLowerCase() + `/providers/microsoft.network/privateendpoints/${p.name}`));

    if (!(await embedded.whenQuiet({ quietMs: QUIET_MS, timeoutMs: 120_000 }))) process.stdout.write('warning: the control plane did not go quiet after start within 120 s\n');
    const before = embedded.arm.requestLog.snapshot();
    const benchBefore = tally.snapshot();
    const durableBefore = durableCounts(embedded);
    const cpu = cpuMeter();
    const baseline = (await listEndpoints(embedded, 'True')).count;

    // 2. Every endpoint at once.
    const t0 = performance.now();
    let createError: unknown;
    let createsDoneAt: number | undefined;
    Promise.all(
      plan.map((p) =>
        network(p.subscriptionId).privateEndpoints.createOrUpdate(
          p.resourceGroup,
          p.name,
          { location: 'westeurope', subnet: { id: p.subnetId }, privateLinkServiceConnections: [{ name: 'conn', privateLinkServiceId: p.targetId, groupIds: [p.service.groupId] }] },
          pollInterval,
        ),
      ),
    ).then(
      () => (createsDoneAt = performance.now()),
      (e: unknown) => (createError = e),
    );

    // 3. Poll the app's API until every bench endpoint is Registered.
    const registeredAt = new Map<string, number>();
    let t1: number | undefined;
    while (performance.now() < t0 + CONVERGENCE_TIMEOUT_MS && createError === undefined) {
      const { count, endpoints } = await listEndpoints(embedded, 'True').catch(() => ({ count: 0, endpoints: [] as EndpointListItem[] }));
      const now = performance.now();
      for (const e of endpoints) if (benchIds.has(e.endpointId.toLowerCase()) && !registeredAt.has(e.endpointId.toLowerCase())) registeredAt.set(e.endpointId.toLowerCase(), now - t0);
      if (count - baseline >= ENDPOINTS && registeredAt.size >= ENDPOINTS) {
        t1 = now;
        break;
      }
      await sleep(POLL_MS);
    }
    const timedOut = t1 === undefined;
    const endAt = t1 ?? performance.now();
    if (createError !== undefined) process.stdout.write(`error: creating the endpoints failed: ${String(createError)}\n`);
    if (timedOut) {
      const { endpoints } = await listEndpoints(embedded);
      const byReason = new Map<string, number>();
      for (const e of endpoints.filter((x) => benchIds.has(x.endpointId.toLowerCase()) && !registeredAt.has(x.endpointId.toLowerCase()))) {
        const key = `${e.condition?.status}/${e.condition?.reason}: ${e.condition?.message.slice(0, 160)}`;
        byReason.set(key, (byReason.get(key) ?? 0) + 1);
      }
      process.stdout.write(`NOT CONVERGED: ${registeredAt.size}/${ENDPOINTS} Registered after ${ms(endAt - t0)}\n`);
      for (const [k, n] of byReason) process.stdout.write(`  ${n} x ${k}\n`);
    }
    const quiet = await embedded.whenQuiet({ quietMs: QUIET_MS, timeoutMs: timedOut ? 60_000 : 5 * 60_000 });
    const after = embedded.arm.requestLog.snapshot();
    const durableAfter = durableCounts(embedded);
    const cpuMs = cpu.stop();
    rss.stop();

    // 4. Figures. The floor: the endpoints' own creation, then one zone group write each (they run in parallel:
    // each locks only its endpoint), or the write buckets, or the per-zone record GET limit for one verification
    // read per name, whichever binds.
    const d = delta(before, after);
    const benchAfter = tally.snapshot();
    const benchOwn = benchAfter.total - benchBefore.total;
    const benchOps = Object.fromEntries(Object.entries(benchAfter.byOperation).map(([op, n]) => [op, n - (benchBefore.byOperation[op] ?? 0)]));
    const convergenceMs = endAt - t0;
    const peDuration = DEFAULT_LRO_DURATIONS_MS.privateEndpoints * TIME_SCALE;
    const zgDuration = DEFAULT_LRO_DURATIONS_MS.privateDnsZoneGroups * TIME_SCALE;
    const { bucket, refillPerSecond } = DEFAULT_THROTTLING.writes;
    const bucketFloor = (writes: number): number => (Math.max(0, writes - bucket) / (refillPerSecond / TIME_SCALE)) * 1000;
    const perSub = subnets.map((s) => plan.filter((p) => p.subscriptionId === s.subscriptionId).length);
    const writeFloor = Math.max(...perSub.map((n) => bucketFloor(n)));
    const gets = DEFAULT_THROTTLING.dnsRecordSetGets;
    const namesPerZone = SERVICES.map((s) => ({ zone: s.zone, names: plan.filter((p) => p.service.zone === s.zone).length * s.names }));
    const readFloor = Math.max(...namesPerZone.map((z) => Math.max(0, Math.ceil(z.names / gets.limit) - 1) * gets.windowMs * TIME_SCALE));
    const lowerBound = peDuration + Math.max(zgDuration + writeFloor, readFloor);
    const zgPuts = d.byOperation[ZONE_GROUP_PUT]?.total ?? 0;
    const latencies = [...registeredAt.values()].sort((a, b) => a - b);

    process.stdout.write('\n');
    line('endpoints', `${ENDPOINTS} (${SERVICES.map((s) => s.groupId).join(', ')}; ${subnets.length} subscriptions)`);
    line('time scale', `${TIME_SCALE} (${(1 / TIME_SCALE).toFixed(0)}x Azure's pace)`);
    line('time to all Registered', timedOut ? `NOT REACHED (${registeredAt.size}/${ENDPOINTS} after ${ms(convergenceMs)})` : `${ms(convergenceMs)} (Azure time ${azureTime(convergenceMs, TIME_SCALE)})`);
    line('per-endpoint time to Registered (from t0)', `p50 ${ms(percentile(latencies, 50))} | p90 ${ms(percentile(latencies, 90))} | p99 ${ms(percentile(latencies, 99))} | max ${ms(percentile(latencies, 100))} (${POLL_MS} ms poll resolution)`);
    line('endpoint creates done (SDK LROs finished)', createsDoneAt === undefined ? 'no' : `after ${ms(createsDoneAt - t0)}`);
    line('lower bound: endpoint creation', `${ms(peDuration)} (${DEFAULT_LRO_DURATIONS_MS.privateEndpoints} ms x ${TIME_SCALE})`);
    line('lower bound: zone group write', `${ms(zgDuration)} (${DEFAULT_LRO_DURATIONS_MS.privateDnsZoneGroups} ms x ${TIME_SCALE}); endpoints do not share a lock`);
    line('lower bound: writes bucket', `${perSub.join(' + ')} zone group writes per subscription, bucket ${bucket} -> ${ms(writeFloor)}`);
    line('lower bound: record GETs per zone', `${namesPerZone.map((z) => `${z.zone.replace('privatelink.', '')} ${z.names}`).join(', ')} (limit ${gets.limit}/min/zone) -> ${ms(readFloor)}`);
    line('lower bound', `${ms(lowerBound)} (Azure time ${azureTime(lowerBound, TIME_SCALE)})`);
    line('convergence / lower bound', `${(convergenceMs / lowerBound).toFixed(2)}${timedOut ? ' (not converged)' : ''}`);
    line('zone group writes per endpoint', `${(zgPuts / ENDPOINTS).toFixed(2)} (${zgPuts} ${ZONE_GROUP_PUT}; target exactly 1)`);
    line('ARM requests per endpoint', `${(d.total / ENDPOINTS).toFixed(2)} (${d.total} total; bench's own creates + polls ${benchOwn}, control plane ${((d.total - benchOwn) / ENDPOINTS).toFixed(2)}/endpoint)`);
    for (const [op, entry] of Object.entries(d.byOperation).sort((a, b) => b[1].total - a[1].total)) {
      line(`  ${op}`, `${entry.total} (${(entry.total / ENDPOINTS).toFixed(2)}/endpoint) [${Object.entries(entry.byStatus).map(([s, n]) => `${s}: ${n}`).join(', ')}]`);
    }
    line('429 (throttled) answers', `${statusCount(d, 429)} (to the control plane and the bench alike)`);
    printControlPlaneRequests(d, { byOperation: benchOps }, ENDPOINTS, 'endpoint');
    printPollsPerWrite(d, { polls: benchOps['GET operations'] ?? 0, writes: ENDPOINTS }, [ZONE_GROUP_PUT, 'PUT privateDnsZones', 'PUT virtualNetworkLinks']);
    printDurableCost(durableBefore, durableAfter, ENDPOINTS, 'endpoint');
    line('CPU time (process, until quiet)', `${ms(cpuMs)} (${(cpuMs / ENDPOINTS).toFixed(1)} ms/endpoint; unlike wall time, barely moved by other load)`);
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
