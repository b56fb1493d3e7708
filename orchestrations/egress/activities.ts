/**
 * The egress flow's activities: all I/O of a request's orchestration (read the request, the spoke and the spoke's
 * Active rules; move the request's status), and the policy writer's apply step.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { classifyArmError, type ClassifiedError } from '../../shared/azure/errors';
import { resourceKey } from '../../shared/azure/resource-id';
import { applyPolicyWave, type PolicyWave } from '../../shared/egress/apply';
import { classifyPlatformError, platformDestination } from '../../shared/egress/platform-api-adapter';
import type { PlatformAction, PlatformApiPort, PlatformOperation } from '../../shared/egress/ports';
import { ruleGone, verifyRule, type EgressRule } from '../../shared/egress/spec';
import type { Destination } from '../../shared/egress/destinations';
import { canMove, notYetAllowed, type EgressState } from '../../shared/egress/request';
import type { ConditionStatus, ManagedRecord, RecordStore } from '../../shared/store/records';
import { tracedActivity } from '../../shared/telemetry';
import { flowDeps } from '../common/deps';
import { EGRESS_ACTIVITY, POLICY_WORK_DONE_EVENT } from './names';
import type { EgressDetails, PolicyWorkReply, PolicyWorkRequest, Prepared, StepResult } from './types';

export const EGRESS_CONDITION = 'EgressAllowed';

export function conditionStatusOf(status: EgressState): ConditionStatus {
  if (status === 'Active' || status === 'AlreadyAllowed') return 'True';
  if (status === 'Rejected' || status === 'Expired' || status === 'Revoked' || status === 'Failed') return 'False';
  return 'Unknown';
}

export const detailsOf = (record: ManagedRecord): EgressDetails => record.details as unknown as EgressDetails;

/** The destinations the spoke's Active requests allow (what a new request may already be covered by). */
async function allowedFor(store: RecordStore, spokeVnetId: string, except: string): Promise<Destination[]> {
  const records = await store.listRecords('egressRequest');
  return records
    .map(detailsOf)
    .filter((d) => d.status === 'Active' && d.request.id !== except && resourceKey(d.request.spokeVnetId) === resourceKey(spokeVnetId))
    .flatMap((d) => d.request.destinations);
}

/** Reads what the orchestration needs: the request, its spoke's address space and hub policy, and whether it is already allowed. */
export async function prepare(input: { requestId: string }): Promise<Prepared> {
  const { config, network, store } = flowDeps();
  const egress = config.egress;
  if (!egress) return { ok: false, reason: 'the egress flow is not configured (no egress block in the topology)' };
  const record = await store.getRecord('egressRequest', input.requestId);
  if (!record) return { ok: false, reason: `request ${input.requestId} has no record` };
  const request = detailsOf(record).request;
  let vnet;
  try {
    vnet = await network.getVnet(request.spokeVnetId);
  } catch (e) {
    const error = classifyArmError(e);
    return { ok: false, reason: `reading the spoke failed: ${error.code}: ${error.message}` };
  }
  if (!vnet) return { ok: false, reason: `the spoke ${request.spokeVnetId} does not exist` };
  if (config.hubs.some((h) => resourceKey(h.vnetId) === resourceKey(vnet.id))) return { ok: false, reason: `${vnet.id} is a hub, not a spoke` };
  // The spoke's hub: the one its hub tag names, else its region's.
  const tagged = vnet.tags[config.peering.hubTag];
  const hub = tagged ? config.hubs.find((h) => h.name.toLowerCase() === tagged.toLowerCase()) : config.hubs.find((h) => h.region === vnet.location.toLowerCase().replace(/\s+/g, ''));
  if (!hub) return { ok: false, reason: `no hub serves the spoke (region ${vnet.location}${tagged ? `, hub tag "${tagged}"` : ''})` };
  const policy = egress.firewallPolicies.find((p) => p.hub.toLowerCase() === hub.name.toLowerCase());
  if (!policy) return { ok: false, reason: `hub ${hub.name} has no firewall policy in egress.firewallPolicies` };
  if (vnet.addressPrefixes.length === 0) return { ok: false, reason: `the spoke ${vnet.id} has no address space` };
  const remaining = notYetAllowed(await allowedFor(store, request.spokeVnetId, request.id), request.destinations);
  return { ok: true, alreadyAllowed: remaining.length === 0, policyId: policy.policyId, sourceAddresses: vnet.addressPrefixes, mode: config.mode, applyMode: egress.applyMode, request };
}

export interface SetStatusInput {
  requestId: string;
  status: EgressState;
  message: string;
  patch?: Partial<Pick<EgressDetails, 'decisionDeadline' | 'expiresAt' | 'rule' | 'sourceAddresses' | 'platformRequestId'>>;
}

/** Moves the request to `status` (only along the allowed moves), with a history line and the record's condition. */
export async function setStatus(input: SetStatusInput, context: InvocationContext): Promise<EgressState> {
  const { store } = flowDeps();
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await store.getVersioned('egressRequest', input.requestId);
    if (!current) throw new Error(`request ${input.requestId} has no record`);
    const details = detailsOf(current.record);
    if (details.status !== input.status && !canMove(details.status, input.status)) {
      context.warn(`egressRequest ${input.requestId}: refused move ${details.status} -> ${input.status} (${input.message})`);
      return details.status;
    }
    const now = new Date().toISOString();
    const next: EgressDetails = {
      ...details,
      ...input.patch,
      status: input.status,
      history: [...details.history, { at: now, status: input.status, message: input.message }].slice(-50),
    };
    const moved = await store.putRecordIf(
      {
        ...current.record,
        details: next as unknown as Record<string, unknown>,
        condition: { type: EGRESS_CONDITION, status: conditionStatusOf(input.status), reason: input.status, message: input.message, lastTransitionTime: details.status === input.status ? current.record.condition.lastTransitionTime : now },
        updatedAt: now,
      },
      current.version,
    );
    if (moved) {
      context.log(`egressRequest ${input.requestId}: ${EGRESS_CONDITION}=${conditionStatusOf(input.status)} ${input.status} (${input.message})`);
      return input.status;
    }
  }
  throw new Error(`request ${input.requestId}: the record kept changing while its status was being set`);
}

async function reply(context: InvocationContext, request: PolicyWorkRequest, answer: PolicyWorkReply): Promise<void> {
  await df.getClient(context).raiseEvent(request.requesterInstanceId, POLICY_WORK_DONE_EVENT, answer);
}

/** The policy writer's step: every change waiting for the policy in one wave (one PUT per changed group), verified. */
export async function applyPolicyWork(input: { target: string; requests: PolicyWorkRequest[] }, context: InvocationContext): Promise<void> {
  const { config, firewall, store } = flowDeps();
  const egress = config.egress;
  const wave: PolicyWave = egress
    ? await applyPolicyWave(firewall, input.target, input.requests.map((r) => ({ workId: r.requestId, change: r.change })), { ...egress.ruleCollectionGroup, mode: config.mode })
    : { results: input.requests.map((r) => ({ workId: r.requestId, ok: false, error: { class: 'terminal' as const, code: 'NotConfigured', message: 'no egress block' } })), writes: { puts: [], deletes: [] } };
  context.log(`egress policy ${input.target}: ${input.requests.length} change(s), group PUTs ${JSON.stringify(wave.writes.puts)}, DELETEs ${JSON.stringify(wave.writes.deletes)}`);
  const now = new Date().toISOString();
  await store.appendAudit(
    input.requests.map((r, i) => {
      const result = wave.results[i];
      const requestId = r.change.kind === 'upsert' ? r.change.rule.requestId : r.change.requestId;
      return {
        at: now,
        resourceId: requestId,
        kind: 'egressRequest' as const,
        action: r.change.kind === 'upsert' ? 'applyRule' : 'revokeRule',
        target: input.target,
        outcome: result?.ok ? ('succeeded' as const) : ('failed' as const),
        reason: `${r.reason ? `${r.reason}; ` : ''}${result?.ok ? `verified in ${wave.writes.puts.join(', ') || 'the policy (unchanged)'}` : (result?.error?.code ?? 'Unknown')}`,
        ...(result?.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
        ...(r.trigger ? { trigger: r.trigger } : {}),
        mode: config.mode,
      };
    }),
  );
  await Promise.all(
    input.requests.map((r, i) => {
      const result = wave.results[i];
      return reply(context, r, { requestId: r.requestId, ok: result?.ok ?? false, ...(result?.error ? { error: result.error } : {}), ...(result?.location ? { location: result.location } : {}) });
    }),
  );
}

export async function failPolicyWork(input: { requests: PolicyWorkRequest[]; error: ClassifiedError }, context: InvocationContext): Promise<void> {
  for (const r of input.requests) await reply(context, r, { requestId: r.requestId, ok: false, error: input.error });
}

function platformApi(): PlatformApiPort {
  const api = flowDeps().platformApi;
  if (!api) throw new Error('egress.applyMode is not "platformApi" (no platform API is configured)');
  return api;
}

async function platformStep<T>(what: string, context: InvocationContext, run: (api: PlatformApiPort) => Promise<T>): Promise<StepResult<T>> {
  try {
    return { ok: true, value: await run(platformApi()) };
  } catch (e) {
    const error = classifyPlatformError(e);
    context.warn(`egress platform API ${what}: ${error.class} ${error.code}: ${error.message}`);
    return { ok: false, error };
  }
}

export interface PlatformSubmitInput {
  rule: EgressRule;
  policyId: string;
  /** 0 for the request as submitted (before the decision); n for its n-th rewrite (a new source), sent under the key `{id}.r{n}`. */
  revision: number;
}

/** `POST /v1/egress-requests`: the request as the platform team records it, before the decision (idempotent on its ID). */
export async function platformSubmit(input: PlatformSubmitInput, context: InvocationContext): Promise<StepResult<{ id: string; status: string }>> {
  const { store } = flowDeps();
  const record = await store.getRecord('egressRequest', input.rule.requestId);
  if (!record) return { ok: false, error: { class: 'terminal', code: 'NoRecord', message: `request ${input.rule.requestId} has no record` } };
  const request = detailsOf(record).request;
  return platformStep(`submit ${request.id}`, context, async (api) => {
    const created = await api.createRequest({
      requestId: request.id,
      spokeVnetId: request.spokeVnetId,
      firewallPolicyId: input.policyId,
      sourceAddresses: input.rule.sourceAddresses,
      destinations: input.rule.destinations.map(platformDestination),
      justification: request.justification,
      ttlDays: request.ttlDays,
      requestedBy: request.requestedBy,
    }, input.revision > 0 ? `${request.id}.r${input.revision}` : request.id);
    return { id: created.id, status: created.status };
  });
}

export type PlatformStartInput = { requestId: string } & PlatformAction;

/** `POST .../apply` (with the decision) or `.../revoke`: the operation to follow. */
export async function platformStart(input: PlatformStartInput, context: InvocationContext): Promise<StepResult<{ operationUrl: string; retryAfterMs?: number }>> {
  const { requestId, ...call } = input;
  return platformStep(`${input.action} ${requestId}`, context, (api) => api.start(requestId, call));
}

export async function platformOperation(input: { operationUrl: string }, context: InvocationContext): Promise<StepResult<PlatformOperation>> {
  return platformStep(`operation ${input.operationUrl}`, context, (api) => api.getOperation(input.operationUrl));
}

export type VerifyInput = { policyId: string } & ({ kind: 'present'; rule: EgressRule } | { kind: 'gone'; requestId: string });

/**
 * Reads the policy via ARM (every rule collection group, not only the control plane's: the platform team names its
 * own) and checks the rule as approved (present) or its absence (gone). Not verified yet is retryable.
 */
export async function verifyInPolicy(input: VerifyInput): Promise<StepResult<NonNullable<PolicyWorkReply['location']> | null>> {
  const { firewall } = flowDeps();
  let groups;
  try {
    groups = await firewall.listGroups(input.policyId, () => true);
  } catch (e) {
    return { ok: false, error: classifyArmError(e) };
  }
  if (input.kind === 'gone') {
    return ruleGone(groups, input.requestId) ? { ok: true, value: null } : { ok: false, error: { class: 'retryable', code: 'NotVerified', message: `rules of ${input.requestId} are still in policy ${input.policyId}` } };
  }
  const verified = verifyRule(groups, input.rule);
  return verified.ok ? { ok: true, value: { firewallPolicyId: input.policyId, ...verified.location } } : { ok: false, error: { class: 'retryable', code: 'NotVerified', message: verified.reason } };
}
export interface PlatformAuditInput {
  requestId: string;
  policyId: string;
  action: 'apply' | 'revoke';
  ok: boolean;
  error?: ClassifiedError;
}

/** One audit entry per apply or revoke through the platform team's API, as the policy writer records its own. */
export async function auditPlatform(input: PlatformAuditInput): Promise<void> {
  const { config, store } = flowDeps();
  await store.appendAudit([
    {
      at: new Date().toISOString(),
      resourceId: input.requestId,
      kind: 'egressRequest',
      action: input.action === 'apply' ? 'applyRule' : 'revokeRule',
      target: input.policyId,
      outcome: input.ok ? 'succeeded' : 'failed',
      reason: input.ok ? `the platform team's API ${input.action === 'apply' ? 'applied' : 'revoked'} it; verified in the policy via ARM` : `${input.error?.class ?? 'terminal'}: ${input.error?.code ?? 'Unknown'}`,
      ...(input.error ? { error: { code: input.error.code, message: input.error.message } } : {}),
      mode: config.mode,
    },
  ]);
}

const withClient = { extraInputs: [df.input.durableClient()] };

df.app.activity(EGRESS_ACTIVITY.prepare, { handler: tracedActivity(EGRESS_ACTIVITY.prepare, prepare) });
df.app.activity(EGRESS_ACTIVITY.setStatus, { handler: tracedActivity(EGRESS_ACTIVITY.setStatus, setStatus) });
df.app.activity(EGRESS_ACTIVITY.applyPolicyWork, { ...withClient, handler: tracedActivity(EGRESS_ACTIVITY.applyPolicyWork, applyPolicyWork) });
df.app.activity(EGRESS_ACTIVITY.failPolicyWork, { ...withClient, handler: tracedActivity(EGRESS_ACTIVITY.failPolicyWork, failPolicyWork) });
df.app.activity(EGRESS_ACTIVITY.platformSubmit, { handler: tracedActivity(EGRESS_ACTIVITY.platformSubmit, platformSubmit) });
df.app.activity(EGRESS_ACTIVITY.platformStart, { handler: tracedActivity(EGRESS_ACTIVITY.platformStart, platformStart) });
df.app.activity(EGRESS_ACTIVITY.platformOperation, { handler: tracedActivity(EGRESS_ACTIVITY.platformOperation, platformOperation) });
df.app.activity(EGRESS_ACTIVITY.verifyInPolicy, { handler: tracedActivity(EGRESS_ACTIVITY.verifyInPolicy, verifyInPolicy) });
df.app.activity(EGRESS_ACTIVITY.auditPlatform, { handler: tracedActivity(EGRESS_ACTIVITY.auditPlatform, auditPlatform) });
