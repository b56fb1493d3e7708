/**
 * The runbook of one origin group (one eternal instance per group, see names.ts), one round per execution:
 *   read the group's configuration -> fold the signals waiting in its inbox -> probe every stamp in parallel when a
 *   probe round is due -> read Front Door -> decide (pure, shared/stamps/decide.ts) -> hand the writes (origins
 *   whose enabledState differs from the decision) to the profile's writer -> record -> wait for the next probe
 *   round or a signal -> continueAsNew, so the history stays one round long.
 * Observe mode decides the same way and records WouldEject / WouldReadmit, writing nothing.
 */
import * as df from 'durable-functions';
import { applySignal, decideRound, type RoundResult } from '../../shared/stamps/decide';
import { newStampStatus, type ProbeResult, type StampStatus } from '../../shared/stamps/model';
import type { ObservedOrigin } from '../../shared/stamps/ports';
import { callArm } from '../common/arm-retry';
import { submitToWriter } from '../common/writer-queue';
import { FRONT_DOOR_WRITER_QUEUE, inboxKey, roundTrigger, profileQueueKey, STAMP_ACTIVITY, STAMP_INBOX_ENTITY, STAMP_MONITOR_ORCHESTRATOR, STAMP_WAKE_EVENT, STAMP_WRITES_DONE_EVENT } from './names';
import type { FrontDoorWriteReply, FrontDoorWriteRequest, GroupPlan, InboxSignal, MonitorInput, OriginWrite, RoundRecord, WriteOutcome } from './types';

/** How long a monitor waits for its profile's writer before checking on it. */
const WRITER_REPLY_TIMEOUT_MS = 10 * 60_000;

const monitor: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<MonitorInput>();
  const plan = (yield context.df.callActivity(STAMP_ACTIVITY.loadGroup, { groupKey: input.groupKey, withSaved: input.rounds === 0 })) as (GroupPlan & { saved?: StampStatus[] }) | null;
  if (!plan) return { ended: `origin group ${input.groupKey} is no longer configured` };
  const now = context.df.currentUtcDateTime;
  const nowIso = now.toISOString();
  const known = input.rounds === 0 ? (plan.saved ?? []) : input.statuses;
  let statuses: StampStatus[] = plan.stamps.map((s) => known.find((k) => k.name.toLowerCase() === s.name.toLowerCase()) ?? newStampStatus(s.name));

  // Signals that arrived since the last round.
  const inbox = new df.EntityId(STAMP_INBOX_ENTITY, inboxKey(input.groupKey));
  const drained = (yield context.df.callEntity(inbox, 'drain')) as { signals: InboxSignal[]; dropped: number };
  const applied: RoundRecord['applied'] = [];
  for (const item of drained.signals) {
    const index = statuses.findIndex((s) => s.name.toLowerCase() === item.stamp.toLowerCase());
    const current = statuses[index];
    if (!current) continue;
    const result = applySignal(current, item.signal, plan.policy, nowIso);
    statuses = statuses.map((s, i) => (i === index ? result.status : s));
    applied.push({ stamp: current.name, kind: item.signal.kind, outcome: result.outcome, trigger: item.trigger });
  }

  const trigger = roundTrigger(context.df.instanceId, nowIso, drained.signals);

  // Probes, when a probe round is due (a round woken by a signal does not probe: it would count a probe twice).
  const probes: Record<string, ProbeResult | undefined> = {};
  let nextProbeAt = input.nextProbeAt;
  if (!nextProbeAt || now.getTime() >= Date.parse(nextProbeAt)) {
    const timeoutMs = plan.policy.probeTimeoutSeconds * 1000;
    const results = (yield context.df.Task.all(plan.stamps.map((s) => context.df.callActivity(STAMP_ACTIVITY.probe, { url: s.healthUrl, timeoutMs, trigger })))) as ProbeResult[];
    plan.stamps.forEach((s, i) => {
      probes[s.name] = results[i];
    });
    nextProbeAt = new Date(now.getTime() + plan.policy.probeIntervalSeconds * 1000).toISOString();
  }

  const read = yield* callArm<ObservedOrigin[]>(context, STAMP_ACTIVITY.readOrigins, { kind: plan.kind, profileId: plan.profileId, group: plan.group }, input.timing, trigger);
  const round: RoundResult = decideRound({ stamps: statuses, probes, policy: plan.policy, now: nowIso, mode: plan.mode });

  // Writes: every origin Front Door shows in another state than decided (a decision now, or an earlier write that failed).
  let writes: WriteOutcome[] = [];
  if (plan.mode === 'enforce' && read.ok) {
    const needed: OriginWrite[] = [];
    for (const status of round.stamps) {
      const stamp = plan.stamps.find((s) => s.name === status.name);
      const observed = stamp ? read.value.find((o) => o.origin.toLowerCase() === stamp.origin.toLowerCase()) : undefined;
      if (!stamp || !observed || observed.enabledState === status.desired) continue;
      const decision = round.decisions.find((d) => d.stamp === status.name && d.enabledState === status.desired);
      needed.push({ stamp: status.name, origin: stamp.origin, enabledState: status.desired, why: decision?.why ?? `Front Door shows ${observed.enabledState}, the flow decided ${status.desired}: ${status.why}`, signals: decision?.signals ?? [] });
    }
    if (needed.length) {
      const request: FrontDoorWriteRequest = {
        requestId: context.df.newGuid(`${context.df.instanceId}|${nowIso}`),
        requesterInstanceId: context.df.instanceId,
        groupKey: plan.groupKey,
        kind: plan.kind,
        profileId: plan.profileId,
        group: plan.group,
        writes: needed,
        trigger,
      };
      const reply = (yield* submitToWriter<FrontDoorWriteRequest, FrontDoorWriteReply>(
        context,
        FRONT_DOOR_WRITER_QUEUE,
        plan.profileId,
        profileQueueKey(plan.profileId),
        request,
        STAMP_WRITES_DONE_EVENT,
        WRITER_REPLY_TIMEOUT_MS,
      )) ?? {
        requestId: request.requestId,
        ok: false,
        outcomes: needed.map((w) => ({ stamp: w.stamp, enabledState: w.enabledState, ok: false, error: { code: 'FrontDoorWriterTimeout', message: `the writer of ${plan.profileId} did not answer in time` } })),
      };
      writes = reply.outcomes;
    }
  }

  const record: RoundRecord = {
    plan,
    statuses: round.stamps,
    observed: read.ok ? read.value : null,
    ...(read.ok ? {} : { readError: read.error }),
    decisions: round.decisions,
    writes,
    applied,
    failOpen: round.failOpen,
    at: nowIso,
    instanceId: context.df.instanceId,
    trigger,
  };
  yield context.df.callActivity(STAMP_ACTIVITY.recordRound, record);
  const count = (state: string) => round.stamps.filter((s) => s.state === state).length;
  context.df.setCustomStatus({
    round: input.rounds + 1,
    at: nowIso,
    nextProbeAt,
    stamps: round.stamps.length,
    healthy: count('Healthy'),
    suspect: count('Suspect'),
    ejected: count('Ejected'),
    probation: count('Probation'),
    failOpen: round.failOpen,
    ...(drained.dropped ? { droppedSignals: drained.dropped } : {}),
  });

  // Wait for the next probe round, or for a signal (which runs a round at once, without probes).
  const timer = context.df.createTimer(new Date(Math.max(Date.parse(nextProbeAt), now.getTime())));
  const wake = context.df.waitForExternalEvent(STAMP_WAKE_EVENT);
  const winner = yield context.df.Task.any([timer, wake]);
  if (winner !== timer) timer.cancel();
  context.df.continueAsNew({ groupKey: input.groupKey, statuses: round.stamps, nextProbeAt, rounds: input.rounds + 1, timing: input.timing } satisfies MonitorInput);
  return undefined;
};

df.app.orchestration(STAMP_MONITOR_ORCHESTRATOR, monitor);
