/**
 * A managed resource's record over a reconcile: marked `Reconciling` when its first pass starts, its outcome written
 * (condition with transition time, details, audit entries) with one log line, or, when the resource turned out to
 * be none of ours (never seen and not found, a hub, a flow switched off), no record at all.
 */
import type { InvocationContext } from '@azure/functions';
import { isFailure, nextCondition, type Condition, type ManagedKind, type ManagedRecord, type RecordStore, type TriggerInfo } from '../../shared/store/records';
import { FLOW_OF_KIND, recordReconcileOutcome } from '../../shared/telemetry';
import type { FlowOutcome } from './orchestration';

/** The condition a record carries while its resource's first pass runs. */
export const RECONCILING = 'Reconciling';

/** Which record an outcome goes to. */
export interface RecordTarget {
  kind: Exclude<ManagedKind, 'dnsName'>;
  conditionType: string;
  resourceId: string;
}

/** What a flow's record activity receives (see reconcilingOrchestrator), less the resource key. */
export type RecordInput = Omit<FlowOutcome, 'mode'> & { trigger: TriggerInfo; mode: 'enforce' | 'observe' };

/** Where the outcome lines go: the activity's InvocationContext (the host's log, Application Insights in Azure). */
export type OutcomeLog = Pick<InvocationContext, 'log' | 'warn'>;

export { isFailure };

/** The marker before the outcome line's JSON part (a log query: `extract(@"outcome=(\{.*\})$", 1, message)`). */
export const OUTCOME_MARKER = ' outcome=';

/**
 * The one line an outcome is logged with: the human text, e.g. `spoke /subscriptions/.../my-spoke: Peered=True
 * Converged (peered ...)`, then, when the trigger is given, ` outcome={...}` with the resource ID, flow, condition,
 * trigger source and correlation ID as JSON, so that a log query can answer "what happened to this VNet".
 */
export function outcomeLine(target: RecordTarget, condition: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>, trigger?: TriggerInfo, mode?: 'enforce' | 'observe'): string {
  const human = `${target.kind} ${target.resourceId}: ${condition.type}=${condition.status} ${condition.reason}${condition.message ? ` (${condition.message})` : ''}`;
  if (!trigger) return human;
  const fields = {
    resourceId: target.resourceId,
    kind: target.kind,
    flow: FLOW_OF_KIND[target.kind],
    condition: condition.type,
    status: condition.status,
    reason: condition.reason,
    ...(mode ? { mode } : {}),
    source: trigger.source,
    correlationId: trigger.correlationId ?? null,
    eventId: trigger.eventId ?? null,
  };
  return `${human}${OUTCOME_MARKER}${JSON.stringify(fields)}`;
}

/**
 * Writes the resource's condition (keeping lastTransitionTime while status and reason stay) and the audit entries,
 * and logs the outcome in one line (a warning when it is a failure). `details` may merge what the previous record
 * kept (e.g. when the resource was first seen).
 */
export async function recordOutcome(
  store: RecordStore,
  target: RecordTarget,
  input: RecordInput,
  log: OutcomeLog,
  details: (previous: Record<string, unknown> | undefined, now: string) => Record<string, unknown> = () => input.details,
): Promise<void> {
  const now = new Date().toISOString();
  const previous = await store.getRecord(target.kind, target.resourceId);
  const condition = nextCondition(previous?.condition, { type: target.conditionType, ...input.condition }, now);
  await store.putRecord({
    kind: target.kind,
    resourceId: target.resourceId,
    condition,
    details: details(previous?.details, now),
    lastTrigger: input.trigger,
    updatedAt: now,
  });
  await store.appendAudit(input.audit.map((a) => ({ ...a, at: now, resourceId: target.resourceId, kind: target.kind, trigger: input.trigger, mode: input.mode })));
  recordReconcileOutcome({ kind: target.kind, status: condition.status, reason: condition.reason, mode: input.mode, trigger: input.trigger, at: new Date(now) });
  const line = outcomeLine(target, condition, input.trigger, input.mode);
  if (isFailure(condition)) log.warn(line);
  else log.log(line);
}

/** A record whose resource has been observed at least once (not just a `Reconciling` mark). */
export const wasSeen = (record: ManagedRecord | null): boolean => record !== null && record.condition.reason !== RECONCILING;

export interface ReconcileStart {
  /** The control plane had recorded an outcome for the resource before (so a resource now gone was deleted). */
  seen: boolean;
  /** This call wrote the `Reconciling` mark (no record existed). */
  marked: boolean;
}

/**
 * A pass starts: a resource without a record gets one saying `Reconciling` (Unknown), so that nobody reads a null
 * condition while its first pass runs. Written only if still absent (compare-and-set): never over an outcome.
 */
export async function beginReconcile(store: RecordStore, target: RecordTarget, trigger: TriggerInfo): Promise<ReconcileStart> {
  const existing = await store.getRecord(target.kind, target.resourceId);
  if (existing) return { seen: wasSeen(existing), marked: false };
  const now = new Date().toISOString();
  const marked = await store.putRecordIf(
    {
      kind: target.kind,
      resourceId: target.resourceId,
      condition: { type: target.conditionType, status: 'Unknown', reason: RECONCILING, message: `the first pass is running (asked for by ${trigger.source})`, lastTransitionTime: now },
      details: {},
      lastTrigger: trigger,
      updatedAt: now,
    },
    null,
  );
  if (marked) return { seen: false, marked: true };
  // Someone recorded meanwhile (an earlier execution's record activity retried): go by what is there.
  return { seen: wasSeen(await store.getRecord(target.kind, target.resourceId)), marked: false };
}

/**
 * The pass ended with nothing to record (never seen and not found, a hub, the flow switched off): a `Reconciling`
 * mark goes (only while it is still one: compare-and-set), an outcome recorded before stays. One log line says why.
 */
export async function recordNothing(store: RecordStore, target: RecordTarget, why: { reason: string; message: string }, log: OutcomeLog): Promise<void> {
  const current = await store.getVersioned(target.kind, target.resourceId);
  if (current && !wasSeen(current.record)) await store.deleteRecordIf(target.kind, target.resourceId, current.version);
  log.log(`${target.kind} ${target.resourceId}: nothing recorded, ${why.reason} (${why.message})`);
}
