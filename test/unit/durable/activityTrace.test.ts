// The activity execution trace check: an activity started again after its completion was committed is what the
// soak's crash-safety figure counts (must be 0); one started again after an interruption is allowed.
import { checkActivityTrace } from '../../../local/durable/activityTrace';

const line = (p: 'start' | 'done', i: string, s: number, x = 'x1'): string => JSON.stringify({ p, i, x, s, n: 'Act', pid: 1 });

describe('checkActivityTrace', () => {
  it.each([
    ['one run each', [line('start', 'a', 1), line('done', 'a', 1), line('start', 'a', 2), line('done', 'a', 2)], { starts: 2, completed: 2, again: 0, interrupted: 0 }],
    ['interrupted then run again (at least once)', [line('start', 'a', 1), line('start', 'a', 1), line('done', 'a', 1)], { starts: 2, completed: 1, again: 0, interrupted: 1 }],
    ['completed then run again', [line('start', 'a', 1), line('done', 'a', 1), line('start', 'a', 1), line('done', 'a', 1)], { starts: 2, completed: 1, again: 1, interrupted: 0 }],
    ['same task id in another execution (continueAsNew) is a new activity', [line('start', 'a', 1), line('done', 'a', 1), line('start', 'a', 1, 'x2')], { starts: 2, completed: 1, again: 0, interrupted: 0 }],
    ['same task id in another instance', [line('start', 'a', 1), line('done', 'a', 1), line('start', 'b', 1)], { starts: 2, completed: 1, again: 0, interrupted: 0 }],
  ])('%s', (_name, lines, expected) => {
    const report = checkActivityTrace(`${lines.join('\n')}\n`);
    expect({ starts: report.starts, completed: report.completed, again: report.rerunAfterCompletion.length, interrupted: report.rerunAfterInterruption }).toEqual(expected);
  });

  it('counts a torn line as unreadable and reads on', () => {
    const report = checkActivityTrace(`${line('start', 'a', 1)}\n{"p":"do\n${line('done', 'a', 1)}\n`);
    expect(report).toMatchObject({ starts: 1, completed: 1, unreadable: 1 });
  });
});
