/**
 * The egress and stamps detectors' comparisons, pure. Egress: every Active request's rule is verified with the flow's
 * own verifyRule against the control plane's rule collection groups; rules there that match no request in a state
 * that holds one are orphans; Active requests past their TTL are not revoked. Stamps: each origin's enabledState in
 * Front Door against the stamp's decided state (its pin first, then the flow's decision, as recorded).
 */
import { resourceKey } from '../azure/resource-id';
import type { Destination } from '../egress/destinations';
import { placedRules, requestOfRule, verifyRule, type GroupContent } from '../egress/spec';
import type { OriginGroupRef, StampConfig } from '../stamps/config';
import type { EnabledState, Pin } from '../stamps/model';
import type { ObservedOrigin } from '../stamps/ports';
import type { ManagedRecord } from '../store/records';
import type { DriftCandidate } from './model';

/** What the drift check reads of an egress request's record (orchestrations/egress/types.ts EgressDetails). */
interface EgressRecordView {
  status: string;
  request: { id: string; spokeVnetId: string; destinations: Destination[] };
  expiresAt?: string;
  rule?: { firewallPolicyId: string };
  sourceAddresses?: string[];
}

/** States in which a request's rule may be in the policy without being drift (written, being written or removed). */
const HOLDS_RULE = new Set(['Active', 'Applying', 'Revoking']);

export interface EgressFacts {
  /** The control plane's own rule collection groups, per policy listed (policy ID as configured). */
  policies: ReadonlyMap<string, readonly GroupContent[]>;
  records: readonly ManagedRecord[];
  now: number;
}

export function compareEgress(facts: EgressFacts): DriftCandidate[] {
  const out: DriftCandidate[] = [];
  const views = facts.records.map((r) => r.details as unknown as EgressRecordView).filter((d) => d && d.request && typeof d.status === 'string');
  const policyOf = (id: string): [string, readonly GroupContent[]] | undefined => [...facts.policies.entries()].find(([p]) => resourceKey(p) === resourceKey(id));
  for (const d of views) {
    if (d.status !== 'Active' || !d.rule) continue;
    const listed = policyOf(d.rule.firewallPolicyId);
    if (!listed) continue;
    const [policyId, groups] = listed;
    const owner = { kind: 'egressRequest' as const, id: d.request.id };
    const check = { policyId, requestId: d.request.id };
    if (d.expiresAt && Date.parse(d.expiresAt) <= facts.now) {
      out.push({ flow: 'egress', kind: 'expiredNotRevoked', resource: d.request.id, expected: `revoked at the end of its TTL (${d.expiresAt})`, actual: 'still Active', check, repair: { kind: 'reconcile', owner } });
    }
    const verified = verifyRule(groups, { requestId: d.request.id, spokeVnetId: d.request.spokeVnetId, sourceAddresses: d.sourceAddresses ?? [], destinations: d.request.destinations });
    if (!verified.ok) {
      out.push({
        flow: 'egress',
        kind: verified.reason.startsWith('no rule named') ? 'missingRule' : 'wrongRule',
        resource: d.request.id,
        expected: `the approved rule ${d.request.id} in ${policyId}`,
        actual: verified.reason,
        check,
        repair: { kind: 'reconcile', owner },
      });
    }
  }
  const holding = new Set(views.filter((d) => HOLDS_RULE.has(d.status)).map((d) => d.request.id.toLowerCase()));
  for (const [policyId, groups] of facts.policies) {
    const seen = new Set<string>();
    for (const placed of placedRules(groups)) {
      const requestId = requestOfRule(placed.wire.name);
      if (holding.has(requestId.toLowerCase()) || seen.has(requestId.toLowerCase())) continue;
      seen.add(requestId.toLowerCase());
      const record = views.find((d) => d.request.id.toLowerCase() === requestId.toLowerCase());
      out.push({
        flow: 'egress',
        kind: 'orphanRule',
        resource: `${policyId}#${placed.collection}/${requestId}`,
        expected: 'no rule: it matches no Active request',
        actual: record ? `rule ${placed.wire.name} of request ${requestId}, which is ${record.status}` : `rule ${placed.wire.name} of no known request`,
        orphan: true,
        check: { policyId },
        repair: { kind: 'removeOrphan', removal: { target: 'egressRule', policyId, requestId }, why: 'no running orchestration owns this rule' },
      });
    }
  }
  return out;
}

export interface ObservedGroupOrigins {
  group: OriginGroupRef & { key: string; stamps: StampConfig[] };
  origins: ObservedOrigin[];
}

export interface StampsFacts {
  groups: readonly ObservedGroupOrigins[];
  records: readonly ManagedRecord[];
  now: number;
}

/** The stamp's decided enabledState: an unexpired pin, else the flow's recorded decision. */
export function decidedState(details: { desired?: EnabledState; pin?: Pin | null }, now: number): EnabledState | undefined {
  const pin = details.pin;
  if (pin && (!pin.until || Date.parse(pin.until) > now)) return pin.mode === 'out' ? 'Disabled' : 'Enabled';
  return details.desired;
}

export function compareStamps(facts: StampsFacts): DriftCandidate[] {
  const out: DriftCandidate[] = [];
  const records = new Map(facts.records.map((r) => [r.resourceId.toLowerCase(), r]));
  for (const { group, origins } of facts.groups) {
    for (const stamp of group.stamps) {
      const record = records.get(stamp.name.toLowerCase());
      if (!record) continue; // its monitor has not decided yet: nothing to compare with
      const name = 'backendPool' in stamp.origin ? stamp.origin.backendAddress : stamp.origin.origin;
      const observed = origins.find((o) => o.origin.toLowerCase() === name.toLowerCase());
      const details = record.details as { desired?: EnabledState; pin?: Pin | null };
      const decided = decidedState(details, facts.now);
      if (!decided) continue;
      const check = { groupKey: group.key };
      if (!observed) {
        out.push({ flow: 'stamps', kind: 'originMissing', resource: stamp.name, expected: `origin ${name} in ${group.frontDoor}/${group.group}, ${decided}`, actual: 'no such origin', check, repair: { kind: 'none', why: 'the stamp flow does not create origins: fix the configuration or Front Door' } });
      } else if (observed.enabledState !== decided) {
        out.push({
          flow: 'stamps',
          kind: 'originStateDiffers',
          resource: stamp.name,
          expected: `${decided} (${details.pin ? `pinned ${details.pin.mode}` : 'decided by the flow'})`,
          actual: `Front Door shows ${observed.enabledState}`,
          check,
          repair: { kind: 'reconcile', owner: { kind: 'stamp', id: stamp.name } },
        });
      }
    }
  }
  return out;
}
