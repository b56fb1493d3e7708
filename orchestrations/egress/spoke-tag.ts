/**
 * The tag path: a spoke VNet whose egress tag (`egress.spokeTag`, e.g. `api.github.com,*.contoso.com:443,
 * WindowsUpdate`) appears or changes gets a request, with the event's principal as requester; when the tag is
 * removed its tag requests are revoked, and when the spoke is deleted every request of it is. A change of the spoke's
 * address space rewrites the source of its Active rules (any request's). One orchestration per
 * spoke (events during a pass get exactly one more pass); its one activity reads the VNet and acts.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { classifyArmError } from '../../shared/azure/errors';
import { resourceKey } from '../../shared/azure/resource-id';
import { destinationsFromTag, validateDestinations } from '../../shared/egress/destinations';
import { FINAL_STATES, requestIdFor } from '../../shared/egress/request';
import { fingerprintOf } from '../../shared/egress/spec';
import type { TriggerInfo } from '../../shared/store/records';
import { tracedActivity } from '../../shared/telemetry';
import { flowDeps } from '../common/deps';
import { resourceInstanceKey } from '../common/names';
import { pendingReconcile } from '../common/orchestration';
import { RECONCILE_EVENT } from '../common/names';
import { isActive, runtimeStatus, startOrSignal, type ReconcileRequestOutcome } from '../common/start';
import { detailsOf } from './activities';
import { EGRESS_ACTIVITY, REVOKE_EVENT, SOURCE_CHANGED_EVENT } from './names';
import { submitRequest } from './submit';
import type { EgressDetails } from './types';

export const SPOKE_TAG_ORCHESTRATOR = 'egressSpokeTag';

export function spokeTagInstanceId(vnetId: string): string {
  return `egress-tag-${resourceInstanceKey(vnetId)}`;
}

interface SpokeTagInput {
  vnetId: string;
  trigger: TriggerInfo;
}

const spokeTag: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<SpokeTagInput>();
  const outcome = (yield context.df.callActivity(EGRESS_ACTIVITY.reconcileSpokeTag, input)) as string;
  const next = yield* pendingReconcile(context);
  if (next) {
    context.df.continueAsNew({ vnetId: input.vnetId, trigger: next });
    return outcome;
  }
  return outcome;
};

/** Revokes a request (its orchestration removes the rule, or withdraws it before a decision). */
async function revoke(client: df.DurableClient, d: EgressDetails, why: string, context: InvocationContext): Promise<boolean> {
  if (FINAL_STATES.has(d.status) || d.status === 'Revoking') return false;
  if (!isActive(await runtimeStatus(client, d.request.id))) return false;
  await client.raiseEvent(d.request.id, REVOKE_EVENT, { by: 'spoke tag', why });
  context.log(`egressRequest ${d.request.id}: revoke asked (${why})`);
  return true;
}

export async function reconcileSpokeTag(input: SpokeTagInput, context: InvocationContext): Promise<string> {
  const { config, firewall, network, store } = flowDeps();
  const egress = config.egress;
  if (!egress) return 'egress is not configured';
  const client = df.getClient(context);
  const mine = (await store.listRecords('egressRequest')).map(detailsOf).filter((d) => resourceKey(d.request.spokeVnetId) === resourceKey(input.vnetId));
  let vnet;
  try {
    vnet = await network.getVnet(input.vnetId);
  } catch (e) {
    const error = classifyArmError(e);
    // Thrown so the activity's failure shows; the next event or a retry reads again.
    throw new Error(`reading ${input.vnetId} failed: ${error.code}: ${error.message}`);
  }
  if (!vnet) {
    let revoked = 0;
    for (const d of mine) if (await revoke(client, d, 'the spoke was deleted', context)) revoked++;
    return `spoke gone: ${revoked} request(s) revoked`;
  }
  // Active rules allow from the spoke's own address space: a change of it rewrites their source.
  const space = [...vnet.addressPrefixes].sort().join(',');
  for (const d of mine) {
    if (d.status !== 'Active' || !d.sourceAddresses || [...d.sourceAddresses].sort().join(',') === space || vnet.addressPrefixes.length === 0) continue;
    if (!isActive(await runtimeStatus(client, d.request.id))) continue;
    await client.raiseEvent(d.request.id, SOURCE_CHANGED_EVENT, { sourceAddresses: vnet.addressPrefixes });
    context.log(`egressRequest ${d.request.id}: the spoke's address space changed to ${vnet.addressPrefixes.join(', ')}`);
  }
  const tagged = mine.filter((d) => d.request.source === 'tag' && !FINAL_STATES.has(d.status) && d.status !== 'Revoking');
  const value = Object.entries(vnet.tags).find(([k]) => k.toLowerCase() === egress.spokeTag.toLowerCase())?.[1];
  if (value === undefined || value.trim() === '') {
    let revoked = 0;
    for (const d of tagged) if (await revoke(client, d, `the ${egress.spokeTag} tag was removed`, context)) revoked++;
    return `no ${egress.spokeTag} tag: ${revoked} tag request(s) revoked`;
  }
  const fqdnTags = await firewall.listFqdnTags(parseSubscription(egress.firewallPolicies[0]?.policyId ?? input.vnetId));
  const checked = validateDestinations(destinationsFromTag(value, fqdnTags), fqdnTags);
  if (checked.problems.length > 0) {
    const reasons = checked.problems.map((p) => `${p.destination}: ${p.reason}`).join('; ');
    await store.appendAudit([{ at: new Date().toISOString(), resourceId: input.vnetId, kind: 'egressRequest', action: 'tagRequest', outcome: 'rejected', reason: `the ${egress.spokeTag} tag "${value}" has bad destinations: ${reasons}`, trigger: input.trigger, mode: config.mode }]);
    context.warn(`spoke ${input.vnetId}: ${egress.spokeTag} tag refused: ${reasons}`);
    return `tag refused: ${reasons}`;
  }
  const justification = `from the ${egress.spokeTag} tag of the spoke`;
  const fingerprint = fingerprintOf({ spokeVnetId: vnet.id, destinations: checked.destinations, ttlDays: egress.defaultTtlDays, justification });
  if (tagged.some((d) => d.request.fingerprint === fingerprint)) return 'the tag is unchanged: nothing to do';
  for (const d of tagged) await revoke(client, d, `the ${egress.spokeTag} tag changed`, context);
  const requester = input.trigger.principal ?? 'unknown';
  const id = requestIdFor(`tag:${requester}`, `${resourceKey(vnet.id)}|${value}|${input.trigger.eventId ?? input.trigger.correlationId ?? ''}`);
  await submitRequest(
    store,
    client,
    config,
    {
      id,
      spokeVnetId: vnet.id,
      destinations: checked.destinations,
      justification,
      ttlDays: egress.defaultTtlDays,
      approvalsRequired: checked.approvalsRequired,
      notes: checked.notes,
      requestedBy: requester,
      requestedAt: new Date().toISOString(),
      fingerprint,
      source: 'tag',
    },
    input.trigger,
  );
  return `requested ${id} for the ${egress.spokeTag} tag "${value}"`;
}

function parseSubscription(id: string): string {
  return id.split('/')[2] ?? '';
}

/** Starts the spoke's tag orchestration, or signals the running one to look again afterwards. */
export function requestSpokeTagReconcile(client: df.DurableClient, request: { vnetId: string; trigger: TriggerInfo }): Promise<ReconcileRequestOutcome> {
  const input: SpokeTagInput = { vnetId: request.vnetId, trigger: request.trigger };
  return startOrSignal(client, { orchestrator: SPOKE_TAG_ORCHESTRATOR, instanceId: spokeTagInstanceId(request.vnetId), input, event: RECONCILE_EVENT, eventData: request.trigger, what: request.vnetId });
}

df.app.orchestration(SPOKE_TAG_ORCHESTRATOR, spokeTag);
df.app.activity(EGRESS_ACTIVITY.reconcileSpokeTag, { extraInputs: [df.input.durableClient()], handler: tracedActivity(EGRESS_ACTIVITY.reconcileSpokeTag, reconcileSpokeTag) });
