/** Scheduled drift checks: registering this module registers the run's orchestrator and activities. */
import './activities';
import './orphans';
import './run';

export { driftReports } from './activities';
export * from './names';
export type { DriftRunInput } from './run';
