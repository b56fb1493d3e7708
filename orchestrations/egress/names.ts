/** Names of the egress flow's orchestrators, activities and entity. */
import { resourceInstanceKey } from '../common/names';
import type { WriterQueueDefinition } from '../common/writer-queue';

export const EGRESS_REQUEST_ORCHESTRATOR = 'egressRequest';
export const POLICY_WRITER_ORCHESTRATOR = 'egressPolicyWriter';
export const POLICY_QUEUE_ENTITY = 'egressPolicyQueue';

/** Raised by the HTTP API on a request's orchestration. */
export const DECISION_EVENT = 'decision';
export const REVOKE_EVENT = 'revoke';
/** Raised by the tag path when the spoke's address space no longer matches an Active rule's source. */
export const SOURCE_CHANGED_EVENT = 'sourceChanged';
/** Raised by the policy writer on the request orchestration that asked for the work. */
export const POLICY_WORK_DONE_EVENT = 'policyWorkDone';

export const EGRESS_ACTIVITY = {
  prepare: 'egressPrepare',
  setStatus: 'egressSetStatus',
  applyPolicyWork: 'egressApplyPolicyWork',
  failPolicyWork: 'egressFailPolicyWork',
  startPolicyWriter: 'egressStartPolicyWriter',
  policyWriterActive: 'egressPolicyWriterActive',
  reconcileSpokeTag: 'egressReconcileSpokeTag',
  platformSubmit: 'egressPlatformSubmit',
  platformStart: 'egressPlatformStart',
  platformOperation: 'egressPlatformOperation',
  verifyInPolicy: 'egressVerifyInPolicy',
  auditPlatform: 'egressAuditPlatform',
} as const;

/** Each firewall policy's writer queue: every change waiting for the policy goes into one write (batch mode). */
export const POLICY_WRITER_QUEUE: WriterQueueDefinition = {
  entity: POLICY_QUEUE_ENTITY,
  writer: POLICY_WRITER_ORCHESTRATOR,
  instancePrefix: 'egress-policy-writer',
  applyActivity: EGRESS_ACTIVITY.applyPolicyWork,
  mode: 'batch',
  failActivity: EGRESS_ACTIVITY.failPolicyWork,
  startActivity: EGRESS_ACTIVITY.startPolicyWriter,
  aliveActivity: EGRESS_ACTIVITY.policyWriterActive,
  takeBatch: 500,
  requestsPerExecution: 2000,
};

export function policyQueueKey(policyId: string): string {
  return resourceInstanceKey(policyId);
}
