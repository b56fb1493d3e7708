// Timer schedule status across host restarts: persisted per function, missed runs caught up once with isPastDue.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileTimerStatusStore, MemoryTimerStatusStore, type TimerStatusStore } from '../../../local/host';
import { eventually, loadedFixture, startTestHost, VirtualClock, type TestHost } from './harness';

const DAILY_AT_10 = '0 0 10 * * *';
const at = (day: number, hour: number, minute = 0, second = 0): number => Date.UTC(2026, 0, day, hour, minute, second);
const iso = (ms: number): string => new Date(ms).toISOString();

async function hostAt(now: number, store: TimerStatusStore, values: Record<string, string> = { TICK_SCHEDULE: DAILY_AT_10 }): Promise<{ t: TestHost; clock: VirtualClock }> {
  const clock = new VirtualClock(now);
  const t = await startTestHost({ Values: values }, { clock, timerStatus: store });
  return { t, clock };
}

describe('local host: timer schedule status across restarts', () => {
  const fixture = () => loadedFixture();

  afterEach(() => {
    fixture().slowGate.release();
  });

  it('records the status after each run and, after missed occurrences, runs once at start with isPastDue', async () => {
    const store = new MemoryTimerStatusStore();
    const first = await hostAt(at(5, 9, 59, 58), store);
    const ticks = fixture().received.ticks;
    const before = ticks.length;
    try {
      await eventually(() => expect(ticks).toHaveLength(before + 1)); // runOnStartup
      await eventually(() => expect(store.read('tick')?.Last).toBe(iso(at(5, 9, 59, 58))));
      expect(store.read('tick')).toEqual({ Last: iso(at(5, 9, 59, 58)), Next: iso(at(5, 10)), LastUpdated: iso(at(5, 9, 59, 58)) });
    } finally {
      await first.t.stop();
    }

    // Down for two days and a bit: three 10:00 occurrences were missed.
    const second = await hostAt(at(7, 12), store);
    try {
      await eventually(() => expect(ticks).toHaveLength(before + 2));
      expect(ticks[before + 1]?.value).toEqual({
        schedule: { adjustForDST: true },
        scheduleStatus: { last: iso(at(5, 9, 59, 58)), next: iso(at(5, 10)), lastUpdated: iso(at(5, 9, 59, 58)) },
        isPastDue: true,
      });
      expect(second.t.lines.some((l) => l.includes("Function 'tick' is past due on startup"))).toBe(true);
      // One catch-up run (not one per miss, and no runOnStartup run besides it), then the schedule.
      await eventually(() => expect(second.clock.scheduledTimes()).toContain(at(8, 10)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ticks).toHaveLength(before + 2);
      expect(store.read('tick')).toEqual({ Last: iso(at(7, 12)), Next: iso(at(8, 10)), LastUpdated: iso(at(7, 12)) });
    } finally {
      await second.t.stop();
    }

    // Back before the next occurrence: not past due (the runOnStartup run sees the recorded status).
    const third = await hostAt(at(7, 12, 30), store);
    try {
      await eventually(() => expect(ticks).toHaveLength(before + 3));
      expect(ticks[before + 2]?.value).toEqual({
        schedule: { adjustForDST: true },
        scheduleStatus: { last: iso(at(7, 12)), next: iso(at(8, 10)), lastUpdated: iso(at(7, 12)) },
        isPastDue: false,
      });
    } finally {
      await third.t.stop();
    }
  });

  it('keeps the status in a file per function with the disk store, readable by a new store over the same folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timer-status-'));
    try {
      const warnings: string[] = [];
      const store = new FileTimerStatusStore(dir, (w) => warnings.push(w));
      const ticks = fixture().received.ticks;
      const before = ticks.length;
      const { t } = await hostAt(at(5, 9, 59, 58), store);
      try {
        await eventually(() => expect(ticks).toHaveLength(before + 1));
        await eventually(() => expect(new FileTimerStatusStore(dir).read('tick')?.Last).toBe(iso(at(5, 9, 59, 58))));
      } finally {
        await t.stop();
      }
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'tick.status.json'), 'utf8'))).toEqual({
        Last: iso(at(5, 9, 59, 58)),
        Next: iso(at(5, 10)),
        LastUpdated: iso(at(5, 9, 59, 58)),
      });
      // slowTick (every 10 s) is not monitored: nothing recorded for it.
      expect(fs.existsSync(path.join(dir, 'slowtick.status.json'))).toBe(false);

      fs.writeFileSync(path.join(dir, 'tick.status.json'), '{"Last": 3}');
      expect(store.read('tick')).toBeUndefined();
      expect(warnings).toEqual([expect.stringContaining('is not a schedule status {Last, Next, LastUpdated}; starting without one.')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a TimeSpan schedule unless LOCAL_APP_SERVICE_PLAN=true (Flex Consumption does not run them)', async () => {
    const ticks = fixture().received.ticks;
    const before = ticks.length;
    const { t } = await hostAt(at(5, 9, 59, 58), new MemoryTimerStatusStore(), { TICK_SCHEDULE: '00:05:00' });
    try {
      const expected = `The 'tick' function is in error: the schedule "00:05:00" is a TimeSpan, which only an App Service plan supports (Flex Consumption and Consumption do not); use an NCRONTAB expression such as "0 */5 * * * *", or set LOCAL_APP_SERVICE_PLAN=true if the app runs on an App Service plan`;
      expect(t.lines.some((l) => l.endsWith(`error host - ${expected}`))).toBe(true);
      const info = (await (await fetch(`${t.baseUrl}/api/local/info`)).json()) as { functions: { name: string; error?: string }[] };
      expect(info.functions.find((f) => f.name === 'tick')?.error).toBe(expected);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ticks).toHaveLength(before); // not even its runOnStartup run
    } finally {
      await t.stop();
    }
  });
});
