/** Names of the peering flow's orchestrators, activities and entity, and its deterministic instance IDs. */
import { createHash } from 'node:crypto';
import { resourceKey } from '../../shared/azure/resource-id';

export const SPOKE_ORCHESTRATOR = 'spokePeering';
export const HUB_WRITER_ORCHESTRATOR = 'hubPeeringWriter';
export const HUB_EVENT_ORCHESTRATOR = 'hubPeeringEvent';
export const SPOKE_SWEEP_ORCHESTRATOR = 'spokeSweep';
export const HUB_QUEUE_ENTITY = 'hubWriteQueue';

export const ACTIVITY = {
  observeSpoke: 'observeSpoke',
  observeRemoval: 'observeSpokeRemoval',
  applyHubWork: 'applyHubPeeringWork',
  notifySpoke: 'notifySpokeOfHubWork',
  startHubWriter: 'startHubPeeringWriter',
  hubWriterActive: 'hubPeeringWriterActive',
  recordSpoke: 'recordSpokeOutcome',
  spokesOfHubEvent: 'spokesOfHubEvent',
  requestReconcile: 'requestSpokeReconcile',
  listSpokeCandidates: 'listSpokeCandidates',
} as const;

/** Raised on a running spoke orchestration: something changed, run one more pass after this one. */
export const RECONCILE_EVENT = 'reconcile';
/** Raised by the hub writer on the spoke orchestration that asked for the work. */
export const HUB_WORK_DONE_EVENT = 'hubWorkDone';

const hash = (id: string, length: number): string => createHash('sha256').update(resourceKey(id)).digest('hex').slice(0, length);
/** Instance IDs must avoid `/ \ # ?` and stay short (Azure Storage keys); the name is for people reading lists. */
const readable = (id: string): string => (resourceKey(id).split('/').pop() ?? '').replace(/[^a-z0-9._-]/g, '-').slice(0, 40);

/** One orchestration per spoke: the same VNet always maps to the same instance, whatever the ID's casing. */
export function spokeInstanceId(vnetId: string): string {
  return `spoke-peering-${readable(vnetId)}-${hash(vnetId, 16)}`;
}

/** The hub's write queue (entity key). */
export function hubQueueKey(hubVnetId: string): string {
  return `${readable(hubVnetId)}-${hash(hubVnetId, 16)}`;
}

/** Each writer generation has its own instance, so a finishing writer never blocks starting the next one. */
export function hubWriterInstanceId(queueKey: string, generation: number): string {
  return `hub-writer-${queueKey}-${generation}`;
}

/** One instance per event (a redelivered event maps to the same instance). */
export function hubEventInstanceId(subject: string, eventId: string): string {
  return `hub-event-${hash(`${subject}|${eventId}`, 24)}`;
}
