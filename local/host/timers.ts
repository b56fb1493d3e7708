/**
 * Timer triggers: each timer function runs at the occurrences of its schedule, on a `Clock` (virtual in tests).
 * Like the WebJobs TimerListener, a run is awaited before the next occurrence is computed (from the time the run
 * ended), so one timer never overlaps itself; `runOnStartup` runs once when the host starts.
 * The timer object is the host's `TimerInfo` JSON (`{Schedule, ScheduleStatus, IsPastDue}`), which the library
 * camel-cases for the handler. `ScheduleStatus` is sent when schedule monitoring is on (`useMonitor`, by default
 * for schedules of a minute or more) and is null otherwise, as in Azure. Without persisted status, a local run is
 * never past due.
 */
import type { RegisteredFunction } from '../contract';
import type { HostContext } from './host-context';
import { parseTimerSchedule, resolveSettingTokens, ScheduleError, type TimerSchedule } from './ncrontab';

/** What .NET's `default(DateTime)` serializes to: the host's `Last` before any recorded run. */
const NEVER = '0001-01-01T00:00:00';

export function isTimerTrigger(type: string): boolean {
  return type.toLowerCase() === 'timertrigger';
}

interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

export interface TimerInfo {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: ScheduleStatus | null;
  IsPastDue: boolean;
}

export interface TimerState {
  functionName: string;
  /** The schedule as registered (before %SETTING% substitution). */
  schedule: string;
  resolved?: TimerSchedule;
  error?: string;
  runOnStartup: boolean;
  monitored: boolean;
  nextRun?: number;
  lastRun?: number;
  running: boolean;
}

/** A timer info for a run that no schedule produced (admin invocation): no status, not past due. */
export function manualTimerInfo(): TimerInfo {
  return { Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false };
}

export class TimerScheduler {
  readonly timers: TimerState[] = [];
  private readonly cancels = new Map<string, () => void>();
  private stopped = true;

  constructor(private readonly ctx: HostContext, functions: RegisteredFunction[], timeZone: string | undefined) {
    for (const fn of functions.filter((f) => isTimerTrigger(f.trigger.type))) {
      const schedule = typeof fn.trigger.schedule === 'string' ? fn.trigger.schedule : '';
      const state: TimerState = {
        functionName: fn.name,
        schedule,
        runOnStartup: fn.trigger.runOnStartup === true,
        monitored: false,
        running: false,
      };
      try {
        const expression = resolveSettingTokens(schedule, (name) => ctx.settings.get(name));
        state.resolved = parseTimerSchedule(expression, timeZone && timeZone !== '' ? timeZone : 'UTC');
        state.monitored = typeof fn.trigger.useMonitor === 'boolean' ? fn.trigger.useMonitor : this.intervalAtLeastMinute(state.resolved);
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        state.error = `The '${fn.name}' function is in error: ${e.message}`;
      }
      this.timers.push(state);
    }
  }

  /** The host's default for `useMonitor`: on when occurrences are at least a minute apart. */
  private intervalAtLeastMinute(schedule: TimerSchedule): boolean {
    if (schedule.kind === 'interval') return schedule.intervalMs >= 60_000;
    const first = schedule.next(this.ctx.clock.now());
    const second = first === null ? null : schedule.next(first);
    return first === null || second === null || second - first >= 60_000;
  }

  start(): void {
    this.stopped = false;
    for (const timer of this.timers) {
      if (timer.error) {
        this.ctx.logger.host('error', timer.error);
        continue;
      }
      if (timer.runOnStartup) this.ctx.track(this.run(timer, this.ctx.clock.now(), true));
      else this.scheduleAfter(timer, this.ctx.clock.now());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  private scheduleAfter(timer: TimerState, after: number): void {
    if (this.stopped || !timer.resolved) return;
    const next = timer.resolved.next(after);
    if (next === null) {
      timer.nextRun = undefined;
      this.ctx.logger.host('warning', `Timer '${timer.functionName}' (schedule "${timer.resolved.expression}") has no future occurrence; it will not run.`);
      return;
    }
    timer.nextRun = next;
    this.cancels.set(timer.functionName, this.ctx.clock.schedule(next, () => {
      this.cancels.delete(timer.functionName);
      this.ctx.track(this.run(timer, next, false));
    }));
  }

  private timerInfo(timer: TimerState, occurrence: number): TimerInfo {
    if (!timer.monitored || !timer.resolved) return manualTimerInfo();
    const following = timer.resolved.next(occurrence);
    return {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: timer.lastRun === undefined ? NEVER : new Date(timer.lastRun).toISOString(),
        Next: following === null ? NEVER : new Date(following).toISOString(),
        LastUpdated: new Date(this.ctx.clock.now()).toISOString(),
      },
      IsPastDue: false,
    };
  }

  private async run(timer: TimerState, occurrence: number, startup: boolean): Promise<void> {
    if (timer.running) return; // never overlap one timer with itself
    timer.running = true;
    try {
      const info = this.timerInfo(timer, occurrence);
      const reason = startup ? 'Timer fired at startup (runOnStartup)' : `Timer fired at ${new Date(occurrence).toISOString()}`;
      await this.ctx.invoke({ functionName: timer.functionName, triggerData: { json: JSON.stringify(info) } }, reason);
    } finally {
      // The host records the occurrence as run whether the function succeeded or not.
      timer.lastRun = occurrence;
      timer.running = false;
      this.scheduleAfter(timer, Math.max(occurrence, this.ctx.clock.now()));
    }
  }
}
