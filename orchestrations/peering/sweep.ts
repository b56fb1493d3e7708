/**
 * The sweep: every VNet of the watched subscriptions is reconciled, listed once per subscription (paged) and handed
 * to its spoke orchestration as a snapshot, so a sweep costs one list per subscription instead of a GET per spoke.
 * Spokes recorded in a listed subscription that the listing no longer shows are reconciled too (without a snapshot),
 * so those deleted while no event reached us are found gone.
 * Also the small orchestration that maps a hub-side peering event to its spoke.
 */
import * as df from 'durable-functions';
import type { ObservedVnet } from '../../shared/peering/model';
import type { TriggerInfo } from '../../shared/store/records';
import { callArm } from '../common/arm-retry';
import { requestInChunks, sweepOrchestrator, type SweepInput as CommonSweepInput, type SweepResult as CommonSweepResult } from '../common/orchestration';
import { ACTIVITY, HUB_EVENT_ORCHESTRATOR, SPOKE_SWEEP_ORCHESTRATOR } from './names';
import type { Timing } from './types';

export type SweepInput = CommonSweepInput;
export type SweepResult = CommonSweepResult<'vnets'>;

type SpokeRequest = { vnetId: string; trigger: TriggerInfo; snapshot?: ObservedVnet };
const requestReconcileInChunks = (context: df.OrchestrationContext, requests: SpokeRequest[]): df.Task[] => requestInChunks(context, ACTIVITY.requestReconcile, requests);

const spokeSweep = sweepOrchestrator({
  kind: 'spoke',
  listActivity: ACTIVITY.listSpokeCandidates,
  requestActivity: ACTIVITY.requestReconcile,
  countField: 'vnets',
  request: (vnetId, trigger, snapshot?: ObservedVnet): SpokeRequest => ({ vnetId, trigger, ...(snapshot ? { snapshot } : {}) }),
});

export interface HubEventInput {
  hubVnetId: string;
  peeringId?: string;
  trigger: TriggerInfo;
  timing: Timing;
}

/** A hub changed: reconcile the spokes concerned (one for a peering event, all of them for the hub VNet itself). */
const hubEvent: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<HubEventInput>();
  const resolved = yield* callArm<string[]>(context, ACTIVITY.spokesOfHubEvent, { hubVnetId: input.hubVnetId, ...(input.peeringId ? { peeringId: input.peeringId } : {}) }, input.timing);
  if (!resolved.ok) return { spokes: [], error: `${resolved.error.code}: ${resolved.error.message}` };
  const calls = requestReconcileInChunks(context, resolved.value.map((vnetId) => ({ vnetId, trigger: input.trigger })));
  if (calls.length) yield context.df.Task.all(calls);
  return { spokes: resolved.value };
};

df.app.orchestration(SPOKE_SWEEP_ORCHESTRATOR, spokeSweep);
df.app.orchestration(HUB_EVENT_ORCHESTRATOR, hubEvent);
