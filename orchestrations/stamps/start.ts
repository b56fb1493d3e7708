/**
 * Keeping every origin group's monitor running, and handing it a signal: the signal goes to the group's inbox (an
 * entity), then the monitor is woken (an external event) so it acts at once rather than at its next probe round.
 */
import type * as df from 'durable-functions';
import * as durable from 'durable-functions';
import type { ControlPlaneConfig } from '../../shared/config';
import { originGroupKey, originGroups } from '../../shared/stamps/config';
import type { StampSignal } from '../../shared/stamps/decide';
import type { TriggerInfo } from '../../shared/store/records';
import { timingFrom } from '../common/deps';
import { isActive, runtimeStatus } from '../common/start';
import { inboxKey, monitorInstanceId, STAMP_INBOX_ENTITY, STAMP_MONITOR_ORCHESTRATOR, STAMP_WAKE_EVENT } from './names';
import type { InboxSignal, MonitorInput } from './types';

/** Starts the monitor of every configured origin group that is not running; returns the instance IDs started. */
export async function ensureStampMonitors(client: df.DurableClient, config: ControlPlaneConfig): Promise<string[]> {
  if (!config.stamps) return [];
  const started: string[] = [];
  for (const group of originGroups(config.stamps)) {
    const instanceId = monitorInstanceId(group.key);
    if (isActive(await runtimeStatus(client, instanceId))) continue;
    const input: MonitorInput = { groupKey: group.key, statuses: [], rounds: 0, timing: timingFrom(config) };
    try {
      await client.startNew(STAMP_MONITOR_ORCHESTRATOR, { instanceId, input });
      started.push(instanceId);
    } catch (e) {
      // Another caller started it first: that is the goal.
      if (!isActive(await runtimeStatus(client, instanceId))) throw e;
    }
  }
  return started;
}

/** Puts a signal in the inbox of the stamp's group and wakes its monitor (started first if it is not running). */
export async function signalStamp(client: df.DurableClient, config: ControlPlaneConfig, stamp: string, signal: StampSignal, trigger: TriggerInfo): Promise<{ monitor: string }> {
  const configured = config.stamps?.stamps.find((s) => s.name.toLowerCase() === stamp.toLowerCase());
  if (!configured) throw new Error(`no stamp named ${stamp}`);
  const groupKey = originGroupKey(configured.origin);
  const item: InboxSignal = { stamp: configured.name, signal, trigger, receivedAt: new Date().toISOString() };
  await client.signalEntity(new durable.EntityId(STAMP_INBOX_ENTITY, inboxKey(groupKey)), 'add', item);
  await ensureStampMonitors(client, config);
  const monitor = monitorInstanceId(groupKey);
  await client.raiseEvent(monitor, STAMP_WAKE_EVENT, { stamp: configured.name, kind: signal.kind });
  return { monitor };
}
