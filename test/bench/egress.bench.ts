/**
 * Benchmark of the egress flow in direct mode, end to end: the embedded default (ARM emulator with Azure's relative
 * Firewall Policy write cost, Event Grid, the Durable engine, Azurite) running the real app. Creates 20 spoke VNets
 * (10 per hub region), submits 200 requests over them over HTTP with tokens from the local issuer, waits until all
 * are PendingApproval, then approves all of them at once and measures the time from the last approval to all
 * Active, against the floor (the group writes a policy needs, serialized: one rule collection group write per
 * policy per wave), the rule collection group PUTs per policy, 409 answers, and peak RSS. Prints; asserts nothing.
 *
 *   npm run bench:egress                      (builds, then runs dist/test/bench/egress.bench.js)
 *   REQUESTS=200 SPOKES=20 TIME_SCALE=0.02 npm run bench:egress
 */
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { NetworkManagementClient } from '@azure/arm-network';
import { ids, staticTokenCredential } from '../../local/demo';
import { DEFAULT_LRO_DURATIONS_MS } from '../../local/arm/options';
import { azureTime, rssSampler, startBenchWorld, line, ms, sleep } from './support';

const REQUESTS = Number(process.env.REQUESTS ?? 200);
const SPOKES = Number(process.env.SPOKES ?? 20);
const TIME_SCALE = Number(process.env.TIME_SCALE ?? 0.02);
const TIMEOUT_MS = 20 * 60_000;
const GROUP_PUT = 'PUT ruleCollectionGroups';

async function main(): Promise<void> {
  const rss = rssSampler();
  const { topology, embedded } = await startBenchWorld(TIME_SCALE);
  try {
    const ca = fs.readFileSync(embedded.caCertFile, 'utf8');
    const payments = topology.workloads.find((w) => w.name === 'payments');
    if (!payments) throw new Error('the demo topology lost its payments workload');
    const network = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId, objectId: 'oid-bench-workload-team' }), payments.subscriptionId, {
      endpoint: embedded.armEndpoint,
      tlsOptions: { ca },
    });
    const regions = topology.connectivity.hubs.map((h) => h.region);
    const rgOf = (region: string) => payments.spokes.find((s) => s.region === region)?.resourceGroup ?? '';
    const spokes = Array.from({ length: SPOKES }, (_, i) => {
      const region = regions[i % regions.length] ?? 'westeurope';
      const name = `vnet-egress-bench-${String(i).padStart(3, '0')}`;
      return { id: ids.vnet(payments.subscriptionId, rgOf(region), name), name, region, rg: rgOf(region), prefix: `10.${150 + Math.floor(i / 256)}.${i % 256}.0/24` };
    });
    await Promise.all(spokes.map((s) => network.virtualNetworks.createOrUpdate(s.rg, s.name, { location: s.region, addressSpace: { addressPrefixes: [s.prefix] } }, { updateIntervalInMs: 20 })));
    await embedded.whenQuiet({ quietMs: 300, timeoutMs: 120_000 });

    const url = (p: string) => `${embedded.baseUrl}${p}`;
    const token = async (oid: string, roles: string[]) =>
      ((await (await fetch(url('/api/local/token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: 'bench', roles }) })).json()) as { access_token: string }).access_token;
    const requester = await token('aaaaaaaa-0000-4000-8000-00000000000a', ['Egress.Requester']);
    const approver = await token('bbbbbbbb-0000-4000-8000-00000000000b', ['Egress.Approver']);
    const get = async (id: string) => (await (await fetch(url(`/api/egress-requests/${id}`), { headers: { authorization: `Bearer ${approver}` } })).json()) as { status: string };

    const ids_: string[] = [];
    for (let i = 0; i < REQUESTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, REQUESTS - i) }, async (_, j) => {
          const n = i + j;
          const spoke = spokes[n % spokes.length];
          const res = await fetch(url('/api/egress-requests'), {
            method: 'POST',
            headers: { authorization: `Bearer ${requester}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
            body: JSON.stringify({ spokeVnetId: spoke?.id, destinations: [{ fqdn: `api-${n}.bench.contoso.com` }, { fqdn: `*.cdn-${n}.contoso.com` }], justification: 'bench' }),
          });
          if (res.status !== 202) throw new Error(`POST -> ${res.status}: ${await res.text()}`);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      ids_.push(...batch);
    }
    const waitAll = async (status: string): Promise<void> => {
      const deadline = Date.now() + TIMEOUT_MS;
      const left = new Set(ids_);
      while (left.size > 0 && Date.now() < deadline) {
        for (const id of [...left]) if ((await get(id)).status === status) left.delete(id);
        if (left.size > 0) await sleep(100);
      }
      if (left.size > 0) throw new Error(`${left.size} request(s) never became ${status}`);
    };
    await waitAll('PendingApproval');

    const before = { puts: embedded.arm.requestLog.count(GROUP_PUT), conflicts: embedded.arm.requestLog.count(GROUP_PUT, 409) };
    await Promise.all(ids_.map((id) => fetch(url(`/api/egress-requests/${id}/decision`), { method: 'POST', headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json' }, body: JSON.stringify({ verdict: 'approve' }) })));
    const lastApproval = performance.now();
    await waitAll('Active');
    const allActive = performance.now();
    const puts = embedded.arm.requestLog.count(GROUP_PUT) - before.puts;
    const conflicts = embedded.arm.requestLog.count(GROUP_PUT, 409) - before.conflicts;
    const groupWrite = DEFAULT_LRO_DURATIONS_MS.ruleCollectionGroups * TIME_SCALE;
    const policies = regions.length;

    line('requests / spokes / policies', `${REQUESTS} / ${SPOKES} / ${policies}`);
    line('time scale', `${TIME_SCALE} (a group write: ${DEFAULT_LRO_DURATIONS_MS.ruleCollectionGroups} ms nominal, ${ms(groupWrite)} here)`);
    line('last approval -> all Active', `${ms(allActive - lastApproval)} (${azureTime(allActive - lastApproval, TIME_SCALE)} at Azure's pace)`);
    line('floor (one group write per policy)', `${ms(groupWrite)}; serialized per-request writes would be ${ms((REQUESTS / policies) * groupWrite)} per policy`);
    line('ratio to the floor', (((allActive - lastApproval) / groupWrite) || 0).toFixed(2));
    line('rule collection group PUTs', `${puts} (${(puts / policies).toFixed(1)} per policy)`);
    line('409 AnotherOperationInProgress', String(conflicts));
    line('peak RSS', `${Math.round(rss.peak() / 1024 / 1024)} MB`);
  } finally {
    rss.stop();
    await embedded.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${String(e instanceof Error ? e.stack : e)}\n`);
    process.exit(1);
  },
);
