/**
 * Waiting for long-running ARM operations without polling more than ARM asks.
 *
 * The SDK's poller (core-lro) polls the status URL at once after the write is accepted, then every
 * `updateIntervalInMs` unless a poll answer carries a non-zero `Retry-After`. It ignores the `Retry-After` of the
 * write's own answer, and knows nothing of how long the operation usually takes, so a 15 s peering write polled every
 * 2 s costs 8 polls and the first is certain to find it still running.
 *
 * `LroPacer.run` sends the write, then waits before handing the poller back to the SDK for as long as ARM asked
 * (the write answer's `Retry-After`) or, when longer, most of the duration the same kind of operation has taken in
 * this process (learned from the operations it ran: a moving average, so the estimate follows ARM if it speeds up or
 * slows down). From there the SDK polls as before (its interval, or `Retry-After` when a poll answer has one). A
 * write that ARM answered as finished is never waited on. Everything here runs in activities, never in orchestrators.
 */

/**
 * What of core-lro 3's `PollerLike` the pacer uses (every `@azure/arm-*` client's LRO methods return one; declared
 * here because the hoisted @azure/core-lro is the older 2.x the clients do not use).
 */
export interface Poller<T> {
  submitted(): Promise<void>;
  readonly isDone: boolean;
  pollUntilDone(): Promise<T>;
}

/** The operation options the pacer passes: the SDK's poll interval and a hook to read the write's answer. */
export interface PacedLroOptions {
  updateIntervalInMs?: number;
  onResponse?: (response: { headers: { get(name: string): string | undefined } }) => void;
}

/** Reads Retry-After (delta seconds, or an HTTP date) as core-lro does; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Share of the learned duration waited before the first poll: a little early beats a whole poll interval late. */
const FIRST_POLL_SHARE = 0.85;
/** Weight of the newest observed duration in the moving average. */
const LEARNING_RATE = 0.3;
/** What an operation found done at the first poll after a wait is taken to have lasted, as a share of the wait. */
const PROBE_DOWN = 0.6;
/** core-lro's poll interval when none is configured. */
const SDK_POLL_INTERVAL_MS = 2000;

export class LroPacer {
  /** Learned duration (ms, accept to seen done) per operation kind; kinds are a handful of constant strings. */
  private readonly expected = new Map<string, number>();
  /** Counters the benchmarks print (polls are the request log's; these are the pacer's own). */
  readonly stats = { operations: 0, waitedMs: 0 };

  constructor(
    private readonly options: { updateIntervalInMs?: number } = {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The learned duration of `kind`, if any operation of that kind finished in this process. */
  expectedMs(kind: string): number | undefined {
    return this.expected.get(kind);
  }

  /**
   * Runs one long-running operation of `kind`: `start(options)` makes the SDK call with the options given (merge
   * your own into them); resolves with the operation's result as `pollUntilDone` does, and rejects as it does.
   */
  async run<T>(kind: string, start: (options: PacedLroOptions) => Poller<T>): Promise<T> {
    const started = this.now();
    let askedMs: number | undefined;
    // onResponse sees the write's answer only (the SDK's polls do not call it): its Retry-After.
    const poller = start({ ...this.options, onResponse: (response) => (askedMs = retryAfterMs(response.headers.get('retry-after'))) });
    await poller.submitted();
    let waited = 0;
    if (!poller.isDone) {
      const learned = this.expected.get(kind);
      const elapsed = this.now() - started;
      waited = Math.max(askedMs ?? 0, learned !== undefined ? learned * FIRST_POLL_SHARE - elapsed : 0);
      if (waited > 0) {
        this.stats.waitedMs += waited;
        await this.sleep(waited);
      }
    }
    const polling = this.now();
    const result = await poller.pollUntilDone();
    const took = this.now() - started;
    // Done at the first poll after a wait: it finished some time during the wait, so the wait was too long; aim
    // lower next time (else the estimate would only ever shrink by the FIRST_POLL_SHARE margin).
    const doneAtFirstPoll = waited > 0 && this.now() - polling < (this.options.updateIntervalInMs ?? SDK_POLL_INTERVAL_MS);
    const observed = doneAtFirstPoll ? took * PROBE_DOWN : took;
    const was = this.expected.get(kind);
    this.expected.set(kind, was === undefined ? observed : was + LEARNING_RATE * (observed - was));
    this.stats.operations += 1;
    return result;
  }
}
