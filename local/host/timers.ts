/**
 * Timer triggers, as the WebJobs `TimerListener` runs them (azure-webjobs-sdk-extensions, Extensions/Timers):
 *  - the listener keeps a schedule status `{Last, Next, LastUpdated}`; the next run is at `Next`, or at once when
 *    `Next` has already passed (a run that overran its schedule is followed by one immediate run, not one per miss);
 *  - with schedule monitoring (`useMonitor`, on by default for schedules of a minute or more) the status is persisted
 *    per function (the host keeps it in storage: `timers/{hostId}/{function}/status`; locally a `TimerStatusStore`)
 *    and the handler's timer object carries it; without monitoring `ScheduleStatus` is null;
 *  - at start the recorded status is checked (`ScheduleMonitor.CheckPastDueAsync`): when the recorded `Next` is in
 *    the past an occurrence was missed while the host was down, and the function runs once at once with
 *    `IsPastDue: true` (instead of a `runOnStartup` run); a status whose `Next` no longer follows from the schedule
 *    (the schedule changed) is recomputed and is not past due;
 *  - after every run (success or failure) the status becomes `{Last: run time, Next: the occurrence after it,
 *    LastUpdated: run time}` (a run that fired early is counted at its scheduled time) and is persisted.
 * One timer never overlaps itself: a run is awaited before the next is scheduled.
 * TimeSpan schedules ("00:05:00") run only on an App Service plan; the Flex Consumption plan this app targets does not
 * support them, so they are refused unless `LOCAL_APP_SERVICE_PLAN=true` says the app runs on one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RegisteredFunction } from '../contract';
import { writeFileAtomic } from '../files';
import type { HostContext } from './host-context';
import { parseTimerSchedule, resolveSettingTokens, ScheduleError, type TimerSchedule } from './ncrontab';

/** What .NET's `default(DateTime)` serializes to: the host's `Last` / `LastUpdated` before any recorded value. */
export const NEVER = '0001-01-01T00:00:00';
export const APP_SERVICE_PLAN_SETTING = 'LOCAL_APP_SERVICE_PLAN';

export function isTimerTrigger(type: string): boolean {
  return type.toLowerCase() === 'timertrigger';
}

export interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

export interface TimerInfo {
  Schedule: { AdjustForDST: boolean };
  ScheduleStatus: ScheduleStatus | null;
  IsPastDue: boolean;
}

/** Where monitored timers keep their schedule status between host runs. */
export interface TimerStatusStore {
  /** The recorded status, or undefined when none was recorded (or it cannot be read: the host's GetSafeStatusAsync). */
  read(functionName: string): ScheduleStatus | undefined;
  write(functionName: string, status: ScheduleStatus): void;
}

export class MemoryTimerStatusStore implements TimerStatusStore {
  private readonly statuses = new Map<string, ScheduleStatus>();
  read(functionName: string): ScheduleStatus | undefined {
    const status = this.statuses.get(functionName.toLowerCase());
    return status ? { ...status } : undefined;
  }
  write(functionName: string, status: ScheduleStatus): void {
    this.statuses.set(functionName.toLowerCase(), { ...status });
  }
}

function isStatus(value: unknown): value is ScheduleStatus {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['Last', 'Next', 'LastUpdated'].every((k) => typeof v[k] === 'string' && (v[k] === NEVER || !Number.isNaN(Date.parse(v[k] as string))));
}

/** One JSON file per function under `dir` (`{function}.status.json`), replaced atomically on every write. */
export class FileTimerStatusStore implements TimerStatusStore {
  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  private file(functionName: string): string {
    return path.join(this.dir, `${encodeURIComponent(functionName.toLowerCase())}.status.json`);
  }

  read(functionName: string): ScheduleStatus | undefined {
    const file = this.file(functionName);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`Timer '${functionName}': cannot read ${file} (${(e as Error).message}); starting without a schedule status.`);
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (isStatus(parsed)) return { Last: parsed.Last, Next: parsed.Next, LastUpdated: parsed.LastUpdated };
    } catch {
      // reported below
    }
    this.warn(`Timer '${functionName}': ${file} is not a schedule status {Last, Next, LastUpdated}; starting without one.`);
    return undefined;
  }

  write(functionName: string, status: ScheduleStatus): void {
    writeFileAtomic(this.file(functionName), JSON.stringify(status));
  }
}

export interface TimerState {
  functionName: string;
  /** The schedule as registered (before %SETTING% substitution). */
  schedule: string;
  resolved?: TimerSchedule;
  error?: string;
  runOnStartup: boolean;
  monitored: boolean;
  /** The listener's schedule status (kept for unmonitored timers too; only monitored ones persist and send it). */
  status?: ScheduleStatus;
  nextRun?: number;
  running: boolean;
}

/** A timer info for a run that no schedule produced (admin invocation): no status, not past due. */
export function manualTimerInfo(): TimerInfo {
  return { Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const msOf = (value: string): number | undefined => (value === NEVER ? undefined : Date.parse(value));

/**
 * `ScheduleMonitor.CheckPastDueAsync`: brings a recorded status in line with the schedule (writing it when it
 * changed) and says whether an occurrence was missed. Pure but for `write`; exported for its table test.
 */
export function checkPastDue(
  recorded: ScheduleStatus | undefined,
  now: number,
  schedule: Pick<TimerSchedule, 'next'>,
  write: (status: ScheduleStatus) => void,
): { status: ScheduleStatus | undefined; pastDue: boolean } {
  const nextAfter = (t: number): string => {
    const n = schedule.next(t);
    return n === null ? NEVER : iso(n);
  };
  if (!recorded) {
    // Never recorded: write an initial status so that an occurrence missed before the first run is noticed.
    write({ Last: NEVER, Next: nextAfter(now), LastUpdated: iso(now) });
    return { status: undefined, pastDue: false };
  }
  const status = { ...recorded };
  const last = msOf(status.Last);
  const lastUpdated = msOf(status.LastUpdated);
  let basis = last ?? lastUpdated ?? now;
  let expected = nextAfter(basis);
  if (status.Next !== expected) {
    // The schedule changed since the status was written: recompute from now when the expected one has passed.
    const expectedMs = msOf(expected);
    if (expectedMs !== undefined && now > expectedMs) {
      basis = now;
      expected = nextAfter(now);
    }
    status.Last = NEVER;
    status.Next = expected;
    status.LastUpdated = iso(basis);
    write(status);
  }
  const recordedNext = msOf(status.Next);
  return { status, pastDue: recordedNext !== undefined && now > recordedNext };
}

/** `LOCAL_APP_SERVICE_PLAN`: true or false (default); anything else stops the host naming the setting. */
export function parseAppServicePlan(value: string | undefined): boolean {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new Error(`App setting ${APP_SERVICE_PLAN_SETTING} is "${value}"; use true (the app runs on an App Service plan) or false.`);
}

export class TimerScheduler {
  readonly timers: TimerState[] = [];
  private readonly cancels = new Map<string, () => void>();
  private stopped = true;

  constructor(
    private readonly ctx: HostContext,
    functions: RegisteredFunction[],
    timeZone: string | undefined,
    private readonly store: TimerStatusStore = new MemoryTimerStatusStore(),
  ) {
    const appServicePlan = parseAppServicePlan(ctx.settings.get(APP_SERVICE_PLAN_SETTING));
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
        const resolved = parseTimerSchedule(expression, timeZone && timeZone !== '' ? timeZone : 'UTC');
        if (resolved.kind === 'interval' && !appServicePlan) {
          throw new ScheduleError(
            `the schedule "${expression}" is a TimeSpan, which only an App Service plan supports (Flex Consumption and ` +
              `Consumption do not); use an NCRONTAB expression such as "0 */5 * * * *", or set ${APP_SERVICE_PLAN_SETTING}=true ` +
              'if the app runs on an App Service plan',
          );
        }
        state.resolved = resolved;
        state.monitored = typeof fn.trigger.useMonitor === 'boolean' ? fn.trigger.useMonitor : this.intervalAtLeastMinute(resolved);
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
    const now = this.ctx.clock.now();
    for (const timer of this.timers) {
      if (timer.error) {
        this.ctx.logger.host('error', timer.error);
        continue;
      }
      const schedule = timer.resolved;
      if (!schedule) continue;
      let pastDue = false;
      if (timer.monitored) {
        const checked = checkPastDue(this.store.read(timer.functionName), now, schedule, (s) => this.persist(timer, s));
        timer.status = checked.status;
        pastDue = checked.pastDue;
      }
      if (!timer.status) {
        const next = schedule.next(now);
        timer.status = { Last: NEVER, Next: next === null ? NEVER : iso(next), LastUpdated: NEVER };
      }
      if (pastDue) {
        this.ctx.logger.host('information', `Function '${timer.functionName}' is past due on startup (its recorded next run ${timer.status.Next} passed). Executing now.`);
        this.ctx.track(this.run(timer, now, 'pastDue'));
      } else if (timer.runOnStartup) {
        this.ctx.track(this.run(timer, now, 'startup'));
      } else {
        this.scheduleNext(timer);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  private persist(timer: TimerState, status: ScheduleStatus): void {
    try {
      this.store.write(timer.functionName, status);
    } catch (e) {
      this.ctx.logger.host('warning', `Timer '${timer.functionName}': cannot record its schedule status (${(e as Error).message}).`);
    }
  }

  /** Arms the timer for `status.Next`, or for now when that has passed (one immediate run, however many were missed). */
  private scheduleNext(timer: TimerState): void {
    if (this.stopped || !timer.resolved || !timer.status) return;
    const next = msOf(timer.status.Next);
    if (next === undefined) {
      timer.nextRun = undefined;
      this.ctx.logger.host('warning', `Timer '${timer.functionName}' (schedule "${timer.resolved.expression}") has no future occurrence; it will not run.`);
      return;
    }
    const at = Math.max(next, this.ctx.clock.now());
    timer.nextRun = next;
    this.cancels.set(timer.functionName, this.ctx.clock.schedule(at, () => {
      this.cancels.delete(timer.functionName);
      this.ctx.track(this.run(timer, this.ctx.clock.now(), 'scheduled'));
    }));
  }

  private async run(timer: TimerState, invocationTime: number, kind: 'scheduled' | 'startup' | 'pastDue'): Promise<void> {
    if (timer.running || !timer.resolved) return; // never overlap one timer with itself
    timer.running = true;
    const before = timer.status;
    try {
      const info: TimerInfo = {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: timer.monitored && before ? { ...before } : null,
        IsPastDue: kind === 'pastDue',
      };
      const reason =
        kind === 'startup'
          ? 'Timer fired at startup (runOnStartup)'
          : kind === 'pastDue'
            ? `Timer is past due (scheduled for ${before?.Next ?? 'unknown'})`
            : `Timer fired at ${iso(invocationTime)}`;
      await this.ctx.invoke({ functionName: timer.functionName, triggerData: { json: JSON.stringify(info) } }, reason);
    } finally {
      // Recorded whether the function succeeded or not. A scheduled run that fired before its time counts as run
      // at its scheduled time, so the same occurrence is never run twice.
      const scheduledFor = before ? msOf(before.Next) : undefined;
      const counted = kind === 'scheduled' && scheduledFor !== undefined && scheduledFor > invocationTime ? scheduledFor : invocationTime;
      const next = timer.resolved.next(counted);
      timer.status = { Last: iso(counted), Next: next === null ? NEVER : iso(next), LastUpdated: iso(counted) };
      if (timer.monitored) this.persist(timer, timer.status);
      timer.running = false;
      this.scheduleNext(timer);
    }
  }
}
