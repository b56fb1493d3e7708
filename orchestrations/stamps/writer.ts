/**
 * Writes to one Front Door profile are serialized: a classic PUT replaces the whole profile, so two concurrent edits
 * would lose one, and Standard/Premium origin PATCHes of one profile are kept in order too. One write queue and at
 * most one writer per profile, the same mechanism as the hub writers (../common/write-queue.ts).
 */
import { registerWriteQueue, type WriteQueue } from '../common/write-queue';
import { frontDoorWriterInstanceId, STAMP_ACTIVITY, STAMP_QUEUE_ENTITY, STAMP_WRITER_ORCHESTRATOR, STAMP_WRITES_DONE_EVENT } from './names';
import type { FrontDoorWriteReply, FrontDoorWriteRequest } from './types';

export const FRONT_DOOR_WRITE_QUEUE: WriteQueue<FrontDoorWriteRequest, FrontDoorWriteReply> = {
  entity: STAMP_QUEUE_ENTITY,
  writer: STAMP_WRITER_ORCHESTRATOR,
  doneEvent: STAMP_WRITES_DONE_EVENT,
  activity: { apply: STAMP_ACTIVITY.applyWrites, notify: STAMP_ACTIVITY.notify, start: STAMP_ACTIVITY.startWriter, active: STAMP_ACTIVITY.writerActive },
  writerInstanceId: frontDoorWriterInstanceId,
  brokenReply: (request, message) => ({
    requestId: request.requestId,
    ok: false,
    outcomes: request.writes.map((w) => ({ stamp: w.stamp, enabledState: w.enabledState, ok: false, error: { code: 'FrontDoorWriterActivityFailed', message } })),
    error: { class: 'retryable', code: 'FrontDoorWriterActivityFailed', message },
  }),
};

registerWriteQueue(FRONT_DOOR_WRITE_QUEUE);
