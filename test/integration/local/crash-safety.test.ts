// Crash safety of the embedded default (issue: soak, item 4), as `npm run soak` checks it at scale: dist/local/main.js
// in a child process on its own LOCAL_DATA_DIR, killed with SIGKILL and started again on the same folder.
//  1. Events published but not delivered when the process dies are delivered after the restart (the Event Grid
//     outbox; in Azure, Event Grid keeps retrying while the control plane is down).
//  2. Killed while activities run: no instance is lost, no activity whose completion was committed runs again (the
//     engine's activity execution trace), the journal loads, and the spokes converge.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { demoTopology, staticTokenCredential } from '../../../local/demo';
import { checkActivityTrace } from '../../../local/durable/activityTrace';
import { apiFetch } from '../operator-token';

const main = path.resolve(__dirname, '../../../dist/local/main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  baseUrl: string;
}

async function start(cwd: string, env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [main], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 45_000;
  while (!output.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the control plane did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const baseUrl = /Control plane running on the embedded default at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
  return { child, output: () => output, exited, baseUrl };
}

async function killHard(run: Run): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function network(baseUrl: string, subscriptionId: string): Promise<NetworkManagementClient> {
  const info = (await (await fetch(`${baseUrl}/api/local/info`)).json()) as { arm: { endpoint: string; caCertFile: string } };
  return new NetworkManagementClient(staticTokenCredential({ tenantId: demoTopology().tenantId }), subscriptionId, {
    endpoint: info.arm.endpoint,
    tlsOptions: { ca: fs.readFileSync(info.arm.caCertFile, 'utf8') },
  });
}

async function instanceIds(baseUrl: string): Promise<string[]> {
  return ((await (await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances?top=1000`)).json()) as Array<{ instanceId: string }>).map((i) => i.instanceId);
}

describe('crash safety of the embedded default (kill -9, restart on the same folder)', () => {
  let dir: string;
  const runs: Run[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-crash-'));
  });
  afterEach(() => {
    for (const run of runs.splice(0)) run.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers events the crash left undelivered, loses no instance, never runs a completed activity again, and converges', async () => {
    const dataDir = path.join(dir, 'data');
    const trace = path.join(dir, 'activities.jsonl');
    const env = { PORT: '0', LOCAL_DATA_DIR: dataDir, LOCAL_ARM_TIME_SCALE: '0.02', LOCAL_DEMO_STAMPS: 'false', LOCAL_DURABLE_ACTIVITY_TRACE: trace };
    const topology = demoTopology();
    const workload = topology.workloads.find((w) => w.watched && w.spokes.some((s) => s.region === 'westeurope'));
    const rg = workload?.spokes.find((s) => s.region === 'westeurope')?.resourceGroup;
    const hub = topology.connectivity.hubs.find((h) => h.region === 'westeurope');
    if (!workload || !rg || !hub) throw new Error('the demo topology has no watched westeurope spoke or hub');
    const names = ['vnet-crash-1', 'vnet-crash-2'];
    const hubPrefixes = async (baseUrl: string): Promise<Record<string, string>> => {
      const client = await network(baseUrl, topology.connectivity.subscriptionId);
      const out: Record<string, string> = {};
      for await (const p of client.virtualNetworkPeerings.list(hub.resourceGroup, hub.vnet.name)) {
        const name = p.remoteVirtualNetwork?.id?.split('/').pop() ?? '';
        if (names.includes(name)) out[name] = `${p.peeringState} ${(p.remoteAddressSpace?.addressPrefixes ?? []).join(',')}`;
      }
      return out;
    };
    const converged = (baseUrl: string, wanted: Record<string, string>): Promise<true> =>
      until(`both spokes peered as ${JSON.stringify(wanted)}`, async () => {
        const spokes = ((await (await apiFetch(`${baseUrl}/api/spokes?top=1000`)).json()) as { spokes: Array<{ name: string; condition: { reason: string } | null }> }).spokes;
        const allConverged = names.every((n) => spokes.find((s) => s.name === n)?.condition?.reason === 'Converged');
        return allConverged && JSON.stringify(await hubPrefixes(baseUrl)) === JSON.stringify(wanted) ? true : undefined;
      });

    // 1. Every event is held for a minute (Event Grid's delay injection); the process dies before any is delivered.
    const first = await start(dir, { ...env, LOCAL_EVENTGRID_INJECTION: JSON.stringify({ delay: { ms: 60_000 } }) });
    runs.push(first);
    const spokes = await network(first.baseUrl, workload.subscriptionId);
    for (const [i, name] of names.entries()) {
      await spokes.virtualNetworks.beginCreateOrUpdateAndWait(rg, name, { location: 'westeurope', addressSpace: { addressPrefixes: [`10.9${i}.0.0/24`] } }, { updateIntervalInMs: 20 });
    }
    await new Promise((r) => setTimeout(r, 500)); // the emulator saves its state at most 200 ms after a change
    expect(await instanceIds(first.baseUrl)).toEqual([]); // nothing was delivered
    await killHard(first);

    const second = await start(dir, env);
    runs.push(second);
    expect(second.output()).toMatch(/Event Grid: \d+ event\(s\) published before the last stop were not delivered yet; delivering them again\./);
    await converged(second.baseUrl, { 'vnet-crash-1': 'Connected 10.90.0.0/24', 'vnet-crash-2': 'Connected 10.91.0.0/24' });

    // 2. Both spokes change; the process dies while activities of that change run.
    const traceLength = fs.readFileSync(trace, 'utf8').length;
    const client = await network(second.baseUrl, workload.subscriptionId);
    for (const [i, name] of names.entries()) {
      await client.virtualNetworks.beginCreateOrUpdateAndWait(rg, name, { location: 'westeurope', addressSpace: { addressPrefixes: [`10.9${i}.0.0/24`, `172.2${i}.0.0/24`] } }, { updateIntervalInMs: 20 });
    }
    await until('an activity of the change to run', async () => (fs.readFileSync(trace, 'utf8').slice(traceLength).includes('"p":"start"') ? true : undefined));
    const before = await instanceIds(second.baseUrl);
    await new Promise((r) => setTimeout(r, 50)); // the listed instances' journal commits are flushed
    await killHard(second);
    expect(before.length).toBeGreaterThan(0);

    const third = await start(dir, env);
    runs.push(third);
    await converged(third.baseUrl, { 'vnet-crash-1': 'Connected 10.90.0.0/24,172.20.0.0/24', 'vnet-crash-2': 'Connected 10.91.0.0/24,172.21.0.0/24' });
    const after = await instanceIds(third.baseUrl);
    expect(before.filter((id) => !after.includes(id))).toEqual([]);
    const report = checkActivityTrace(fs.readFileSync(trace, 'utf8'));
    expect(report.rerunAfterCompletion).toEqual([]);
    expect(report.completed).toBeGreaterThan(0);
    third.child.kill('SIGTERM');
    await expect(third.exited).resolves.toBe(0);
  }, 90_000);
});
