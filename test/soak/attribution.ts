/**
 * Why a run wrote a resource more often than the baseline: each of the run's writes to such a resource, with what
 * came before it on the same resource (from the ARM emulator's journal, `GET /api/local/arm/requests?journal=true`):
 * injected faults on its requests and status polls, an operation the injection made fail, the kill -9, and the audit
 * entry the control plane wrote for it (action, reason, the trigger: event, sweep or HTTP). Printed, never asserted:
 * it tells a person where to look.
 */
import type { JournalEntry } from '../../local/arm/requestLog';

/** One entry of the ARM emulator's journal, as the soak reads it from `GET /api/local/arm/requests?journal=true`. */
export type Journaled = JournalEntry;

/** An audit entry of a spoke (GET /api/spokes/{..}: `audit`), the fields read here. */
export interface AuditSeen {
  at: string;
  action: string;
  target?: string;
  outcome: string;
  reason: string;
  before?: unknown;
  after?: unknown;
  trigger?: { source?: string; eventId?: string; operationName?: string; eventTime?: string };
}

/** What a write is attributed to (several may hold). */
export type Cause =
  /** An earlier write to the resource started an operation the injection made end Failed: this one redoes it. */
  | 'redo-after-injected-lro-failure'
  /** An injected 429/5xx on this resource (its read, write or status poll) since the previous write and the event. */
  | 'after-injected-fault'
  /** The kill -9 came after the event this write answers (and after the previous write): the work was interrupted. */
  | 'after-kill'
  /** The write left the resource as it was (its audit's `before` and `after` agree on everything desired). */
  | 'rewrote-same-state'
  /** The VNet the resource belongs to was written by someone else (the soak's driver) since the previous write. */
  | 'vnet-written-since'
  /** Its audit entry's trigger is the same event as an earlier write's to the resource (a duplicate delivery). */
  | 'same-event-as-earlier-write'
  /** No audit entry of the control plane matches it (an activity run again whose first audit was lost, or unaudited). */
  | 'no-audit-entry'
  /** None of the above. */
  | 'unexplained';

export interface AttributedWrite {
  at: number;
  method: string;
  status: number;
  causes: Cause[];
  /** The injected faults (and failed operations) on the resource since the previous write. */
  faults: Journaled[];
  /** Writes by others to the VNets the resource joins, since the previous write (e.g. the spoke changed). */
  vnetWrites: number;
  audit?: AuditSeen;
}

export interface ResourceAttribution {
  path: string;
  flow: string;
  baseline: number;
  run: number;
  writes: AttributedWrite[];
  /** The baseline's audit actions and triggers for the same resource, to compare with. */
  baselineAudit: AuditSeen[];
}

const isWrite = (e: Journaled): boolean => ['PUT', 'PATCH', 'POST', 'DELETE'].includes(e.method);
const ok = (e: Journaled): boolean => e.status >= 200 && e.status < 300;

/** Whether an audited write changed nothing desired: same remote, flags and synced remote address space, both healthy. */
export function sameState(before: unknown, after: unknown): boolean {
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return false;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  if (b.provisioningState !== 'Succeeded' || b.peeringState === 'Disconnected' || !('remoteAddressPrefixes' in b)) return false;
  const keys = ['remoteVnetId', 'allowVirtualNetworkAccess', 'allowForwardedTraffic', 'allowGatewayTransit', 'useRemoteGateways'];
  const prefixes = (x: Record<string, unknown>): string => (Array.isArray(x.remoteAddressPrefixes) ? [...(x.remoteAddressPrefixes as string[])].sort().join(',') : '');
  return keys.every((k) => String(b[k]).toLowerCase() === String(a[k]).toLowerCase()) && prefixes(b) === prefixes(a);
}

/**
 * Attributes each 2xx write of `path` in `journal` (the run's, in order). `kills`: the times of kill -9s.
 * `audit`: the control plane's audit entries whose target is `path` (any order). `vnetWrites`: other callers' writes
 * to the VNet the resource serves (the driver's spoke writes), to tell a write that follows a new intent.
 */
export function attributeWrites(path: string, journal: Journaled[], audit: AuditSeen[], kills: number[], vnetWrites: Journaled[] = []): AttributedWrite[] {
  const mine = journal.filter((e) => e.path === path || e.resource === path).sort((a, b) => a.at - b.at || a.seq - b.seq);
  const audits = audit.filter((a) => a.target?.toLowerCase() === path).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const used = new Set<AuditSeen>();
  const out: AttributedWrite[] = [];
  let since: Journaled[] = [];
  let previousAt = -Infinity;
  let pendingLroFailure = false;
  const events = new Set<string>();
  for (const e of mine) {
    if (!(isWrite(e) && ok(e))) {
      if (e.injected) since.push(e);
      continue;
    }
    // The audit entry is written when the write is done: the first unused one at or after it, of the same kind.
    const deleting = e.method === 'DELETE';
    const entry = audits.find((a) => !used.has(a) && Date.parse(a.at) >= e.at - 1000 && (a.action === 'delete') === deleting);
    if (entry) used.add(entry);
    const causes: Cause[] = [];
    // What came after both the previous write and the event this write answers can have caused it.
    const eventAt = entry?.trigger?.eventTime ? Date.parse(entry.trigger.eventTime) : Number.NaN;
    const from = Math.max(previousAt, Number.isNaN(eventAt) ? -Infinity : eventAt);
    const faults = since.filter((f) => f.at >= from);
    const changed = vnetWrites.filter((v) => isWrite(v) && ok(v) && v.at > previousAt && v.at <= e.at).length;
    if (pendingLroFailure) causes.push('redo-after-injected-lro-failure');
    if (faults.length > 0) causes.push('after-injected-fault');
    if (kills.some((k) => k > from && k <= e.at)) causes.push('after-kill');
    if (entry && entry.action !== 'delete' && sameState(entry.before, entry.after)) causes.push('rewrote-same-state');
    const eventId = entry?.trigger?.eventId;
    if (eventId && events.has(eventId)) causes.push('same-event-as-earlier-write');
    if (eventId) events.add(eventId);
    if (!entry) causes.push('no-audit-entry');
    if (changed > 0 && causes.length === 0) causes.push('vnet-written-since');
    if (causes.length === 0) causes.push('unexplained');
    out.push({ at: e.at, method: e.method, status: e.status, causes, faults, vnetWrites: changed, ...(entry ? { audit: entry } : {}) });
    pendingLroFailure = e.injected === 'lroFailure';
    since = [];
    previousAt = e.at;
  }
  return out;
}

/** One line per write, times relative to the run's start (seconds). */
export function describeAttribution(r: ResourceAttribution, startedAt: number, baselineWrites: AttributedWrite[] = [], baselineStartedAt = 0): string[] {
  const t = (ms: number): string => `t+${((ms - startedAt) / 1000).toFixed(1)}s`;
  const trig = (a: AuditSeen | undefined): string => {
    const g = a?.trigger;
    if (!a) return 'no audit entry';
    return `${a.action} ${a.outcome} (${a.reason.slice(0, 90)}) trigger ${g?.source ?? '?'}${g?.operationName ? ` ${g.operationName}` : ''}${g?.eventId ? ` event ${g.eventId.slice(0, 8)}` : ''}${g?.eventTime ? ` of ${g.eventTime.slice(11, 23)}` : ''}`;
  };
  const lines = [`${r.path}: baseline ${r.baseline}, run ${r.run} (+${r.run - r.baseline})`];
  for (const w of r.writes) {
    const faults = w.faults.map((f) => `${f.injected === 'lroFailure' ? 'failed op of' : f.status} ${f.method}${f.resource ? ' poll' : ''} ${t(f.at)}`).join(', ');
    lines.push(`    ${t(w.at)} ${w.method} ${w.status} [${w.causes.join(', ')}]${w.vnetWrites ? ` VNet written ${w.vnetWrites}x since the previous write;` : ''}${faults ? ` faults before: ${faults};` : ''} ${trig(w.audit)}`);
  }
  const bt = (ms: number): string => `t+${((ms - baselineStartedAt) / 1000).toFixed(1)}s`;
  if (baselineWrites.length > 0) lines.push(`    baseline's writes: ${baselineWrites.map((w) => `${bt(w.at)} ${w.method} ${w.audit ? `${w.audit.action} ${w.audit.outcome}` : 'no audit entry'}${w.vnetWrites ? ` (VNet written ${w.vnetWrites}x before)` : ''}`).join('; ')}`);
  const failed = r.baselineAudit.filter((a) => a.outcome !== 'succeeded');
  if (failed.length > 0) lines.push(`    baseline's failed writes: ${failed.map((a) => `${a.action} ${a.outcome}`).join('; ')}`);
  return lines;
}

/** Counts of causes over the writes beyond the baseline: each resource's last `run - baseline` writes are its extras. */
export function causeTotals(resources: ResourceAttribution[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const r of resources) {
    // Which of a resource's writes is "the extra" is not knowable; every write with a cause other than
    // `unexplained` is a candidate. Count, per resource, the extra writes as the causes of its explained writes first.
    const extra = Math.max(0, r.run - r.baseline);
    const explained = r.writes.filter((w) => !w.causes.includes('unexplained'));
    const chosen = [...explained, ...r.writes.filter((w) => w.causes.includes('unexplained'))].slice(0, extra);
    for (const w of chosen) {
      const key = w.causes.join('+');
      totals[key] = (totals[key] ?? 0) + 1;
    }
  }
  return totals;
}
