/**
 * The activity execution trace: one JSON line per activity start and per committed completion, appended
 * synchronously (so a line is on its way to the file before the activity's effects start; `kill -9` cannot lose a
 * `start` written before the process died). Used by the soak (LOCAL_DURABLE_ACTIVITY_TRACE) to prove that no
 * completed activity runs again after a crash; interrupted ones may (at least once).
 *
 *   {"p":"start"|"done","i":"<instanceId>","x":"<executionId>","s":<taskScheduledId>,"n":"<name>","pid":<pid>}
 */
import * as fs from 'node:fs';
import type { ActivityTrace } from './engine';

export function activityTraceFile(file: string): ActivityTrace {
  const fd = fs.openSync(file, 'a');
  return (entry) => {
    fs.writeSync(fd, `${JSON.stringify({ p: entry.phase, i: entry.instanceId, x: entry.executionId, s: entry.seq, n: entry.name, pid: process.pid })}\n`);
  };
}

export interface ActivityTraceReport {
  /** Activity executions started. */
  starts: number;
  /** Distinct activities (instance, execution, task) completed. */
  completed: number;
  /** Activities started again although their completion had been committed: must be 0. */
  rerunAfterCompletion: Array<{ instanceId: string; executionId: string; seq: number; name: string }>;
  /** Activities started again after an interruption (a start without a committed completion): allowed, at least once. */
  rerunAfterInterruption: number;
  /** Lines that do not parse (a torn last line after kill -9 is expected, any other is not). */
  unreadable: number;
}

/** Reads a trace (every process that wrote it, in order) and finds activities that ran again. */
export function checkActivityTrace(text: string): ActivityTraceReport {
  const done = new Set<string>();
  const started = new Set<string>();
  const report: ActivityTraceReport = { starts: 0, completed: 0, rerunAfterCompletion: [], rerunAfterInterruption: 0, unreadable: 0 };
  for (const line of text.split('\n')) {
    if (!line) continue;
    let entry: { p?: unknown; i?: unknown; x?: unknown; s?: unknown; n?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      report.unreadable += 1;
      continue;
    }
    const key = `${String(entry.i)}\u0000${String(entry.x)}\u0000${String(entry.s)}`;
    if (entry.p === 'start') {
      report.starts += 1;
      if (done.has(key)) report.rerunAfterCompletion.push({ instanceId: String(entry.i), executionId: String(entry.x), seq: Number(entry.s), name: String(entry.n) });
      else if (started.has(key)) report.rerunAfterInterruption += 1;
      started.add(key);
    } else if (entry.p === 'done' && !done.has(key)) {
      done.add(key);
      report.completed += 1;
    }
  }
  return report;
}
