/** The plain data the egress flow's orchestrator, activities and HTTP routes pass to each other. */
import type { ClassifiedError } from '../../shared/azure/errors';
import type { PolicyChange } from '../../shared/egress/apply';
import type { Destination } from '../../shared/egress/destinations';
import type { Decision, EgressState } from '../../shared/egress/request';
import type { RuleLocation } from '../../shared/egress/spec';
import type { TriggerInfo } from '../../shared/store/records';
import type { QueuedRequest, QueueReply } from '../common/writer-queue';

/** What a request is, as recorded when it was made (record details.request). */
export interface EgressRequestSpec {
  id: string;
  spokeVnetId: string;
  destinations: Destination[];
  justification: string;
  ttlDays: number;
  approvalsRequired: number;
  notes: string[];
  requestedBy: string;
  requestedByName?: string;
  requestedAt: string;
  fingerprint: string;
  /** `tag`: made from the spoke's egress tag (revoked when the tag changes or goes). */
  source?: 'http' | 'tag';
}

export interface HistoryEntry {
  at: string;
  status: EgressState;
  message: string;
}

/** The record's details. */
export interface EgressDetails {
  request: EgressRequestSpec;
  status: EgressState;
  decisions: Decision[];
  history: HistoryEntry[];
  /** When the decision window ends (Expired after it). */
  decisionDeadline?: string;
  /** When the rule's TTL ends (Active). */
  expiresAt?: string;
  rule?: { firewallPolicyId: string; ruleCollectionGroup: string; ruleCollection: string; name: string };
  /** The spoke address space the Active rule allows from. */
  sourceAddresses?: string[];
  /** platformApi mode: the platform team's ID of the submitted request (set with PendingApproval). */
  platformRequestId?: string;
}

export interface EgressInput {
  requestId: string;
  /**
   * What started the request (the HTTP call's invocation ID, or the spoke tag's event): its activities and the policy
   * writer's ARM requests carry it, so the request is one trace. Absent in instances started before it existed.
   */
  trigger?: TriggerInfo;
  approval: { reminderHours: number; escalationHours: number; expiryDays: number };
  replyTimeoutMs: number;
}

export type Prepared =
  | { ok: false; reason: string }
  | { ok: true; alreadyAllowed: boolean; policyId: string; sourceAddresses: string[]; mode: 'enforce' | 'observe'; applyMode: 'platformApi' | 'direct'; request: EgressRequestSpec };

/** An activity's answer from the platform team's API or the verification: a value, or the error classified once. */
export type StepResult<T> = { ok: true; value: T } | { ok: false; error: ClassifiedError };

export interface PolicyWorkRequest extends QueuedRequest {
  policyId: string;
  change: PolicyChange;
  /** Why, when the requester is not the request's own orchestration (a drift run removing an orphan rule): audited. */
  reason?: string;
  /** The request's trigger: audited, and the writer's wave runs in its trace. */
  trigger?: TriggerInfo;
}

export interface PolicyWorkReply extends QueueReply {
  location?: RuleLocation & { firewallPolicyId: string };
}

export type { ClassifiedError };
