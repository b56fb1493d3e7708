import { LroPacer, retryAfterMs, type PacedLroOptions, type Poller } from '../../../shared/azure/lro';

/** A fake long-running operation on a fake clock: accepted at once, done `durationMs` later; counts the polls. */
function world() {
  let now = 0;
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    now += ms;
    return Promise.resolve();
  };
  const start = (durationMs: number, answer: { retryAfter?: string; doneAtOnce?: boolean } = {}) => {
    const endsAt = now + durationMs;
    const op = { polls: 0, options: undefined as PacedLroOptions | undefined };
    const interval = 100;
    const poller = (options: PacedLroOptions): Poller<string> => {
      op.options = options;
      options.onResponse?.({ headers: { get: (name: string) => (name === 'retry-after' ? answer.retryAfter : undefined) } });
      let done = answer.doneAtOnce === true;
      return {
        submitted: () => Promise.resolve(),
        get isDone() {
          return done;
        },
        // As core-lro: a poll at once, then one every interval until done.
        async pollUntilDone() {
          for (;;) {
            op.polls += 1;
            if (now >= endsAt) break;
            await sleep(interval);
          }
          done = true;
          return 'result';
        },
      };
    };
    return { op, poller };
  };
  return { start, sleep, waits, now: () => now };
}

describe('LroPacer', () => {
  it('polls as the SDK does the first time, then waits most of the learned duration before the first poll', async () => {
    const w = world();
    const pacer = new LroPacer({ updateIntervalInMs: 100 }, w.sleep, w.now);
    const first = w.start(1000);
    await expect(pacer.run('PUT thing', first.poller)).resolves.toBe('result');
    expect(first.op.polls).toBe(11);
    expect(first.op.options?.updateIntervalInMs).toBe(100);
    expect(pacer.expectedMs('PUT thing')).toBe(1000);
    const second = w.start(1000);
    await pacer.run('PUT thing', second.poller);
    expect(second.op.polls).toBeLessThanOrEqual(3);
    expect(pacer.expectedMs('other kind')).toBeUndefined();
  });

  it("waits at least the write answer's Retry-After before the first poll", async () => {
    const w = world();
    const pacer = new LroPacer({}, w.sleep, w.now);
    const op = w.start(10_000, { retryAfter: '10' });
    await pacer.run('PUT thing', op.poller);
    expect(w.waits[0]).toBe(10_000);
    expect(op.op.polls).toBe(1);
  });

  it('never waits on a write ARM answered as finished', async () => {
    const w = world();
    const pacer = new LroPacer({}, w.sleep, w.now);
    await pacer.run('PUT thing', w.start(1000).poller);
    const waitsBefore = w.waits.length;
    await pacer.run('PUT thing', w.start(0, { doneAtOnce: true, retryAfter: '10' }).poller);
    expect(w.waits.length).toBe(waitsBefore);
  });

  it('follows ARM when its operations get faster', async () => {
    const w = world();
    const pacer = new LroPacer({ updateIntervalInMs: 100 }, w.sleep, w.now);
    await pacer.run('PUT thing', w.start(2000).poller);
    for (let i = 0; i < 10; i++) await pacer.run('PUT thing', w.start(500).poller);
    expect(pacer.expectedMs('PUT thing')).toBeLessThan(800);
  });
});

describe('retryAfterMs', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['10', 10_000],
    ['0', 0],
    ['Thu, 01 Jan 1970 00:00:05 GMT', 5_000],
    ['soon', undefined],
  ])('%s -> %s', (value, expected) => {
    expect(retryAfterMs(value, 0)).toBe(expected);
  });
});
