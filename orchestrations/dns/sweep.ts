/**
 * The endpoint sweep: every private endpoint of the watched subscriptions, listed per subscription (two paged lists,
 * endpoints and NICs, joined by the adapter) and handed to its orchestration as a snapshot, so a sweep costs two lists
 * per subscription instead of GETs per endpoint. Endpoints recorded in a listed subscription that the listing no
 * longer shows are reconciled too (without a snapshot), so those deleted while no event reached us are found gone.
 */
import * as df from 'durable-functions';
import type { ObservedEndpoint } from '../../shared/dns/model';
import type { TriggerInfo } from '../../shared/store/records';
import { callArm } from '../common/arm-retry';
import { goneSinceRecorded, requestInChunks, sweepProgress } from '../common/orchestration';
import type { ReconcileRequestOutcome } from '../common/start';
import type { Timing } from '../common/types';
import { DNS_ACTIVITY, ENDPOINT_SWEEP_ORCHESTRATOR } from './names';

export interface EndpointSweepInput {
  subscriptions: string[];
  trigger: TriggerInfo;
  timing: Timing;
}

export interface EndpointSweepResult {
  subscriptions: Array<{ subscriptionId: string; endpoints: number; error?: string }>;
  started: number;
  signalled: number;
  /** Recorded endpoints the listing no longer shows, reconciled to find them gone (Deleted). */
  gone: number;
}

type EndpointRequest = { endpointId: string; trigger: TriggerInfo; snapshot?: ObservedEndpoint };

const endpointSweep: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<EndpointSweepInput>();
  const result: EndpointSweepResult = { subscriptions: [], started: 0, signalled: 0, gone: 0 };
  const endpoints: ObservedEndpoint[] = [];
  for (const subscriptionId of input.subscriptions) {
    const listed = yield* callArm<ObservedEndpoint[]>(context, DNS_ACTIVITY.listEndpoints, { subscriptionId }, input.timing);
    if (listed.ok) {
      endpoints.push(...listed.value);
      result.subscriptions.push({ subscriptionId, endpoints: listed.value.length });
    } else {
      result.subscriptions.push({ subscriptionId, endpoints: 0, error: `${listed.error.code}: ${listed.error.message}` });
    }
    context.df.setCustomStatus(sweepProgress('listing', input.subscriptions.length, result.subscriptions, endpoints.length));
  }
  const listedSubscriptions = result.subscriptions.filter((s) => s.error === undefined).map((s) => s.subscriptionId);
  const gone = yield* goneSinceRecorded(context, 'endpoint', listedSubscriptions, endpoints.map((e) => e.id));
  result.gone = gone.length;
  context.df.setCustomStatus(sweepProgress('requesting', input.subscriptions.length, result.subscriptions, endpoints.length));
  const requests: EndpointRequest[] = [...endpoints.map((snapshot) => ({ endpointId: snapshot.id, trigger: input.trigger, snapshot })), ...gone.map((endpointId) => ({ endpointId, trigger: input.trigger }))];
  const calls = requestInChunks(context, DNS_ACTIVITY.requestReconcile, requests);
  if (calls.length) {
    const outcomes = (yield context.df.Task.all(calls)) as ReconcileRequestOutcome[][];
    for (const o of outcomes.flat()) result[o.outcome] += 1;
  }
  return result;
};

df.app.orchestration(ENDPOINT_SWEEP_ORCHESTRATOR, endpointSweep);
