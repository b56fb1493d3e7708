/**
 * Timer schedules as the Functions timer trigger reads them:
 *  - `%NAME%` tokens are replaced by app settings first (the host's name resolver), usually the whole schedule;
 *  - a TimeSpan (`hh:mm:ss`, `d.hh:mm:ss`, `dd:hh:mm` when the first number is 24 or more, or a bare day count) is a
 *    constant interval between runs;
 *  - anything else is a 6-field NCRONTAB expression `{second} {minute} {hour} {day} {month} {day-of-week}`.
 *
 * NCRONTAB is not Vixie cron, and cron-parser (which does the calendar and time-zone arithmetic here) follows the
 * latter, so each field is parsed by NCRONTAB's own rules before cron-parser sees it:
 *  - exactly 6 fields; no `?`, `L`, `W`, `#` or `H`; day-of-week is 0-6 (0 = Sunday, 7 is rejected);
 *  - month and day names match when the text is a case-insensitive prefix of the English name ("Mon", "M", "Monday";
 *    "Ma" is March, the first name it prefixes);
 *  - `5/15` means from 5 to the field's maximum in steps of 15;
 *  - a day of month and a day of week both restricted must BOTH match (NCRONTAB ANDs them, cron ORs them).
 */
import { CronExpressionParser } from 'cron-parser';

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export type TimerSchedule =
  | {
      kind: 'cron';
      /** The expression after setting substitution. */
      expression: string;
      timeZone: string;
      /** The next occurrence strictly after `afterMs` (epoch ms), or null when the schedule never fires again. */
      next(afterMs: number): number | null;
    }
  | { kind: 'interval'; expression: string; intervalMs: number; next(afterMs: number): number | null };

/** Replaces every `%NAME%` with the app setting NAME, as the host's name resolver does for `schedule`. */
export function resolveSettingTokens(expression: string, lookup: (name: string) => string | undefined): string {
  return expression.replace(/%([^%]+)%/g, (_whole, name: string) => {
    const value = lookup(name);
    if (value === undefined) {
      throw new ScheduleError(
        `the schedule "${expression}" refers to app setting "${name}", which is not set ` +
          '(add it to local.settings.json "Values" or the environment)',
      );
    }
    return value;
  });
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: FieldSpec[] = [
  { label: 'second', min: 0, max: 59 },
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTHS },
  { label: 'day-of-week', min: 0, max: 6, names: DAYS },
];

interface ParsedField {
  /** Numeric form cron-parser understands with the same meaning. */
  text: string;
  values: Set<number>;
  restricted: boolean;
}

function parseValue(spec: FieldSpec, token: string, fail: (why: string) => never): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) {
      fail(`value ${n} is out of range ${spec.min}-${spec.max}${spec.label === 'day-of-week' ? ' (0 = Sunday)' : ''}`);
    }
    return n;
  }
  if (!spec.names) fail(`"${token}" is not a number between ${spec.min} and ${spec.max}`);
  if (/^[A-Za-z]+$/.test(token)) {
    const index = spec.names.findIndex((name) => name.toLowerCase().startsWith(token.toLowerCase()));
    if (index >= 0) return index + spec.min;
  }
  fail(`"${token}" is not a known name; use one of ${spec.names.join(', ')} (or a prefix of one)`);
}

function parseField(spec: FieldSpec, index: number, raw: string, expression: string): ParsedField {
  const fail = (why: string): never => {
    throw new ScheduleError(`invalid NCRONTAB schedule "${expression}": field ${index + 1} ({${spec.label}}) "${raw}": ${why}`);
  };
  if (/[?LW#H]/.test(raw.replace(/[A-Za-z]+/g, (w) => (spec.names && /^[A-Za-z]+$/.test(w) ? '' : w)))) {
    fail('NCRONTAB has no "?", "L", "W", "#" or "H" (the Functions host rejects them)');
  }
  const values = new Set<number>();
  const parts: string[] = [];
  for (const item of raw.split(',')) {
    if (item === '') fail('empty list item');
    const [base = '', step, extra] = item.split('/');
    if (extra !== undefined) fail(`"${item}" has more than one "/"`);
    let every = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) === 0) fail(`step "${step}" must be a positive integer`);
      every = Number(step);
    }
    let from: number;
    let to: number;
    if (base === '*') {
      from = spec.min;
      to = spec.max;
    } else if (base.includes('-')) {
      const [a = '', b = '', more] = base.split('-');
      if (more !== undefined || a === '' || b === '') fail(`"${base}" is not a range like 1-5`);
      from = parseValue(spec, a, fail);
      to = parseValue(spec, b, fail);
      if (from > to) fail(`range ${a}-${b} runs backwards`);
    } else {
      from = parseValue(spec, base, fail);
      // NCRONTAB: a single value with a step runs to the field's maximum ("5/15" = 5,20,35,50).
      to = step !== undefined ? spec.max : from;
    }
    for (let v = from; v <= to; v += every) values.add(v);
    parts.push(`${from}-${to}${every !== 1 ? `/${every}` : ''}`);
  }
  const restricted = values.size !== spec.max - spec.min + 1;
  return { text: restricted ? parts.join(',') : '*', values, restricted };
}

/** A .NET TimeSpan as the timer trigger accepts it, in milliseconds; null when the text is not a TimeSpan. */
export function parseTimeSpan(text: string): number | null {
  const s = text.trim();
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (/^\d+$/.test(s)) return Number(s) * day;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(s);
  if (!m) return null;
  const [, d, a = '0', b = '0', c, fraction] = m;
  let days = Number(d ?? 0);
  let hours = Number(a);
  let minutes = Number(b);
  let seconds = Number(c ?? 0);
  // "When the first two digits are 24 or greater, the format is dd:hh:mm" (timer trigger docs).
  if (d === undefined && c !== undefined && fraction === undefined && hours >= 24) {
    [days, hours, minutes, seconds] = [hours, minutes, seconds, 0];
  }
  if (hours > 23 || minutes > 59 || seconds > 59) {
    throw new ScheduleError(`invalid TimeSpan schedule "${text}": hours must be 0-23, minutes and seconds 0-59`);
  }
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * second);
  return days * day + hours * hour + minutes * minute + seconds * second + ms;
}

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
  } catch {
    throw new ScheduleError(
      `WEBSITE_TIME_ZONE "${timeZone}" is not a time zone this host knows; use an IANA name such as ` +
        '"America/New_York" or "Europe/Berlin" (as Linux plans do) or leave it unset for UTC',
    );
  }
}

/** Most candidates cron-parser may offer before we conclude a day-of-month AND day-of-week pair never occurs. */
const MAX_CANDIDATES = 20000;

/**
 * Parses a timer trigger schedule (already setting-resolved).
 * @param timeZone IANA zone the NCRONTAB fields are read in (WEBSITE_TIME_ZONE); UTC by default.
 */
export function parseTimerSchedule(expression: string, timeZone = 'UTC'): TimerSchedule {
  const interval = parseTimeSpan(expression);
  if (interval !== null) {
    if (interval <= 0) throw new ScheduleError(`invalid TimeSpan schedule "${expression}": the interval must be positive`);
    return { kind: 'interval', expression, intervalMs: interval, next: (after) => after + interval };
  }
  checkTimeZone(timeZone);
  const tokens = expression.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length !== 6) {
    throw new ScheduleError(
      `invalid NCRONTAB schedule "${expression}": it has ${tokens.length} field(s), the timer trigger needs 6: ` +
        '{second} {minute} {hour} {day} {month} {day-of-week} (a 5-field cron expression needs a leading seconds field, ' +
        'e.g. "0 */5 * * * *")',
    );
  }
  const fields = tokens.map((token, i) => parseField(FIELDS[i] as FieldSpec, i, token, expression));
  const [, , , dayOfMonth, , dayOfWeek] = fields as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  const cronText = fields.map((f) => f.text).join(' ');
  const bothDays = dayOfMonth.restricted && dayOfWeek.restricted;

  const next = (afterMs: number): number | null => {
    let iterator;
    try {
      iterator = CronExpressionParser.parse(cronText, { currentDate: new Date(afterMs), tz: timeZone });
    } catch {
      // cron-parser refuses dates that can never exist (e.g. day 31 of February); NCRONTAB accepts them and never fires.
      return null;
    }
    for (let i = 0; i < (bothDays ? MAX_CANDIDATES : 1); i += 1) {
      let candidate;
      try {
        candidate = iterator.next();
      } catch {
        return null;
      }
      if (!bothDays || (dayOfMonth.values.has(candidate.getDate()) && dayOfWeek.values.has(candidate.getDay()))) {
        return candidate.getTime();
      }
    }
    return null;
  };
  return { kind: 'cron', expression, timeZone, next };
}
