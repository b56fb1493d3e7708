/** Instance-ID helpers and event names the flows share. */
import { createHash } from 'node:crypto';
import { resourceKey } from '../../shared/azure/resource-id';

/** Raised on a running orchestration: something changed, run one more pass after this one. */
export const RECONCILE_EVENT = 'reconcile';

/** A short hash of the resource ID, the same whatever the ID's casing. */
export const hashOf = (id: string, length: number): string => createHash('sha256').update(resourceKey(id)).digest('hex').slice(0, length);

/**
 * Instance IDs must avoid `/ \ # ?` and stay short (Azure Storage keys): the resource's name, for people reading
 * lists, plus a hash of its whole ID.
 */
export function resourceInstanceKey(id: string): string {
  const readable = (resourceKey(id).split('/').pop() ?? '').replace(/[^a-z0-9._-]/g, '-').slice(0, 40);
  return `${readable}-${hashOf(id, 16)}`;
}

/** Activities both flows use (registered once, in ./activities.ts). */
export const COMMON_ACTIVITY = {
  beginReconcile: 'beginReconcile',
  recordNothing: 'recordNothing',
  recordedResources: 'listRecordedResources',
} as const;
