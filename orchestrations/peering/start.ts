/** Asking for a spoke to be reconciled (see ../common/start.ts). */
import type * as df from 'durable-functions';
import type { ObservedVnet } from '../../shared/peering/model';
import type { TriggerInfo } from '../../shared/store/records';
import { startOrSignal, type ReconcileRequestOutcome } from '../common/start';
import { RECONCILE_EVENT, SPOKE_ORCHESTRATOR, spokeInstanceId } from './names';
import type { SpokeInput, Timing } from './types';

export function requestSpokeReconcile(
  client: df.DurableClient,
  request: { vnetId: string; trigger: TriggerInfo; timing: Timing; snapshot?: ObservedVnet },
): Promise<ReconcileRequestOutcome> {
  const input: SpokeInput = { vnetId: request.vnetId, trigger: request.trigger, timing: request.timing, ...(request.snapshot ? { snapshot: request.snapshot } : {}) };
  return startOrSignal(client, { orchestrator: SPOKE_ORCHESTRATOR, instanceId: spokeInstanceId(request.vnetId), input, event: RECONCILE_EVENT, eventData: request.trigger, what: request.vnetId });
}
