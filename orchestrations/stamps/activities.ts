/**
 * The stamp flow's activities: each calls one port (the configuration, a health URL, Front Door, the record store,
 * the durable client) and returns plain data. Front Door failures come back as classified values; the writer's
 * activity retries retryable ones in place (it holds the profile's write slot).
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { classifyArmError, type ClassifiedError } from '../../shared/azure/errors';
import { originGroups } from '../../shared/stamps/config';
import type { ProbeResult, StampStatus } from '../../shared/stamps/model';
import type { ObservedOrigin, OriginGroupAddress } from '../../shared/stamps/ports';
import { nextCondition, type AuditEntry, type Condition, type ManagedRecord } from '../../shared/store/records';
import { recordStampEjection, tracedActivity } from '../../shared/telemetry';
import { arm } from '../common/arm-retry';
import { flowDeps, timingFrom } from '../common/deps';
import type { ArmResult } from '../common/types';
import { STAMP_ACTIVITY, STAMP_WRITES_DONE_EVENT } from './names';
import type { FrontDoorWriteReply, FrontDoorWriteRequest, GroupPlan, RoundRecord, WriteOutcome } from './types';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Transitions kept in a stamp's record (newest last). */
export const HISTORY_KEPT = 20;

/** A stamp's status as its record kept it (a monitor started again resumes from there). */
export function savedStatus(record: ManagedRecord): StampStatus | undefined {
  const d = record.details as Partial<Record<string, unknown>>;
  const state = d['state'];
  if (state !== 'Healthy' && state !== 'Suspect' && state !== 'Ejected' && state !== 'Probation') return undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const signals = (d['lastSignals'] ?? {}) as StampStatus['signals'];
  return {
    name: record.resourceId,
    state,
    consecutiveFailures: num(d['consecutiveFailures']),
    consecutiveSuccesses: num(d['consecutiveSuccesses']),
    ejectionCount: num(d['ejectionCount']),
    ...(typeof d['ejectedAt'] === 'string' ? { ejectedAt: d['ejectedAt'] } : {}),
    ...(d['lastTransition'] ? { lastTransition: d['lastTransition'] as StampStatus['lastTransition'] } : {}),
    why: typeof d['why'] === 'string' ? d['why'] : '',
    ...(d['pin'] ? { pin: d['pin'] as StampStatus['pin'] } : {}),
    ...(d['failOpen'] === true ? { failOpen: true } : {}),
    desired: d['desired'] === 'Disabled' ? 'Disabled' : 'Enabled',
    signals: { alerts: signals.alerts ?? [], seenAlerts: signals.seenAlerts ?? [], health: signals.health ?? [], ...(signals.lastProbe ? { lastProbe: signals.lastProbe } : {}), ...(signals.deleted ? { deleted: signals.deleted } : {}) },
  };
}

/**
 * The group as configured now, or null when the configuration no longer has it (the monitor then ends); with
 * `withSaved`, also its stamps' statuses as recorded (the first round of a monitor started again).
 */
export async function loadStampGroup(input: { groupKey: string; withSaved?: boolean }): Promise<(GroupPlan & { saved?: StampStatus[] }) | null> {
  const { config, store } = flowDeps();
  if (!config.stamps) return null;
  const group = originGroups(config.stamps).find((g) => g.key === input.groupKey);
  if (!group) return null;
  const saved: StampStatus[] = [];
  if (input.withSaved) {
    for (const stamp of group.stamps) {
      const record = await store.getRecord('stamp', stamp.name);
      const status = record ? savedStatus(record) : undefined;
      if (status) saved.push({ ...status, name: stamp.name });
    }
  }
  return {
    ...(input.withSaved ? { saved } : {}),
    groupKey: group.key,
    kind: group.kind,
    frontDoor: group.frontDoor,
    profileId: group.frontDoorId,
    group: group.group,
    policy: config.stamps.policy,
    mode: config.mode,
    stamps: group.stamps.map((s) => ({ name: s.name, healthUrl: s.healthUrl, origin: 'backendPool' in s.origin ? s.origin.backendAddress : s.origin.origin })),
  };
}

/** One probe: 200 is healthy; any other status, a timeout or a connection error is a failure. */
export async function probeStamp(input: { url: string; timeoutMs: number }): Promise<ProbeResult> {
  const started = performance.now();
  const at = new Date().toISOString();
  const latency = (): number => Math.round(performance.now() - started);
  try {
    const response = await fetch(input.url, { signal: AbortSignal.timeout(input.timeoutMs), redirect: 'manual', headers: { 'user-agent': 'hubspoke-stamp-probe' } });
    await response.body?.cancel();
    return { ok: response.status === 200, status: response.status, detail: `${response.status}`, latencyMs: latency(), at };
  } catch (e) {
    const error = e as Error & { cause?: { code?: string } };
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return { ok: false, error: 'timeout', detail: `timeout after ${input.timeoutMs} ms`, latencyMs: latency(), at };
    return { ok: false, error: 'connection', detail: error.cause?.code ?? error.message, latencyMs: latency(), at };
  }
}

export async function readFrontDoorOrigins(input: OriginGroupAddress): Promise<ArmResult<ObservedOrigin[]>> {
  return arm(() => flowDeps().frontDoor.readGroup(input));
}

/**
 * Applies one monitor's writes to the profile, one after another, retrying retryable ARM errors here (this holds
 * the profile's write slot), audits each with the signals that caused it, and answers the monitor.
 */
export async function applyFrontDoorWrites(request: FrontDoorWriteRequest, context: InvocationContext): Promise<FrontDoorWriteReply> {
  const { config, frontDoor, store } = flowDeps();
  const timing = timingFrom(config);
  const outcomes: WriteOutcome[] = [];
  const audit: AuditEntry[] = [];
  for (const write of request.writes) {
    let lastError: ClassifiedError | undefined;
    let outcome: WriteOutcome | undefined;
    if (config.mode === 'observe') {
      // Defence in depth: monitors send no writes in observe mode; a request left from before a mode switch writes nothing.
      lastError = { class: 'terminal', code: 'ObserveOnly', message: 'CONTROL_PLANE_MODE is observe: nothing is written' };
    }
    for (let attempt = 1; !lastError && attempt <= timing.maxAttempts; attempt++) {
      try {
        const observed = await frontDoor.setEnabledState({ kind: request.kind, profileId: request.profileId, group: request.group, origin: write.origin }, write.enabledState);
        outcome = { stamp: write.stamp, enabledState: write.enabledState, ok: observed.enabledState === write.enabledState, acceptedAt: new Date().toISOString(), observed };
        if (!outcome.ok) outcome.error = { code: 'ReadBackDiffers', message: `the write was accepted but a read shows enabledState ${observed.enabledState}` };
        break;
      } catch (e) {
        const classified = classifyArmError(e);
        if (classified.class !== 'retryable' || attempt === timing.maxAttempts) {
          lastError = classified;
          break;
        }
        await sleep(Math.max(Math.min(timing.maxRetryDelayMs, timing.retryDelayMs * 2 ** (attempt - 1)), classified.retryAfterMs ?? 0));
      }
    }
    if (!outcome) outcome = { stamp: write.stamp, enabledState: write.enabledState, ok: false, error: { code: lastError?.code ?? 'Unknown', message: lastError?.message ?? 'the write failed' } };
    outcomes.push(outcome);
    audit.push({
      at: new Date().toISOString(),
      resourceId: write.stamp,
      kind: 'stamp',
      action: write.enabledState === 'Disabled' ? 'disable' : 'enable',
      target: outcome.observed?.originId ?? `${request.profileId} ${request.group}/${write.origin}`,
      outcome: outcome.ok ? 'succeeded' : 'failed',
      reason: `${write.why}; signals: ${write.signals.join('; ') || 'none'}${outcome.ok ? '; accepted by ARM, Front Door propagates it to its edge over minutes' : ''}`,
      ...(outcome.observed ? { after: outcome.observed } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      mode: config.mode,
    });
  }
  const failed = outcomes.find((o) => !o.ok);
  const reply: FrontDoorWriteReply = { requestId: request.requestId, ok: !failed, outcomes, ...(failed?.error ? { error: { class: 'retryable', code: failed.error.code, message: failed.error.message } } : {}) };
  const recorded = store.appendAudit(audit).catch((e: unknown) => {
    context.error(`Could not record ${audit.length} audit entries for ${request.groupKey}: ${String(e)}; entries: ${JSON.stringify(audit)}`);
  });
  await Promise.all([recorded, df.getClient(context).raiseEvent(request.requesterInstanceId, STAMP_WRITES_DONE_EVENT, reply)]);
  return reply;
}

/** The origin's ARM ID as the stamp's view shows it (classic: the Front Door's; the backend address says which). */
function originIdOf(plan: GroupPlan, origin: string, observed: ObservedOrigin | undefined): string {
  if (observed?.originId) return observed.originId;
  return plan.kind === 'classic' ? plan.profileId : `${plan.profileId}/originGroups/${plan.group}/origins/${origin}`;
}

function conditionOf(status: StampStatus, mode: 'enforce' | 'observe'): Omit<Condition, 'type' | 'lastTransitionTime'> {
  const reason = status.pin ? (status.pin.mode === 'out' ? 'PinnedOut' : 'PinnedIn') : status.failOpen ? 'FailOpen' : mode === 'observe' && status.desired === 'Disabled' ? 'WouldEject' : status.state;
  return { status: status.desired === 'Enabled' ? 'True' : 'False', reason, message: status.why };
}

/** Writes each stamp's record (state, Front Door as read, last signals, history) and the round's audit entries. */
export async function recordStampRound(input: RoundRecord, context: InvocationContext): Promise<void> {
  const { store } = flowDeps();
  const audit: AuditEntry[] = [];
  for (const d of input.decisions) {
    // Writes are audited by the writer; here what was decided (and, in observe mode, what would have been written).
    audit.push({ at: input.at, resourceId: d.stamp, kind: 'stamp', action: d.action, outcome: d.action.startsWith('Would') ? 'observed' : 'succeeded', reason: `${d.why}; signals: ${d.signals.join('; ') || 'none'}`, mode: input.plan.mode });
  }
  for (const a of input.applied) {
    audit.push({ at: input.at, resourceId: a.stamp, kind: 'stamp', action: `signal:${a.kind}`, outcome: a.outcome === 'applied' ? 'succeeded' : 'skipped', reason: a.outcome, trigger: a.trigger, mode: input.plan.mode });
  }
  // The audit first: whoever reads a stamp's new state finds the entries that explain it.
  if (audit.length) await store.appendAudit(audit);
  for (const status of input.statuses) {
    const stamp = input.plan.stamps.find((s) => s.name === status.name);
    if (!stamp) continue;
    const observed = input.observed?.find((o) => o.origin.toLowerCase() === stamp.origin.toLowerCase());
    const previous = await store.getRecord('stamp', status.name);
    const prior = (previous?.details ?? {}) as { history?: unknown[]; frontDoor?: { lastWrite?: unknown } };
    const write = input.writes.find((w) => w.stamp === status.name);
    const history = [...(Array.isArray(prior.history) ? prior.history : [])];
    const lastHistory = history[history.length - 1] as { at?: string } | undefined;
    if (status.lastTransition && lastHistory?.at !== status.lastTransition.at) history.push(status.lastTransition);
    const condition = nextCondition(previous?.condition, { type: 'InRotation', ...conditionOf(status, input.plan.mode) }, input.at);
    const record: ManagedRecord = {
      kind: 'stamp',
      resourceId: status.name,
      condition,
      details: {
        name: status.name,
        frontDoor: {
          name: input.plan.frontDoor,
          kind: input.plan.kind,
          group: input.plan.group,
          // As last read; null when the read failed or the origin was not found.
          enabledState: write?.observed?.enabledState ?? observed?.enabledState ?? null,
          readAt: input.at,
          ...(input.readError ? { readError: { code: input.readError.code, message: input.readError.message } } : {}),
          lastWrite: write
            ? { enabledState: write.enabledState, ok: write.ok, ...(write.acceptedAt ? { acceptedAt: write.acceptedAt, propagation: 'accepted by ARM; Front Door takes minutes (often 5-20) to apply it at every edge' } : {}), ...(write.error ? { error: write.error } : {}) }
            : (prior.frontDoor?.lastWrite ?? null),
        },
        originId: originIdOf(input.plan, stamp.origin, observed),
        ...(input.plan.kind === 'classic' ? { backendAddress: stamp.origin } : { origin: stamp.origin }),
        healthUrl: stamp.healthUrl,
        state: status.state,
        desired: status.desired,
        why: status.why,
        pin: status.pin ?? null,
        failOpen: status.failOpen ?? false,
        ejectionCount: status.ejectionCount,
        ejectedAt: status.ejectedAt ?? null,
        consecutiveFailures: status.consecutiveFailures,
        consecutiveSuccesses: status.consecutiveSuccesses,
        lastTransition: status.lastTransition ?? null,
        lastSignals: status.signals,
        history: history.slice(-HISTORY_KEPT),
        mode: input.plan.mode,
        monitor: input.instanceId,
      },
      updatedAt: input.at,
    };
    await store.putRecord(record);
    // An ejection is counted once: a round recorded again (the activity retried) finds the count already raised.
    const priorEjections = typeof (previous?.details as { ejectionCount?: unknown } | undefined)?.ejectionCount === 'number' ? (previous?.details as { ejectionCount: number }).ejectionCount : 0;
    if (status.state === 'Ejected' && status.ejectionCount > priorEjections) recordStampEjection(status.name);
  }
  for (const d of input.decisions) context.log(`stamp ${d.stamp}: ${d.action} (${d.enabledState}): ${d.why}`);
}

/** Answers the monitors whose writes the apply activity could not make (the writer queue's fail activity). */
export async function notifyOfFrontDoorWrites(input: { requests: FrontDoorWriteRequest[]; error: ClassifiedError }, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  for (const request of input.requests) {
    const reply: FrontDoorWriteReply = {
      requestId: request.requestId,
      ok: false,
      outcomes: request.writes.map((w) => ({ stamp: w.stamp, enabledState: w.enabledState, ok: false, error: { code: input.error.code, message: input.error.message } })),
      error: input.error,
    };
    await client.raiseEvent(request.requesterInstanceId, STAMP_WRITES_DONE_EVENT, reply);
  }
}

df.app.activity(STAMP_ACTIVITY.loadGroup, { handler: loadStampGroup });
df.app.activity(STAMP_ACTIVITY.probe, { handler: tracedActivity(STAMP_ACTIVITY.probe, probeStamp) });
df.app.activity(STAMP_ACTIVITY.readOrigins, { handler: tracedActivity(STAMP_ACTIVITY.readOrigins, readFrontDoorOrigins) });
df.app.activity(STAMP_ACTIVITY.applyWrites, { extraInputs: [df.input.durableClient()], handler: tracedActivity(STAMP_ACTIVITY.applyWrites, applyFrontDoorWrites) });
df.app.activity(STAMP_ACTIVITY.recordRound, { handler: tracedActivity(STAMP_ACTIVITY.recordRound, recordStampRound) });
df.app.activity(STAMP_ACTIVITY.notify, { extraInputs: [df.input.durableClient()], handler: tracedActivity(STAMP_ACTIVITY.notify, notifyOfFrontDoorWrites) });
