/** Names of the drift check's orchestrator and activities, and its one instance ID. */

export const DRIFT_RUN_ORCHESTRATOR = 'driftRun';
/** Removes one orphan through the writer that owns it (orphans.ts). */
export const DRIFT_ORPHAN_ORCHESTRATOR = 'driftRemoveOrphan';

/**
 * Every run executes under this one instance ID: the engine refuses to start it while it runs, which is what makes
 * "one run at a time" hold between two requests racing each other. The run's own ID is in its input and its report.
 */
export const DRIFT_INSTANCE_ID = 'drift-check';

export const DRIFT_ACTIVITY = {
  begin: 'driftBeginRun',
  detect: 'driftDetect',
  followUp: 'driftFollowUpRepairs',
  finish: 'driftFinishRun',
} as const;

/** Items of one flow are written from index flowIndex * FLOW_ITEM_SPAN, so detectors never collide. */
export const FLOW_ITEM_SPAN = 100_000;
