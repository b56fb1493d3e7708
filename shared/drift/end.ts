/**
 * The end of a drift run's report (the run's finish activity): its status from what the run says and its items'
 * counts, written once, and the run's metrics recorded once per run.
 */
import { countItems, failureMessage, type DriftItem, type DriftRun, type FlowInspection } from './model';
import { endRunOnce, type DriftReportStore } from './store';
import { recordDriftRun } from '../telemetry';

export interface FinishInput {
  runId: string;
  endedAt: string;
  flows: FlowInspection[];
  error?: string;
}

/**
 * The report's end: its status from what the run says and its items' counts. The run's duration and its items by
 * flow and kind are recorded in the metrics once per run: by the call whose conditional write made the report's
 * transition to a final state (`endRunOnce`); a retried attempt finds the end written and records nothing (at most
 * once: an attempt that wrote the end and broke before recording loses that run's figures, never counts them twice).
 */
export async function endRun(store: DriftReportStore, mode: DriftRun['mode'], input: FinishInput): Promise<DriftRun> {
  const begun = await store.getRun(input.runId);
  let items: DriftItem[] = [];
  let error = input.error;
  try {
    items = await store.listItems(input.runId);
  } catch (e) {
    // The run still ends (Failed, saying why): a report left Running would never end.
    error = [error, `the report's items could not be read: ${failureMessage(e)}`].filter(Boolean).join('; ');
  }
  const startedAt = begun?.startedAt ?? input.endedAt;
  const partial = input.flows.some((f) => f.notInspected.length > 0);
  const run: DriftRun = {
    runId: input.runId,
    status: error ? 'Failed' : partial ? 'Partial' : 'Completed',
    trigger: begun?.trigger ?? 'http',
    mode: begun?.mode ?? mode,
    startedAt,
    endedAt: input.endedAt,
    durationMs: Math.max(0, Date.parse(input.endedAt) - Date.parse(startedAt)),
    flows: input.flows.map((f) => ({ ...f, notInspected: f.notInspected.slice(0, 50) })),
    ...countItems(items),
    ...(error ? { error } : {}),
  };
  const ended = await endRunOnce(store, run);
  if (ended.first) recordDriftRun({ durationMs: run.durationMs ?? 0, items });
  return ended.run;
}
