/**
 * Records the control plane keeps: an audit entry for every ARM write and every rejection, and the current state of
 * each managed resource (its condition, as cluster-api / ASO report status). The port is shaped for the domain;
 * the Azure Tables adapter is in tables-store.ts, an in-memory one in memory-store.ts.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The state of a managed resource in one line a person can act on (type, status, reason, message). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase reason: Converged, Overlap, OptedOut, UnknownHub, WouldChange, ArmError, ... */
  reason: string;
  message: string;
  /** When status or reason last changed (ISO 8601). */
  lastTransitionTime: string;
}

/** What caused a reconcile: an Event Grid event, a sweep, or a request over HTTP. */
export interface TriggerInfo {
  source: 'event' | 'sweep' | 'http';
  eventId?: string;
  operationName?: string;
  correlationId?: string;
  /** Who made the change that raised the event (from its claims). */
  principal?: string;
  eventTime?: string;
}

/**
 * `dnsName`: the control plane's claim on one FQDN in the central zones (which endpoint it resolves to). `stamp`: a
 * Front Door stamp, keyed by its name (the stamp is a configuration entry, not one ARM resource).
 */
export type ManagedKind = 'spoke' | 'endpoint' | 'dnsName' | 'stamp' | 'egressRequest';

export interface ManagedRecord {
  kind: ManagedKind;
  /** The managed resource's ARM ID, as ARM spells it when known. */
  resourceId: string;
  condition: Condition;
  /** Kind-specific details (hub, peering names, pending changes, zones, ...). */
  details: Record<string, unknown>;
  lastTrigger?: TriggerInfo;
  updatedAt: string;
}

export type AuditOutcome = 'succeeded' | 'failed' | 'skipped' | 'rejected' | 'observed';

export interface AuditEntry {
  at: string;
  /** The managed resource the entry belongs to; rejected events without one use their subject. */
  resourceId: string;
  kind: ManagedKind | 'event';
  /** What was (or would have been) done: create, update, sync, recreate, delete, reject, ... */
  action: string;
  /** The ARM resource written, when it differs from resourceId (e.g. a peering of a spoke). */
  target?: string;
  outcome: AuditOutcome;
  reason: string;
  before?: unknown;
  after?: unknown;
  error?: { code: string; message: string };
  trigger?: TriggerInfo;
  mode: 'enforce' | 'observe';
}

/** Reasons of a False condition that are a decision, not a failure: logged at information level. */
const DECIDED = new Set(['OptedOut', 'NotOptedIn', 'NotWatched', 'IsHub', 'Deleted', 'WouldChange']);

/** Whether an outcome (a condition) is a failure an operator should look at (logged as a warning). */
export function isFailure(condition: Pick<Condition, 'status' | 'reason'>): boolean {
  return condition.status === 'Unknown' || (condition.status === 'False' && !DECIDED.has(condition.reason));
}

export interface RecordStore {
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Newest first. */
  listAudit(resourceId: string, limit?: number): Promise<AuditEntry[]>;
  getRecord(kind: ManagedKind, resourceId: string): Promise<ManagedRecord | null>;
  putRecord(record: ManagedRecord): Promise<void>;
  listRecords(kind: ManagedKind): Promise<ManagedRecord[]>;
  /** The record with an opaque version (the Tables ETag), for compare-and-set. */
  getVersioned(kind: ManagedKind, resourceId: string): Promise<{ record: ManagedRecord; version: string } | null>;
  /**
   * Writes the record only if it is still at `version` (`null`: only if it does not exist). False when another
   * writer got there first: read again and decide again.
   */
  putRecordIf(record: ManagedRecord, version: string | null): Promise<boolean>;
  /** Deletes the record only if it is still at `version`; false when it changed (absent counts as done). */
  deleteRecordIf(kind: ManagedKind, resourceId: string, version: string): Promise<boolean>;
}

/**
 * The condition to store: keeps the previous lastTransitionTime when neither status nor reason changed, so it says
 * how long a resource has been in its state.
 */
export function nextCondition(previous: Condition | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition {
  const same = previous && previous.type === next.type && previous.status === next.status && previous.reason === next.reason;
  return { ...next, lastTransitionTime: same ? previous.lastTransitionTime : now };
}
