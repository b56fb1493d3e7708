/**
 * The endpoint sweep: every private endpoint of the watched subscriptions, listed per subscription (two paged lists,
 * endpoints and NICs, joined by the adapter) and handed to its orchestration as a snapshot, so a sweep costs two lists
 * per subscription instead of GETs per endpoint. Endpoints recorded in a listed subscription that the listing no
 * longer shows are reconciled too (without a snapshot), so those deleted while no event reached us are found gone.
 */
import * as df from 'durable-functions';
import type { ObservedEndpoint } from '../../shared/dns/model';
import { sweepOrchestrator, type SweepInput, type SweepResult } from '../common/orchestration';
import { DNS_ACTIVITY, ENDPOINT_SWEEP_ORCHESTRATOR } from './names';

export type EndpointSweepInput = SweepInput;
export type EndpointSweepResult = SweepResult<'endpoints'>;

const endpointSweep = sweepOrchestrator({
  kind: 'endpoint',
  listActivity: DNS_ACTIVITY.listEndpoints,
  requestActivity: DNS_ACTIVITY.requestReconcile,
  countField: 'endpoints',
  request: (endpointId, trigger, snapshot?: ObservedEndpoint) => ({ endpointId, trigger, ...(snapshot ? { snapshot } : {}) }),
});

df.app.orchestration(ENDPOINT_SWEEP_ORCHESTRATOR, endpointSweep);
