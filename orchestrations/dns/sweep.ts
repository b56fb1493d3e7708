/**
 * The endpoint sweep: every private endpoint of the watched subscriptions, listed once per subscription (paged) and
 * handed to its orchestration as a snapshot, so a sweep costs one list per subscription instead of a GET each.
 */
import * as df from 'durable-functions';
import type { ObservedEndpoint } from '../../shared/dns/model';
import type { TriggerInfo } from '../../shared/store/records';
import { callArm } from '../common/arm-retry';
import { requestInChunks } from '../common/orchestration';
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
}

const endpointSweep: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<EndpointSweepInput>();
  const result: EndpointSweepResult = { subscriptions: [], started: 0, signalled: 0 };
  const endpoints: ObservedEndpoint[] = [];
  for (const subscriptionId of input.subscriptions) {
    const listed = yield* callArm<ObservedEndpoint[]>(context, DNS_ACTIVITY.listEndpoints, { subscriptionId }, input.timing);
    if (listed.ok) {
      endpoints.push(...listed.value);
      result.subscriptions.push({ subscriptionId, endpoints: listed.value.length });
    } else {
      result.subscriptions.push({ subscriptionId, endpoints: 0, error: `${listed.error.code}: ${listed.error.message}` });
    }
    context.df.setCustomStatus(result);
  }
  const calls = requestInChunks(context, DNS_ACTIVITY.requestReconcile, endpoints.map((snapshot) => ({ endpointId: snapshot.id, trigger: input.trigger, snapshot })));
  if (calls.length) {
    const outcomes = (yield context.df.Task.all(calls)) as ReconcileRequestOutcome[][];
    for (const o of outcomes.flat()) result[o.outcome] += 1;
  }
  return result;
};

df.app.orchestration(ENDPOINT_SWEEP_ORCHESTRATOR, endpointSweep);
