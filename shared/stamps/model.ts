/**
 * What the stamp flow knows about one stamp between rounds: its state in the health machine, its counters, the
 * signals that are active for it and the operator's pin. Plain JSON, because it travels in the monitor
 * orchestration's input (continueAsNew) and in the stamp's record.
 */

export const STAMP_STATES = ['Healthy', 'Suspect', 'Ejected', 'Probation'] as const;
export type StampState = (typeof STAMP_STATES)[number];
export type EnabledState = 'Enabled' | 'Disabled';

/** An operator's pin: `out` drains the stamp, `in` forces it in; `auto` (no pin) lets the signals decide. */
export interface Pin {
  mode: 'out' | 'in';
  reason: string;
  /** Who pinned it (the caller's object ID or key name). */
  by: string;
  at: string;
  /** When the pin lapses and the stamp goes back to automatic. */
  until?: string;
}

export interface ProbeResult {
  /** 200 is healthy; anything else, a timeout or a connection error is a failure. */
  ok: boolean;
  /** The HTTP status, when the health URL answered. */
  status?: number;
  error?: 'timeout' | 'connection';
  /** e.g. `503`, `timeout after 5000 ms`, `ECONNREFUSED`. */
  detail: string;
  latencyMs: number;
  at: string;
}

/** Where an alert came from, as far as resolution goes. */
export type AlertKind = 'metric' | 'log' | 'activityLog' | 'resourceHealth';

export interface ActiveAlert {
  /** The alert's ID (lower case). */
  alertId: string;
  rule: string;
  kind: AlertKind;
  since: string;
  /** Alerts that never resolve are held only until then. */
  until?: string;
  detail: string;
}

export interface ResourceHealthState {
  resourceId: string;
  availabilityState: 'Available' | 'Unavailable' | 'Degraded' | 'Unknown';
  /** The event's `occurredTime`: an older event never overrides a newer one. */
  occurredTime: string;
}

export interface StampSignals {
  lastProbe?: ProbeResult;
  alerts: ActiveAlert[];
  /** `alertId|condition` keys already applied, newest last (bounded): a retried webhook call is a duplicate. */
  seenAlerts: string[];
  health: ResourceHealthState[];
  /** A stamp resource was deleted: ejected at once, no threshold, until the resource is written again. */
  deleted?: { resourceId: string; at: string };
}

export interface StampTransition {
  from: StampState;
  to: StampState;
  at: string;
  why: string;
}

export interface StampStatus {
  name: string;
  state: StampState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Ejections so far; sets the minimum ejection time and decays to 0 after a quiet period. */
  ejectionCount: number;
  /** When the current ejection started (or last restarted by a failure in probation). */
  ejectedAt?: string;
  lastTransition?: StampTransition;
  /** Why the stamp is where it is, in one sentence. */
  why: string;
  pin?: Pin;
  /** Kept in by fail-open although its signals say unhealthy. */
  failOpen?: boolean;
  /** What this flow wants Front Door's `enabledState` to be. */
  desired: EnabledState;
  signals: StampSignals;
}

/** A stamp the flow has not seen before: healthy and enabled until a signal says otherwise. */
export function newStampStatus(name: string): StampStatus {
  return { name, state: 'Healthy', consecutiveFailures: 0, consecutiveSuccesses: 0, ejectionCount: 0, why: 'no signal yet', desired: 'Enabled', signals: { alerts: [], seenAlerts: [], health: [] } };
}
