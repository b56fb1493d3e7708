/**
 * One drift run: begin (the report says Running), one detector per flow in parallel (each lists, compares, confirms
 * candidates with a direct GET, decides and signals repairs, and writes its items), then a bounded wait for the
 * repairs it started (items become `repaired` when the resource's record says so), then the report's end.
 * Deterministic: the time comes from context.df.currentUtcDateTime, everything else from activities.
 */
import * as df from 'durable-functions';
import { DRIFT_FLOWS, type DriftFlow, type FlowInspection } from '../../shared/drift/model';
import { timerIn } from '../common/arm-retry';
import { DRIFT_ACTIVITY, DRIFT_RUN_ORCHESTRATOR } from './names';

export interface DriftRunInput {
  runId: string;
  trigger: 'timer' | 'http';
}

export interface DetectResult {
  inspection: FlowInspection;
  items: number;
  /** Items marked repairStarted, waiting to be confirmed repaired. */
  repairsStarted: number;
}

/** Between two looks at the repairs a run started. */
const FOLLOW_UP_INTERVAL_MS = 2_000;

const driftRun: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<DriftRunInput>();
  const begun = (yield context.df.callActivity(DRIFT_ACTIVITY.begin, { runId: input.runId, trigger: input.trigger, startedAt: context.df.currentUtcDateTime.toISOString() })) as { repairWaitSeconds: number };
  context.df.setCustomStatus({ runId: input.runId, phase: 'detecting' });
  const results: Array<DetectResult | { flow: DriftFlow; error: string }> = [];
  try {
    const tasks = DRIFT_FLOWS.map((flow, i) => context.df.callActivity(DRIFT_ACTIVITY.detect, { runId: input.runId, flow, flowIndex: i }));
    results.push(...((yield context.df.Task.all(tasks)) as DetectResult[]));
  } catch (e) {
    // A detector activity that broke (not an ARM answer: those are in its inspection). What the others wrote stays.
    results.push({ flow: 'peering', error: (e as Error).message });
  }
  const started = results.reduce((n, r) => n + ('repairsStarted' in r ? r.repairsStarted : 0), 0);
  if (started > 0 && begun.repairWaitSeconds > 0) {
    context.df.setCustomStatus({ runId: input.runId, phase: 'waitingForRepairs' });
    const deadline = context.df.currentUtcDateTime.getTime() + begun.repairWaitSeconds * 1000;
    while (context.df.currentUtcDateTime.getTime() < deadline) {
      yield timerIn(context, FOLLOW_UP_INTERVAL_MS);
      const pending = (yield context.df.callActivity(DRIFT_ACTIVITY.followUp, { runId: input.runId })) as number;
      if (pending === 0) break;
    }
  }
  const error = results.find((r): r is { flow: DriftFlow; error: string } => 'error' in r)?.error;
  const inspections = results.filter((r): r is DetectResult => 'inspection' in r).map((r) => r.inspection);
  const run = yield context.df.callActivity(DRIFT_ACTIVITY.finish, { runId: input.runId, endedAt: context.df.currentUtcDateTime.toISOString(), flows: inspections, ...(error ? { error } : {}) });
  context.df.setCustomStatus({ runId: input.runId, phase: 'done' });
  return run;
};

df.app.orchestration(DRIFT_RUN_ORCHESTRATOR, driftRun);
