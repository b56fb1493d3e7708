// `npm start` as a user runs it: the compiled entry (dist/local/main.js, built by the jest global setup) in a child
// process, in a folder of its own, on any free port, stopped with SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { demoTopology, staticTokenCredential } from '../../../local/demo';
import { apiFetch } from '../operator-token';

const main = path.resolve(__dirname, '../../../dist/local/main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startControlPlane(cwd: string, env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, [main, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs = 45_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.output());
    if (match) return match;
    if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`did not see ${pattern} in:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface LocalInfo {
  arm: { endpoint: string; caCertFile: string };
  hubs: Array<Record<string, unknown>>;
  subscriptions: { watched: string[] };
  controlPlane: { mode?: string };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await apiFetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real SDK client on the running environment's ARM emulator (endpoint and CA from /api/local/info). */
async function networkClient(baseUrl: string, subscriptionId: string): Promise<NetworkManagementClient> {
  const info = await getJson<LocalInfo>(`${baseUrl}/api/local/info`);
  return new NetworkManagementClient(staticTokenCredential({ tenantId: demoTopology().tenantId }), subscriptionId, {
    endpoint: info.arm.endpoint,
    tlsOptions: { ca: fs.readFileSync(info.arm.caCertFile, 'utf8') },
  });
}

async function stopped(run: Run): Promise<void> {
  run.child.kill('SIGTERM');
  await expect(run.exited).resolves.toBe(0);
}

const RUNNING = /Control plane running on the embedded default at (http:\/\/127\.0\.0\.1:\d+)/;

/** Waits for the whole banner (it is written line by line: its last line is the Ctrl+C hint); returns the base URL match. */
async function running(run: Run): Promise<RegExpMatchArray> {
  const match = await waitFor(run, RUNNING);
  await waitFor(run, /Press Ctrl\+C to stop\./);
  return match;
}

describe('npm start (dist/local/main.js)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-start-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts everything, prints and lists the console, answers /api/local/info, keeps its data in LOCAL_DATA_DIR and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(dir, 'data');
    const run = startControlPlane(dir, { PORT: '0', LOCAL_DATA_DIR: dataDir });
    try {
      const [, baseUrl] = await running(run);
      expect(run.output()).toContain(`  Console:            ${baseUrl}/api/console/`);
      const info = (await (await fetch(`${baseUrl}/api/local/info`)).json()) as { arm: { endpoint: string }; durable: { store: string }; console: { url: string }; metrics: { url: string } };
      expect(info.console.url).toBe(`${baseUrl}/api/console/`);
      expect((await fetch(info.console.url)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(info.arm.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      // The metrics URL: in the banner and in the info document, serving Prometheus text.
      expect(info.metrics.url).toBe(`${baseUrl}/metrics`);
      const [, bannerMetrics] = await waitFor(run, /Metrics: +(http\S+)/);
      expect(bannerMetrics).toBe(info.metrics.url);
      const metrics = await fetch(info.metrics.url);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^# HELP controlplane_/m);
      expect(info.durable.store).toBe(path.join(dataDir, 'durable'));
      expect(fs.existsSync(path.join(dataDir, 'durable'))).toBe(true);
      run.child.kill('SIGTERM');
      await expect(run.exited).resolves.toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('refuses a bad setting with a message naming it', async () => {
    const run = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'floppy' });
    await expect(run.exited).resolves.toBe(1);
    expect(run.output()).toContain('Could not start the control plane: LOCAL_STORAGE is "floppy"; it must be disk or memory.');
  });

  it('resumes the same world after a restart on the same LOCAL_DATA_DIR, refuses a second instance, and --fresh starts over', async () => {
    const dataDir = path.join(dir, 'data');
    const env = { PORT: '0', LOCAL_DATA_DIR: dataDir, LOCAL_ARM_TIME_SCALE: '0.01' };
    const topology = demoTopology();
    const workload = topology.workloads.find((w) => w.watched && w.spokes.some((s) => s.region === 'westeurope'));
    const rg = workload?.spokes.find((s) => s.region === 'westeurope')?.resourceGroup;
    const hub = topology.connectivity.hubs[0];
    if (!workload || !rg || !hub) throw new Error('the demo topology has no watched westeurope spoke or no hub');
    const spokeId = `/subscriptions/${workload.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/vnet-restart`;
    const listed = async (baseUrl: string): Promise<Array<{ vnetId: string; condition: { reason: string } | null }>> =>
      (await getJson<{ spokes: Array<{ vnetId: string; condition: { reason: string } | null }> }>(`${baseUrl}/api/spokes`)).spokes;

    // First run: a new world, seeded. A VNet is created through the SDK and the control plane converges it.
    const first = startControlPlane(dir, env);
    let hubEtag: string | undefined;
    try {
      const [, baseUrl = ''] = await running(first);
      expect(first.output()).toContain(`Data:               ${dataDir} (new world, seeded from the topology; npm start -- --fresh starts over)`);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'instance.json'), 'utf8'))).toMatchObject({ pid: first.child.pid, baseUrl });
      const spokes = await networkClient(baseUrl, workload.subscriptionId);
      await spokes.virtualNetworks.beginCreateOrUpdateAndWait(rg, 'vnet-restart', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.60.0.0/24'] } });
      await until('the new spoke to converge', async () => ((await listed(baseUrl)).find((s) => s.vnetId.toLowerCase() === spokeId.toLowerCase())?.condition?.reason === 'Converged' ? true : undefined));
      hubEtag = (await (await networkClient(baseUrl, topology.connectivity.subscriptionId)).virtualNetworks.get(hub.resourceGroup, hub.vnet.name)).etag;
      await stopped(first);
    } finally {
      first.child.kill('SIGKILL');
    }
    expect(fs.existsSync(path.join(dataDir, 'instance.json'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'arm', 'state.json'))).toBe(true);

    // Second run, same folder: the VNet and its record are there; the topology was not seeded again.
    const second = startControlPlane(dir, env);
    try {
      const [, baseUrl = ''] = await running(second);
      expect(second.output()).toContain(`Data:               ${dataDir} (resumed the saved world; npm start -- --fresh starts over)`);
      const vnet = await (await networkClient(baseUrl, workload.subscriptionId)).virtualNetworks.get(rg, 'vnet-restart');
      expect(vnet.addressSpace?.addressPrefixes).toEqual(['10.60.0.0/24']);
      expect(vnet.virtualNetworkPeerings?.map((p) => p.peeringState)).toEqual(['Connected']);
      const hubNow = await (await networkClient(baseUrl, topology.connectivity.subscriptionId)).virtualNetworks.get(hub.resourceGroup, hub.vnet.name);
      expect(hubNow.etag).toBe(hubEtag);
      expect((await listed(baseUrl)).find((s) => s.vnetId.toLowerCase() === spokeId.toLowerCase())?.condition?.reason).toBe('Converged');
      expect(JSON.stringify(await getJson<unknown>(`${baseUrl}/runtime/webhooks/durabletask/instances`))).toContain('spoke-peering-vnet-restart-');

      // A second instance on the same folder is refused, naming the folder and the holder.
      const intruder = startControlPlane(dir, env);
      await expect(intruder.exited).resolves.toBe(1);
      expect(intruder.output()).toMatch(
        new RegExp(`Could not start the control plane: LOCAL_DATA_DIR ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${second.child.pid} \\(started [0-9TZ:.-]+\\); stop it or set LOCAL_DATA_DIR to another folder\\.`),
      );
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'instance.json'), 'utf8'))).toMatchObject({ pid: second.child.pid, baseUrl });
      await stopped(second);
    } finally {
      second.child.kill('SIGKILL');
    }

    // A crashed holder's lock is taken over; --fresh wipes the emulator's world, the records and the journal together.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dataDir, 'instance.json'), JSON.stringify({ pid: Number(dead.stdout), startedAt: '2026-01-01T00:00:00.000Z', baseUrl: null }));
    const fresh = startControlPlane(dir, env, ['--fresh']);
    try {
      const [, baseUrl = ''] = await running(fresh);
      expect(fresh.output()).toContain('new world, seeded from the topology');
      const gone = await (await networkClient(baseUrl, workload.subscriptionId)).virtualNetworks.get(rg, 'vnet-restart').catch((e: { statusCode?: number }) => e.statusCode);
      expect(gone).toBe(404);
      expect((await listed(baseUrl)).some((s) => s.vnetId.toLowerCase() === spokeId.toLowerCase())).toBe(false);
      expect(JSON.stringify(await getJson<unknown>(`${baseUrl}/runtime/webhooks/durabletask/instances`))).not.toContain('spoke-peering-vnet-restart-');
      await stopped(fresh);
    } finally {
      fresh.child.kill('SIGKILL');
    }
  });

  it('warns when the data folder holds records and a journal from before the emulator kept its state', async () => {
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(path.join(dataDir, 'durable'), { recursive: true });
    const run = startControlPlane(dir, { PORT: '0', LOCAL_DATA_DIR: dataDir });
    try {
      await running(run);
      expect(run.output()).toContain(`${dataDir} holds records and a Durable journal but no ARM emulator state (arm/state.json)`);
      await stopped(run);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('says the mode, the config source and each configured hub whose VNet does not exist; /api/local/info shows the configured hubs', async () => {
    const topology = demoTopology();
    const hub = topology.connectivity.hubs[0];
    if (!hub) throw new Error('the demo topology has no hub');
    const hubId = `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/${hub.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${hub.vnet.name}`;
    const missingId = `/subscriptions/${topology.connectivity.subscriptionId}/resourceGroups/rg-hub-x/providers/Microsoft.Network/virtualNetworks/vnet-nowhere`;
    const configured = {
      watchedSubscriptions: [topology.workloads[0]?.subscriptionId],
      hubs: [
        { name: 'main', region: hub.region, vnetId: hubId },
        { name: 'ghost', region: 'swedencentral', vnetId: missingId },
      ],
    };
    const run = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'memory', CONTROL_PLANE_MODE: 'observe', CONTROL_PLANE_TOPOLOGY: JSON.stringify(configured) });
    try {
      const [, baseUrl = ''] = await running(run);
      await waitFor(run, /Press Ctrl\+C to stop\./);
      const output = run.output();
      expect(output).toContain('Data:               in memory (LOCAL_STORAGE=memory): nothing is kept after stop');
      expect(output).toContain('Mode: observe');
      expect(output).toContain('Config: CONTROL_PLANE_TOPOLOGY (inline JSON)');
      expect(output).toContain(`Warning: hub "ghost" (swedencentral): its VNet ${missingId} does not exist in ARM; spokes in swedencentral cannot be peered.`);
      expect(output).not.toContain('Warning: hub "main"');
      const info = await getJson<LocalInfo>(`${baseUrl}/api/local/info`);
      expect(info.hubs).toEqual([
        { name: 'main', region: hub.region, vnetId: hubId, exists: true, addressPrefixes: hub.vnet.addressPrefixes, hasGateway: hub.gateway !== undefined },
        { name: 'ghost', region: 'swedencentral', vnetId: missingId, exists: false, addressPrefixes: [], hasGateway: false },
      ]);
      // The configured subscriptions and mode too, not the emulator topology's.
      expect(info.subscriptions.watched).toEqual(configured.watchedSubscriptions);
      expect(info.controlPlane.mode).toBe('observe');
      await stopped(run);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('says Mode: enforce and Config: the demo topology by default', async () => {
    const run = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'memory' });
    try {
      await waitFor(run, /Press Ctrl\+C to stop\./);
      expect(run.output()).toContain('Mode: enforce');
      expect(run.output()).toContain('Config: the demo topology');
      expect(run.output()).not.toContain('Warning: hub');
      await stopped(run);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('names LOCAL_TOPOLOGY_FILE when it points at no file, and a bad user topology by its path (not as the demo)', async () => {
    const missing = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'memory', LOCAL_TOPOLOGY_FILE: 'nope/topology.json' });
    await expect(missing.exited).resolves.toBe(1);
    expect(missing.output()).toContain(
      `Could not start the control plane: LOCAL_TOPOLOGY_FILE is "nope/topology.json", but there is no file ${path.join(fs.realpathSync(dir), 'nope/topology.json')}; point it at a topology JSON file or unset it to use the demo topology.`,
    );
    const bad = path.join(dir, 'mine.json');
    fs.writeFileSync(bad, JSON.stringify({ tenantId: 'not-a-guid' }));
    const invalid = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'memory', LOCAL_TOPOLOGY_FILE: bad });
    await expect(invalid.exited).resolves.toBe(1);
    expect(invalid.output()).toContain(`Could not start the control plane: Invalid topology (${bad}):`);
    expect(invalid.output()).not.toContain('demo');
  });

  it('refuses an unknown argument, naming --fresh', async () => {
    const run = startControlPlane(dir, { PORT: '0', LOCAL_STORAGE: 'memory' }, ['--frsh']);
    await expect(run.exited).resolves.toBe(1);
    expect(run.output()).toContain('Could not start the control plane: unknown argument "--frsh"; the only one is --fresh (start from an empty data folder).');
  });
});
