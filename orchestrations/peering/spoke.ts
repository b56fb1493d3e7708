/**
 * The runbook of one spoke (one instance per VNet, see names.ts):
 *   observe the spoke and its hub -> plan (pure spec) -> nothing to do: verify Connected + FullyInSync and record;
 *   blocked (overlap): record, no write; observe-only: record what would change; otherwise hand the writes to the
 *   hub's writer, wait for its answer, and observe again to verify (the hub side read afresh, the spoke side taken
 *   from the write's answer when it was written last) -- at most `maxPasses` rounds.
 * A deleted spoke has its hub-side peering removed. Every ending records the spoke's condition with its reason.
 * Whatever asked for a reconcile while this ran (a `reconcile` event) gets exactly one more execution afterwards.
 */
import * as df from 'durable-functions';
import type { ObservedVnet } from '../../shared/peering/model';
import { asLastWritten, describeChanges, describeOverlaps, pairState, planSpokePeering } from '../../shared/peering/spec';
import type { TriggerInfo } from '../../shared/store/records';
import { backoffMs, callArm, timerIn } from '../common/arm-retry';
import { armFailure, reconcilingOrchestrator, type FlowOutcome, type NoRecord } from '../common/orchestration';
import type { ReconcileStart } from '../common/record';
import { submitToWriter } from '../common/writer-queue';
import { ACTIVITY, HUB_WORK_DONE_EVENT, HUB_WRITER_QUEUE, SPOKE_ORCHESTRATOR, hubQueueKey, spokeRecordTarget } from './names';
import type { HubChange, HubWorkReply, HubWorkRequest, ObserveSpokeInput, PeeringRemoval, SpokeInput, SpokeObservation, SpokeVerify, Timing } from './types';

type Ctx = df.OrchestrationContext;
type Outcome = FlowOutcome;

/** Sends the changes to the hub's writer (one writer per hub) and waits for its answer. */
function* submitToHub(context: Ctx, input: SpokeInput, trigger: TriggerInfo, hubVnetId: string, changes: HubChange[]): Generator<df.Task, HubWorkReply, unknown> {
  const request: HubWorkRequest = {
    requestId: context.df.newGuid(`${context.df.instanceId}|${hubVnetId}|${context.df.currentUtcDateTime.toISOString()}`),
    requesterInstanceId: context.df.instanceId,
    spokeVnetId: input.vnetId,
    hubVnetId,
    changes,
    trigger,
  };
  const reply = yield* submitToWriter<HubWorkRequest, HubWorkReply>(context, HUB_WRITER_QUEUE, hubVnetId, hubQueueKey(hubVnetId), request, HUB_WORK_DONE_EVENT, input.timing.hubReplyTimeoutMs);
  return (
    reply ?? {
      requestId: request.requestId,
      ok: false,
      applied: [],
      error: { class: 'retryable', code: 'HubWriterTimeout', message: `the writer of hub ${hubVnetId} did not answer within ${input.timing.hubReplyTimeoutMs} ms, three times` },
    }
  );
}

/**
 * The VNet is gone: remove the hub-side peerings still pointing at it and record `Deleted`. A VNet the control plane
 * never saw, with nothing pointing at it, leaves no record (a typo in a reconcile request must not stay listed).
 */
function* removeSpoke(context: Ctx, input: SpokeInput, trigger: TriggerInfo, seen: boolean): Generator<df.Task, Outcome | NoRecord, unknown> {
  const observed = yield* callArm<{ removals: PeeringRemoval[]; mode: 'enforce' | 'observe' }>(context, ACTIVITY.observeRemoval, { vnetId: input.vnetId }, input.timing, trigger);
  if (!observed.ok) return armFailure(observed.error, 'Reading the hubs for peerings of the deleted VNet');
  const { removals, mode } = observed.value;
  if (!seen && removals.length === 0) return { noRecord: 'NotFound', message: `${input.vnetId} does not exist and the control plane never recorded it` };
  const details = { deleted: true, hubPeeringIds: removals.map((r) => `${r.vnetId}/virtualNetworkPeerings/${r.name}`) };
  if (removals.length === 0) {
    return { condition: { status: 'False', reason: 'Deleted', message: 'the VNet is gone and no hub has a peering to it (any more)' }, details, audit: [] };
  }
  if (mode === 'observe') {
    return {
      mode,
      condition: { status: 'False', reason: 'WouldChange', message: `the VNet is gone; would ${describeChanges(removals)}` },
      details: { ...details, pendingChanges: removals },
      audit: removals.map((r) => ({ action: 'delete', target: `${r.vnetId}/virtualNetworkPeerings/${r.name}`, outcome: 'observed' as const, reason: r.reason })),
    };
  }
  const failures: string[] = [];
  for (const removal of removals) {
    const reply = yield* submitToHub(context, input, trigger, removal.vnetId, [removal]);
    if (!reply.ok) failures.push(`${removal.name} on ${removal.vnetId}: ${reply.error?.code}: ${reply.error?.message}`);
  }
  if (failures.length) return { condition: { status: 'Unknown', reason: 'RemovalFailed', message: `the VNet is gone; removing its hub-side peering failed: ${failures.join('; ')}` }, details, audit: [] };
  return { condition: { status: 'False', reason: 'Deleted', message: `the VNet is gone; removed ${removals.map((r) => r.name).join(', ')} from its hub` }, details, audit: [] };
}

function spokeDetails(obs: Extract<SpokeObservation, { kind: 'spoke' }>): Record<string, unknown> {
  const state = pairState(obs.hub, obs.spoke);
  return {
    // ARM's own spelling of the ID (events may arrive lower-cased).
    vnetId: obs.spoke.id,
    hubName: obs.hubName,
    hubVnetId: obs.hub.id,
    addressPrefixes: obs.spoke.addressPrefixes,
    hubHasGateway: obs.hub.hasGateway,
    ...(state.hubSide ? { hubPeeringId: state.hubSide.id, hubPeeringName: state.hubSide.name, hubSideState: `${state.hubSide.peeringState}/${state.hubSide.peeringSyncLevel}` } : {}),
    ...(state.spokeSide ? { spokePeeringId: state.spokeSide.id, spokePeeringName: state.spokeSide.name, spokeSideState: `${state.spokeSide.peeringState}/${state.spokeSide.peeringSyncLevel}` } : {}),
  };
}

function* reconcile(context: Ctx, input: SpokeInput, trigger: TriggerInfo, start: ReconcileStart): Generator<df.Task, Outcome | NoRecord, unknown> {
  const timing: Timing = input.timing;
  let snapshot: ObservedVnet | undefined = input.snapshot;
  // After a pass that wrote, or found both sides settling: read the hub-side peering, not the whole hub VNet.
  let verify: SpokeVerify | undefined;
  let lastNote = '';
  for (let pass = 1; pass <= timing.maxPasses; pass++) {
    const observeInput: ObserveSpokeInput = { vnetId: input.vnetId, ...(snapshot ? { snapshot } : {}), ...(verify ? { verify } : {}) };
    const observed = yield* callArm<SpokeObservation>(context, ACTIVITY.observeSpoke, observeInput, timing, trigger);
    snapshot = undefined;
    verify = undefined;
    if (!observed.ok) return armFailure(observed.error, 'Reading the spoke and its hub');
    const obs = observed.value;
    switch (obs.kind) {
      case 'absent':
        return yield* removeSpoke(context, input, trigger, start.seen);
      case 'unmanaged':
        // A hub is not a spoke and gets no record of its own; other unmanaged VNets say why they are left alone.
        if (obs.reason === 'IsHub') return { noRecord: 'IsHub', message: obs.message };
        return { condition: { status: 'False', reason: obs.reason, message: obs.message }, details: { managed: false }, audit: [] };
      case 'invalid':
        return {
          condition: { status: 'False', reason: obs.reason, message: obs.message },
          details: { managed: true },
          audit: [{ action: 'reject', outcome: 'rejected', reason: obs.message }],
        };
      case 'hubMissing':
        return { condition: { status: 'False', reason: 'HubNotFound', message: obs.message }, details: { hubName: obs.hubName, hubVnetId: obs.hubVnetId }, audit: [] };
      case 'spoke':
        break;
    }
    const plan = planSpokePeering(obs.hub, obs.spoke, obs.options);
    const details = spokeDetails(obs);
    if (plan.kind === 'blocked') {
      const message = `not peered with ${obs.hubName}: the spoke's address space ${describeOverlaps(plan.conditions)}`;
      return {
        condition: { status: 'False', reason: 'AddressSpaceOverlap', message },
        details: { ...details, overlaps: plan.conditions },
        audit: [{ action: 'reject', outcome: 'rejected', reason: message }],
      };
    }
    if (plan.changes.length === 0) {
      const state = pairState(obs.hub, obs.spoke);
      if (state.converged) {
        return { condition: { status: 'True', reason: 'Converged', message: `peered with hub ${obs.hubName}: both sides Connected and FullyInSync` }, details, audit: [] };
      }
      // Both sides are as desired but still settling (e.g. Updating): look again shortly.
      lastNote = state.waitingFor ?? '';
      if (state.hubSide) verify = { hub: { ...obs.hub, peerings: [] }, hubPeeringName: state.hubSide.name };
      yield timerIn(context, backoffMs(timing, pass));
      continue;
    }
    if (obs.mode === 'observe') {
      return {
        mode: 'observe',
        condition: { status: 'False', reason: 'WouldChange', message: `observe-only: would ${describeChanges(plan.changes)}` },
        details: { ...details, pendingChanges: plan.changes },
        audit: plan.changes.map((c) => ({ action: c.kind, target: `${c.vnetId}/virtualNetworkPeerings/${c.name}`, outcome: 'observed' as const, reason: c.reason, after: c.flags })),
      };
    }
    const reply = yield* submitToHub(context, input, trigger, obs.hub.id, plan.changes);
    if (!reply.ok) {
      const error = reply.error ?? { class: 'terminal', code: 'Unknown', message: 'the hub writer reported a failure' };
      const written = reply.applied.filter((a) => a.outcome === 'written').map((a) => a.name);
      const half = written.length ? ` (already written: ${written.join(', ')})` : '';
      if (error.class !== 'retryable') {
        return { condition: { status: 'False', reason: error.code, message: `peering with ${obs.hubName} failed: ${error.message}${half}` }, details, audit: [] };
      }
      lastNote = `${error.code}: ${error.message}${half}`;
      yield timerIn(context, backoffMs(timing, pass, error.retryAfterMs));
    } else {
      const hubPeeringName = plan.changes.find((c) => c.side === 'hub')?.name ?? pairState(obs.hub, obs.spoke).hubSide?.name;
      if (hubPeeringName) {
        const spoke = asLastWritten(obs.spoke, reply.applied);
        verify = { hub: { ...obs.hub, peerings: [] }, hubPeeringName, ...(spoke ? { spoke } : {}) };
      }
    }
    // Next pass: observe again, to verify what was written (or to retry what failed).
  }
  return { condition: { status: 'Unknown', reason: 'NotConverged', message: `not converged after ${timing.maxPasses} passes: ${lastNote}` }, details: {}, audit: [] };
}

const spokePeering = reconcilingOrchestrator<SpokeInput>(
  (context, input, start) => reconcile(context, input, input.trigger, start),
  ACTIVITY.recordSpoke,
  (input) => ({ vnetId: input.vnetId }),
  (input) => spokeRecordTarget(input.vnetId),
);

df.app.orchestration(SPOKE_ORCHESTRATOR, spokePeering);
