/** Recording a reconcile's outcome: the resource's record (condition with transition time) and its audit entries. */
import { nextCondition, type ManagedKind, type RecordStore, type TriggerInfo } from '../../shared/store/records';
import type { FlowOutcome } from './orchestration';

/** What a flow's record activity receives (see reconcilingOrchestrator), less the resource key. */
export type RecordInput = Omit<FlowOutcome, 'mode'> & { trigger: TriggerInfo; mode: 'enforce' | 'observe' };

/**
 * Writes the resource's condition (keeping lastTransitionTime while status and reason stay) and the audit entries.
 * `details` may merge what the previous record kept (e.g. when the resource was first seen).
 */
export async function recordOutcome(
  store: RecordStore,
  target: { kind: Exclude<ManagedKind, 'dnsName'>; conditionType: string; resourceId: string },
  input: RecordInput,
  details: (previous: Record<string, unknown> | undefined, now: string) => Record<string, unknown> = () => input.details,
): Promise<void> {
  const now = new Date().toISOString();
  const previous = await store.getRecord(target.kind, target.resourceId);
  await store.putRecord({
    kind: target.kind,
    resourceId: target.resourceId,
    condition: nextCondition(previous?.condition, { type: target.conditionType, ...input.condition }, now),
    details: details(previous?.details, now),
    lastTrigger: input.trigger,
    updatedAt: now,
  });
  await store.appendAudit(input.audit.map((a) => ({ ...a, at: now, resourceId: target.resourceId, kind: target.kind, trigger: input.trigger, mode: input.mode })));
}
