/**
 * `npm run soak`: the embedded default under sustained pressure, with figures (prints, never asserts).
 *
 * Runs of the same seeded plan of resource events, each against `node dist/local/main.js` as a child process on
 * its own LOCAL_DATA_DIR (the on-disk Durable store):
 *   - baseline: no faults, no Event Grid injection, no kill: the writes a clean run makes;
 *   - chaos: SOAK_FAULT_RATE of ARM requests fail (faults.ts chaosRules: 429 with Retry-After, 500, 503, failed
 *     long-running operations), Event Grid duplicates, reorders and delays deliveries (LOCAL_EVENTGRID_INJECTION),
 *     one `kill -9` of the control plane midway (after a second process on the same folder is shown refused), then a
 *     restart on the same data folder;
 *   - baseline-2 (SOAK_NOISE=1, default): a second clean run, to show how far two clean runs differ (events are
 *     concurrent, so passes coalesce differently from run to run).
 * At the end of each run it waits for quiet and compares every resource with the plan's intended final state through
 * the HTTP API (records) and ARM (the SDK, as a person): converged %, lost, and the control plane's ARM writes per flow
 * (from GET /api/local/arm/requests, per caller), then the chaos run's writes beyond the baseline's, per flow and per
 * resource.
 *
 * Settings: SOAK_EVENTS (default 240), SOAK_SEED (1), SOAK_FAULT_RATE (0.05), SOAK_CONCURRENCY (8),
 * SOAK_TIME_SCALE (ARM pace, 0.05), SOAK_QUIET_TIMEOUT_S (600), SOAK_NOISE (1), SOAK_KEEP=1 keeps the data folders.
 * The issue's full soak: SOAK_EVENTS=10000 npm run soak (see README "Soak").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { seeded } from '../../local/arm/lockConflicts';
import { ArmClients, fetchInfo, type LocalInfo } from '../../local/cli/environment';
import { demoTopology } from '../../local/demo';
import { checkActivityTrace, type ActivityTraceReport } from '../../local/durable/activityTrace';
import { LOCAL_OBJECT_ID } from '../../shared/azure/local-credential';
import { Api, planStamps, StampDriver, verifyStamps, type EpisodeResult, type StampEpisode } from './stamps';
import { attributeWrites, causeTotals, describeAttribution, sameState, type AttributedWrite, type AuditSeen, type Journaled, type ResourceAttribution } from './attribution';

// ------------------------------------------------------------------------------------------------ settings

function intSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} is "${raw}"; it must be an integer from ${min} to ${max}.`);
  return n;
}

function numberSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} is "${raw}"; it must be a number from ${min} to ${max}.`);
  return n;
}

const EVENTS = intSetting('SOAK_EVENTS', 240, 10, 100_000);
const SEED = intSetting('SOAK_SEED', 1, 0, 2 ** 31);
const FAULT_RATE = numberSetting('SOAK_FAULT_RATE', 0.05, 0, 0.5);
const CONCURRENCY = intSetting('SOAK_CONCURRENCY', 8, 1, 64);
const TIME_SCALE = numberSetting('SOAK_TIME_SCALE', 0.05, 0.001, 1);
const QUIET_TIMEOUT_MS = intSetting('SOAK_QUIET_TIMEOUT_S', 600, 10, 7200) * 1000;
const KEEP = process.env.SOAK_KEEP === '1';
/** A second clean run, to measure how much two clean runs of the same seed differ (the floor of "unintended"). */
const NOISE = intSetting('SOAK_NOISE', 1, 0, 1) === 1;
/** One drift check (POST /api/drift/runs) at the end of each run, after its writes are counted. */
const DRIFT = intSetting('SOAK_DRIFT', 1, 0, 1) === 1;
const EVENT_GRID_INJECTION = { duplicate: { probability: 0.1 }, reorder: { window: 4, maxHoldInMs: 500 }, delay: { ms: 50, jitterMs: 1500 } };
const EGRESS_TAG = 'hubspoke-egress';
const TAG_VALUES = ['api.github.com', 'pypi.org', 'registry.npmjs.org', 'api.nuget.org'];
const MAIN = path.resolve(__dirname, '../../local/main.js');
const PROJECT = path.resolve(__dirname, '../../..');

// ------------------------------------------------------------------------------------------------ the plan

interface Home {
  subscriptionId: string;
  resourceGroup: string;
  region: string;
}

/** What one slot (a spoke, its endpoint, its egress tag) should be after its events so far. */
interface SlotState {
  exists: boolean;
  wide: boolean;
  tag: string | undefined;
  endpoint: boolean;
}

type OpKind = 'spoke.create' | 'spoke.change' | 'spoke.delete' | 'egress.tag' | 'egress.untag' | 'endpoint.create' | 'endpoint.delete';

interface Op {
  index: number;
  slot: number;
  kind: OpKind;
  /** The slot's state after this op. */
  after: SlotState;
}

const FLOW_OF_OP: Record<OpKind, string> = {
  'spoke.create': 'peering',
  'spoke.change': 'peering',
  'spoke.delete': 'peering',
  'egress.tag': 'egress',
  'egress.untag': 'egress',
  'endpoint.create': 'dns',
  'endpoint.delete': 'dns',
};

/** A seeded sequence of valid events over `slots` spokes: pure, so both runs get the same one. */
export function planEvents(events: number, seed: number): { slots: number; ops: Op[] } {
  const random = seeded(seed);
  const slots = Math.max(4, Math.ceil(events / 8));
  const states: SlotState[] = Array.from({ length: slots }, () => ({ exists: false, wide: false, tag: undefined, endpoint: false }));
  const ops: Op[] = [];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  while (ops.length < events) {
    const slot = Math.floor(random() * slots);
    const s = states[slot] as SlotState;
    let kind: OpKind;
    if (!s.exists) kind = 'spoke.create';
    else {
      const choices: OpKind[] = ['spoke.change', 'spoke.change', 'egress.tag', s.endpoint ? 'endpoint.delete' : 'endpoint.create', s.endpoint ? 'endpoint.delete' : 'endpoint.create', 'spoke.delete'];
      if (s.tag !== undefined) choices.push('egress.untag');
      kind = pick(choices);
      // A VNet whose subnet holds an endpoint cannot be deleted: the endpoint goes first (its own event).
      if (kind === 'spoke.delete' && s.endpoint) kind = 'endpoint.delete';
    }
    const after: SlotState = { ...s };
    if (kind === 'spoke.create') Object.assign(after, { exists: true, wide: false, tag: undefined, endpoint: false });
    if (kind === 'spoke.change') after.wide = !s.wide;
    if (kind === 'spoke.delete') Object.assign(after, { exists: false, wide: false, tag: undefined, endpoint: false });
    if (kind === 'egress.tag') after.tag = pick(TAG_VALUES.filter((v) => v !== s.tag));
    if (kind === 'egress.untag') after.tag = undefined;
    if (kind === 'endpoint.create') after.endpoint = true;
    if (kind === 'endpoint.delete') after.endpoint = false;
    states[slot] = after;
    ops.push({ index: ops.length, slot, kind, after });
  }
  return { slots, ops };
}

// ------------------------------------------------------------------------------------------------ the world

function homes(): Home[] {
  const topology = demoTopology();
  return topology.workloads
    .filter((w) => w.watched)
    .flatMap((w) => w.spokes.map((s) => ({ subscriptionId: w.subscriptionId, resourceGroup: s.resourceGroup, region: s.region })));
}

const slotName = (slot: number): string => `vnet-soak-${slot}`;
const endpointName = (slot: number): string => `pe-soak-${slot}`;
const storageName = (slot: number): string => `stsoak${slot}`;
const prefixA = (slot: number): string => `10.${64 + (slot >> 8)}.${slot & 255}.0/24`;
const prefixB = (slot: number): string => `172.${16 + (slot >> 8)}.${slot & 255}.0/24`;
const subnetOf = (slot: number): string => `10.${64 + (slot >> 8)}.${slot & 255}.0/26`;

function homeOf(slot: number, all: Home[]): Home {
  return all[slot % all.length] as Home;
}

function vnetIdOf(slot: number, home: Home): string {
  return `/subscriptions/${home.subscriptionId}/resourceGroups/${home.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${slotName(slot)}`;
}

function endpointIdOf(slot: number, home: Home): string {
  return `/subscriptions/${home.subscriptionId}/resourceGroups/${home.resourceGroup}/providers/Microsoft.Network/privateEndpoints/${endpointName(slot)}`;
}

// ------------------------------------------------------------------------------------------------ the child process

interface Child {
  process: ChildProcess;
  baseUrl: string;
  output: () => string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function childEnv(dataDir: string, port: number, chaos: boolean, fresh: boolean): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOCAL_DATA_DIR: dataDir,
    PORT: String(port),
    LOCAL_FRESH: fresh ? 'true' : 'false',
    LOCAL_DEMO_STAMPS: 'true',
    LOCAL_ARM_TIME_SCALE: String(TIME_SCALE),
    LOCAL_DURABLE_ACTIVITY_TRACE: path.join(path.dirname(dataDir), `${path.basename(dataDir)}-activities.jsonl`),
    LOCAL_CHAOS_SEED: String(SEED),
    LOCAL_ARM_FAULT_RATE: chaos ? String(FAULT_RATE) : '0',
    ...(chaos ? { LOCAL_EVENTGRID_INJECTION: JSON.stringify(EVENT_GRID_INJECTION) } : {}),
  };
}

/** Every control plane this process started: killed if the soak stops early (an error must not leave one running). */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startChild(dataDir: string, chaos: boolean, fresh: boolean): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { cwd: PROJECT, env: childEnv(dataDir, port, chaos, fresh), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  // SOAK_KEEP=1: every line of every process of the run, for reading the attribution against (the rest keeps a tail).
  const full = KEEP ? fs.createWriteStream(`${dataDir}-output-full.log`, { flags: 'a' }) : undefined;
  child.once('exit', () => full?.end());
  child.stdout?.on('data', (d: Buffer) => {
    full?.write(d);
    output = (output + d.toString()).slice(-200_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    full?.write(d);
    output = (output + d.toString()).slice(-200_000);
  });
  const deadline = Date.now() + 120_000;
  while (!output.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null) throw new Error(`the control plane exited with ${child.exitCode} before it was ready:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the control plane was not ready within 120 s:\n${output.slice(-4000)}`);
    }
    await sleep(100);
  }
  return { process: child, baseUrl: `http://127.0.0.1:${port}`, output: () => output };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 30_000);
  await exited(child.process);
  clearTimeout(timer);
}

/** Peak resident set of a live process (VmHWM, Linux), in MB; undefined elsewhere. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** A second process on the same folder while the first runs: it must be refused, naming the holder. */
async function secondStartRefused(dataDir: string, holderPid: number | undefined): Promise<{ refused: boolean; detail: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { cwd: PROJECT, env: childEnv(dataDir, port, false, false), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited(child);
  clearTimeout(timer);
  const line = output.split('\n').find((l) => l.includes('in use by process')) ?? output.trim().split('\n').slice(-1)[0] ?? '';
  return { refused: child.exitCode === 1 && line.includes(`in use by process ${holderPid}`), detail: line.trim() };
}

// ------------------------------------------------------------------------------------------------ HTTP helpers

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function getJson(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, body };
}

interface RequestCounts {
  total: number;
  byStatus: Record<string, number>;
}
type ByOperation = Record<string, RequestCounts>;

interface ControlPlaneRequests {
  byOperation: ByOperation;
  /** Successful writes per resource path. */
  writes: Record<string, number>;
  /** Operations made to fail by the fault injection, per path (any caller). */
  lroFailures: Record<string, number>;
  /** The control plane's journaled requests (writes, answers other than 2xx) after `afterSeq`, in order. */
  journal: Journaled[];
  /** Other callers' (the driver's) successful writes of the soak's VNets, after `afterSeq`. */
  vnetWrites: Journaled[];
}

async function controlPlaneRequests(baseUrl: string, afterSeq = 0): Promise<ControlPlaneRequests> {
  const answer = await getJson(`${baseUrl}/api/local/arm/requests?journal=true&afterSeq=${afterSeq}`, {}, 120_000);
  const body = answer.body as { byPrincipal?: Record<string, ByOperation>; writesByPrincipal?: Record<string, Record<string, number>>; injectedLroFailures?: Record<string, number>; journal?: Journaled[] };
  return {
    byOperation: body.byPrincipal?.[LOCAL_OBJECT_ID] ?? {},
    writes: body.writesByPrincipal?.[LOCAL_OBJECT_ID] ?? {},
    lroFailures: body.injectedLroFailures ?? {},
    journal: (body.journal ?? []).filter((e) => e.principal === LOCAL_OBJECT_ID),
    vnetWrites: (body.journal ?? []).filter((e) => e.principal !== LOCAL_OBJECT_ID && e.status < 300 && /\/virtualnetworks\/vnet-soak-\d+$/.test(e.path)),
  };
}

/** The last journal position of a process's request log (any caller), so a later read takes only what follows. */
async function journalPosition(baseUrl: string): Promise<number> {
  const answer = await getJson(`${baseUrl}/api/local/arm/requests?journal=true`, {}, 120_000);
  return ((answer.body as { journal?: Journaled[] }).journal ?? []).reduce((max, e) => Math.max(max, e.seq), 0);
}

/** The audit entries (newest 50 each) of the soak's spokes whose peerings the run wrote: what the writes were for. */
async function spokeAudits(api: Api, all: Home[], writes: Record<string, number>): Promise<AuditSeen[]> {
  const slots = new Set<number>();
  for (const path of Object.keys(writes)) {
    const match = /\/virtualnetworkpeerings\/.*?vnet-soak-(\d+)|\/virtualnetworks\/vnet-soak-(\d+)\/virtualnetworkpeerings\//.exec(path);
    const slot = match?.[1] ?? match?.[2];
    if (slot !== undefined) slots.add(Number(slot));
  }
  const audits: AuditSeen[] = [];
  for (const slot of [...slots].slice(0, 2000)) {
    const home = homeOf(slot, all);
    const answer = await api.call('GET', `/api/spokes/${home.subscriptionId}/${home.resourceGroup}/${slotName(slot)}`).catch(() => undefined);
    if (answer?.status === 200) audits.push(...((answer.body as { audit?: AuditSeen[] }).audit ?? []));
  }
  return audits;
}

function addWrites(into: Record<string, number>, more: Record<string, number>, sign = 1): void {
  for (const [path, n] of Object.entries(more)) into[path] = (into[path] ?? 0) + sign * n;
}

function flowOfPath(path: string): string {
  if (/\/virtualnetworkpeerings\//.test(path)) return 'peering';
  if (/\/privatednszonegroups\/|\/privatednszones\//.test(path)) return 'dns';
  if (/\/firewallpolicies\//.test(path)) return 'egress';
  if (/\/microsoft\.cdn\/|\/frontdoors\//.test(path)) return 'stamps';
  return 'other';
}

function addCounts(into: ByOperation, more: ByOperation): void {
  for (const [op, c] of Object.entries(more)) {
    const entry = (into[op] ??= { total: 0, byStatus: {} });
    entry.total += c.total;
    for (const [s, n] of Object.entries(c.byStatus)) entry.byStatus[s] = (entry.byStatus[s] ?? 0) + n;
  }
}

function subtractCounts(from: ByOperation, less: ByOperation): void {
  for (const [op, c] of Object.entries(less)) {
    const entry = from[op];
    if (!entry) continue;
    entry.total -= c.total;
    for (const [s, n] of Object.entries(c.byStatus)) entry.byStatus[s] = (entry.byStatus[s] ?? 0) - n;
  }
}

const WRITE_METHODS = ['PUT', 'PATCH', 'DELETE', 'POST'];

function flowOfOperation(operation: string): string {
  const type = operation.split(' ')[1] ?? '';
  if (/peering/i.test(type)) return 'peering';
  if (/^(A|AAAA|CNAME|recordsets|privateDnsZones|virtualNetworkLinks|privateDnsZoneGroups)$/i.test(type)) return 'dns';
  if (/firewallPolicies|ruleCollectionGroups/i.test(type)) return 'egress';
  if (/frontDoor|origin|afd/i.test(type)) return 'stamps';
  return `other (${type})`;
}

/** Successful (2xx) write requests of the control plane, per flow and per operation. */
function writesPerFlow(counts: ByOperation): { perFlow: Record<string, number>; perOperation: Record<string, number> } {
  const perFlow: Record<string, number> = {};
  const perOperation: Record<string, number> = {};
  for (const [op, c] of Object.entries(counts)) {
    if (!WRITE_METHODS.includes(op.split(' ')[0] ?? '')) continue;
    const ok = Object.entries(c.byStatus).filter(([s]) => s.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
    if (ok === 0) continue;
    perOperation[op] = ok;
    const flow = flowOfOperation(op);
    perFlow[flow] = (perFlow[flow] ?? 0) + ok;
  }
  return { perFlow, perOperation };
}

function failuresSeen(counts: ByOperation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of Object.values(counts)) for (const [s, n] of Object.entries(c.byStatus)) if (!s.startsWith('2')) out[s] = (out[s] ?? 0) + n;
  return out;
}

// ------------------------------------------------------------------------------------------------ the driver

class Driver {
  private clients!: ArmClients;
  private info!: LocalInfo;

  get localInfo(): LocalInfo {
    return this.info;
  }
  /** Set while the control plane is down: ops wait for it. */
  private down: Promise<void> | undefined;
  private release: (() => void) | undefined;
  retriedOps = 0;

  constructor(private readonly all: Home[]) {}

  async connect(baseUrl: string): Promise<void> {
    this.info = await fetchInfo(baseUrl);
    this.clients = await ArmClients.create(this.info, demoTopology().tenantId);
  }

  pause(): void {
    this.down = new Promise((resolve) => (this.release = resolve));
  }

  /** Resolves when the control plane is up (at once but while the kill -9 is handled). */
  async whenUp(): Promise<void> {
    while (this.down) await this.down;
  }

  resume(): void {
    this.release?.();
    this.down = undefined;
  }

  /** Runs one op until ARM has taken it (its own retries on top of the SDK's: the driver is a person who retries). */
  async apply(op: Op): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.down) await this.down;
      try {
        await this.write(op.slot, op.kind, op.after);
        return;
      } catch (error) {
        if (attempt >= 40) throw new Error(`op ${op.index} ${op.kind} of slot ${op.slot} failed ${attempt} times: ${(error as Error).message}`);
        this.retriedOps += 1;
        await sleep(Math.min(5000, 200 * attempt));
      }
    }
  }

  /** Makes ARM hold the slot's intended state (idempotent: PUTs of the whole intent, deletes that accept 404). */
  async write(slot: number, kind: OpKind | 'repair', s: SlotState): Promise<void> {
    const home = homeOf(slot, this.all);
    const network = this.clients.networkClient(home.subscriptionId);
    const lro = this.clients.lro;
    if (kind === 'endpoint.delete' || kind === 'spoke.delete' || (kind === 'repair' && !s.endpoint)) {
      await ignore404(network.privateEndpoints.beginDeleteAndWait(home.resourceGroup, endpointName(slot), lro));
    }
    if (kind === 'spoke.delete' || (kind === 'repair' && !s.exists)) {
      await ignore404(network.virtualNetworks.beginDeleteAndWait(home.resourceGroup, slotName(slot), lro));
      return;
    }
    if (kind === 'endpoint.delete') return;
    if (kind !== 'endpoint.create') {
      await network.virtualNetworks.beginCreateOrUpdateAndWait(
        home.resourceGroup,
        slotName(slot),
        {
          location: home.region,
          addressSpace: { addressPrefixes: s.wide ? [prefixA(slot), prefixB(slot)] : [prefixA(slot)] },
          subnets: [{ name: 'snet-pe', addressPrefix: subnetOf(slot) }],
          tags: { soak: 'true', ...(s.tag ? { [EGRESS_TAG]: s.tag } : {}) },
        },
        lro,
      );
    }
    if (kind === 'endpoint.create' || (kind === 'repair' && s.endpoint)) {
      await network.privateEndpoints.beginCreateOrUpdateAndWait(
        home.resourceGroup,
        endpointName(slot),
        {
          location: home.region,
          subnet: { id: `${vnetIdOf(slot, home)}/subnets/snet-pe` },
          privateLinkServiceConnections: [
            {
              name: `${endpointName(slot)}-connection`,
              privateLinkServiceId: `/subscriptions/${home.subscriptionId}/resourceGroups/${home.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${storageName(slot)}`,
              groupIds: ['blob'],
            },
          ],
        },
        lro,
      );
    }
  }

  /** What ARM holds for the slot now (to find writes a kill -9 took from the emulator's state file). */
  async armState(slot: number): Promise<{ exists: boolean; wide: boolean; tag: string | undefined; endpoint: boolean }> {
    const home = homeOf(slot, this.all);
    const network = this.clients.networkClient(home.subscriptionId);
    const vnet = await orUndefined(network.virtualNetworks.get(home.resourceGroup, slotName(slot)));
    const endpoint = await orUndefined(network.privateEndpoints.get(home.resourceGroup, endpointName(slot)));
    return {
      exists: vnet !== undefined,
      wide: (vnet?.addressSpace?.addressPrefixes?.length ?? 0) > 1,
      tag: vnet?.tags?.[EGRESS_TAG],
      endpoint: endpoint !== undefined,
    };
  }

  async hubPeerings(): Promise<Map<string, { state: string; prefixes: string[]; hub: string }>> {
    const result = new Map<string, { state: string; prefixes: string[]; hub: string }>();
    const hubs = Array.isArray(this.info.hubs) ? this.info.hubs : [];
    for (const hub of hubs) {
      const [, , sub, , rg, , , , name] = hub.vnetId.split('/');
      for await (const p of this.clients.networkClient(sub ?? '').virtualNetworkPeerings.list(rg ?? '', name ?? '')) {
        const remote = p.remoteVirtualNetwork?.id?.toLowerCase();
        if (remote) result.set(remote, { state: p.peeringState ?? '?', prefixes: [...(p.remoteAddressSpace?.addressPrefixes ?? [])].sort(), hub: hub.region });
      }
    }
    return result;
  }

  async aRecord(slot: number): Promise<string[] | undefined> {
    const [, , sub, , rg] = this.info.privateDns.resourceGroupId.split('/');
    const dns = this.clients.dnsClient(sub ?? '');
    const set = await orUndefined(dns.recordSets.get(rg ?? '', 'privatelink.blob.core.windows.net', 'A', storageName(slot)));
    return set ? (set.aRecords ?? []).map((a) => a.ipv4Address ?? '') : undefined;
  }
}

async function ignore404(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------ verification

interface Finding {
  resource: string;
  flow: string;
  lost: boolean;
  reason: string;
  record: unknown;
}

interface Verdict {
  checked: number;
  converged: number;
  findings: Finding[];
}

async function verify(baseUrl: string, api: Api, driver: Driver, all: Home[], finals: SlotState[], stamps: StampEpisode[]): Promise<Verdict> {
  type Recorded = { condition?: { status?: string; reason?: string; message?: string } };
  const spokes = new Map<string, Recorded>();
  const get = (path: string) => api.call('GET', path);
  for (const item of await allPages<Recorded & { vnetId: string }>(get, '/api/spokes?top=1000', 'spokes')) spokes.set(item.vnetId.toLowerCase(), item);
  const endpoints = new Map<string, Recorded>();
  for (const item of await allPages<Recorded & { endpointId: string }>(get, '/api/endpoints?top=1000', 'endpoints')) endpoints.set(item.endpointId.toLowerCase(), item);
  const token = await requesterToken(baseUrl);
  const egress = new Map<string, Array<{ id: string; status: string; justification: string; destinations: Array<{ fqdn?: string }> }>>();
  type EgressView = { id: string; status: string; spokeVnetId: string; justification: string; destinations: Array<{ fqdn?: string }> };
  for (const r of await allPages<EgressView>((path) => getJson(`${baseUrl}${path}`, { authorization: `Bearer ${token}` }), '/api/egress-requests?top=100', 'value')) {
    const key = r.spokeVnetId.toLowerCase();
    egress.set(key, [...(egress.get(key) ?? []), r]);
  }
  const peerings = await driver.hubPeerings();

  const verdict: Verdict = { checked: 0, converged: 0, findings: [] };
  const check = (resource: string, flow: string, ok: boolean, lost: boolean, reason: string, record: unknown): void => {
    verdict.checked += 1;
    if (ok) verdict.converged += 1;
    else verdict.findings.push({ resource, flow, lost, reason, record });
  };
  for (const [slot, s] of finals.entries()) {
    const home = homeOf(slot, all);
    const vnetId = vnetIdOf(slot, home);
    const key = vnetId.toLowerCase();
    const record = spokes.get(key);
    const peering = peerings.get(key);
    const wanted = (s.wide ? [prefixA(slot), prefixB(slot)] : [prefixA(slot)]).sort();
    const everSeen = record !== undefined || peering !== undefined || s.exists;
    if (everSeen) {
      if (s.exists) {
        const armOk = peering !== undefined && peering.state === 'Connected' && peering.prefixes.join(',') === wanted.join(',');
        const recordOk = record?.condition?.reason === 'Converged';
        check(vnetId, 'peering', armOk && recordOk, !armOk, armOk ? `record says ${record?.condition?.reason ?? 'nothing'}` : `hub peering ${peering ? `${peering.state} for [${peering.prefixes.join(', ')}]` : 'missing'}, wanted Connected for [${wanted.join(', ')}]`, record);
      } else {
        const armOk = peering === undefined;
        const recordOk = record === undefined || record.condition?.reason === 'Deleted';
        check(vnetId, 'peering', armOk && recordOk, !armOk, armOk ? `record says ${record?.condition?.reason ?? 'nothing'}, wanted Deleted` : `the hub still has a ${peering.state} peering to the deleted VNet`, record);
      }
    }
    const endpointId = endpointIdOf(slot, home);
    const epRecord = endpoints.get(endpointId.toLowerCase());
    const names = await driver.aRecord(slot);
    if (epRecord !== undefined || names !== undefined || s.endpoint) {
      if (s.endpoint) {
        const armOk = names !== undefined && names.length > 0;
        check(endpointId, 'dns', armOk && epRecord?.condition?.reason === 'Registered', !armOk, armOk ? `record says ${epRecord?.condition?.reason ?? 'nothing'}` : `no A record ${storageName(slot)} in privatelink.blob.core.windows.net`, epRecord);
      } else {
        const armOk = names === undefined;
        const recordOk = epRecord === undefined || epRecord.condition?.reason === 'Deleted';
        check(endpointId, 'dns', armOk && recordOk, !armOk, armOk ? `record says ${epRecord?.condition?.reason ?? 'nothing'}, wanted Deleted` : `A record ${storageName(slot)} still resolves to ${names.join(', ')}`, epRecord);
      }
    }
    const requests = (egress.get(key) ?? []).filter((r) => r.justification.includes(EGRESS_TAG));
    const open = requests.filter((r) => !['AlreadyAllowed', 'Rejected', 'Expired', 'Revoked', 'Failed', 'Revoking'].includes(r.status));
    if (requests.length > 0 || (s.exists && s.tag !== undefined)) {
      const want = s.exists ? s.tag : undefined;
      const ok = want === undefined ? open.length === 0 : open.length === 1 && open[0]?.destinations.some((d) => d.fqdn === want) === true;
      check(`${vnetId} #${EGRESS_TAG}`, 'egress', ok, false, `open tag requests ${open.map((r) => `${r.id} ${r.status} ${r.destinations.map((d) => d.fqdn).join('+')}`).join('; ') || 'none'}, wanted ${want ?? 'none'}`, open);
    }
  }
  const stampVerdict = await verifyStamps(api, driver.localInfo, demoTopology().tenantId, stamps);
  verdict.checked += stampVerdict.checked;
  verdict.converged += stampVerdict.converged;
  for (const f of stampVerdict.findings) verdict.findings.push({ ...f, flow: 'stamps' });
  return verdict;
}

/** A list answer: `{ count, <name>: [...] }`. */
/** Every item of a paged list route (`{count, <name>: [...], nextLink?}`), following its `nextLink` (a path). */
async function allPages<T>(get: (path: string) => Promise<{ status: number; body: unknown }>, first: string, name: string): Promise<T[]> {
  const items: T[] = [];
  for (let next: string | undefined = first; next !== undefined; ) {
    const body: unknown = (await get(next)).body;
    items.push(...listItems<T>(body, name));
    const link: unknown = (body as { nextLink?: unknown }).nextLink;
    next = typeof link === 'string' ? link : undefined;
  }
  return items;
}

function listItems<T>(body: unknown, name: string): T[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (Array.isArray(value)) return value as T[];
  throw new Error(`a list answer was expected, got ${JSON.stringify(body)?.slice(0, 300)}`);
}

async function requesterToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ oid: '50a50000-0000-4000-8000-000000000001', name: 'Soak', roles: ['Egress.Requester'] }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * Waits until the control plane is quiet (nothing in flight, no ARM write request for 2 s, then 3 s), or the timeout.
 * Writes only: the stamp monitors read Front Door every probe round (2 s in the demo), so "no ARM request" never comes.
 */
async function waitQuiet(baseUrl: string, timeoutMs: number): Promise<{ quiet: boolean; ms: number }> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const answer = await getJson(`${baseUrl}/api/local/quiet?quietMs=2000&timeoutMs=60000&ignoreWaiting=true&ignoreReads=true`, {}, 70_000).catch(() => undefined);
    if ((answer?.body as { quiet?: boolean } | undefined)?.quiet === true) {
      // Twice in a row: a retry timer between two quiet windows would otherwise end the wait early.
      const again = await getJson(`${baseUrl}/api/local/quiet?quietMs=3000&timeoutMs=60000&ignoreWaiting=true&ignoreReads=true`, {}, 70_000).catch(() => undefined);
      if ((again?.body as { quiet?: boolean } | undefined)?.quiet === true) return { quiet: true, ms: Date.now() - started };
    }
  }
  return { quiet: false, ms: Date.now() - started };
}

interface DriftSummary {
  runId?: string;
  status?: string;
  itemCount?: number;
  counts?: unknown;
  actions?: unknown;
  items?: Array<{ flow: string; kind: string; resource: string; action: string; note?: string }>;
  error?: string;
}

/** A drift item on what the soak drives (its spokes, endpoints, tags, the stamps), not on the demo's seeded resources. */
function isSoakDrift(item: { flow: string; resource: string }): boolean {
  return item.flow === 'stamps' || item.flow === 'egress' || /vnet-soak-|pe-soak-|stsoak/i.test(item.resource);
}

/** Starts a drift check and waits for its report (up to 5 minutes). */
async function driftCheck(api: Api): Promise<DriftSummary> {
  let started = await api.call('POST', '/api/drift/runs');
  for (let i = 0; started.status === 409 && i < 60; i++) {
    await sleep(2000); // a timer-started run is running: wait for it, then start ours
    started = await api.call('POST', '/api/drift/runs');
  }
  const runId = (started.body as { runId?: string } | undefined)?.runId;
  if (started.status !== 202 || !runId) return { error: `POST /api/drift/runs answered ${started.status} ${JSON.stringify(started.body)?.slice(0, 300)}` };
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const answer = await api.call('GET', `/api/drift/runs/${runId}`);
    const body = answer.body as DriftSummary;
    if (answer.status === 200 && body.status !== 'Running') return { runId, status: body.status, itemCount: body.itemCount, counts: body.counts, actions: body.actions, items: body.items ?? [] };
    await sleep(1000);
  }
  return { runId, error: 'still Running after 5 minutes' };
}

async function instanceIds(baseUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let token: string | undefined;
  do {
    const response = await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances?top=1000`, { headers: token ? { 'x-ms-continuation-token': token } : {} });
    const items = (await response.json()) as Array<{ instanceId: string }>;
    for (const item of items) ids.add(item.instanceId);
    token = response.headers.get('x-ms-continuation-token') ?? undefined;
  } while (token);
  return ids;
}

// ------------------------------------------------------------------------------------------------ one run

interface RunResult {
  label: string;
  wallMs: number;
  eventsMs: number;
  quiet: { quiet: boolean; ms: number };
  peakRssMb: number | undefined;
  verdict: Verdict;
  writes: { perFlow: Record<string, number>; perOperation: Record<string, number> };
  writesPerResource: Record<string, number>;
  lroFailures: Record<string, number>;
  /** When the run started and when it killed the control plane (ms since the epoch). */
  startedAt: number;
  kills: number[];
  /** The control plane's journaled ARM requests over the run (every process), and its spokes' audit entries. */
  journal: Journaled[];
  vnetWrites: Journaled[];
  audits: AuditSeen[];
  failures: Record<string, number>;
  driverRetries: number;
  stampEpisodes: EpisodeResult[];
  stampCalls: { calls: number; retries: number };
  drift?: DriftSummary;
  crash?: {
    secondStart: { refused: boolean; detail: string };
    killedAtOp: number;
    instancesBefore: number;
    instancesLost: string[];
    repairedAfterRestart: Array<{ slot: number; was: unknown; wanted: SlotState }>;
    journalOk: boolean;
    restartMs: number;
  };
  activities: ActivityTraceReport;
}

async function run(label: string, chaos: boolean, plan: { slots: number; ops: Op[]; stamps: StampEpisode[] }, work: string): Promise<RunResult> {
  const started = Date.now();
  const dataDir = path.join(work, label);
  const traceFile = `${dataDir}-activities.jsonl`;
  const all = homes();
  const driver = new Driver(all);
  const api = new Api();
  const stampDriver = new StampDriver(api, () => driver.whenUp());
  let child = await startChild(dataDir, chaos, true);
  await driver.connect(child.baseUrl);
  api.connect(child.baseUrl);
  const counts: ByOperation = {};
  const writes: Record<string, number> = {};
  const lroFailures: Record<string, number> = {};
  const journal: Journaled[] = [];
  const vnetWrites: Journaled[] = [];
  const kills: number[] = [];
  // The topology was seeded by the same principal before the control plane started: not the control plane's writes.
  let journalAfter = await journalPosition(child.baseUrl);
  const collect = async (): Promise<void> => {
    const now = await controlPlaneRequests(child.baseUrl, journalAfter);
    addCounts(counts, now.byOperation);
    addWrites(writes, now.writes);
    addWrites(lroFailures, now.lroFailures);
    journal.push(...now.journal);
    vnetWrites.push(...now.vnetWrites);
    journalAfter = 0; // the next read is of a new process (after the kill) or the last one
  };
  const seeding = await controlPlaneRequests(child.baseUrl, Number.MAX_SAFE_INTEGER);
  let peak = peakRssMb(child.process.pid) ?? 0;
  const killAt = chaos ? Math.floor(plan.ops.length / 2) : -1;
  let crash: RunResult['crash'];

  const slotChains = new Map<number, Promise<void>>();
  const busy = new Map<number, number>();
  let inflight = 0;
  const waiters: Array<() => void> = [];
  const eventsStarted = Date.now();
  const stampsDone = stampDriver.run(plan.stamps).catch((e: unknown) => console.error(`soak: stamps: ${(e as Error).message}`));
  for (const op of plan.ops) {
    if (op.index === killAt) {
      // Midway: a second process on the same folder is refused; then kill -9 with writes in flight, restart.
      const secondStart = await secondStartRefused(dataDir, child.process.pid);
      const before = await instanceIds(child.baseUrl);
      await sleep(100); // the listed instances' commits are flushed (group commit: one fdatasync per batch)
      await collect();
      peak = Math.max(peak, peakRssMb(child.process.pid) ?? 0);
      driver.pause();
      kills.push(Date.now());
      child.process.kill('SIGKILL');
      await exited(child.process);
      fs.writeFileSync(`${dataDir}-output-killed.log`, child.output());
      const restartStarted = Date.now();
      let journalOk = true;
      try {
        child = await startChild(dataDir, chaos, false);
      } catch (e) {
        journalOk = false;
        throw e;
      }
      const restartMs = Date.now() - restartStarted;
      await driver.connect(child.baseUrl);
      api.connect(child.baseUrl);
      // The stamps' health endpoints live in the control plane's process: they answer 200 again until set back.
      await stampDriver.reapply();
      const after = await instanceIds(child.baseUrl);
      // The emulator saves its state at most every 200 ms: a write it acknowledged just before the kill may be gone.
      // A person would see that and write again; so does the driver (counted, and done before new events).
      const intended = stateAt(plan, op.index);
      const repaired: Array<{ slot: number; was: unknown; wanted: SlotState }> = [];
      for (const [slot, wanted] of intended.entries()) {
        const was = await driver.armState(slot);
        if ((busy.get(slot) ?? 0) > 0) continue; // its op in flight is retried against the new process
        if (was.exists !== wanted.exists || (wanted.exists && (was.wide !== wanted.wide || was.tag !== wanted.tag || was.endpoint !== wanted.endpoint))) {
          repaired.push({ slot, was, wanted });
        }
      }
      driver.resume();
      // In-flight ops resume against the new process; repairs run on each slot's chain, after them.
      for (const r of repaired) {
        const prev = slotChains.get(r.slot) ?? Promise.resolve();
        slotChains.set(r.slot, prev.then(() => driver.write(r.slot, 'repair', r.wanted)));
      }
      crash = {
        secondStart,
        killedAtOp: op.index,
        instancesBefore: before.size,
        instancesLost: [...before].filter((id) => !after.has(id)),
        repairedAfterRestart: repaired,
        journalOk,
        restartMs,
      };
    }
    while (inflight >= CONCURRENCY) await new Promise<void>((resolve) => waiters.push(resolve));
    inflight += 1;
    busy.set(op.slot, (busy.get(op.slot) ?? 0) + 1);
    const prev = slotChains.get(op.slot) ?? Promise.resolve();
    const next = prev
      .then(() => driver.apply(op))
      .catch((e: unknown) => console.error(`soak: ${(e as Error).message}`))
      .finally(() => {
        inflight -= 1;
        busy.set(op.slot, (busy.get(op.slot) ?? 1) - 1);
        waiters.shift()?.();
      });
    slotChains.set(op.slot, next);
    if (op.index % 50 === 0) {
      peak = Math.max(peak, peakRssMb(child.process.pid) ?? 0);
      process.stdout.write(`  ${label}: ${op.index}/${plan.ops.length} events\r`);
    }
  }
  await Promise.all(slotChains.values());
  await stampsDone;
  const eventsMs = Date.now() - eventsStarted;
  const quiet = await waitQuiet(child.baseUrl, QUIET_TIMEOUT_MS);
  const finals = stateAt(plan, plan.ops.length);
  const verdict = await verify(child.baseUrl, api, driver, all, finals, plan.stamps);
  await collect();
  subtractCounts(counts, seeding.byOperation);
  addWrites(writes, seeding.writes, -1);
  const audits = await spokeAudits(api, all, writes).catch((e: unknown) => {
    console.error(`soak: spoke audits: ${(e as Error).message}`);
    return [];
  });
  peak = Math.max(peak, peakRssMb(child.process.pid) ?? 0);
  // After the writes are counted (a drift run may repair): one drift check of the landing zone the soak leaves.
  const drift = DRIFT ? await driftCheck(api).catch((e: unknown) => ({ error: (e as Error).message }) as DriftSummary) : undefined;
  await stopChild(child);
  fs.writeFileSync(`${dataDir}-output.log`, child.output());
  const activities = checkActivityTrace(fs.existsSync(traceFile) ? fs.readFileSync(traceFile, 'utf8') : '');
  return {
    label,
    wallMs: Date.now() - started,
    eventsMs,
    quiet,
    peakRssMb: peak || undefined,
    verdict,
    writes: writesPerFlow(counts),
    writesPerResource: Object.fromEntries(Object.entries(writes).filter(([, n]) => n !== 0)),
    lroFailures,
    startedAt: started,
    kills,
    journal,
    vnetWrites,
    audits,
    failures: failuresSeen(counts),
    driverRetries: driver.retriedOps,
    stampEpisodes: stampDriver.results,
    stampCalls: { calls: stampDriver.calls, retries: stampDriver.retries },
    ...(drift ? { drift } : {}),
    ...(crash ? { crash } : {}),
    activities,
  };
}

/** Every slot's intended state after the first `upTo` ops. */
function stateAt(plan: { slots: number; ops: Op[] }, upTo: number): SlotState[] {
  const states: SlotState[] = Array.from({ length: plan.slots }, () => ({ exists: false, wide: false, tag: undefined, endpoint: false }));
  for (const op of plan.ops) {
    if (op.index >= upTo) break;
    states[op.slot] = op.after;
  }
  return states;
}

// ------------------------------------------------------------------------------------------------ report

function printRun(r: RunResult): void {
  const v = r.verdict;
  const pct = v.checked === 0 ? 100 : (100 * v.converged) / v.checked;
  console.log(`\n== ${r.label} ==`);
  console.log(`  wall time ${(r.wallMs / 1000).toFixed(1)} s (events ${(r.eventsMs / 1000).toFixed(1)} s, quiet after ${(r.quiet.ms / 1000).toFixed(1)} s${r.quiet.quiet ? '' : ' - NOT QUIET at the timeout'}), peak RSS ${r.peakRssMb ?? '?'} MB`);
  console.log(`  converged ${pct.toFixed(2)}% (${v.converged}/${v.checked}), lost ${v.findings.filter((f) => f.lost).length}`);
  const perFlow = (flow: string): string => {
    const all = v.findings.filter((f) => f.flow === flow);
    const checked = all.length + 0;
    return `${flow}: ${checked} not converged (${all.filter((f) => f.lost).length} lost)`;
  };
  console.log(`  per flow: ${['peering', 'dns', 'egress', 'stamps'].map(perFlow).join('; ')}`);
  const seconds = (s: number | undefined): string => (s === undefined ? 'NOT within the wait' : `${s.toFixed(1)} s`);
  console.log(`  stamps (${r.stampCalls.calls} calls, ${r.stampCalls.retries} retried): ${r.stampEpisodes.map((e) => `${e.episode.stamp} ${e.episode.signal}: out ${seconds(e.outAfterS)}${e.episode.signal === 'pin-out' ? ', stays out' : `, back ${seconds(e.backAfterS)}`}`).join('; ')}`);
  if (r.drift) {
    const d = r.drift;
    const items = d.items ?? [];
    const ours = items.filter(isSoakDrift);
    console.log(`  drift check at the end: ${d.error ? `FAILED: ${d.error}` : `${d.status}, ${d.itemCount} item(s) ${JSON.stringify(d.counts)}, actions ${JSON.stringify(d.actions)}; on the soak's resources ${ours.length}, on the demo's ${items.length - ours.length}`}`);
    const demo = items.filter((i) => !isSoakDrift(i));
    if (demo.length) console.log(`    the demo's: ${[...new Set(demo.map((i) => `${i.flow} ${i.kind}`))].join(', ')} (its spokes and endpoints are seeded before the control plane starts, so never recorded)`);
    for (const item of ours.slice(0, 15)) console.log(`    drift ${item.flow} ${item.kind} ${item.resource} (${item.action}): ${item.note ?? ''}`.slice(0, 400));
  }
  console.log(`  control plane ARM writes (2xx) per flow: ${JSON.stringify(r.writes.perFlow)}`);
  console.log(`  control plane ARM answers other than 2xx: ${JSON.stringify(r.failures)}; driver retries ${r.driverRetries}`);
  console.log(`  activities: ${r.activities.starts} started, ${r.activities.completed} completed, run again after completion ${r.activities.rerunAfterCompletion.length}, run again after interruption ${r.activities.rerunAfterInterruption}, unreadable trace lines ${r.activities.unreadable}`);
  for (const again of r.activities.rerunAfterCompletion.slice(0, 20)) console.log(`    RAN TWICE: ${again.name} ${again.instanceId} #${again.seq}`);
  if (r.crash) {
    const c = r.crash;
    console.log(`  kill -9 at event ${c.killedAtOp}: second process on the same folder ${c.secondStart.refused ? 'refused' : 'NOT REFUSED'} ("${c.secondStart.detail}")`);
    console.log(`  restart ${(c.restartMs / 1000).toFixed(1)} s, journal ${c.journalOk ? 'loaded (no corruption beyond a torn last line)' : 'NOT LOADED'}, instances before kill ${c.instancesBefore}, lost ${c.instancesLost.length}${c.instancesLost.length ? `: ${c.instancesLost.slice(0, 10).join(', ')}` : ''}`);
    console.log(`  ARM writes of the driver missing after restart (emulator state saved every 200 ms; written again): ${c.repairedAfterRestart.length}${c.repairedAfterRestart.length ? ` (${c.repairedAfterRestart.map((x) => `slot ${x.slot}: ${JSON.stringify(x.was)} wanted ${JSON.stringify(x.wanted)}`).slice(0, 5).join('; ')})` : ''}`);
  }
  for (const f of v.findings) {
    console.log(`  NOT CONVERGED ${f.flow} ${f.resource}${f.lost ? ' (LOST)' : ''}: ${f.reason}`);
    console.log(`    record: ${JSON.stringify(f.record)?.slice(0, 1500)}`);
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: npm run soak builds it first (npm run build).`);
  const plan = { ...planEvents(EVENTS, SEED), stamps: planStamps(SEED) };
  const counts = plan.ops.reduce<Record<string, number>>((acc, op) => ({ ...acc, [op.kind]: (acc[op.kind] ?? 0) + 1 }), {});
  console.log(`soak: ${EVENTS} events over ${plan.slots} spokes (seed ${SEED}): ${JSON.stringify(counts)}`);
  console.log(`  stamps: ${plan.stamps.map((e) => `${e.stamp} ${e.signal} -> ${e.final}`).join(', ')}`);
  console.log(`  chaos: ${(FAULT_RATE * 100).toFixed(1)}% of ARM requests fail; Event Grid ${JSON.stringify(EVENT_GRID_INJECTION)}; kill -9 at event ${Math.floor(EVENTS / 2)}; ARM time scale ${TIME_SCALE}, concurrency ${CONCURRENCY}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hubspoke-soak-'));
  try {
    const baseline = await run('baseline', false, plan, work);
    printRun(baseline);
    const chaos = await run('chaos', true, plan, work);
    printRun(chaos);
    const second = NOISE ? await run('baseline-2', false, plan, work) : undefined;
    if (second) printRun(second);
    console.log('\n== unintended writes (chaos run beyond the baseline, control plane principal, 2xx writes) ==');
    console.log('  per flow (net):');
    const flows = new Set([...Object.keys(baseline.writes.perFlow), ...Object.keys(chaos.writes.perFlow)]);
    for (const flow of flows) {
      const extra = (chaos.writes.perFlow[flow] ?? 0) - (baseline.writes.perFlow[flow] ?? 0);
      console.log(`  ${flow}: baseline ${baseline.writes.perFlow[flow] ?? 0}, chaos ${chaos.writes.perFlow[flow] ?? 0}, unintended ${Math.max(0, extra)}${extra < 0 ? ` (${-extra} fewer)` : ''}`);
    }
    // Resource by resource: writes the chaos run made to a resource beyond the baseline's writes to it.
    const beyond = (a: RunResult, b: RunResult): Record<string, Array<{ path: string; baseline: number; chaos: number }>> => {
      const out: Record<string, Array<{ path: string; baseline: number; chaos: number }>> = {};
      for (const path of new Set([...Object.keys(a.writesPerResource), ...Object.keys(b.writesPerResource)])) {
        const x = a.writesPerResource[path] ?? 0;
        const y = b.writesPerResource[path] ?? 0;
        if (y > x) (out[flowOfPath(path)] ??= []).push({ path, baseline: x, chaos: y });
      }
      return out;
    };
    const extra = beyond(baseline, chaos);
    const noise = second ? beyond(baseline, second) : undefined;
    const total = (list: Array<{ baseline: number; chaos: number }> | undefined): number => (list ?? []).reduce((n, e) => n + e.chaos - e.baseline, 0);
    if (noise) {
      console.log(`  clean-vs-clean floor (baseline-2 beyond baseline, same seed): ${['peering', 'dns', 'egress', 'stamps', 'other'].map((f) => `${f} ${total(noise[f])}`).join(', ')}`);
    }
    // Whatever the timing, a write that left the peering as it was is wasted: counted over every audited peering write.
    const unchanged = (r: RunResult): number => r.audits.filter((a) => a.target && a.outcome === 'succeeded' && a.action !== 'delete' && sameState(a.before, a.after)).length;
    console.log(`  peering writes that changed nothing (audit before = after, every spoke's newest 50 entries): ${[baseline, chaos, ...(second ? [second] : [])].map((r) => `${r.label} ${unchanged(r)}`).join(', ')}`);
    for (const flow of ['peering', 'dns', 'egress', 'stamps', 'other']) {
      const list = extra[flow] ?? [];
      const sum = total(list);
      // A write whose operation the fault injection failed has to be made again: that extra write is the fault's.
      const forced = list.reduce((n, e) => n + Math.min(e.chaos - e.baseline, chaos.lroFailures[e.path] ?? 0), 0);
      console.log(`  per resource, ${flow}: ${sum} write(s) beyond the baseline's on ${list.length} resource(s); ${forced} of them rewrite an operation the injection failed; unexplained ${sum - forced}`);
      for (const e of list.slice(0, 10)) console.log(`    ${e.path}: baseline ${e.baseline}, chaos ${e.chaos}${chaos.lroFailures[e.path] ? `, ${chaos.lroFailures[e.path]} failed by injection` : ''}`);
    }
    // Every write beyond the baseline's, attributed (the journal and audit of the run against the baseline's).
    // The driver's writes of the spoke a peering serves (its slot's VNet): the intent changing under the control plane.
    const spokeWrites = (r: RunResult, peering: string): Journaled[] => {
      const slot = /vnet-soak-(\d+)/.exec(peering)?.[1];
      return slot === undefined ? [] : r.vnetWrites.filter((w) => w.path.endsWith(`/virtualnetworks/vnet-soak-${slot}`));
    };
    const attribution = (a: RunResult, b: RunResult): Array<ResourceAttribution & { baselineWrites: AttributedWrite[] }> =>
      Object.values(beyond(a, b))
        .flat()
        .map((e) => ({
          path: e.path,
          flow: flowOfPath(e.path),
          baseline: e.baseline,
          run: e.chaos,
          writes: attributeWrites(e.path, b.journal, b.audits, b.kills, spokeWrites(b, e.path)),
          baselineWrites: attributeWrites(e.path, a.journal, a.audits, a.kills, spokeWrites(a, e.path)),
          baselineAudit: a.audits.filter((x) => x.target?.toLowerCase() === e.path),
        }));
    const attributed = { chaos: attribution(baseline, chaos), ...(second ? { 'baseline-2': attribution(baseline, second) } : {}) };
    const file = path.join(KEEP ? work : os.tmpdir(), `hubspoke-soak-attribution-seed${SEED}-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ seed: SEED, events: EVENTS, runs: Object.fromEntries(Object.entries(attributed).map(([label, list]) => [label, { startedAt: (label === 'chaos' ? chaos : second)?.startedAt, kills: (label === 'chaos' ? chaos : second)?.kills, resources: list }])) }, null, 1));
    console.log(`\n== writes beyond the baseline, attributed (every one in ${file}) ==`);
    for (const [label, list] of Object.entries(attributed)) {
      const run = label === 'chaos' ? chaos : (second as RunResult);
      for (const flow of ['peering', 'dns', 'egress', 'stamps', 'other']) {
        const mine = list.filter((r) => r.flow === flow);
        if (mine.length === 0) continue;
        console.log(`  ${label}, ${flow}: causes of the extra writes ${JSON.stringify(causeTotals(mine))}`);
        if (flow !== 'peering') continue;
        for (const r of mine.slice(0, 25)) for (const line of describeAttribution(r, run.startedAt, r.baselineWrites, baseline.startedAt)) console.log(`    ${line}`);
      }
    }
    const ops = new Set([...Object.keys(baseline.writes.perOperation), ...Object.keys(chaos.writes.perOperation)]);
    for (const op of [...ops].sort()) {
      const b = baseline.writes.perOperation[op] ?? 0;
      const c = chaos.writes.perOperation[op] ?? 0;
      if (b !== c) console.log(`    ${op}: baseline ${b}, chaos ${c}`);
    }
    console.log(`\nper-flow events: ${JSON.stringify(Object.fromEntries(Object.entries(counts).map(([k, n]) => [`${FLOW_OF_OP[k as OpKind]}:${k}`, n])))}`);
  } finally {
    if (KEEP) console.log(`data kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
