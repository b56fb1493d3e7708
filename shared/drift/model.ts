/**
 * Drift checks: what a run reports. A run compares each flow's desired state (from the flow's own pure spec) with
 * what ARM lists, confirms each candidate with one direct GET, and writes one item per difference.
 */
import type { ManagedRecord } from '../store/records';

export const DRIFT_FLOWS = ['peering', 'dns', 'egress', 'stamps'] as const;
export type DriftFlow = (typeof DRIFT_FLOWS)[number];

/** What the run did about an item (the issue's contract). */
export type DriftAction = 'reported' | 'repairStarted' | 'repaired' | 'skippedRecentChange';

/** What a run is doing or how it ended. `Partial`: it ended, and some scopes could not be inspected. */
export type DriftRunStatus = 'Running' | 'Completed' | 'Partial' | 'Failed';

/**
 * A difference found by a detector, before the run decides what to do about it.
 * `repair`: how it is repaired, if at all: `reconcile` signals the orchestration of `owner` (its kind names which);
 * `none`: nothing in the control plane owns the fix (reported whatever the policy says).
 */
export interface DriftCandidate {
  flow: DriftFlow;
  /** Camel-case kind: missingPeering, wrongFlags, orphanPeering, unrecordedSpoke, goneResource, missingRecord, ... */
  kind: string;
  /** The ARM ID (or FQDN, stamp name, request ID) the item is about. */
  resource: string;
  expected: string;
  actual: string;
  /** An orphan: removed only when drift.repair.orphans is on. */
  orphan?: boolean;
  /** What the confirming GET reads (detector-specific: a zone and record name, a peering's hub and name). */
  check?: Record<string, string>;
  repair: { kind: 'reconcile'; owner: { kind: 'spoke' | 'endpoint' | 'egressRequest' | 'stamp'; id: string } } | OrphanRemovalRepair | { kind: 'none'; why: string };
}

/**
 * An orphan no resource's orchestration owns, removed (drift.repair.orphans on, enforce) by asking the writer that
 * owns its target, never written by the detector: a hub-side peering through the hub's writer queue (the same delete
 * change a spoke sends), a rule in the control plane's rule collection groups through the firewall policy's writer
 * queue (the same remove change a revoke sends), an A record of no endpoint and no claim through the DNS flow's
 * own activity (which reads it again and deletes it only while it still points at the same IPs). `why` says why it is kept when removal is off.
 */
export interface OrphanRemovalRepair {
  kind: 'removeOrphan';
  removal: { target: 'hubPeering'; hubVnetId: string; name: string; remoteVnetId: string } | { target: 'egressRule'; policyId: string; requestId: string }
    | { target: 'dnsRecord'; zoneId: string; recordName: string; ipAddresses: string[] };
  why: string;
}

export interface DriftItem {
  flow: DriftFlow;
  kind: string;
  resource: string;
  expected: string;
  actual: string;
  action: DriftAction;
  /** Why this action (policy, mode, what was recent). */
  note?: string;
  /** The resource's own status route (relative to the app: /api/spokes/..., /api/endpoints/...). */
  link?: string;
  /** The orchestration signalled for a repair. */
  repairInstanceId?: string;
}

/** What one detector looked at: counts by what was listed, and the scopes it could not inspect (with why). */
export interface FlowInspection {
  flow: DriftFlow;
  /** False when the flow is not configured (no privateDns, egress or stamps block). */
  enabled: boolean;
  inspected: Record<string, number>;
  notInspected: Array<{ scope: string; error: string }>;
  /** ARM requests the detector made, by kind (list pages are counted by the emulator; this is calls the port made). */
  calls: Record<string, number>;
  durationMs: number;
}

export interface DriftRun {
  runId: string;
  status: DriftRunStatus;
  trigger: 'timer' | 'http';
  mode: 'enforce' | 'observe';
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  flows: FlowInspection[];
  /** Counts of items by flow, then kind. */
  counts: Record<string, Record<string, number>>;
  /** Counts of items by action. */
  actions: Partial<Record<DriftAction, number>>;
  itemCount: number;
  error?: string;
}

/** Where a resource's own status is read. */
export function statusLink(ownerKind: string, id: string): string | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
  if (ownerKind === 'spoke' && m) return `/api/spokes/${m[1]}/${m[2]}/${m[3]}`;
  if (ownerKind === 'endpoint' && m) return `/api/endpoints/${m[1]}/${m[2]}/${m[3]}`;
  if (ownerKind === 'egressRequest') return `/api/egress-requests/${encodeURIComponent(id)}`;
  if (ownerKind === 'stamp') return `/api/stamps/${encodeURIComponent(id)}`;
  return undefined;
}

export interface ActionFacts {
  mode: 'enforce' | 'observe';
  /** drift.repair for the candidate's flow. */
  repairFlow: boolean;
  repairOrphans: boolean;
  /** The owner's orchestration is running, or its record changed within the recent-change window. */
  recent?: string;
}

const REMOVAL_NOTE: Record<OrphanRemovalRepair['removal']['target'], string> = {
  hubPeering: 'asked the hub\'s writer queue to delete it',
  egressRule: 'asked the firewall policy\'s writer queue to remove it',
  dnsRecord: 'asked the DNS flow to delete it',
};

/** What the run does about a confirmed candidate: a pure decision, table-tested. */
export function decideAction(candidate: DriftCandidate, facts: ActionFacts): { action: 'reported' | 'repair' | 'skippedRecentChange'; note: string } {
  if (facts.recent) return { action: 'skippedRecentChange', note: facts.recent };
  const repair = candidate.repair;
  if (repair.kind === 'none') return { action: 'reported', note: repair.why };
  if (facts.mode === 'observe') return { action: 'reported', note: 'CONTROL_PLANE_MODE is observe: nothing is repaired' };
  if (!facts.repairFlow) return { action: 'reported', note: `drift.repair.${candidate.flow} is off` };
  if ((candidate.orphan || repair.kind === 'removeOrphan') && !facts.repairOrphans) return { action: 'reported', note: `an orphan: drift.repair.orphans is off${repair.kind === 'removeOrphan' ? ` (${repair.why})` : ''}` };
  if (repair.kind === 'removeOrphan') return { action: 'repair', note: REMOVAL_NOTE[repair.removal.target] };
  return { action: 'repair', note: `signalled the ${repair.owner.kind}'s orchestration` };
}

/**
 * The first line of why a task failed: an activity's failure comes back as `Activity function 'x' failed: <the
 * host's RpcException as JSON, with the exception's message and stack>`; the report keeps the message only.
 */
export function failureMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const exception = /Exception: (.*?)(?:\\n|\n|$)/.exec(text)?.[1];
  const activity = /^(Activity function '[^']+' failed)/.exec(text)?.[1];
  if (exception) return `${activity ? `${activity}: ` : ''}${exception}`;
  return text.split('\n')[0] ?? text;
}

/**
 * When an owner's record last changed in a way the recent-change window counts: its `updatedAt`, except for a stamp,
 * whose monitor writes its record again every round (every probe interval, 30 s by default) whether or not anything
 * changed. For a stamp what counts is the latest of its condition's last transition, its state's last transition
 * and its last Front Door write (which Front Door takes minutes to apply at every edge).
 */
export function lastChangeOf(record: Pick<ManagedRecord, 'kind' | 'updatedAt' | 'condition' | 'details'>): string {
  if (record.kind !== 'stamp') return record.updatedAt;
  const details = record.details as { lastTransition?: { at?: unknown } | null; frontDoor?: { lastWrite?: { acceptedAt?: unknown } | null } | null };
  const times = [record.condition.lastTransitionTime, details.lastTransition?.at, details.frontDoor?.lastWrite?.acceptedAt]
    .filter((t): t is string => typeof t === 'string' && Number.isFinite(Date.parse(t)));
  return times.reduce<string | undefined>((latest, t) => (latest === undefined || Date.parse(t) > Date.parse(latest) ? t : latest), undefined) ?? record.updatedAt;
}

/** Whether a record's last change falls within the recent-change window before `now`. */
export function changedRecently(updatedAt: string | undefined, now: number, windowMinutes: number): boolean {
  if (!updatedAt || windowMinutes <= 0) return false;
  const at = Date.parse(updatedAt);
  return Number.isFinite(at) && now - at < windowMinutes * 60_000;
}

export function countItems(items: readonly Pick<DriftItem, 'flow' | 'kind' | 'action'>[]): Pick<DriftRun, 'counts' | 'actions' | 'itemCount'> {
  const counts: Record<string, Record<string, number>> = {};
  const actions: Partial<Record<DriftAction, number>> = {};
  for (const item of items) {
    const flow = (counts[item.flow] ??= {});
    flow[item.kind] = (flow[item.kind] ?? 0) + 1;
    actions[item.action] = (actions[item.action] ?? 0) + 1;
  }
  return { counts, actions, itemCount: items.length };
}

/** The summary a person reads in a terminal: the run, counts per flow and kind, what was not inspected, then the items. */
export function formatRunText(run: DriftRun, items: readonly DriftItem[]): string {
  const lines: string[] = [];
  lines.push(`Drift run ${run.runId}: ${run.status} (${run.trigger}, ${run.mode})`);
  lines.push(`  started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt} (${run.durationMs ?? 0} ms)` : ''}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  for (const flow of run.flows) {
    if (!flow.enabled) {
      lines.push(`  ${flow.flow}: not configured`);
      continue;
    }
    const inspected = Object.entries(flow.inspected).map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing';
    const kinds = Object.entries(run.counts[flow.flow] ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || 'no drift';
    lines.push(`  ${flow.flow}: inspected ${inspected}; ${kinds}`);
    for (const n of flow.notInspected) lines.push(`    NOT inspected ${n.scope}: ${n.error}`);
  }
  const actions = Object.entries(run.actions).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`  ${run.itemCount} item(s)${actions ? `: ${actions}` : ''}`);
  for (const item of items) {
    lines.push(`- [${item.flow}] ${item.kind} ${item.resource}`);
    lines.push(`    expected: ${item.expected}`);
    lines.push(`    actual:   ${item.actual}`);
    lines.push(`    action:   ${item.action}${item.note ? ` (${item.note})` : ''}${item.link ? `; status: ${item.link}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A run ID that sorts by start time: `dr-20261128T111500123Z-ab12`. */
export function newRunId(now: Date, random: string): string {
  return `dr-${now.toISOString().replace(/[-:.]/g, '')}-${random}`;
}

export const RUN_ID = /^dr-\d{8}T\d{9}Z-[a-z0-9]{4,12}$/;

/** The start time a run ID carries. */
export function runStart(runId: string): string | undefined {
  const m = /^dr-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(runId);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : undefined;
}

/**
 * What the Durable engine says about the one drift instance (every run executes as it, one after another):
 * `runtimeStatus` undefined when no such instance exists (never started, or purged); `active` whether it can still
 * run (orchestrations/common `isActive`); `runId` the run its input names (undefined when the input could not be
 * read); `output` what it returned (the ended run, when it completed).
 */
export interface DriftInstanceView {
  runtimeStatus?: string;
  active: boolean;
  runId?: string;
  output?: unknown;
}

/**
 * The run as shown by every read route (the list, `latest`, one run): the stored report, unless it still says
 * Running while no orchestration runs it. Then the run is dead (its orchestration Failed, was Terminated, is gone,
 * or the instance has since run another run) and is shown Failed, saying why; the stored report is left as it is.
 * One exception: the instance completed this very run after its report was read (its output is the ended run).
 */
export function shownRun(run: DriftRun, instance: DriftInstanceView | undefined): DriftRun {
  if (run.status !== 'Running') return run;
  const status = instance?.runtimeStatus;
  const mine = instance?.runId === run.runId;
  if (instance?.active && (mine || instance?.runId === undefined)) return run;
  const output = instance?.output as Partial<DriftRun> | null | undefined;
  if (mine && status === 'Completed' && output?.runId === run.runId && output.status && output.status !== 'Running') return output as DriftRun;
  const why = !status ? 'its orchestration no longer exists' : mine ? `its orchestration is ${status}` : `the drift instance has since run ${instance?.runId ?? 'another run'}`;
  return { ...run, status: 'Failed', error: `its orchestration ended without writing the report's end (${why}): what it did not inspect is unknown` };
}
