/**
 * Writes to one hub VNet are never in flight concurrently: ARM locks the hub for every peering write that touches
 * it (hub side and spoke side alike), and concurrent writers would turn a burst of spokes into an
 * AnotherOperationInProgress retry storm. Each hub has a write queue and at most one writer draining it: the
 * mechanism every flow shares (../common/write-queue.ts), declared here with the peering flow's names.
 */
import { registerWriteQueue, type WriteQueue } from '../common/write-queue';
import { ACTIVITY, HUB_QUEUE_ENTITY, HUB_WORK_DONE_EVENT, HUB_WRITER_ORCHESTRATOR, hubWriterInstanceId } from './names';
import type { HubWorkReply, HubWorkRequest } from './types';

export const HUB_WRITE_QUEUE: WriteQueue<HubWorkRequest, HubWorkReply> = {
  entity: HUB_QUEUE_ENTITY,
  writer: HUB_WRITER_ORCHESTRATOR,
  doneEvent: HUB_WORK_DONE_EVENT,
  activity: { apply: ACTIVITY.applyHubWork, notify: ACTIVITY.notifySpoke, start: ACTIVITY.startHubWriter, active: ACTIVITY.hubWriterActive },
  writerInstanceId: hubWriterInstanceId,
  brokenReply: (request, message) => ({ requestId: request.requestId, ok: false, applied: [], error: { class: 'retryable', code: 'HubWriterActivityFailed', message } }),
};

registerWriteQueue(HUB_WRITE_QUEUE);
