/**
 * Activities both flows use, registered once (both flows' modules import this one): the start and the no-record end
 * of a reconcile (see record.ts), and the records a sweep checks against its listing.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { parseResourceId } from '../../shared/azure/resource-id';
import { tracedActivity } from '../../shared/telemetry';
import type { ManagedKind, TriggerInfo } from '../../shared/store/records';
import { flowDeps } from './deps';
import { COMMON_ACTIVITY } from './names';
import { beginReconcile, recordNothing, type ReconcileStart, type RecordTarget } from './record';

export async function beginReconcileActivity(input: { target: RecordTarget; trigger: TriggerInfo }): Promise<ReconcileStart> {
  return beginReconcile(flowDeps().store, input.target, input.trigger);
}

export async function recordNothingActivity(input: { target: RecordTarget; why: { reason: string; message: string } }, context: InvocationContext): Promise<void> {
  await recordNothing(flowDeps().store, input.target, input.why, context);
}

/**
 * The resources of `kind` recorded in these subscriptions and not yet `Deleted`: a sweep reconciles those its
 * listing no longer shows, so a resource deleted while no event reached us is found gone (and cleaned up after).
 */
export async function recordedResources(input: { kind: Exclude<ManagedKind, 'dnsName'>; subscriptions: string[] }): Promise<string[]> {
  const wanted = new Set(input.subscriptions.map((s) => s.toLowerCase()));
  const records = await flowDeps().store.listRecords(input.kind);
  return records
    .filter((r) => r.condition.reason !== 'Deleted')
    .map((r) => r.resourceId)
    .filter((id) => {
      try {
        return wanted.has(parseResourceId(id).subscriptionId.toLowerCase());
      } catch {
        return false; // not an ARM ID: no subscription of ours
      }
    });
}

df.app.activity(COMMON_ACTIVITY.beginReconcile, { handler: tracedActivity(COMMON_ACTIVITY.beginReconcile, beginReconcileActivity) });
df.app.activity(COMMON_ACTIVITY.recordNothing, { handler: recordNothingActivity });
df.app.activity(COMMON_ACTIVITY.recordedResources, { handler: recordedResources });
