/**
 * Direct mode's write of one firewall policy: a wave of changes (rules to add or replace, rules to remove) becomes
 * one PUT per changed rule collection group, then the policy is read back and each change verified. The policy's
 * writer (one per policy, orchestrations/common/writer-queue.ts in batch mode) hands every change waiting for the
 * policy to one call, so 200 approvals arriving together are not 200 serialized multi-minute updates.
 *
 * The current content is read from the policy (the control plane's own groups), so a change applies on top of
 * whatever the last wave left there; rules of other requests stay as they are.
 */
import { classifyArmError, type ClassifiedError } from '../azure/errors';
import type { FirewallPort } from './ports';
import { isOwnGroup, packGroups, placedRules, planWrites, requestOfRule, ruleCollectionName, ruleGone, rulesOf, verifyRule, type EgressRule, type GroupOptions, type PlacedRule, type RuleLocation } from './spec';

export type PolicyChange = { kind: 'upsert'; rule: EgressRule } | { kind: 'remove'; requestId: string };

export interface PolicyWork {
  /** The caller's handle for the result (the queued request's ID). */
  workId: string;
  change: PolicyChange;
}

export interface PolicyWorkResult {
  workId: string;
  ok: boolean;
  /** Where the verified rule is (upserts). */
  location?: RuleLocation & { firewallPolicyId: string };
  error?: ClassifiedError;
}

export interface PolicyWave {
  results: PolicyWorkResult[];
  /** Group PUTs and DELETEs this wave needed. */
  writes: { puts: string[]; deletes: string[] };
}

/** Applies a wave of changes to one policy and verifies each; never throws for ARM answers (they become results). */
export async function applyPolicyWave(port: FirewallPort, policyId: string, work: readonly PolicyWork[], options: GroupOptions & { mode: 'enforce' | 'observe' }): Promise<PolicyWave> {
  const fail = (error: ClassifiedError, writes: PolicyWave['writes'] = { puts: [], deletes: [] }): PolicyWave => ({
    results: work.map((w) => ({ workId: w.workId, ok: false, error })),
    writes,
  });
  if (options.mode === 'observe') {
    // Defence in depth: requests are never queued in observe mode; one left over from before a mode switch must not write.
    return fail({ class: 'terminal', code: 'ObserveOnly', message: 'CONTROL_PLANE_MODE is observe: nothing is written' });
  }
  const isOwn = (name: string) => isOwnGroup(options.name, name);
  let current;
  try {
    current = await port.listGroups(policyId, isOwn);
  } catch (e) {
    return fail(classifyArmError(e));
  }
  const byRequest = new Map<string, PlacedRule[]>();
  for (const placed of placedRules(current)) {
    const id = requestOfRule(placed.wire.name).toLowerCase();
    byRequest.set(id, [...(byRequest.get(id) ?? []), placed]);
  }
  for (const { change } of work) {
    if (change.kind === 'remove') byRequest.delete(change.requestId.toLowerCase());
    else byRequest.set(change.rule.requestId.toLowerCase(), rulesOf(change.rule).map((wire) => ({ collection: ruleCollectionName(change.rule.spokeVnetId), wire })));
  }
  const desired = packGroups([...byRequest.values()].flat(), options);
  const plan = planWrites(current, desired);
  const writes = { puts: plan.puts.map((g) => g.name), deletes: plan.deletes };
  try {
    // One policy takes one update at a time: the writes of a wave run one after another.
    for (const group of plan.puts) await port.putGroup(policyId, group);
    for (const name of plan.deletes) await port.deleteGroup(policyId, name);
  } catch (e) {
    return fail(classifyArmError(e), writes);
  }
  let after;
  try {
    after = await port.listGroups(policyId, isOwn);
  } catch (e) {
    return fail(classifyArmError(e), writes);
  }
  const results = work.map((w): PolicyWorkResult => {
    if (w.change.kind === 'remove') {
      return ruleGone(after, w.change.requestId)
        ? { workId: w.workId, ok: true }
        : { workId: w.workId, ok: false, error: { class: 'retryable', code: 'NotVerified', message: `rules of ${w.change.requestId} are still in policy ${policyId}` } };
    }
    const verified = verifyRule(after, w.change.rule);
    return verified.ok
      ? { workId: w.workId, ok: true, location: { firewallPolicyId: policyId, ...verified.location } }
      : { workId: w.workId, ok: false, error: { class: 'retryable', code: 'NotVerified', message: verified.reason } };
  });
  return { results, writes };
}
