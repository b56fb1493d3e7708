/** Names of the stamp flow's orchestrators, activities and entities, and its deterministic instance IDs. */
import { hashOf } from '../common/names';
import type { WriterQueueDefinition } from '../common/writer-queue';
import type { TriggerInfo } from '../../shared/store/records';
import type { InboxSignal } from './types';

export const STAMP_MONITOR_ORCHESTRATOR = 'stampMonitor';
export const STAMP_WRITER_ORCHESTRATOR = 'frontDoorWriter';
export const STAMP_QUEUE_ENTITY = 'frontDoorWriteQueue';
/** Signals (alerts, resource and health events, pins) wait here for the group's next round. */
export const STAMP_INBOX_ENTITY = 'stampSignalInbox';

export const STAMP_ACTIVITY = {
  loadGroup: 'loadStampGroup',
  probe: 'probeStamp',
  readOrigins: 'readFrontDoorOrigins',
  applyWrites: 'applyFrontDoorWrites',
  notify: 'notifyOfFrontDoorWrites',
  startWriter: 'startFrontDoorWriter',
  writerActive: 'frontDoorWriterActive',
  recordRound: 'recordStampRound',
} as const;

/** Raised on a monitor: a signal arrived, run a round (without probes) now. */
export const STAMP_WAKE_EVENT = 'stampSignal';
/** Raised by the profile's writer on the monitor that asked for writes. */
export const STAMP_WRITES_DONE_EVENT = 'frontDoorWritesDone';

const readable = (key: string): string => key.replace(/[^a-z0-9._-]/gi, '-').toLowerCase().slice(0, 40);

/** One monitor per origin group (classic: backend pool), whatever the casing of its names. */
export function monitorInstanceId(groupKey: string): string {
  return `stamp-monitor-${readable(groupKey)}-${hashOf(groupKey, 12)}`;
}

/** The group's signal inbox (entity key). */
export function inboxKey(groupKey: string): string {
  return `${readable(groupKey)}-${hashOf(groupKey, 12)}`;
}

/** One write queue per Front Door profile. */
export function profileQueueKey(profileId: string): string {
  return `${readable(profileId.split('/').pop() ?? '')}-${hashOf(profileId, 12)}`;
}

/** One writer per Front Door profile (../common/writer-queue.ts): each monitor's request applied alone, in order. */
export const FRONT_DOOR_WRITER_QUEUE: WriterQueueDefinition = {
  entity: STAMP_QUEUE_ENTITY,
  writer: STAMP_WRITER_ORCHESTRATOR,
  instancePrefix: 'frontdoor-writer',
  applyActivity: STAMP_ACTIVITY.applyWrites,
  mode: 'each',
  failActivity: STAMP_ACTIVITY.notify,
  startActivity: STAMP_ACTIVITY.startWriter,
  aliveActivity: STAMP_ACTIVITY.writerActive,
};

/**
 * The trigger a round's work carries, so each round is one trace (its probes, the Front Door read, the writer's
 * write, the record): the first signal's when a signal with a correlation woke it (an Event Grid event, an alert),
 * else the round's own ID, the monitor instance and the round's replay-safe start time.
 */
export function roundTrigger(instanceId: string, nowIso: string, signals: ReadonlyArray<Pick<InboxSignal, 'trigger'>>): TriggerInfo {
  const correlated = signals.find((s) => s.trigger.correlationId ?? s.trigger.eventId)?.trigger;
  return correlated ?? { source: 'sweep', correlationId: `${instanceId}@${nowIso}`, operationName: 'stampRound' };
}
