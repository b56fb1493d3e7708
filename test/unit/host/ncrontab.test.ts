import { parseTimeSpan, parseTimerSchedule, resolveSettingTokens } from '../../../local/host/ncrontab';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The first `count` occurrences strictly after `from`. */
function occurrences(expression: string, from: string, count: number, timeZone?: string): (string | null)[] {
  const schedule = parseTimerSchedule(expression, timeZone);
  const out: (string | null)[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < count && t !== null; i += 1) {
    t = schedule.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('NCRONTAB schedules', () => {
  it.each([
    // expression, from, expected next occurrences (UTC)
    ['0 */5 * * * *', '2026-01-05T10:02:30Z', ['2026-01-05T10:05:00.000Z', '2026-01-05T10:10:00.000Z']],
    ['0 0 * * * *', '2026-01-05T10:00:00Z', ['2026-01-05T11:00:00.000Z', '2026-01-05T12:00:00.000Z']],
    ['0 0 */2 * * *', '2026-01-05T01:00:00Z', ['2026-01-05T02:00:00.000Z', '2026-01-05T04:00:00.000Z']],
    ['0 0 9-17 * * *', '2026-01-05T17:30:00Z', ['2026-01-06T09:00:00.000Z', '2026-01-06T10:00:00.000Z']],
    ['0 30 9 * * 1-5', '2026-01-09T10:00:00Z', ['2026-01-12T09:30:00.000Z', '2026-01-13T09:30:00.000Z']], // Fri -> Mon
    ['0 30 9 * Jan Mon', '2026-01-20T00:00:00Z', ['2026-01-26T09:30:00.000Z', '2027-01-04T09:30:00.000Z']],
    ['0 30 9 * January Monday', '2026-01-20T00:00:00Z', ['2026-01-26T09:30:00.000Z']],
    ['0 0 0 * * sat', '2026-01-05T00:00:00Z', ['2026-01-10T00:00:00.000Z']],
    ['0 0 0 * * T', '2026-01-05T00:00:00Z', ['2026-01-06T00:00:00.000Z', '2026-01-13T00:00:00.000Z']], // "T" prefixes Tuesday first
    ['0 0 0 1 Ma *', '2026-01-05T00:00:00Z', ['2026-03-01T00:00:00.000Z']], // "Ma" prefixes March first
    ['5/15 * * * * *', '2026-01-05T10:00:00Z', ['2026-01-05T10:00:05.000Z', '2026-01-05T10:00:20.000Z', '2026-01-05T10:00:35.000Z', '2026-01-05T10:00:50.000Z', '2026-01-05T10:01:05.000Z']],
    ['0 0 0 13 * 5', '2026-01-01T00:00:00Z', ['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z']], // Friday the 13th: day AND weekday
    ['0 0 0 31 2 *', '2026-01-01T00:00:00Z', [null]], // never occurs, as in NCRONTAB
    ['*/20 * * * * *', '2026-01-05T10:00:00.500Z', ['2026-01-05T10:00:20.000Z']],
  ])('%s after %s -> %j', (expression, from, expected) => {
    expect(occurrences(expression, from, expected.length)).toEqual(expected);
  });

  it('reads the fields in WEBSITE_TIME_ZONE when one is set', () => {
    // 10:00 in New York is 15:00 UTC in winter and 14:00 UTC in summer.
    expect(occurrences('0 0 10 * * *', '2026-01-05T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-01-05T15:00:00.000Z']);
    expect(occurrences('0 0 10 * * *', '2026-07-06T00:00:00Z', 1, 'America/New_York')).toEqual(['2026-07-06T14:00:00.000Z']);
  });

  it.each([
    ['*/5 * * * *', 'it has 5 field(s), the timer trigger needs 6'],
    ['0 0 0 * * * *', 'it has 7 field(s)'],
    ['0 0 0 * * 7', 'field 6 ({day-of-week}) "7": value 7 is out of range 0-6 (0 = Sunday)'],
    ['60 * * * * *', 'field 1 ({second}) "60": value 60 is out of range 0-59'],
    ['0 0 0 ? * *', 'NCRONTAB has no "?", "L", "W", "#" or "H"'],
    ['0 0 0 L * *', 'NCRONTAB has no "?", "L", "W", "#" or "H"'],
    ['0 0 0 * * 1#2', 'NCRONTAB has no "?", "L", "W", "#" or "H"'],
    ['0 0 0 * * Funday', '"Funday" is not a known name; use one of Sunday, Monday'],
    ['0 0 0 * Smarch *', '"Smarch" is not a known name'],
    ['0 0 Jan * * *', '"Jan" is not a number between 0 and 23'],
    ['*/0 * * * * *', 'step "0" must be a positive integer'],
    ['0 0 10-5 * * *', 'range 10-5 runs backwards'],
  ])('rejects %s', (expression, reason) => {
    expect(() => parseTimerSchedule(expression)).toThrow(reason);
  });

  it('rejects a time zone it does not know, suggesting IANA names', () => {
    expect(() => parseTimerSchedule('0 0 10 * * *', 'Eastern Standard Time')).toThrow(
      'WEBSITE_TIME_ZONE "Eastern Standard Time" is not a time zone this host knows; use an IANA name',
    );
  });
});

describe('TimeSpan schedules', () => {
  const MIN = 60_000;
  it.each([
    ['00:05:00', 5 * MIN],
    ['01:00:00', 60 * MIN],
    ['00:00:30', 30_000],
    ['00:10', 10 * MIN], // hh:mm
    ['1.02:03:04', ((24 + 2) * 60 + 3) * MIN + 4000],
    ['24:00:00', 24 * 24 * 60 * MIN], // first number >= 24: dd:hh:mm
    ['25:01:00', (25 * 24 + 1) * 60 * MIN],
    ['2', 2 * 24 * 60 * MIN], // a bare number is days
    ['00:00:00.5', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it.each(['0 */5 * * * *', 'every 5 minutes', '1:2:3:4'])('%s is not a TimeSpan', (text) => {
    expect(parseTimeSpan(text)).toBeNull();
  });

  it('rejects out-of-range parts and a zero interval', () => {
    expect(() => parseTimeSpan('00:61:00')).toThrow('invalid TimeSpan schedule "00:61:00": hours must be 0-23, minutes and seconds 0-59');
    expect(() => parseTimerSchedule('00:00:00')).toThrow('the interval must be positive');
  });

  it('runs a TimeSpan schedule at a constant interval from the previous run', () => {
    expect(occurrences('00:05:00', '2026-01-05T10:02:30Z', 2)).toEqual(['2026-01-05T10:07:30.000Z', '2026-01-05T10:12:30.000Z']);
  });
});

describe('%SETTING% substitution', () => {
  const settings: Record<string, string> = { DRIFT_SCHEDULE: '0 0 */6 * * *', PART: '*/5' };
  const lookup = (name: string): string | undefined => settings[name];
  it.each([
    ['%DRIFT_SCHEDULE%', '0 0 */6 * * *'],
    ['0 %PART% * * * *', '0 */5 * * * *'],
    ['0 0 * * * *', '0 0 * * * *'],
  ])('%s -> %s', (raw, resolved) => {
    expect(resolveSettingTokens(raw, lookup)).toBe(resolved);
  });

  it('names the missing setting', () => {
    expect(() => resolveSettingTokens('%NOPE%', lookup)).toThrow(
      'the schedule "%NOPE%" refers to app setting "NOPE", which is not set (add it to local.settings.json "Values" or the environment)',
    );
  });
});
