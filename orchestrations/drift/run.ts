/**
 * One drift run: begin (the report says Running), one detector per flow in parallel (each lists, compares, confirms
 * candidates with a direct GET, decides and signals repairs, and writes its items), then a bounded wait for the
 * repairs it started (items become `repaired` when the resource's record says so), then the report's end.
 * Deterministic: the time comes from context.df.currentUtcDateTime, everything else from activities.
 */
import * as df from 'durable-functions';
import { DRIFT_FLOWS, failureMessage, type DriftFlow, type FlowInspection } from '../../shared/drift/model';
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
  /** Why the detector failed (its items could not be kept): the run ends Failed. */
  failed?: string;
}

/** Between two looks at the repairs a run started. */
const FOLLOW_UP_INTERVAL_MS = 2_000;

/** Writing the report's end is retried (a store hiccup must not leave the report saying Running). */
const FINISH_RETRY = new df.RetryOptions(2_000, 3);

/** What the report says about a flow whose detector activity broke (not an ARM answer: those are in its inspection). */
export function brokenInspection(flow: DriftFlow, error: string): FlowInspection {
  return { flow, enabled: true, inspected: {}, notInspected: [{ scope: `the ${flow} detector`, error }], calls: {}, durationMs: 0 };
}


const driftRun: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<DriftRunInput>();
  const begun = (yield context.df.callActivity(DRIFT_ACTIVITY.begin, { runId: input.runId, trigger: input.trigger, startedAt: context.df.currentUtcDateTime.toISOString() })) as { repairWaitSeconds: number };
  context.df.setCustomStatus({ runId: input.runId, phase: 'detecting' });
  const inspections: FlowInspection[] = [];
  const errors: string[] = [];
  const results: DetectResult[] = [];
  try {
    // A detector answers its failures (ARM answers, a report store that refused its items) in its result; the catch
    // is for an activity that broke. Task.all fails fast: the detectors that had ended keep their inspections, the
    // broken one and those still running are named as not inspected.
    const tasks = DRIFT_FLOWS.map((flow, i) => context.df.callActivity(DRIFT_ACTIVITY.detect, { runId: input.runId, flow, flowIndex: i }));
    let broke: string | undefined;
    try {
      yield context.df.Task.all(tasks);
    } catch (e) {
      broke = failureMessage(e);
    }
    tasks.forEach((task, i) => {
      const flow = DRIFT_FLOWS[i] as DriftFlow;
      if (task.isCompleted && !task.isFaulted) {
        const result = task.result as DetectResult;
        results.push(result);
        inspections.push(result.inspection);
        if (result.failed) errors.push(`the ${flow} detector failed: ${result.failed}`);
      } else if (task.isFaulted) {
        const error = failureMessage(task.result);
        errors.push(`the ${flow} detector failed: ${error}`);
        inspections.push(brokenInspection(flow, error));
      } else inspections.push(brokenInspection(flow, `it had not ended when another detector broke (${broke ?? 'unknown'})`));
    });
    inspections.sort((a, b) => DRIFT_FLOWS.indexOf(a.flow) - DRIFT_FLOWS.indexOf(b.flow));
    const started = results.reduce((n, r) => n + r.repairsStarted, 0);
    if (started > 0 && begun.repairWaitSeconds > 0) {
      context.df.setCustomStatus({ runId: input.runId, phase: 'waitingForRepairs' });
      const deadline = context.df.currentUtcDateTime.getTime() + begun.repairWaitSeconds * 1000;
      while (context.df.currentUtcDateTime.getTime() < deadline) {
        yield timerIn(context, FOLLOW_UP_INTERVAL_MS);
        const waiting = (yield context.df.callActivity(DRIFT_ACTIVITY.followUp, { runId: input.runId })) as number;
        if (waiting === 0) break;
      }
    }
  } catch (e) {
    // The follow-up broke: the items keep the action they had (repairStarted is not confirmed repaired).
    errors.push(`the run broke while following up its repairs (items still repairStarted were not confirmed): ${failureMessage(e)}`);
  }
  for (const flow of DRIFT_FLOWS) if (!inspections.some((f) => f.flow === flow)) inspections.push(brokenInspection(flow, 'the run broke before its detector ended'));
  const error = errors.length > 0 ? errors.join('; ') : undefined;
  const run = yield context.df.callActivityWithRetry(DRIFT_ACTIVITY.finish, FINISH_RETRY, { runId: input.runId, endedAt: context.df.currentUtcDateTime.toISOString(), flows: inspections, ...(error ? { error } : {}) });
  context.df.setCustomStatus({ runId: input.runId, phase: 'done' });
  return run;
};

df.app.orchestration(DRIFT_RUN_ORCHESTRATOR, driftRun);
