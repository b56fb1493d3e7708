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
import { goneSinceRecorded, requestInChunks, sweepProgress } from '../common/orchestration';
import { ACTIVITY, HUB_EVENT_ORCHESTRATOR, SPOKE_SWEEP_ORCHESTRATOR } from './names';
import type { ReconcileRequestOutcome } from '../common/start';
import type { Timing } from './types';

export interface SweepInput {
  subscriptions: string[];
  trigger: TriggerInfo;
  timing: Timing;
}

export interface SweepResult {
  subscriptions: Array<{ subscriptionId: string; vnets: number; error?: string }>;
  started: number;
  signalled: number;
  /** Recorded spokes the listing no longer shows, reconciled to find them gone (Deleted). */
  gone: number;
}

type SpokeRequest = { vnetId: string; trigger: TriggerInfo; snapshot?: ObservedVnet };
const requestReconcileInChunks = (context: df.OrchestrationContext, requests: SpokeRequest[]): df.Task[] => requestInChunks(context, ACTIVITY.requestReconcile, requests);

const spokeSweep: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<SweepInput>();
  const result: SweepResult = { subscriptions: [], started: 0, signalled: 0, gone: 0 };
  const vnets: ObservedVnet[] = [];
  for (const subscriptionId of input.subscriptions) {
    const listed = yield* callArm<ObservedVnet[]>(context, ACTIVITY.listSpokeCandidates, { subscriptionId }, input.timing);
    if (listed.ok) {
      vnets.push(...listed.value);
      result.subscriptions.push({ subscriptionId, vnets: listed.value.length });
    } else {
      result.subscriptions.push({ subscriptionId, vnets: 0, error: `${listed.error.code}: ${listed.error.message}` });
    }
    context.df.setCustomStatus(sweepProgress('listing', input.subscriptions.length, result.subscriptions, vnets.length));
  }
  const listedSubscriptions = result.subscriptions.filter((s) => s.error === undefined).map((s) => s.subscriptionId);
  const gone = yield* goneSinceRecorded(context, 'spoke', listedSubscriptions, vnets.map((v) => v.id));
  result.gone = gone.length;
  context.df.setCustomStatus(sweepProgress('requesting', input.subscriptions.length, result.subscriptions, vnets.length));
  const requests: SpokeRequest[] = [...vnets.map((snapshot) => ({ vnetId: snapshot.id, trigger: input.trigger, snapshot })), ...gone.map((vnetId) => ({ vnetId, trigger: input.trigger }))];
  const calls = requestReconcileInChunks(context, requests);
  if (calls.length) {
    const outcomes = (yield context.df.Task.all(calls)) as ReconcileRequestOutcome[][];
    for (const o of outcomes.flat()) result[o.outcome] += 1;
  }
  return result;
};

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
