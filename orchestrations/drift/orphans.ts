/**
 * Orphan removal (drift.repair.orphans on, enforce): one short orchestration per orphan, which asks the writer that
 * owns the orphan's target to delete it and waits for its answer. A hub-side peering goes through the hub's writer
 * queue as the same `delete` change a spoke sends for a gone spoke: the writer reads the peering first (a direct GET;
 * gone already: skipped), deletes it, and records the audit entry. The drift detector itself never writes.
 */
import * as df from 'durable-functions';
import type { OrphanRemovalRepair } from '../../shared/drift/model';
import type { TriggerInfo } from '../../shared/store/records';
import { hashOf } from '../common/names';
import { submitToWriter } from '../common/writer-queue';
import { HUB_WORK_DONE_EVENT, HUB_WRITER_QUEUE, hubQueueKey } from '../peering/names';
import type { HubWorkReply, HubWorkRequest } from '../peering/types';
import { DNS_ACTIVITY } from '../dns/names';
import { fqdnOf } from '../../shared/drift/dns';
import { POLICY_WORK_DONE_EVENT, POLICY_WRITER_QUEUE, policyQueueKey } from '../egress/names';
import type { PolicyWorkReply, PolicyWorkRequest } from '../egress/types';
import { DRIFT_ORPHAN_ORCHESTRATOR } from './names';

export interface OrphanRemovalInput {
  runId: string;
  /** The orphan (the item's resource). */
  resource: string;
  removal: OrphanRemovalRepair['removal'];
  reason: string;
  trigger: TriggerInfo;
  replyTimeoutMs: number;
}

type HubPeeringRemoval = Extract<OrphanRemovalRepair['removal'], { target: 'hubPeering' }>;
type EgressRuleRemoval = Extract<OrphanRemovalRepair['removal'], { target: 'egressRule' }>;

export interface OrphanRemovalOutput {
  ok: boolean;
  /** What the writer did: `deleted`, `already gone`, or the error. */
  detail: string;
}

/** One instance per orphan (the same orphan found by two runs maps to the same instance). */
export function orphanInstanceId(resource: string): string {
  return `drift-orphan-${hashOf(resource, 24)}`;
}

export const isOrphanInstance = (instanceId: string): boolean => instanceId.startsWith('drift-orphan-');

/** Asks the old hub's writer to delete a hub-side peering (its audit entry is written under the remote VNet). */
function* removeHubPeering(context: df.OrchestrationContext, input: OrphanRemovalInput, removal: HubPeeringRemoval): Generator<df.Task, OrphanRemovalOutput, unknown> {
  const { hubVnetId, name, remoteVnetId } = removal;
  const request: HubWorkRequest = {
    requestId: context.df.newGuid(`${context.df.instanceId}|${input.runId}`),
    requesterInstanceId: context.df.instanceId,
    spokeVnetId: remoteVnetId,
    hubVnetId,
    changes: [{ kind: 'delete', side: 'hub', vnetId: hubVnetId, name, remoteVnetId, reason: input.reason }],
    trigger: input.trigger,
  };
  const reply = yield* submitToWriter<HubWorkRequest, HubWorkReply>(context, HUB_WRITER_QUEUE, hubVnetId, hubQueueKey(hubVnetId), request, HUB_WORK_DONE_EVENT, input.replyTimeoutMs);
  if (!reply) return { ok: false, detail: `the writer of hub ${hubVnetId} did not answer within ${input.replyTimeoutMs} ms, three times` };
  if (!reply.ok) return { ok: false, detail: reply.error ? `${reply.error.code}: ${reply.error.message}` : 'the writer refused' };
  return { ok: true, detail: reply.applied.map((a) => a.detail).join('; ') || 'nothing to do' };
}

/** Asks the policy's writer to remove a request's rules (its audit entry, revokeRule, is written under the request ID). */
function* removeEgressRule(context: df.OrchestrationContext, input: OrphanRemovalInput, removal: EgressRuleRemoval): Generator<df.Task, OrphanRemovalOutput, unknown> {
  const request: PolicyWorkRequest = {
    requestId: context.df.newGuid(`${context.df.instanceId}|${input.runId}`),
    requesterInstanceId: context.df.instanceId,
    policyId: removal.policyId,
    change: { kind: 'remove', requestId: removal.requestId },
    reason: input.reason,
    trigger: input.trigger,
  };
  const reply = yield* submitToWriter<PolicyWorkRequest, PolicyWorkReply>(context, POLICY_WRITER_QUEUE, removal.policyId, policyQueueKey(removal.policyId), request, POLICY_WORK_DONE_EVENT, input.replyTimeoutMs);
  if (!reply) return { ok: false, detail: `the writer of policy ${removal.policyId} did not answer within ${input.replyTimeoutMs} ms, three times` };
  if (!reply.ok) return { ok: false, detail: reply.error ? `${reply.error.code}: ${reply.error.message}` : 'the writer refused' };
  return { ok: true, detail: `removed the rules of ${removal.requestId} (verified gone)` };
}

const removeOrphan: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<OrphanRemovalInput>();
  const removal = input.removal;
  switch (removal.target) {
    case 'hubPeering':
      return yield* removeHubPeering(context, input, removal);
    case 'egressRule':
      return yield* removeEgressRule(context, input, removal);
    case 'dnsRecord': {
      // The DNS flow's own activity (a zone's records take no writer queue in that flow): read again, then delete.
      const fqdn = fqdnOf(removal.zoneId, removal.recordName);
      return (yield context.df.callActivity(DNS_ACTIVITY.removeOrphanRecord, { ...removal, fqdn, reason: input.reason, trigger: input.trigger })) as OrphanRemovalOutput;
    }
  }
};

df.app.orchestration(DRIFT_ORPHAN_ORCHESTRATOR, removeOrphan);
