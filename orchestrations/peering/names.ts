/** Names of the peering flow's orchestrators, activities and entity, and its deterministic instance IDs. */
import { hashOf, resourceInstanceKey } from '../common/names';
import type { RecordTarget } from '../common/record';
import type { WriterQueueDefinition } from '../common/writer-queue';

export { RECONCILE_EVENT } from '../common/names';

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

/** Raised by the hub writer on the spoke orchestration that asked for the work. */
export const HUB_WORK_DONE_EVENT = 'hubWorkDone';

/** Each hub's writer queue (../common/writer-queue.ts): one spoke's request at a time, each applied on its own. */
export const HUB_WRITER_QUEUE: WriterQueueDefinition = {
  entity: HUB_QUEUE_ENTITY,
  writer: HUB_WRITER_ORCHESTRATOR,
  instancePrefix: 'hub-writer',
  applyActivity: ACTIVITY.applyHubWork,
  mode: 'each',
  failActivity: ACTIVITY.notifySpoke,
  startActivity: ACTIVITY.startHubWriter,
  aliveActivity: ACTIVITY.hubWriterActive,
};


/** One orchestration per spoke: the same VNet always maps to the same instance, whatever the ID's casing. */
export function spokeInstanceId(vnetId: string): string {
  return `spoke-peering-${resourceInstanceKey(vnetId)}`;
}

/** Where a spoke's outcome is recorded. */
export function spokeRecordTarget(vnetId: string): RecordTarget {
  return { kind: 'spoke', conditionType: 'Peered', resourceId: vnetId };
}

/** The hub's write queue (entity key). */
export function hubQueueKey(hubVnetId: string): string {
  return resourceInstanceKey(hubVnetId);
}

/** One instance per event (a redelivered event maps to the same instance). */
export function hubEventInstanceId(subject: string, eventId: string): string {
  return `hub-event-${hashOf(`${subject}|${eventId}`, 24)}`;
}
