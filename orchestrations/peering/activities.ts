/**
 * The peering flow's activities. Each calls one port (ARM, the record store, or the durable client) and returns
 * plain data; ARM failures come back as classified values (`{ok:false, error}`) so that orchestrators decide, with
 * durable timers, whether and when to try again. Only the hub writer's activity waits and retries in place: it
 * holds the hub's write slot, and handing the slot back between attempts would only add latency.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { classifyArmError, type ClassifiedError } from '../../shared/azure/errors';
import { resourceKey, sameResource } from '../../shared/azure/resource-id';
import type { ObservedPeering, ObservedVnet } from '../../shared/peering/model';
import { selectSpoke } from '../../shared/peering/selection';
import { alreadyApplied, hubViewFor, peeringTo } from '../../shared/peering/spec';
import { type AuditEntry, type TriggerInfo } from '../../shared/store/records';
import { arm } from '../common/arm-retry';
import { recordOutcome, type RecordInput } from '../common/record';
import { readOrAbsent } from '../common/requests';
import { flowDeps, timingFrom } from '../common/deps';
import type { ReconcileRequestOutcome } from '../common/start';
import { ACTIVITY, HUB_WORK_DONE_EVENT, spokeRecordTarget } from './names';
import { requestSpokeReconcile } from './start';
import { tracedActivity } from '../../shared/telemetry';
import type { AppliedChange, ArmResult, HubChange, HubWorkReply, HubWorkRequest, ObserveSpokeInput, PeeringRemoval, SpokeObservation } from './types';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the spoke and its hub. With `verify` (a pass that wrote, or found both sides settling, came before), the hub
 * side is read as one peering (virtualNetworkPeerings.get) instead of the whole hub VNet with its hundreds of
 * peerings: the hub's address space and gateway are taken from the previous pass (a change to them raises a hub
 * event, which reconciles every spoke again from a full read), and so is the overlap verdict that pass planned with.
 * With `verify.spoke` (the pass's last write was the spoke side) the spoke is not read either: it is as that pass
 * saw it, its side as the write's answer showed it; a change to the spoke raises its own event, which reconciles it
 * again from a full read.
 */
export async function observeSpoke(input: ObserveSpokeInput): Promise<ArmResult<SpokeObservation>> {
  const { config, network } = flowDeps();
  return arm(async (): Promise<SpokeObservation> => {
    const vnet = input.snapshot ?? input.verify?.spoke ?? (await readOrAbsent(() => network.getVnet(input.vnetId)));
    if (!vnet) return { kind: 'absent' };
    const selection = selectSpoke(config, vnet);
    if (selection.kind !== 'spoke') return { kind: selection.kind, reason: selection.reason, message: selection.message, vnet };
    const spoke = (hub: ObservedVnet): SpokeObservation => ({ kind: 'spoke', spoke: vnet, hub: hubViewFor(hub, vnet), hubName: selection.hub.name, options: { useRemoteGateways: config.peering.useRemoteGateways }, mode: config.mode });
    const verify = input.verify;
    if (verify && sameResource(verify.hub.id, selection.hub.vnetId)) {
      // The spoke read above (or the write's answer in verify.spoke) came first: the hub side is read after it.
      const hubSide = await network.getPeering(verify.hub.id, verify.hubPeeringName);
      return spoke({ ...verify.hub, peerings: hubSide ? [hubSide] : [] });
    }
    const hub = await network.getVnet(selection.hub.vnetId);
    if (!hub) {
      return { kind: 'hubMissing', vnet, hubName: selection.hub.name, hubVnetId: selection.hub.vnetId, message: `hub "${selection.hub.name}" (${selection.hub.vnetId}) does not exist` };
    }
    return spoke(hub);
  });
}

/** The hub-side peerings still pointing at a deleted spoke, found on every configured hub. */
export async function observeRemoval(input: { vnetId: string }): Promise<ArmResult<{ removals: PeeringRemoval[]; mode: 'enforce' | 'observe' }>> {
  const { config, network } = flowDeps();
  return arm(async () => {
    const removals: PeeringRemoval[] = [];
    for (const hubConfig of config.hubs) {
      const hub = await network.getVnet(hubConfig.vnetId);
      const peering = hub ? peeringTo(hub, input.vnetId) : undefined;
      if (hub && peering) {
        removals.push({ kind: 'delete', side: 'hub', vnetId: hub.id, name: peering.name, remoteVnetId: input.vnetId, reason: `spoke ${input.vnetId} was deleted; its hub-side peering ${peering.name} on ${hub.name} goes too` });
      }
    }
    return { removals, mode: config.mode };
  });
}

const peeringId = (vnetId: string, name: string): string => `${vnetId}/virtualNetworkPeerings/${name}`;

/**
 * Whether a change is written without reading its peering first. A create's first attempt is: its plan saw no
 * peering to that remote VNet at all, and whatever appeared since, the PUT of the desired peering ends where the
 * read-then-write would (the read looks the peering up by our name, so it finds nothing another name made either),
 * except that one made meanwhile exactly as desired is written once more (an idempotent PUT) and one made and left
 * Disconnected meanwhile is recreated by the next pass. Every other change reads first (the plan was made before
 * the request waited in the hub's queue): an update or sync is skipped when no longer needed, a Disconnected
 * peering is deleted and created again, a delete happens only while its condition holds; so does a create's retry,
 * whose failed attempt may have left the peering behind.
 */
function writesWithoutReading(change: HubChange, attempt: number): boolean {
  return change.kind === 'create' && attempt === 1;
}

/**
 * Applies one change, reading the peering first unless `writesWithoutReading` (an attempt again may find the last
 * one done): a change that is no longer needed is skipped (alreadyApplied, a sync too when ARM says the peering's
 * view of its remote is current), a Disconnected peering is deleted and created again.
 */
async function applyChange(change: HubChange, request: HubWorkRequest, mode: 'enforce' | 'observe'): Promise<{ applied: AppliedChange; audit: AuditEntry[]; error?: ClassifiedError }> {
  const { config, network } = flowDeps();
  const timing = timingFrom(config);
  const target = peeringId(change.vnetId, change.name);
  const audit: AuditEntry[] = [];
  const entry = (action: string, outcome: AuditEntry['outcome'], extra: Partial<AuditEntry>): AuditEntry => ({
    at: new Date().toISOString(),
    resourceId: request.spokeVnetId,
    kind: 'spoke',
    action,
    target,
    outcome,
    reason: change.reason,
    trigger: request.trigger,
    mode,
    ...extra,
  });
  let lastError: ClassifiedError | undefined;
  for (let attempt = 1; attempt <= timing.maxAttempts; attempt++) {
    let before: ObservedPeering | null = null;
    try {
      before = writesWithoutReading(change, attempt) ? null : await network.getPeering(change.vnetId, change.name);
      if (change.kind === 'delete') {
        if (before && change.onlyIfDisconnected && before.peeringState !== 'Disconnected') {
          return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'skipped', detail: `no longer Disconnected (${before.peeringState})` }, audit };
        }
        if (!before) return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'skipped', detail: 'already gone' }, audit };
        await network.deletePeering(change.vnetId, change.name);
        audit.push(entry('delete', 'succeeded', { before }));
        return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'written', detail: 'deleted' }, audit };
      }
      const done = alreadyApplied(change, before);
      if (done) return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'skipped', detail: done }, audit };
      if (before?.peeringState === 'Disconnected') {
        await network.deletePeering(change.vnetId, change.name);
        audit.push(entry('delete', 'succeeded', { before, reason: `${change.reason}; deleting it to create it again` }));
        before = null;
      }
      const after = await network.putPeering(change.vnetId, change.name, { remoteVnetId: change.remoteVnetId, flags: change.flags }, { syncRemoteAddressSpace: change.kind === 'sync' });
      audit.push(entry(change.kind, 'succeeded', { ...(before ? { before } : {}), after }));
      return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'written', detail: `${change.kind} done`, after }, audit };
    } catch (e) {
      lastError = classifyArmError(e);
      if (lastError.class !== 'retryable' || attempt === timing.maxAttempts) break;
      const backoff = Math.min(timing.maxRetryDelayMs, timing.retryDelayMs * 2 ** (attempt - 1));
      await sleep(Math.max(backoff, lastError.retryAfterMs ?? 0));
    }
  }
  const error = lastError ?? { class: 'terminal' as const, code: 'Unknown', message: 'the write failed' };
  audit.push(entry(change.kind, 'failed', { error: { code: error.code, message: error.message } }));
  return { applied: { kind: change.kind, vnetId: change.vnetId, name: change.name, outcome: 'failed', detail: `${error.code}: ${error.message}` }, audit, error };
}

/** Runs one request's writes in order (hub side first), records them, and answers the spoke orchestration. */
export async function applyHubWork(request: HubWorkRequest, context: InvocationContext): Promise<HubWorkReply> {
  const { config, store } = flowDeps();
  const applied: AppliedChange[] = [];
  const audit: AuditEntry[] = [];
  let error: ClassifiedError | undefined;
  if (config.mode === 'observe') {
    // Defence in depth: spoke orchestrations never send work in observe mode; a request left over from before a
    // mode switch must not write either.
    error = { class: 'terminal', code: 'ObserveOnly', message: 'CONTROL_PLANE_MODE is observe: nothing is written' };
  } else {
    // A Disconnected side goes first: ARM refuses to create the other side while its remote peering is Disconnected
    // (RemotePeeringIsDisconnected), so a pair with one side missing and the other Disconnected is rebuilt as
    // delete the Disconnected side, then create hub side, then spoke side.
    const disconnected: HubChange[] = request.changes
      .filter((c) => c.kind === 'recreate')
      .map((c) => ({ kind: 'delete', side: c.side, vnetId: c.vnetId, name: c.name, remoteVnetId: c.remoteVnetId, reason: c.reason, onlyIfDisconnected: true }));
    for (const change of [...disconnected, ...request.changes]) {
      const result = await applyChange(change, request, config.mode);
      applied.push(result.applied);
      audit.push(...result.audit);
      if (result.error) {
        error = result.error;
        break;
      }
    }
  }
  const reply: HubWorkReply = { requestId: request.requestId, ok: !error, applied, ...(error ? { error } : {}) };
  // The hub's next write waits for this activity: record and answer at the same time.
  const recorded = store.appendAudit(audit).catch((e: unknown) => {
    context.error(`Could not record ${audit.length} audit entries for ${request.spokeVnetId}: ${String(e)}; entries: ${JSON.stringify(audit)}`);
  });
  await Promise.all([recorded, notify(context, request.requesterInstanceId, reply)]);
  return reply;
}

async function notify(context: InvocationContext, spokeInstanceId: string, reply: HubWorkReply): Promise<void> {
  await df.getClient(context).raiseEvent(spokeInstanceId, HUB_WORK_DONE_EVENT, reply);
}

/** Answers the spokes of requests whose apply activity broke (the writer queue's fail activity). */
export async function notifySpoke(input: { requests: HubWorkRequest[]; error: ClassifiedError }, context: InvocationContext): Promise<void> {
  for (const request of input.requests) await notify(context, request.requesterInstanceId, { requestId: request.requestId, ok: false, applied: [], error: input.error });
}

export type RecordSpokeInput = RecordInput & { vnetId: string };

/** Writes the spoke's current condition and audit entries, and logs the outcome. */
export async function recordSpoke(input: RecordSpokeInput, context: InvocationContext): Promise<void> {
  await recordOutcome(flowDeps().store, spokeRecordTarget(input.vnetId), input, context);
}

/**
 * The spokes a hub event concerns. A peering event: the peering's remote VNet, or, when the peering is gone, the
 * spoke whose record names it. A hub VNet event (its address space may have changed): every VNet it is peered with.
 */
export async function spokesOfHubEvent(input: { hubVnetId: string; peeringId?: string }): Promise<ArmResult<string[]>> {
  const { network, store } = flowDeps();
  return arm(async () => {
    if (!input.peeringId) {
      const hub = await network.getVnet(input.hubVnetId);
      return (hub?.peerings ?? []).map((p) => p.remoteVnetId).filter((id) => id !== '');
    }
    const name = input.peeringId.split('/').pop() ?? '';
    const peering = await network.getPeering(input.hubVnetId, name);
    if (peering) return peering.remoteVnetId ? [peering.remoteVnetId] : [];
    const owner = (await store.listRecords('spoke')).find((r) => typeof r.details.hubPeeringId === 'string' && resourceKey(r.details.hubPeeringId) === resourceKey(input.peeringId ?? ''));
    return owner ? [owner.resourceId] : [];
  });
}

export async function requestReconcile(
  input: { requests: Array<{ vnetId: string; trigger: TriggerInfo; snapshot?: ObservedVnet }> },
  context: InvocationContext,
): Promise<ReconcileRequestOutcome[]> {
  const client = df.getClient(context);
  const timing = timingFrom(flowDeps().config);
  const out: ReconcileRequestOutcome[] = [];
  for (const request of input.requests) out.push(await requestSpokeReconcile(client, { ...request, timing }));
  return out;
}

/** Every VNet of a watched subscription except the hubs, from one paged list per subscription. */
export async function listSpokeCandidates(input: { subscriptionId: string }): Promise<ArmResult<ObservedVnet[]>> {
  const { config, network } = flowDeps();
  return arm(async () => (await network.listVnets(input.subscriptionId)).filter((v) => !config.hubs.some((h) => sameResource(h.vnetId, v.id))));
}

const withClient = { extraInputs: [df.input.durableClient()] };

df.app.activity(ACTIVITY.observeSpoke, { handler: tracedActivity(ACTIVITY.observeSpoke, observeSpoke) });
df.app.activity(ACTIVITY.observeRemoval, { handler: tracedActivity(ACTIVITY.observeRemoval, observeRemoval) });
df.app.activity(ACTIVITY.applyHubWork, { ...withClient, handler: tracedActivity(ACTIVITY.applyHubWork, applyHubWork) });
df.app.activity(ACTIVITY.notifySpoke, { ...withClient, handler: notifySpoke });
df.app.activity(ACTIVITY.recordSpoke, { handler: tracedActivity(ACTIVITY.recordSpoke, recordSpoke) });
df.app.activity(ACTIVITY.spokesOfHubEvent, { handler: spokesOfHubEvent });
df.app.activity(ACTIVITY.requestReconcile, { ...withClient, handler: requestReconcile });
df.app.activity(ACTIVITY.listSpokeCandidates, { handler: listSpokeCandidates });
