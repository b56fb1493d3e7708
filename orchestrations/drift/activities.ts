/**
 * The drift run's activities: begin and finish the report, run one flow's detector (list, compare, confirm, decide,
 * signal repairs, write items), and follow up on the repairs a run started. Repairs are signals to the resource's
 * own orchestration through the flows' reconcile request helpers; nothing here writes to ARM.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { changedRecently, decideAction, lastChangeOf, failureMessage, DRIFT_FLOWS, statusLink, type DriftCandidate, type OrphanRemovalRepair, type DriftFlow, type DriftItem, type DriftRun, type FlowInspection } from '../../shared/drift/model';
import { createTablesDriftStore, MAX_ITEMS_PER_RUN, type DriftReportStore } from '../../shared/drift/store';
import { endRun, type FinishInput } from '../../shared/drift/end';
import type { ManagedKind, TriggerInfo } from '../../shared/store/records';
import { armCredential } from '../../shared/azure/clients';
import { flowDeps, timingFrom } from '../common/deps';
import { tracedActivity } from '../../shared/telemetry';
import { isActive, runtimeStatus } from '../common/start';
import { endpointInstanceId, requestEndpointDns } from '../dns';
import { detailsOf, SOURCE_CHANGED_EVENT, REVOKE_EVENT, type EgressDetails } from '../egress';
import { requestSpokeReconcile, spokeInstanceId } from '../peering';
import { monitorInstanceId, STAMP_WAKE_EVENT } from '../stamps/names';
import { ensureStampMonitors } from '../stamps/start';
import { originGroupKey } from '../../shared/stamps/config';
import { DETECTORS, type DetectorPorts } from './detectors';
import { DRIFT_ACTIVITY, DRIFT_ORPHAN_ORCHESTRATOR, FLOW_ITEM_SPAN } from './names';
import { isOrphanInstance, orphanInstanceId, type OrphanRemovalInput, type OrphanRemovalOutput } from './orphans';
import type { DetectResult } from './run';

let reports: { key: unknown; store: DriftReportStore } | undefined;

/** The report store, built again only when the configuration changed (as flowDeps). */
export function driftReports(): DriftReportStore {
  const { config } = flowDeps();
  if (reports?.key === config) return reports.store;
  const store = createTablesDriftStore('connectionString' in config.tables ? config.tables : { accountUrl: config.tables.accountUrl, credential: armCredential(config) });
  reports = { key: config, store };
  return store;
}

/** Counts each call made through `port`, by method name. */
function counted<T extends object>(port: T, calls: Record<string, number>, prefix: string): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const key = `${prefix}.${String(prop)}`;
        calls[key] = (calls[key] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * The trigger a drift run's work carries: its run ID as the correlation (a timer- or HTTP-started run has no Event
 * Grid correlation), so the run is one trace: its activities and the detectors' list and GET requests.
 */
export function driftTrigger(runId: string): TriggerInfo {
  return { source: 'sweep', correlationId: runId, operationName: 'driftCheck' };
}

const byRun = (input: { runId: string }): TriggerInfo => driftTrigger(input.runId);

export async function beginRun(input: { runId: string; trigger: 'timer' | 'http'; startedAt: string }): Promise<{ repairWaitSeconds: number }> {
  const { config } = flowDeps();
  const run: DriftRun = { runId: input.runId, status: 'Running', trigger: input.trigger, mode: config.mode, startedAt: input.startedAt, flows: [], counts: {}, actions: {}, itemCount: 0 };
  await driftReports().putRun(run);
  return { repairWaitSeconds: config.mode === 'observe' ? 0 : config.drift.repairWaitSeconds };
}

type OwnerKind = 'spoke' | 'endpoint' | 'egressRequest' | 'stamp';

const RECORD_KIND: Record<OwnerKind, ManagedKind> = { spoke: 'spoke', endpoint: 'endpoint', egressRequest: 'egressRequest', stamp: 'stamp' };

function ownerInstance(kind: OwnerKind, id: string): string {
  const { config } = flowDeps();
  switch (kind) {
    case 'spoke':
      return spokeInstanceId(id);
    case 'endpoint':
      return endpointInstanceId(id);
    case 'egressRequest':
      return id;
    case 'stamp': {
      const stamp = config.stamps?.stamps.find((s) => s.name.toLowerCase() === id.toLowerCase());
      return stamp ? monitorInstanceId(originGroupKey(stamp.origin)) : id;
    }
  }
}

/** Why the owner counts as in flight (its orchestration runs, or its record changed lately), or undefined. */
async function inFlight(client: df.DurableClient, kind: OwnerKind, id: string, now: number, windowMinutes: number): Promise<string | undefined> {
  const { store } = flowDeps();
  // A stamp's monitor and an Active egress request's orchestration always run: only their records' age counts.
  if (kind === 'spoke' || kind === 'endpoint') {
    const status = await runtimeStatus(client, ownerInstance(kind, id));
    if (isActive(status)) return `its orchestration is ${status}`;
  }
  const record = await store.getRecord(RECORD_KIND[kind], id);
  const changedAt = record ? lastChangeOf(record) : undefined;
  if (changedAt && changedRecently(changedAt, now, windowMinutes)) return `its record changed at ${changedAt}, within drift.recentChangeMinutes (${windowMinutes})`;
  return undefined;
}

/** Signals the owner's own orchestration; answers the instance signalled, or why nothing could be signalled. */
async function signalRepair(client: df.DurableClient, kind: OwnerKind, id: string, candidate: DriftCandidate, trigger: TriggerInfo): Promise<{ instanceId: string } | { refused: string }> {
  const { config, store } = flowDeps();
  const timing = timingFrom(config);
  switch (kind) {
    case 'spoke':
      return { instanceId: (await requestSpokeReconcile(client, { vnetId: id, trigger, timing })).instanceId };
    case 'endpoint':
      return { instanceId: (await requestEndpointDns(client, { endpointId: id, trigger, timing })).instanceId };
    case 'egressRequest': {
      if (!isActive(await runtimeStatus(client, id))) return { refused: 'the request\'s orchestration is not running: nothing can be signalled' };
      if (candidate.kind === 'expiredNotRevoked') {
        await client.raiseEvent(id, REVOKE_EVENT, { by: 'drift check', why: candidate.expected });
        return { instanceId: id };
      }
      const record = await store.getRecord('egressRequest', id);
      const details: EgressDetails | undefined = record ? detailsOf(record) : undefined;
      // The request's orchestration rewrites its rule when told its source changed (same source: the same rule again).
      await client.raiseEvent(id, SOURCE_CHANGED_EVENT, { sourceAddresses: details?.sourceAddresses ?? [] });
      return { instanceId: id };
    }
    case 'stamp': {
      await ensureStampMonitors(client, config);
      const instanceId = ownerInstance('stamp', id);
      // The monitor's next round writes every origin whose enabledState differs from its decision.
      await client.raiseEvent(instanceId, STAMP_WAKE_EVENT, { stamp: id, kind: 'drift' });
      return { instanceId };
    }
  }
}

/** Starts the orphan's removal orchestration (orphans.ts); answers its instance ID. */
async function startOrphanRemoval(client: df.DurableClient, runId: string, candidate: DriftCandidate, repair: OrphanRemovalRepair, trigger: TriggerInfo): Promise<string> {
  const { config } = flowDeps();
  const instanceId = orphanInstanceId(candidate.resource);
  const input: OrphanRemovalInput = {
    runId,
    resource: candidate.resource,
    removal: repair.removal,
    reason: `drift run ${runId}: orphan ${candidate.resource} (${candidate.actual}); drift.repair.orphans is on`,
    trigger,
    replyTimeoutMs: timingFrom(config).hubReplyTimeoutMs,
  };
  await client.startNew(DRIFT_ORPHAN_ORCHESTRATOR, { instanceId, input });
  return instanceId;
}

function inspection(flow: DriftFlow, enabled: boolean, started: number, partial: Partial<FlowInspection> = {}): FlowInspection {
  return { flow, enabled, inspected: {}, notInspected: [], calls: {}, ...partial, durationMs: Date.now() - started };
}

/**
 * One flow's detector. Never throws: a failure is in the inspection (what was not inspected, and why), and the
 * items found before it are written.
 */
export async function detect(input: { runId: string; flow: DriftFlow; flowIndex: number }, context: InvocationContext): Promise<DetectResult> {
  const started = Date.now();
  const deps = flowDeps();
  const { config } = deps;
  const detector = DETECTORS[input.flow];
  if (!detector.enabled(config)) return { inspection: inspection(input.flow, false, started), items: 0, repairsStarted: 0 };
  const calls: Record<string, number> = {};
  const ports: DetectorPorts = {
    config,
    network: counted(deps.network, calls, 'network'),
    dns: counted(deps.dns, calls, 'dns'),
    firewall: counted(deps.firewall, calls, 'firewall'),
    frontDoor: counted(deps.frontDoor, calls, 'frontDoor'),
    store: deps.store,
    now: Date.now(),
  };
  const client = df.getClient(context);
  const trigger = driftTrigger(input.runId);
  const items: DriftItem[] = [];
  const notInspected: FlowInspection['notInspected'] = [];
  let inspected: Record<string, number> = {};
  let repairsStarted = 0;
  try {
    const found = await detector.find(ports);
    inspected = found.inspected;
    notInspected.push(...found.notInspected);
    const signalled = new Map<string, { instanceId: string } | { refused: string }>();
    for (const candidate of found.candidates) {
      if (items.length >= MAX_ITEMS_PER_RUN / DRIFT_FLOWS.length) {
        notInspected.push({ scope: `items beyond ${items.length}`, error: 'the report keeps at most this many items per flow' });
        break;
      }
      let confirmed: DriftCandidate | null;
      try {
        confirmed = await detector.confirm(candidate, ports);
      } catch (e) {
        notInspected.push({ scope: `${candidate.kind} ${candidate.resource}`, error: `the confirming read failed: ${(e as Error).message}` });
        continue;
      }
      if (!confirmed) continue;
      const owner = confirmed.repair.kind === 'reconcile' ? confirmed.repair.owner : undefined;
      const ownerKey = owner ? `${owner.kind}|${owner.id.toLowerCase()}` : undefined;
      // An owner already signalled by this run is in flight because of this run: the same decision, not a skip.
      let recent = owner && ownerKey && !signalled.has(ownerKey) ? await inFlight(client, owner.kind, owner.id, Date.now(), config.drift.recentChangeMinutes) : undefined;
      if (confirmed.repair.kind === 'removeOrphan') {
        const status = await runtimeStatus(client, orphanInstanceId(confirmed.resource));
        if (isActive(status)) recent = `its removal (${orphanInstanceId(confirmed.resource)}) is ${status}`;
        // A rule of a request whose record just changed (being revoked, say) is left to that request's orchestration.
        const removal = confirmed.repair.removal;
        if (!recent && removal.target === 'egressRule') recent = await inFlight(client, 'egressRequest', removal.requestId, Date.now(), config.drift.recentChangeMinutes);
      }
      const decision = decideAction(confirmed, { mode: config.mode, repairFlow: config.drift.repair[input.flow], repairOrphans: config.drift.repair.orphans, ...(recent ? { recent } : {}) });
      const item: DriftItem = { flow: confirmed.flow, kind: confirmed.kind, resource: confirmed.resource, expected: confirmed.expected, actual: confirmed.actual, action: 'reported', note: decision.note };
      const link = owner ? statusLink(owner.kind, owner.id) : undefined;
      if (link) item.link = link;
      if (decision.action === 'skippedRecentChange') item.action = 'skippedRecentChange';
      if (decision.action === 'repair' && confirmed.repair.kind === 'removeOrphan' && confirmed.repair.removal.target === 'egressRule' && config.egress?.applyMode === 'platformApi') {
        item.note = 'egress.applyMode is platformApi: the platform team writes the policy, the control plane does not remove rules';
      } else if (decision.action === 'repair' && confirmed.repair.kind === 'removeOrphan') {
        try {
          item.repairInstanceId = await startOrphanRemoval(client, input.runId, confirmed, confirmed.repair, trigger);
          item.action = 'repairStarted';
          repairsStarted++;
        } catch (e) {
          item.note = `starting its removal failed: ${(e as Error).message}`;
        }
      }
      if (decision.action === 'repair' && owner && ownerKey) {
        const key = ownerKey;
        let outcome = signalled.get(key);
        if (!outcome) {
          try {
            outcome = await signalRepair(client, owner.kind, owner.id, confirmed, trigger);
          } catch (e) {
            outcome = { refused: `signalling failed: ${(e as Error).message}` };
          }
          signalled.set(key, outcome);
        }
        if ('instanceId' in outcome) {
          item.action = 'repairStarted';
          item.repairInstanceId = outcome.instanceId;
          repairsStarted++;
        } else item.note = outcome.refused;
      }
      items.push(item);
    }
  } catch (e) {
    notInspected.push({ scope: `the ${input.flow} detector`, error: (e as Error).message });
    context.error(`drift ${input.runId}: the ${input.flow} detector failed: ${(e as Error).message}`);
  }
  try {
    await driftReports().putItems(input.runId, input.flowIndex * FLOW_ITEM_SPAN, items);
  } catch (e) {
    const failed = `the report could not keep its ${items.length} item(s): ${failureMessage(e)}`;
    notInspected.push({ scope: `the ${input.flow} detector`, error: failed });
    context.error(`drift ${input.runId}: ${failed}`);
    return { inspection: inspection(input.flow, true, started, { inspected, notInspected, calls }), items: 0, repairsStarted: 0, failed };
  }
  return { inspection: inspection(input.flow, true, started, { inspected, notInspected, calls }), items: items.length, repairsStarted };
}

const RECORD_OF_OWNER: Record<string, ManagedKind> = { '/api/spokes/': 'spoke', '/api/endpoints/': 'endpoint' };

/**
 * Marks `repaired` the repairStarted items whose orchestration has ended with its record saying True (or Deleted for
 * a gone resource) since the run started; answers how many are still waiting.
 */
export async function followUp(input: { runId: string }, context: InvocationContext): Promise<number> {
  const store = driftReports();
  const { store: records } = flowDeps();
  const client = df.getClient(context);
  const run = await store.getRun(input.runId);
  const items = await store.listItems(input.runId);
  let pending = 0;
  const changed: Array<{ index: number; item: DriftItem }> = [];
  for (const { index, item } of withIndexes(items)) {
    if (item.action === 'repairStarted' && item.repairInstanceId && isOrphanInstance(item.repairInstanceId)) {
      const removal = await orphanRemoval(client, item.repairInstanceId);
      if (removal === 'running') pending++;
      else if (removal.ok) changed.push({ index, item: { ...item, action: 'repaired', note: `${item.note ?? ''}; the writer says: ${removal.detail}`.replace(/^; /, '') } });
      else changed.push({ index, item: { ...item, note: `${item.note ?? ''}; the removal failed: ${removal.detail}`.replace(/^; /, '') } });
      continue;
    }
    if (item.action === 'repairStarted' && (item.flow === 'egress' || item.flow === 'stamps')) {
      // An Active request's orchestration and a stamp's monitor never end: the difference itself is read again (the
      // detector's own confirming read), and gone means repaired.
      const still = await stillDiffers(item);
      if (still) pending++;
      else changed.push({ index, item: { ...item, action: 'repaired', note: `${item.note ?? ''}; a direct read shows it as desired`.replace(/^; /, '') } });
      continue;
    }
    if (item.action !== 'repairStarted' || !item.repairInstanceId || !item.link) continue;
    const kind = Object.entries(RECORD_OF_OWNER).find(([prefix]) => item.link?.startsWith(prefix))?.[1];
    const status = await runtimeStatus(client, item.repairInstanceId);
    if (isActive(status) || !kind) {
      pending++;
      continue;
    }
    const owner = kind === 'spoke' || kind === 'endpoint' ? ownerFromItem(item) : undefined;
    const record = owner ? await records.getRecord(kind, owner) : null;
    const fresh = record && run && Date.parse(record.updatedAt) >= Date.parse(run.startedAt);
    if (fresh && (record.condition.status === 'True' || record.condition.reason === 'Deleted')) changed.push({ index, item: { ...item, action: 'repaired', note: `${item.note ?? ''}; its record says ${record.condition.reason}`.replace(/^; /, '') } });
    else if (!fresh) pending++;
  }
  for (const c of changed) await store.putItems(input.runId, c.index, [c.item]);
  return pending;
}

/** Whether an egress or stamps item still differs, read again as its detector confirms a candidate (one read). */
async function stillDiffers(item: DriftItem): Promise<boolean> {
  const deps = flowDeps();
  const { config, store } = deps;
  let check: Record<string, string> | undefined;
  if (item.flow === 'egress') {
    const record = await store.getRecord('egressRequest', item.resource);
    const rule = record ? detailsOf(record).rule : undefined;
    if (!rule) return false; // no rule to hold any more (revoked, say): nothing differs
    check = { policyId: rule.firewallPolicyId, requestId: item.resource };
  } else {
    const stamp = config.stamps?.stamps.find((st) => st.name.toLowerCase() === item.resource.toLowerCase());
    if (!stamp) return false;
    check = { groupKey: originGroupKey(stamp.origin) };
  }
  const owner = { kind: item.flow === 'egress' ? ('egressRequest' as const) : ('stamp' as const), id: item.resource };
  const candidate: DriftCandidate = { flow: item.flow, kind: item.kind, resource: item.resource, expected: item.expected, actual: item.actual, check, repair: { kind: 'reconcile', owner } };
  const ports: DetectorPorts = { config, network: deps.network, dns: deps.dns, firewall: deps.firewall, frontDoor: deps.frontDoor, store, now: Date.now() };
  return (await DETECTORS[item.flow].confirm(candidate, ports)) !== null;
}

/** How an orphan's removal ended (its orchestration's output), or that it still runs. */
async function orphanRemoval(client: df.DurableClient, instanceId: string): Promise<'running' | OrphanRemovalOutput> {
  const status = await client.getStatus(instanceId);
  if (isActive(status.runtimeStatus)) return 'running';
  const output = status.output as Partial<OrphanRemovalOutput> | null | undefined;
  if (status.runtimeStatus === df.OrchestrationRuntimeStatus.Completed && typeof output?.ok === 'boolean') return { ok: output.ok, detail: output.detail ?? '' };
  return { ok: false, detail: `its orchestration ended ${status.runtimeStatus}` };
}

/** The resource an item's repair concerned: the item's resource for pair/record kinds, the owner otherwise. */
function ownerFromItem(item: DriftItem): string {
  const m = /^\/api\/(?:spokes|endpoints)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(item.link ?? '');
  if (!m) return item.resource;
  const type = item.link?.startsWith('/api/spokes/') ? 'Microsoft.Network/virtualNetworks' : 'Microsoft.Network/privateEndpoints';
  return `/subscriptions/${m[1]}/resourceGroups/${m[2]}/providers/${type}/${m[3]}`;
}

/** Items (as listed: by flow, then index) with their stored indexes: each flow writes from flowIndex * FLOW_ITEM_SPAN. */
function withIndexes(items: readonly DriftItem[]): Array<{ index: number; item: DriftItem }> {
  const counters = new Map<string, number>();
  return items.map((item) => {
    const flowIndex = DRIFT_FLOWS.indexOf(item.flow);
    const n = counters.get(item.flow) ?? 0;
    counters.set(item.flow, n + 1);
    return { index: flowIndex * FLOW_ITEM_SPAN + n, item };
  });
}

export async function finishRun(input: FinishInput): Promise<DriftRun> {
  return endRun(driftReports(), flowDeps().config.mode, input);
}

const withClient = { extraInputs: [df.input.durableClient()] };

df.app.activity(DRIFT_ACTIVITY.begin, { handler: tracedActivity(DRIFT_ACTIVITY.begin, beginRun, byRun) });
df.app.activity(DRIFT_ACTIVITY.detect, { ...withClient, handler: tracedActivity(DRIFT_ACTIVITY.detect, detect, byRun) });
df.app.activity(DRIFT_ACTIVITY.followUp, { ...withClient, handler: tracedActivity(DRIFT_ACTIVITY.followUp, followUp, byRun) });
df.app.activity(DRIFT_ACTIVITY.finish, { handler: tracedActivity(DRIFT_ACTIVITY.finish, finishRun, byRun) });
