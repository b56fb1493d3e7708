/**
 * One logger for the local host and the functions it runs: every line is
 * `<ISO time> <level> <function name | host> <invocation id | -> <message>`, filtered by a minimum level
 * (app setting LOCAL_LOG_LEVEL, default information, like host.json's `logging.logLevel.default`).
 */
export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

const ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5 };

/** Accepted spellings: the worker's (`information`, `warning`) and host.json's (`Information`, `Warning`), plus short ones. */
const ALIASES: Record<string, LogLevel | 'none'> = {
  trace: 'trace',
  debug: 'debug',
  information: 'information',
  info: 'information',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  critical: 'critical',
  none: 'none',
};

/** Parses a minimum level; throws naming the setting when the value is not a level. */
export function parseLogLevel(value: string | undefined, settingName: string): LogLevel | 'none' {
  if (value === undefined || value.trim() === '') return 'information';
  const level = ALIASES[value.trim().toLowerCase()];
  if (!level) {
    throw new Error(
      `App setting ${settingName} is "${value}"; use one of trace, debug, information, warning, error, critical or none.`,
    );
  }
  return level;
}

export interface LogLine {
  level: LogLevel;
  functionName?: string;
  invocationId?: string;
  message: string;
}

export type LogSink = (line: string, level: LogLevel) => void;

/** Writes warnings and worse to stderr, the rest to stdout. */
export const consoleSink: LogSink = (line, level) => {
  (ORDER[level] >= ORDER.warning ? process.stderr : process.stdout).write(`${line}\n`);
};

export interface HostLogger {
  log(entry: LogLine): void;
  /** A host-level line (no function, no invocation). */
  host(level: LogLevel, message: string): void;
  enabled(level: LogLevel): boolean;
}

/** Maps the worker's levels (which include `none`) onto ours; `none` means "do not log". */
export function toLogLevel(level: string): LogLevel | undefined {
  const l = ALIASES[level.toLowerCase()];
  return l === undefined || l === 'none' ? undefined : l;
}

export function createLogger(options: { minimum: LogLevel | 'none'; now: () => number; sink: LogSink }): HostLogger {
  const enabled = (level: LogLevel): boolean => options.minimum !== 'none' && ORDER[level] >= ORDER[options.minimum];
  const log = (entry: LogLine): void => {
    if (!enabled(entry.level)) return;
    // One line per entry: multi-line messages (stack traces) keep their breaks as a visible "\n".
    const message = entry.message.replace(/\r?\n/g, '\\n');
    const line = [
      new Date(options.now()).toISOString(),
      entry.level,
      entry.functionName ?? 'host',
      entry.invocationId ?? '-',
      message,
    ].join(' ');
    options.sink(line, entry.level);
  };
  return { log, host: (level, message) => log({ level, message }), enabled };
}
