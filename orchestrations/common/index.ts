/** What the flows share: dependencies, timing, start-or-signal, ARM retries. */
export { flowDeps, timingFrom, type FlowDeps } from './deps';
export { instanceStatus, isActive, runtimeStatus, startOrSignal, type ReconcileRequestOutcome } from './start';
export type { ArmResult, Timing } from './types';
export { checkReconcileRequest, forgetGoneResource, readOrAbsent, type ForgetResult } from './requests';
export type { RecordTarget } from './record';
