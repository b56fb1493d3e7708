/**
 * What the HTTP API asks of a managed resource beyond reading it: whether a reconcile request names anything at
 * all, and forgetting the record of a resource that is gone. The rules live here, not in the triggers.
 */
import type * as df from 'durable-functions';
import { classifyArmError, type ClassifiedError } from '../../shared/azure/errors';
import type { ManagedRecord, RecordStore } from '../../shared/store/records';
import { wasSeen, type RecordTarget } from './record';
import { isActive, runtimeStatus } from './start';

/**
 * ARM's answer to a GET under a resource group or subscription that does not exist is ResourceGroupNotFound /
 * SubscriptionNotFound (terminal for writes): for a read, the resource does not exist either. (Both are 404s in ARM,
 * as the emulator answers; not checked against a REST spec example, which do not cover missing parents.)
 */
const MISSING_PARENT = new Set(['resourcegroupnotfound', 'subscriptionnotfound']);

/** Reads a resource through a port (null: 404), counting a missing resource group or subscription as absent. */
export async function readOrAbsent<T>(read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (e) {
    if (MISSING_PARENT.has(classifyArmError(e).code.toLowerCase())) return null;
    throw e;
  }
}

export type ReconcileCheck = { kind: 'go' } | { kind: 'notFound' };

/**
 * A reconcile request on a resource the control plane never recorded goes ahead only if the resource exists: a
 * typo answers 404 and leaves nothing behind. A recorded resource always goes (if it is gone, the pass records
 * Deleted and cleans up after it); so does one whose existence ARM could not confirm (the pass retries and
 * records why).
 */
export async function checkReconcileRequest(store: RecordStore, target: RecordTarget, read: () => Promise<unknown>): Promise<ReconcileCheck> {
  if (await store.getRecord(target.kind, target.resourceId)) return { kind: 'go' };
  try {
    return (await readOrAbsent(read)) === null ? { kind: 'notFound' } : { kind: 'go' };
  } catch {
    return { kind: 'go' };
  }
}

export type ForgetResult =
  | { kind: 'forgotten'; record: ManagedRecord }
  | { kind: 'unknown' }
  | { kind: 'running'; runtimeStatus: string }
  | { kind: 'exists' }
  | { kind: 'cleanupPending'; record: ManagedRecord }
  | { kind: 'armError'; error: ClassifiedError }
  | { kind: 'changed' };

/**
 * Forgets the record of a resource that no longer exists (its audit entries stay). Refused while the resource
 * exists, while its orchestration runs (it would record again), and while its record says anything but `Deleted`
 * in a watched subscription: the flow's cleanup after a deleted resource (hub-side peering, leftover DNS records,
 * name claims) reads that record, so it must run first (a reconcile does it). In a subscription no longer watched
 * no reconcile can run, so a gone resource's record is forgotten whatever it says.
 */
export async function forgetGoneResource(
  store: RecordStore,
  client: df.DurableClient,
  target: RecordTarget & { instanceId: string; watched: boolean },
  read: () => Promise<unknown>,
): Promise<ForgetResult> {
  const current = await store.getVersioned(target.kind, target.resourceId);
  if (!current) return { kind: 'unknown' };
  const status = await runtimeStatus(client, target.instanceId);
  if (isActive(status)) return { kind: 'running', runtimeStatus: status ?? '' };
  let found: unknown;
  try {
    found = await readOrAbsent(read);
  } catch (e) {
    return { kind: 'armError', error: classifyArmError(e) };
  }
  if (found !== null) return { kind: 'exists' };
  // A `Reconciling` mark (a first pass that never ended) has nothing to clean up after.
  if (target.watched && wasSeen(current.record) && current.record.condition.reason !== 'Deleted') return { kind: 'cleanupPending', record: current.record };
  if (!(await store.deleteRecordIf(target.kind, target.resourceId, current.version))) return { kind: 'changed' };
  return { kind: 'forgotten', record: current.record };
}
