/**
 * The runbook of one egress request (one instance per request, instance ID = request ID):
 *   prepare (the spoke's own address space, its hub's policy; every destination already allowed -> AlreadyAllowed)
 *   -> platformApi mode (not observe): submit the request to the platform team's API (before any decision)
 *   -> PendingApproval (with the platform's id): wait for decisions, with a reminder and an escalation, Expired after the decision window
 *      (each durable timer at most six days; the decision and revoke event tasks are created once, outside the loop)
 *   -> Approved -> Applying: the policy's writer writes the rule and verifies it in the Firewall Policy via ARM
 *   -> Active until its TTL (or a revoke) -> Revoking: the writer removes it and verifies it gone -> Revoked.
 * platformApi mode: apply carries the decision; Rejected / Expired / revoked before a decision withdraw the request
 * from the platform team's API (its revoke of a never-applied request).
 * Observe mode stops at Approved: nothing is written. Every move is recorded (status, history, condition).
 */
import * as df from 'durable-functions';
import { verdictOf, type Decision, type EgressState } from '../../shared/egress/request';
import type { EgressRule } from '../../shared/egress/spec';
import { timerIn, withTrigger } from '../common/arm-retry';
import { submitToWriter } from '../common/writer-queue';
import { DECISION_EVENT, EGRESS_ACTIVITY, EGRESS_REQUEST_ORCHESTRATOR, POLICY_WORK_DONE_EVENT, POLICY_WRITER_QUEUE, REVOKE_EVENT, SOURCE_CHANGED_EVENT, policyQueueKey } from './names';
import type { PlatformDecision, PlatformOperation } from '../../shared/egress/ports';
import type { PlatformAuditInput, PlatformStartInput, PlatformSubmitInput, VerifyInput } from './activities';
import type { EgressDetails, EgressInput, PolicyWorkReply, PolicyWorkRequest, Prepared, StepResult } from './types';

type Ctx = df.OrchestrationContext;

/** Every activity of a request carries the request's trigger, so the request is one trace (see EgressInput.trigger). */
function callActivity(context: Ctx, activity: string, input: unknown): df.Task {
  return context.df.callActivity(activity, withTrigger(input, context.df.getInput<EgressInput>().trigger));
}

const HOUR = 3_600_000;
/** Durable timers of JavaScript apps are limited to six days. */
const MAX_TIMER_MS = 6 * 24 * HOUR;
const APPLY_ATTEMPTS = 3;

export interface DecisionEvent {
  decisions: Decision[];
}

function* setStatus(context: Ctx, requestId: string, status: EgressState, message: string, patch?: Partial<Pick<EgressDetails, 'decisionDeadline' | 'expiresAt' | 'rule' | 'sourceAddresses'>>): Generator<df.Task, void, unknown> {
  context.df.setCustomStatus({ status });
  yield callActivity(context, EGRESS_ACTIVITY.setStatus, { requestId, status, message, ...(patch ? { patch } : {}) });
}

/** Hands a change to the policy's writer; retryable failures are tried again after a backoff. */
function* changePolicy(context: Ctx, input: EgressInput, policyId: string, change: PolicyWorkRequest['change']): Generator<df.Task, PolicyWorkReply, unknown> {
  let last: PolicyWorkReply | undefined;
  for (let attempt = 1; attempt <= APPLY_ATTEMPTS; attempt++) {
    const request: PolicyWorkRequest = {
      requestId: context.df.newGuid(`${context.df.instanceId}|${change.kind}|${attempt}|${context.df.currentUtcDateTime.toISOString()}`),
      requesterInstanceId: context.df.instanceId,
      policyId,
      change,
      ...(input.trigger ? { trigger: input.trigger } : {}),
    };
    last = yield* submitToWriter<PolicyWorkRequest, PolicyWorkReply>(context, POLICY_WRITER_QUEUE, policyId, policyQueueKey(policyId), request, POLICY_WORK_DONE_EVENT, input.replyTimeoutMs);
    if (last?.ok) return last;
    if (last?.error && last.error.class !== 'retryable') return last;
    yield timerIn(context, Math.min(60_000, 1_000 * 2 ** attempt));
  }
  return last ?? { requestId: '', ok: false, error: { class: 'retryable', code: 'PolicyWriterTimeout', message: `the writer of ${policyId} did not answer` } };
}

/** Tries of one call to the platform team's API (or of the verification) while its error is retryable. */
const PLATFORM_ATTEMPTS = 5;
/** Polls of one operation before the apply or revoke is given up (with Retry-After, or POLL_MS between polls). */
const MAX_OPERATION_POLLS = 120;
const POLL_MS = 5_000;

/** One activity, again after Retry-After (else a backoff) while its error is retryable. */
function* step<T>(context: Ctx, activity: string, input: unknown): Generator<df.Task, StepResult<T>, unknown> {
  let last: StepResult<T> | undefined;
  for (let attempt = 1; attempt <= PLATFORM_ATTEMPTS; attempt++) {
    last = (yield callActivity(context, activity, input)) as StepResult<T>;
    if (last.ok || last.error.class !== 'retryable' || attempt === PLATFORM_ATTEMPTS) return last;
    yield timerIn(context, Math.min(60_000, last.error.retryAfterMs ?? 1_000 * 2 ** attempt));
  }
  return last ?? { ok: false, error: { class: 'terminal', code: 'NoAttempt', message: 'not tried' } };
}

/**
 * platformApi mode: the request was submitted to the platform team's API before the decision (submitToPlatform);
 * on approval it applies it with the decision, on revoke / TTL end it revokes it, and a never-applied request that
 * is rejected, expires or is withdrawn is revoked too (the platform's withdrawal), each as a long-running operation
 * polled with durable timers; then the control plane verifies the result in the Firewall Policy via ARM itself.
 * Answers shaped as the policy writer's, so both modes share the runbook. A revision (n > 0) of an applied request
 * (a new source) is submitted under `{id}.r{n}` before its apply.
 */
type PlatformChange = { kind: 'upsert'; rule: EgressRule; decision: PlatformDecision; revision: number } | { kind: 'remove'; requestId: string };

/** `POST /v1/egress-requests` (revision 0: the request as submitted, before any decision). */
function* submitToPlatform(context: Ctx, policyId: string, rule: EgressRule, revision: number): Generator<df.Task, StepResult<{ id: string; status: string }>, unknown> {
  return yield* step<{ id: string; status: string }>(context, EGRESS_ACTIVITY.platformSubmit, { rule, policyId, revision } satisfies PlatformSubmitInput);
}

function* viaPlatform(context: Ctx, policyId: string, change: PlatformChange): Generator<df.Task, PolicyWorkReply, unknown> {
  const reply = yield* platformChange(context, policyId, change);
  const audit: PlatformAuditInput = { requestId: change.kind === 'upsert' ? change.rule.requestId : change.requestId, policyId, action: change.kind === 'upsert' ? 'apply' : 'revoke', ok: reply.ok, ...(reply.error ? { error: reply.error } : {}) };
  yield callActivity(context, EGRESS_ACTIVITY.auditPlatform, audit);
  return reply;
}

function* platformChange(context: Ctx, policyId: string, change: PlatformChange): Generator<df.Task, PolicyWorkReply, unknown> {
  const failed = (error: { class: 'retryable' | 'terminal' | 'notFound'; code: string; message: string }): PolicyWorkReply => ({ requestId: '', ok: false, error });
  const requestId = change.kind === 'upsert' ? change.rule.requestId : change.requestId;
  if (change.kind === 'upsert' && change.revision > 0) {
    const submitted = yield* submitToPlatform(context, policyId, change.rule, change.revision);
    if (!submitted.ok) return failed(submitted.error);
  }
  const action = change.kind === 'upsert' ? 'apply' : 'revoke';
  const start: PlatformStartInput = change.kind === 'upsert' ? { requestId, action: 'apply', decision: change.decision } : { requestId, action: 'revoke' };
  const started = yield* step<{ operationUrl: string; retryAfterMs?: number }>(context, EGRESS_ACTIVITY.platformStart, start);
  if (!started.ok) return failed(started.error);
  let wait = started.value.retryAfterMs;
  let done = false;
  for (let poll = 0; poll < MAX_OPERATION_POLLS && !done; poll++) {
    yield timerIn(context, wait ?? POLL_MS);
    const op = yield* step<PlatformOperation>(context, EGRESS_ACTIVITY.platformOperation, { operationUrl: started.value.operationUrl });
    if (!op.ok) return failed(op.error);
    if (op.value.status === 'Failed') return failed({ class: 'terminal', code: 'PlatformOperationFailed', message: `the platform team's ${action} operation ${op.value.id} failed${op.value.error ? `: ${op.value.error}` : ''}` });
    done = op.value.status === 'Succeeded';
    wait = op.value.retryAfterMs;
  }
  if (!done) return failed({ class: 'terminal', code: 'PlatformOperationTimeout', message: `the platform team's ${action} operation did not finish after ${MAX_OPERATION_POLLS} polls` });
  const verify: VerifyInput = change.kind === 'upsert' ? { policyId, kind: 'present', rule: change.rule } : { policyId, kind: 'gone', requestId };
  const verified = yield* step<NonNullable<PolicyWorkReply['location']> | null>(context, EGRESS_ACTIVITY.verifyInPolicy, verify);
  if (!verified.ok) return failed(verified.error);
  return { requestId: '', ok: true, ...(verified.value ? { location: verified.value } : {}) };
}

const egressRequest: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<EgressInput>();
  const id = input.requestId;
  const prepared = (yield callActivity(context, EGRESS_ACTIVITY.prepare, { requestId: id })) as Prepared;
  if (!prepared.ok) {
    yield* setStatus(context, id, 'Failed', prepared.reason);
    return 'Failed';
  }
  if (prepared.alreadyAllowed) {
    yield* setStatus(context, id, 'AlreadyAllowed', 'every destination is already allowed for this spoke by an Active rule: no approval needed');
    return 'AlreadyAllowed';
  }
  const request = prepared.request;
  const start = context.df.currentUtcDateTime.getTime();
  const deadline = start + input.approval.expiryDays * 24 * HOUR;
  const milestones = [
    { at: start + input.approval.reminderHours * HOUR, message: 'reminder: still waiting for a decision (approvers reminded)', done: false },
    { at: start + input.approval.escalationHours * HOUR, message: 'escalation: still no decision (escalated)', done: false },
  ];
  const rule: EgressRule = { requestId: id, spokeVnetId: request.spokeVnetId, sourceAddresses: prepared.sourceAddresses, destinations: request.destinations };
  const viaApi = prepared.applyMode === 'platformApi';
  // platformApi mode: the platform team's system sees the request while it waits for the decision (observe mode submits nothing).
  const submitted = viaApi && prepared.mode !== 'observe';
  let platformRequestId: string | undefined;
  if (submitted) {
    const created = yield* submitToPlatform(context, prepared.policyId, rule, 0);
    if (!created.ok) {
      yield* setStatus(context, id, 'Failed', `submitting the request to the platform team's API failed: ${created.error.code}: ${created.error.message}`);
      return 'Failed';
    }
    platformRequestId = created.value.id;
  }
  yield* setStatus(context, id, 'PendingApproval', `waiting for ${request.approvalsRequired} approver(s)${platformRequestId ? `; submitted to the platform team's API as ${platformRequestId}` : ''}`, {
    decisionDeadline: new Date(deadline).toISOString(),
    ...(platformRequestId ? { platformRequestId } : {}),
  });
  /** Withdraws a never-applied request from the platform team's API (a revoke there); what to add to the final message. */
  const withdraw = function* (): Generator<df.Task, string, unknown> {
    if (!submitted) return '';
    const withdrawn = yield* viaPlatform(context, prepared.policyId, { kind: 'remove', requestId: id });
    return withdrawn.ok ? "; withdrawn from the platform team's API" : `; withdrawing it from the platform team's API failed: ${withdrawn.error?.code ?? 'Unknown'}: ${withdrawn.error?.message ?? ''}`;
  };

  // Created once: an abandoned waiter of an earlier round must never take an event.
  const revoke = context.df.waitForExternalEvent(REVOKE_EVENT);
  let decision = context.df.waitForExternalEvent(DECISION_EVENT);
  let decided: 'approved' | 'rejected' | 'pending' = 'pending';
  let decisions: Decision[] = [];
  while (decided === 'pending') {
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= deadline) break;
    const next = Math.min(deadline, now + MAX_TIMER_MS, ...milestones.filter((m) => !m.done).map((m) => m.at));
    const timer = context.df.createTimer(new Date(next));
    const winner = yield context.df.Task.any([decision, revoke, timer]);
    if (winner === timer) {
      for (const m of milestones) {
        if (!m.done && m.at <= context.df.currentUtcDateTime.getTime()) {
          m.done = true;
          yield* setStatus(context, id, 'PendingApproval', m.message);
        }
      }
      continue;
    }
    timer.cancel();
    if (winner === revoke) {
      const note = yield* withdraw();
      yield* setStatus(context, id, 'Revoked', `withdrawn before a decision: nothing was applied${note}`);
      return 'Revoked';
    }
    decisions = (decision.result as DecisionEvent).decisions;
    decided = verdictOf({ approvalsRequired: request.approvalsRequired, decisions });
    if (decided === 'pending') {
      yield* setStatus(context, id, 'PendingApproval', `approved by ${decisions.length} of ${request.approvalsRequired} distinct approvers`);
      decision = context.df.waitForExternalEvent(DECISION_EVENT);
    }
  }
  if (decided === 'pending') {
    const note = yield* withdraw();
    yield* setStatus(context, id, 'Expired', `no decision within ${input.approval.expiryDays} days: nothing was applied${note}`);
    return 'Expired';
  }
  if (decided === 'rejected') {
    const by = decisions.find((d) => d.verdict === 'reject');
    const note = yield* withdraw();
    yield* setStatus(context, id, 'Rejected', `rejected by ${by?.byName ?? by?.by ?? 'an approver'}${by?.comment ? `: ${by.comment}` : ''}${note}`);
    return 'Rejected';
  }
  const approvers = decisions.filter((d) => d.verdict === 'approve').map((d) => d.byName ?? d.by);
  yield* setStatus(context, id, 'Approved', `approved by ${approvers.join(', ')}`);
  if (prepared.mode === 'observe') {
    yield* setStatus(context, id, 'Approved', `observe mode: the rule for ${request.spokeVnetId} would be written into ${prepared.policyId}; nothing was submitted or written`);
    return 'Approved';
  }

  yield* setStatus(context, id, 'Applying', prepared.applyMode === 'platformApi' ? `asking the platform team's API to apply the rule in ${prepared.policyId}` : `writing the rule into ${prepared.policyId}`);
  const approving = decisions.filter((d) => d.verdict === 'approve');
  const comment = approving.map((d) => d.comment).filter((c) => c).join('; ').slice(0, 1000);
  // The contract's Decision: who approved (at most 10), their comments, when the verdict was reached.
  const platformDecision: PlatformDecision = { approvedBy: approving.map((d) => d.by).slice(0, 10), ...(comment ? { comment } : {}), decidedAt: approving.at(-1)?.at ?? context.df.currentUtcDateTime.toISOString() };
  const applied = viaApi
    ? yield* viaPlatform(context, prepared.policyId, { kind: 'upsert', rule, decision: platformDecision, revision: 0 })
    : yield* changePolicy(context, input, prepared.policyId, { kind: 'upsert', rule });
  if (!applied.ok || !applied.location) {
    yield* setStatus(context, id, 'Failed', `applying the rule failed: ${applied.error?.code ?? 'Unknown'}: ${applied.error?.message ?? 'no location'}`);
    return 'Failed';
  }
  const expiresAt = context.df.currentUtcDateTime.getTime() + request.ttlDays * 24 * HOUR;
  const activate = function* (location: NonNullable<PolicyWorkReply['location']>, sourceAddresses: string[], why: string): Generator<df.Task, void, unknown> {
    yield* setStatus(context, id, 'Active', `${why}rule ${location.names.join(', ')} verified in ${location.ruleCollectionGroup}/${location.ruleCollection} of ${location.firewallPolicyId}`, {
      expiresAt: new Date(expiresAt).toISOString(),
      rule: { firewallPolicyId: location.firewallPolicyId, ruleCollectionGroup: location.ruleCollectionGroup, ruleCollection: location.ruleCollection, name: location.names[0] ?? id },
      sourceAddresses,
    });
  };
  yield* activate(applied.location, rule.sourceAddresses, '');

  // Active until the TTL ends or a revoke comes; a changed spoke address space rewrites the rule's source.
  let revoked = false;
  let sourceChanged = context.df.waitForExternalEvent(SOURCE_CHANGED_EVENT);
  let revision = 0;
  for (;;) {
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= expiresAt) break;
    const timer = context.df.createTimer(new Date(Math.min(expiresAt, now + MAX_TIMER_MS)));
    const winner = yield context.df.Task.any([revoke, sourceChanged, timer]);
    if (winner === timer) continue;
    timer.cancel();
    if (winner === revoke) {
      revoked = true;
      break;
    }
    const sourceAddresses = (sourceChanged.result as { sourceAddresses: string[] }).sourceAddresses;
    sourceChanged = context.df.waitForExternalEvent(SOURCE_CHANGED_EVENT);
    yield* setStatus(context, id, 'Applying', `the spoke's address space is now ${sourceAddresses.join(', ')}: rewriting the rule's source`);
    const rewritten = viaApi
      ? yield* viaPlatform(context, prepared.policyId, { kind: 'upsert', rule: { ...rule, sourceAddresses }, decision: platformDecision, revision: ++revision })
      : yield* changePolicy(context, input, prepared.policyId, { kind: 'upsert', rule: { ...rule, sourceAddresses } });
    if (!rewritten.ok || !rewritten.location) {
      yield* setStatus(context, id, 'Failed', `rewriting the rule's source failed: ${rewritten.error?.code ?? 'Unknown'}: ${rewritten.error?.message ?? 'no location'} (the rule keeps its previous source)`);
      return 'Failed';
    }
    rule.sourceAddresses = sourceAddresses;
    yield* activate(rewritten.location, sourceAddresses, 'source updated: ');
  }
  yield* setStatus(context, id, 'Revoking', revoked ? 'revoked: removing the rule' : `the rule's TTL of ${request.ttlDays} days ended: removing it`);
  const removed = viaApi ? yield* viaPlatform(context, prepared.policyId, { kind: 'remove', requestId: id }) : yield* changePolicy(context, input, prepared.policyId, { kind: 'remove', requestId: id });
  if (!removed.ok) {
    yield* setStatus(context, id, 'Failed', `removing the rule failed: ${removed.error?.code ?? 'Unknown'}: ${removed.error?.message ?? ''}`);
    return 'Failed';
  }
  yield* setStatus(context, id, 'Revoked', 'the rule was removed and verified gone from the policy');
  return 'Revoked';
};

df.app.orchestration(EGRESS_REQUEST_ORCHESTRATOR, egressRequest);
