/**
 * Benchmark of one drift run at scale: the embedded default (ARM emulator with throttling; the Durable engine;
 * Azurite) running the real app. Seeds SPOKES spokes (peered with their region's hub, both sides) and ENDPOINTS
 * private endpoints (each with its zone group, so its A record is in a central zone) over 4 watched subscriptions, 2
 * hubs and the demo's 5 central zones, with event delivery paused and the records written as the flows would have
 * left them; then injects 1% drift (one item each: wrong flags on a spoke-side peering, a spoke without a record, an
 * A record deleted) and runs one drift check (report-only: the bench measures detection, not repair).
 * Prints ARM requests per run by kind, wall time, items found vs injected, peak RSS. Asserts nothing.
 *
 *   npm run bench:drift                         (builds, then runs dist/test/bench/drift.bench.js)
 *   SPOKES=100 ENDPOINTS=100 npm run bench:drift
 *   TIME_SCALE=0.001 npm run bench:drift        ARM emulator time scale (default 0.001)
 *
 * Target: list pages + one GET per drift candidate, i.e. O(subscriptions + hubs + zones + drift), not O(resources).
 */
import { randomBytes } from 'node:crypto';
import type { DriftItem, DriftRun } from '../../shared/drift/model';
import { hubSideFlags, peeringName, spokeSideFlags } from '../../shared/peering/spec';
import type { ObservedVnet } from '../../shared/peering/model';
import { createTablesRecordStore } from '../../shared/store/tables-store';
import type { ManagedRecord } from '../../shared/store/records';
import { createSdkSeedingPort, ids, staticTokenCredential } from '../../local/demo';
import { delta, line, ms, rssSampler, startBenchWorld, sleep } from './support';
import { apiFetch } from '../integration/operator-token';

const SPOKES = Number(process.env.SPOKES ?? 1000);
const ENDPOINTS = Number(process.env.ENDPOINTS ?? 1000);
const TIME_SCALE = Number(process.env.TIME_SCALE ?? 0.001);
const DRIFT_PERCENT = 1;
const SUBSCRIPTIONS = ['a0000000-0000-4000-8000-0000000000a1', 'b0000000-0000-4000-8000-0000000000b1', 'd0000000-0000-4000-8000-0000000000d1', 'e0000000-0000-4000-8000-0000000000e1'];
const CONNECTIVITY = 'c0000000-0000-4000-8000-0000000000c1';
const HUBS = [
  { region: 'westeurope', id: ids.vnet(CONNECTIVITY, 'rg-hub-weu', 'vnet-hub-weu'), name: 'vnet-hub-weu', rg: 'rg-hub-weu', prefixes: ['10.0.0.0/22'], hasGateway: true },
  { region: 'northeurope', id: ids.vnet(CONNECTIVITY, 'rg-hub-neu', 'vnet-hub-neu'), name: 'vnet-hub-neu', rg: 'rg-hub-neu', prefixes: ['10.1.0.0/22'], hasGateway: false },
];
const SERVICES = [
  { type: 'Microsoft.Storage/storageAccounts', groupId: 'blob', zone: 'privatelink.blob.core.windows.net' },
  { type: 'Microsoft.KeyVault/vaults', groupId: 'vault', zone: 'privatelink.vaultcore.azure.net' },
  { type: 'Microsoft.ServiceBus/namespaces', groupId: 'namespace', zone: 'privatelink.servicebus.windows.net' },
] as const;

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  }));
}

async function api<T>(baseUrl: string, method: string, path: string): Promise<T> {
  let res: Response | undefined;
  // A GET is tried again when the connection breaks (the host runs in this process and may be busy for long stretches).
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await apiFetch(`${baseUrl}${path}`, { method });
    } catch (e) {
      process.stderr.write(`${method} ${path}: ${(e as Error).message} (${String((e as { cause?: unknown }).cause)})\n`);
      if (method !== 'GET' || attempt >= 5) throw e;
      await sleep(1000);
    }
  }
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  for (const [name, n] of [['SPOKES', SPOKES], ['ENDPOINTS', ENDPOINTS]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 4000) throw new Error(`${name} must be a whole number from 1 to 4000`);
  }
  if (ENDPOINTS > SPOKES * 4) throw new Error('ENDPOINTS may be at most 4 x SPOKES (each spoke snet-pe holds up to 4)');
  if (!(TIME_SCALE > 0)) throw new Error(`TIME_SCALE must be > 0 (got ${process.env.TIME_SCALE})`);
  const rss = rssSampler();
  const { topology, embedded } = await startBenchWorld(TIME_SCALE);
  const base = embedded.baseUrl;
  try {
    // The control plane watches 4 subscriptions, reports only, and counts nothing as a recent change.
    const doc = JSON.parse(process.env.CONTROL_PLANE_TOPOLOGY ?? '{}') as Record<string, unknown>;
    process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify({
      ...doc,
      watchedSubscriptions: SUBSCRIPTIONS,
      drift: { repair: { peering: false, dns: false, egress: false, stamps: false, orphans: false }, recentChangeMinutes: 0, repairWaitSeconds: 0 },
    });
    await embedded.whenQuiet({ timeoutMs: 120_000 });
    // A first run: what the demo world already differs in (not counted as found below).
    const baselineRun = await runDrift(base);
    await api(base, 'POST', '/api/local/eventgrid/pause');

    const seedStart = Date.now();
    const port = await createSdkSeedingPort({ endpoint: embedded.armEndpoint, caCertFile: embedded.caCertFile, credential: staticTokenCredential({ tenantId: topology.tenantId }), updateIntervalInMs: Math.max(2, Math.round(2000 * TIME_SCALE)) });
    const rg = (i: number) => `rg-bench-${i % 10}`;
    for (const sub of SUBSCRIPTIONS) for (let g = 0; g < 10; g++) await port.createResourceGroup(sub, `rg-bench-${g}`, 'westeurope');
    const spokes = Array.from({ length: SPOKES }, (_, i) => {
      const hub = HUBS[i % 2] as (typeof HUBS)[number];
      const sub = SUBSCRIPTIONS[i % SUBSCRIPTIONS.length] as string;
      const name = `vnet-bench-${i}`;
      const third = (i % 256);
      const second = 16 + Math.floor(i / 256);
      return { i, sub, rg: rg(i), name, id: ids.vnet(sub, rg(i), name), hub, prefix: `172.${second}.${third}.0/24`, peSubnet: `172.${second}.${third}.0/26` };
    });
    await pool(spokes, 16, (s) => port.createVirtualNetwork(s.sub, s.rg, s.name, { location: s.hub.region, addressPrefixes: [s.prefix], subnets: [{ name: 'snet-pe', addressPrefix: s.peSubnet }] }));
    // Peerings: one writer per hub (a hub's VNet takes one operation at a time), as the flow's hub writer does.
    const observedHub = (h: (typeof HUBS)[number]): ObservedVnet => ({ id: h.id, name: h.name, location: h.region, addressPrefixes: h.prefixes, tags: {}, hasGateway: h.hasGateway, peerings: [] });
    const observedSpoke = (s: (typeof spokes)[number]): ObservedVnet => ({ id: s.id, name: s.name, location: s.hub.region, addressPrefixes: [s.prefix], tags: {}, hasGateway: false, peerings: [] });
    await Promise.all(HUBS.map(async (hub) => {
      for (const s of spokes.filter((x) => x.hub === hub)) {
        const hubFlags = hubSideFlags(observedHub(hub));
        await port.createPeering(CONNECTIVITY, hub.rg, hub.name, peeringName('spoke-', s.id, s.name), { remoteVirtualNetworkId: s.id, ...hubFlags });
        const spokeFlags = spokeSideFlags(observedHub(hub), observedSpoke(s), { useRemoteGateways: true });
        await port.createPeering(s.sub, s.rg, s.name, peeringName('hub-', hub.id, hub.name), { remoteVirtualNetworkId: hub.id, ...spokeFlags });
      }
    }));
    const zonesRg = topology.connectivity.privateDns.resourceGroup;
    const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => {
      const spoke = spokes[i % SPOKES] as (typeof spokes)[number];
      const service = SERVICES[i % SERVICES.length] as (typeof SERVICES)[number];
      const target = `stbench${i}${randomBytes(2).toString('hex')}`;
      const name = `pe-bench-${i}`;
      return { i, spoke, service, name, id: `/subscriptions/${spoke.sub}/resourceGroups/${spoke.rg}/providers/Microsoft.Network/privateEndpoints/${name}`, target, targetId: `/subscriptions/${spoke.sub}/resourceGroups/${spoke.rg}/providers/${service.type}/${target}` };
    });
    await pool(endpoints, 16, async (e) => {
      await port.createPrivateEndpoint(e.spoke.sub, e.spoke.rg, e.name, { location: e.spoke.hub.region, subnetId: `${e.spoke.id}/subnets/snet-pe`, connectionName: `${e.name}-conn`, privateLinkServiceId: e.targetId, groupIds: [e.service.groupId] });
      await port.createPrivateDnsZoneGroup(e.spoke.sub, e.spoke.rg, e.name, 'default', [`/subscriptions/${CONNECTIVITY}/resourceGroups/${zonesRg}/providers/Microsoft.Network/privateDnsZones/${e.service.zone}`]);
    });
    // The records the flows would have written (an hour old: no recent change).
    const store = createTablesRecordStore({ connectionString: embedded.tables.connectionString });
    const at = new Date(Date.now() - 3600_000).toISOString();
    const rec = (kind: 'spoke' | 'endpoint', resourceId: string, reason: string): ManagedRecord => ({ kind, resourceId, condition: { type: kind === 'spoke' ? 'Peered' : 'DnsRegistered', status: 'True', reason, message: 'seeded by the bench', lastTransitionTime: at }, details: {}, updatedAt: at });
    const driftCount = Math.max(3, Math.round(((SPOKES + ENDPOINTS) * DRIFT_PERCENT) / 100));
    const perKind = Math.max(1, Math.floor(driftCount / 3));
    const unrecorded = new Set(spokes.slice(perKind, 2 * perKind).map((s) => s.id.toLowerCase()));
    await pool(spokes.filter((s) => !unrecorded.has(s.id.toLowerCase())), 16, (s) => store.putRecord(rec('spoke', s.id, 'Converged')));
    await pool(endpoints, 16, (e) => store.putRecord(rec('endpoint', e.id, 'Registered')));
    const seedMs = Date.now() - seedStart;

    // Drift, one item each: wrong flags on a spoke-side peering; a spoke without a record; an A record deleted.
    const injected = new Set<string>(unrecorded);
    for (const s of spokes.slice(0, perKind)) {
      const spokeFlags = spokeSideFlags(observedHub(s.hub), observedSpoke(s), { useRemoteGateways: true });
      await port.createPeering(s.sub, s.rg, s.name, peeringName('hub-', s.hub.id, s.hub.name), { remoteVirtualNetworkId: s.hub.id, ...spokeFlags, allowForwardedTraffic: false });
      injected.add(s.id.toLowerCase());
    }
    const { PrivateDnsManagementClient } = await import('@azure/arm-privatedns');
    const fs = await import('node:fs');
    const dns = new PrivateDnsManagementClient(staticTokenCredential({ tenantId: topology.tenantId }), CONNECTIVITY, { endpoint: embedded.armEndpoint, tlsOptions: { ca: fs.readFileSync(embedded.caCertFile, 'utf8') } });
    const deleteRecords = endpoints.slice(0, driftCount - 2 * perKind);
    for (const e of deleteRecords) {
      await dns.recordSets.delete(zonesRg, e.service.zone, 'A', e.target);
      injected.add(e.id.toLowerCase());
    }
    await api(base, 'POST', '/api/local/eventgrid/resume');
    await embedded.whenQuiet({ timeoutMs: 120_000 });

    const before = embedded.arm.requestLog.snapshot();
    const started = Date.now();
    const run = await runDrift(base);
    const wallMs = Date.now() - started;
    const requests = delta(before, embedded.arm.requestLog.snapshot());

    const baseline = new Set(baselineRun.items.map((i) => `${i.flow}|${i.kind}|${i.resource.toLowerCase()}`));
    const fresh = run.items.filter((i) => !baseline.has(`${i.flow}|${i.kind}|${i.resource.toLowerCase()}`));
    const matched = fresh.filter((i) => injected.has(i.resource.toLowerCase()));
    process.stdout.write(`\nDrift run at scale (${SPOKES} spokes, ${ENDPOINTS} private endpoints, ${SUBSCRIPTIONS.length} subscriptions, ${HUBS.length} hubs, 5 zones; time scale ${TIME_SCALE})\n`);
    line('seeding (not measured)', ms(seedMs));
    line('run status', `${run.status}${run.error ? ` (${run.error})` : ''}`);
    line('wall time of the run (POST -> report)', ms(wallMs));
    line('run durationMs (orchestration)', ms(run.durationMs ?? 0));
    line('ARM requests in the run (total)', String(requests.total));
    for (const [op, entry] of Object.entries(requests.byOperation).sort(([a], [b]) => a.localeCompare(b))) line(`  ${op}`, `${entry.total} ${JSON.stringify(entry.byStatus)}`);
    for (const f of run.flows) line(`  ${f.flow} port calls`, `${JSON.stringify(f.calls)} in ${ms(f.durationMs)}; inspected ${JSON.stringify(f.inspected)}${f.notInspected.length ? `; NOT inspected ${f.notInspected.length}` : ''}`);
    line('drift injected', String(injected.size));
    line('items found for injected resources', `${matched.length} (${[...new Set(matched.map((i) => i.kind))].join(', ')})`);
    line('items found beyond the baseline, total', String(fresh.length));
    line('items of the demo world (baseline run)', String(baselineRun.items.length));
    line('injected but not found', String([...injected].filter((id) => !matched.some((i) => i.resource.toLowerCase() === id)).length));
    line('peak RSS', `${Math.round(rss.peak() / 1024 / 1024)} MB`);
  } finally {
    rss.stop();
    await embedded.stop();
  }
}

async function runDrift(base: string): Promise<DriftRun & { items: DriftItem[] }> {
  const { runId } = await api<{ runId: string }>(base, 'POST', '/api/drift/runs');
  for (;;) {
    const run = await api<DriftRun & { items: DriftItem[] }>(base, 'GET', `/api/drift/runs/${runId}`);
    if (run.status !== 'Running') return run;
    await sleep(100);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
