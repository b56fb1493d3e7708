import { checkPastDue, NEVER, type ScheduleStatus } from '../../../local/host/timers';
import { parseTimerSchedule } from '../../../local/host/ncrontab';

const daily10 = parseTimerSchedule('0 0 10 * * *', 'UTC');
const daily11 = parseTimerSchedule('0 0 11 * * *', 'UTC');
const at = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 0, day, hour, minute);
const iso = (ms: number): string => new Date(ms).toISOString();

// ScheduleMonitor.CheckPastDueAsync (azure-webjobs-sdk-extensions): what is written and whether a run was missed.
describe('timer schedule monitor: checkPastDue', () => {
  it.each<[string, ScheduleStatus | undefined, typeof daily10, number, { written: ScheduleStatus | null; status: ScheduleStatus | undefined; pastDue: boolean }]>([
    [
      'nothing recorded: records the next occurrence, not past due',
      undefined, daily10, at(5, 9),
      { written: { Last: NEVER, Next: iso(at(5, 10)), LastUpdated: iso(at(5, 9)) }, status: undefined, pastDue: false },
    ],
    [
      'recorded Next still ahead: nothing written, not past due',
      { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, daily10, at(6, 9),
      { written: null, status: { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, pastDue: false },
    ],
    [
      'recorded Next passed while the host was down (three misses): past due once',
      { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, daily10, at(8, 12),
      { written: null, status: { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, pastDue: true },
    ],
    [
      'never run, only the initial record: Next from LastUpdated, past due when it passed',
      { Last: NEVER, Next: iso(at(5, 10)), LastUpdated: iso(at(5, 9)) }, daily10, at(5, 10, 30),
      { written: null, status: { Last: NEVER, Next: iso(at(5, 10)), LastUpdated: iso(at(5, 9)) }, pastDue: true },
    ],
    [
      'schedule changed and its next occurrence passed: recomputed from now, not past due',
      { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, daily11, at(8, 12),
      { written: { Last: NEVER, Next: iso(at(9, 11)), LastUpdated: iso(at(8, 12)) }, status: { Last: NEVER, Next: iso(at(9, 11)), LastUpdated: iso(at(8, 12)) }, pastDue: false },
    ],
    [
      'schedule changed, its next occurrence still ahead: recomputed from Last, not past due',
      { Last: iso(at(5, 10)), Next: iso(at(6, 10)), LastUpdated: iso(at(5, 10)) }, daily11, at(5, 10, 30),
      { written: { Last: NEVER, Next: iso(at(5, 11)), LastUpdated: iso(at(5, 10)) }, status: { Last: NEVER, Next: iso(at(5, 11)), LastUpdated: iso(at(5, 10)) }, pastDue: false },
    ],
  ])('%s', (_label, recorded, schedule, now, expected) => {
    const written: ScheduleStatus[] = [];
    const result = checkPastDue(recorded, now, schedule, (s) => written.push({ ...s }));
    expect(written).toEqual(expected.written ? [expected.written] : []);
    expect(result).toEqual({ status: expected.status, pastDue: expected.pastDue });
  });
});
