/**
 * The stamp health decision, pure: signals fold into a stamp's status (`applySignal`), and one round over an origin
 * group (`decideRound`) moves each stamp through Healthy -> Suspect -> Ejected -> Probation -> Healthy and sets what
 * Front Door's `enabledState` should be, under hard limits no signal overrides (only an operator's pin does):
 * never disable the last enabled origin, never more than the configured fraction, and when every stamp looks
 * unhealthy, fail open. Time comes in as `now`; nothing here reads a clock or does I/O.
 */
import { resourceKey } from '../azure/resource-id';
import { StampPolicy, STAMP_LIMITS } from './config';
import { StampAlert } from './alerts';
import { ActiveAlert, EnabledState, Pin, ProbeResult, ResourceHealthState, StampState, StampStatus } from './model';

export type StampSignal =
  | { kind: 'alert'; alert: StampAlert }
  | { kind: 'health'; health: ResourceHealthState }
  | { kind: 'deleted'; resourceId: string; at: string }
  /** The deleted resource was written again. */
  | { kind: 'restored'; resourceId: string; at: string }
  | { kind: 'pin'; mode: 'out' | 'in' | 'auto'; reason: string; by: string; at: string; until?: string };

export type SignalOutcome = 'applied' | 'duplicate' | 'stale';

const ms = (iso: string): number => Date.parse(iso);
const addSeconds = (iso: string, seconds: number): string => new Date(ms(iso) + seconds * 1000).toISOString();

/** Folds one signal into a stamp's status. `duplicate`: already applied (a retried webhook); `stale`: older than what is known. */
export function applySignal(status: StampStatus, signal: StampSignal, policy: StampPolicy, now: string): { status: StampStatus; outcome: SignalOutcome } {
  const next: StampStatus = structuredClone(status);
  const s = next.signals;
  switch (signal.kind) {
    case 'alert': {
      const { alert } = signal;
      const id = alert.alertId.toLowerCase();
      const key = `${id}|${alert.condition.toLowerCase()}${alert.healthStatus ? `|${alert.healthStatus.toLowerCase()}` : ''}`;
      if (s.seenAlerts.includes(key)) return { status, outcome: 'duplicate' };
      // A resolved alert instance never fires again (a new firing is a new alert ID): a Fired retried after Resolved is stale.
      if (alert.condition === 'Fired' && s.seenAlerts.includes(`${id}|resolved`)) return { status, outcome: 'stale' };
      s.seenAlerts = [...s.seenAlerts, key].slice(-STAMP_LIMITS.alertKeysKept);
      s.alerts = s.alerts.filter((a) => a.alertId !== id);
      const unhealthy = alert.kind === 'resourceHealth'
        ? alert.healthStatus === 'Unavailable' || (alert.healthStatus === 'Degraded' && policy.degradedIsUnhealthy)
        : alert.condition === 'Fired';
      if (unhealthy) {
        const active: ActiveAlert = { alertId: id, rule: alert.rule, kind: alert.kind, since: now, detail: alert.detail };
        // Activity log alerts (Resource Health included) never send Resolved: hold them for a bounded time.
        if (alert.kind === 'activityLog' || alert.kind === 'resourceHealth') active.until = addSeconds(now, policy.nonResolvingAlertHoldSeconds);
        s.alerts = [...s.alerts, active].slice(-STAMP_LIMITS.alertKeysKept);
      }
      // Resource Health says Available for the same rule: clear that rule's earlier Unavailable alerts too.
      if (alert.kind === 'resourceHealth' && alert.healthStatus === 'Available') s.alerts = s.alerts.filter((a) => !(a.kind === 'resourceHealth' && a.rule === alert.rule));
      return { status: next, outcome: 'applied' };
    }
    case 'health': {
      const key = resourceKey(signal.health.resourceId);
      const known = s.health.find((h) => resourceKey(h.resourceId) === key);
      if (known && ms(known.occurredTime) >= ms(signal.health.occurredTime)) return { status, outcome: known.occurredTime === signal.health.occurredTime && known.availabilityState === signal.health.availabilityState ? 'duplicate' : 'stale' };
      s.health = [...s.health.filter((h) => resourceKey(h.resourceId) !== key), signal.health].slice(-STAMP_LIMITS.resourceIds);
      return { status: next, outcome: 'applied' };
    }
    case 'deleted':
      if (s.deleted && resourceKey(s.deleted.resourceId) === resourceKey(signal.resourceId)) return { status, outcome: 'duplicate' };
      s.deleted = { resourceId: signal.resourceId, at: signal.at };
      return { status: next, outcome: 'applied' };
    case 'restored':
      if (!s.deleted || resourceKey(s.deleted.resourceId) !== resourceKey(signal.resourceId)) return { status, outcome: 'duplicate' };
      delete s.deleted;
      return { status: next, outcome: 'applied' };
    case 'pin': {
      if (signal.mode === 'auto') {
        if (!next.pin) return { status, outcome: 'duplicate' };
        delete next.pin;
      } else {
        const pin: Pin = { mode: signal.mode, reason: signal.reason, by: signal.by, at: signal.at, ...(signal.until ? { until: signal.until } : {}) };
        next.pin = pin;
      }
      return { status: next, outcome: 'applied' };
    }
  }
}

/** The signals other than probes that say a stamp is unhealthy right now, one line each (empty: none). */
export function unhealthySignals(status: StampStatus, policy: StampPolicy, now: string): string[] {
  const out: string[] = [];
  const s = status.signals;
  if (s.deleted) out.push(`resource deleted: ${s.deleted.resourceId}`);
  for (const a of s.alerts) if (!a.until || ms(a.until) > ms(now)) out.push(`alert ${a.detail}`);
  for (const h of s.health) {
    if (h.availabilityState === 'Unavailable' || (h.availabilityState === 'Degraded' && policy.degradedIsUnhealthy)) out.push(`Resource Health ${h.availabilityState}: ${h.resourceId}`);
  }
  return out;
}

/** The minimum ejection time of the n-th ejection: n x the minimum, capped. */
export function minEjectionSeconds(ejectionCount: number, policy: StampPolicy): number {
  return Math.min(policy.minEjectionSeconds * Math.max(1, ejectionCount), policy.maxEjectionSeconds);
}

/** How many of `n` stamps may be out at once: the fraction rounded up, but never all of them. */
export function maxOut(n: number, policy: StampPolicy): number {
  return Math.max(0, Math.min(n - 1, Math.ceil(n * policy.maxEjectedFraction - 1e-9)));
}

export type DecisionAction = 'Eject' | 'Readmit' | 'WouldEject' | 'WouldReadmit' | 'Held' | 'FailOpen';

export interface StampDecision {
  stamp: string;
  action: DecisionAction;
  /** `enabledState` the stamp's origin should have after this decision. */
  enabledState: EnabledState;
  why: string;
  /** The signals behind it, for the audit. */
  signals: string[];
}

export interface RoundInput {
  stamps: StampStatus[];
  /** This round's probe results by stamp name; a stamp without one keeps its counters. */
  probes: Record<string, ProbeResult | undefined>;
  policy: StampPolicy;
  now: string;
  mode: 'enforce' | 'observe';
}

export interface RoundResult {
  stamps: StampStatus[];
  /** Changes of what Front Door should show, and the decisions that held a stamp in, in stamp order. */
  decisions: StampDecision[];
  /** True when every stamp looked unhealthy this round. */
  failOpen: boolean;
}

interface Working {
  status: StampStatus;
  before: StampStatus;
  hard: string[];
  /** 0 healthy, 1 failing probes, 2 alert or health, 3 deleted: the higher, the worse. */
  badness: number;
  wantsEject: boolean;
  ejectWhy: string;
}

function transition(status: StampStatus, to: StampState, why: string, now: string): void {
  if (status.state !== to) status.lastTransition = { from: status.state, to, at: now, why };
  status.state = to;
  status.why = why;
}

function desiredOf(status: StampStatus): EnabledState {
  if (status.pin) return status.pin.mode === 'out' ? 'Disabled' : 'Enabled';
  if (status.failOpen) return 'Enabled';
  return status.state === 'Ejected' || status.state === 'Probation' ? 'Disabled' : 'Enabled';
}

/** One round over an origin group's stamps: fold this round's probes, move the machine, apply the limits. */
export function decideRound(input: RoundInput): RoundResult {
  const { policy, now } = input;
  const work: Working[] = input.stamps.map((before) => {
    const status = structuredClone(before);
    if (status.pin?.until && ms(status.pin.until) <= ms(now)) delete status.pin;
    status.signals.alerts = status.signals.alerts.filter((a) => !a.until || ms(a.until) > ms(now));
    if (status.ejectedAt && status.state === 'Healthy' && ms(now) - ms(status.ejectedAt) >= policy.ejectionCountDecaySeconds * 1000) status.ejectionCount = 0;
    const probe = input.probes[status.name];
    if (probe) {
      status.signals.lastProbe = probe;
      if (probe.ok) {
        status.consecutiveSuccesses += 1;
        status.consecutiveFailures = 0;
      } else {
        status.consecutiveFailures += 1;
        status.consecutiveSuccesses = 0;
      }
    }
    const hard = unhealthySignals(status, policy, now);
    const probeFailing = status.consecutiveFailures > 0;
    const badness = status.signals.deleted ? 3 : hard.length ? 2 : probeFailing ? 1 : 0;
    return { status, before, hard, badness, wantsEject: false, ejectWhy: '' };
  });

  for (const w of work) {
    const st = w.status;
    const failures = `${st.consecutiveFailures} consecutive failed probe${st.consecutiveFailures === 1 ? '' : 's'} (${st.signals.lastProbe?.detail ?? 'no probe'})`;
    switch (st.state) {
      case 'Healthy':
      case 'Suspect':
        if (w.hard.length) {
          w.wantsEject = true;
          w.ejectWhy = w.hard.join('; ');
        } else if (st.consecutiveFailures >= policy.ejectAfterFailures) {
          w.wantsEject = true;
          w.ejectWhy = failures;
        } else if (st.consecutiveFailures > 0) {
          transition(st, 'Suspect', failures, now);
        } else if (st.state === 'Suspect') {
          transition(st, 'Healthy', 'probe succeeded', now);
        }
        break;
      case 'Ejected':
      case 'Probation': {
        if (w.hard.length || st.consecutiveFailures > 0) {
          st.consecutiveSuccesses = 0; // successes while another signal still says unhealthy do not count towards readmission
          if (st.state === 'Probation') st.ejectedAt = now; // a failure in probation restarts the minimum ejection time
          transition(st, 'Ejected', w.hard.length ? w.hard.join('; ') : failures, now);
          break;
        }
        if (st.consecutiveSuccesses === 0) break; // no probe yet since the signals cleared
        const dueAt = ms(st.ejectedAt ?? now) + minEjectionSeconds(st.ejectionCount, policy) * 1000;
        if (st.consecutiveSuccesses >= policy.readmitAfterSuccesses && ms(now) >= dueAt) {
          transition(st, 'Healthy', `${st.consecutiveSuccesses} consecutive successful probes and ${minEjectionSeconds(st.ejectionCount, policy)} s minimum ejection time (ejection ${st.ejectionCount}) served`, now);
        } else {
          const wait = st.consecutiveSuccesses < policy.readmitAfterSuccesses ? `${st.consecutiveSuccesses}/${policy.readmitAfterSuccesses} successful probes` : `${st.consecutiveSuccesses} successful probes`;
          transition(st, 'Probation', `${wait}; minimum ejection time until ${new Date(dueAt).toISOString()}`, now);
        }
        break;
      }
    }
  }

  // Limits. The stamps that are out before any new ejection: pinned out, or ejected and not pinned in or failed open.
  const n = work.length;
  const limit = maxOut(n, policy);
  const allBad = n > 0 && work.every((w) => w.badness > 0);
  for (const w of work) if (!allBad || w.status.pin) delete w.status.failOpen;
  let out = work.filter((w) => desiredOf(w.status) === 'Disabled').length;
  const decisions: StampDecision[] = [];
  const held = (w: Working, why: string, action: 'Held' | 'FailOpen' = 'Held'): void => {
    const st = w.status;
    const sentence = `held in: ${why}; ${w.ejectWhy}`;
    if (st.state === 'Healthy') transition(st, 'Suspect', sentence, now);
    else st.why = sentence;
    // Recorded once when a stamp is first held for this reason, not every round it stays held.
    if (!w.before.why.startsWith(`held in: ${why};`)) decisions.push({ stamp: st.name, action, enabledState: 'Enabled', why: sentence, signals: w.hard.length ? w.hard : [w.ejectWhy] });
  };
  const candidates = work.filter((w) => w.wantsEject).sort((a, b) => b.badness - a.badness || b.status.consecutiveFailures - a.status.consecutiveFailures || a.status.name.localeCompare(b.status.name));
  for (const w of candidates) {
    const st = w.status;
    if (st.pin?.mode === 'in') {
      held(w, `pinned in by ${st.pin.by} (${st.pin.reason})`);
      continue;
    }
    if (allBad) {
      held(w, 'fail open: every stamp of the origin group looks unhealthy', 'FailOpen');
      continue;
    }
    const alreadyOut = desiredOf(st) === 'Disabled';
    if (!alreadyOut && out + 1 > limit) {
      held(w, n - out <= 1 ? 'it is the last enabled origin of its group' : `${out} of ${n} stamps are out already (at most ${limit})`);
      continue;
    }
    if (st.ejectedAt && ms(now) - ms(st.ejectedAt) >= policy.ejectionCountDecaySeconds * 1000) st.ejectionCount = 0;
    st.ejectionCount += 1;
    st.ejectedAt = now;
    st.consecutiveSuccesses = 0;
    transition(st, 'Ejected', w.ejectWhy, now);
    if (!alreadyOut) out += 1;
  }

  // Fail open: when everything looks unhealthy and nothing automatic is left in, restore the least bad stamp.
  if (allBad && !work.some((w) => desiredOf(w.status) === 'Enabled')) {
    const restorable = work.filter((w) => !w.status.pin).sort((a, b) => a.badness - b.badness || a.status.consecutiveFailures - b.status.consecutiveFailures || a.status.name.localeCompare(b.status.name));
    const least = restorable[0];
    if (least) least.status.failOpen = true;
  }
  for (const w of work) {
    const st = w.status;
    const desired = desiredOf(st);
    const wasFailOpen = w.before.failOpen === true;
    st.desired = desired;
    if (st.failOpen && !wasFailOpen) {
      st.why = `fail open: every stamp of the origin group looks unhealthy; kept in as the least bad (${w.hard.join('; ') || st.signals.lastProbe?.detail || 'probe failing'})`;
      decisions.push({ stamp: st.name, action: 'FailOpen', enabledState: 'Enabled', why: st.why, signals: w.hard.length ? w.hard : [st.signals.lastProbe?.detail ?? 'probe failing'] });
      continue;
    }
    if (desired === w.before.desired) continue;
    const eject = desired === 'Disabled';
    const why = st.pin ? `pinned ${st.pin.mode} by ${st.pin.by}: ${st.pin.reason}` : st.why;
    if (st.pin) st.why = why;
    const action: DecisionAction = eject ? (input.mode === 'observe' ? 'WouldEject' : 'Eject') : input.mode === 'observe' ? 'WouldReadmit' : 'Readmit';
    decisions.push({ stamp: st.name, action, enabledState: desired, why, signals: eject ? (w.hard.length ? w.hard : [st.why]) : [st.signals.lastProbe?.detail ?? st.why] });
  }
  return { stamps: work.map((w) => w.status), decisions, failOpen: allBad };
}
