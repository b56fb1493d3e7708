import { createVirtualClock } from '../../../local/clock';
import { DuplicateDecider, shuffleDifferently } from '../../../local/eventgrid/injection';
import { decideAfterFailure, defaultNonRetriedStatuses, defaultRetryPolicy, retryDelayInMs } from '../../../local/eventgrid/retryPolicy';
import { EventSubscriptionOptionsError, parseEventSubscriptionOptions } from '../../../local/eventgrid/subscriptionOptions';

const s = 1000;
const m = 60 * s;
const h = 60 * m;

describe('retry schedule', () => {
  it.each([
    [1, 10 * s],
    [2, 30 * s],
    [3, 1 * m],
    [4, 5 * m],
    [5, 10 * m],
    [6, 30 * m],
    [7, 1 * h],
    [8, 3 * h],
    [9, 6 * h],
    [10, 12 * h],
    [25, 12 * h],
  ])('after %i failed attempt(s) waits %i ms', (failed, delay) => {
    expect(retryDelayInMs(failed)).toBe(delay);
  });

  const base = { policy: defaultRetryPolicy, timeScale: 1, nonRetriedStatuses: defaultNonRetriedStatuses, ageInMs: 0 };

  it.each([400, 401, 403, 404, 413])('never retries HTTP %i', (status) => {
    expect(decideAfterFailure({ ...base, status, failedAttempts: 1 })).toEqual({
      action: 'deadLetter',
      reason: 'NonRetriableStatus',
    });
  });

  it.each([undefined, 408, 429, 500, 503])('retries %s on the schedule, time-scaled', (status) => {
    expect(decideAfterFailure({ ...base, status, failedAttempts: 2, timeScale: 0.001 })).toEqual({
      action: 'retry',
      delayInMs: 30,
    });
  });

  it('stops after maxDeliveryAttempts', () => {
    expect(
      decideAfterFailure({ ...base, status: 500, failedAttempts: 3, policy: { maxDeliveryAttempts: 3, eventTimeToLiveInMinutes: 1440 } }),
    ).toEqual({ action: 'deadLetter', reason: 'MaxDeliveryAttemptsExceeded' });
  });

  it('stops when the next try would pass the time-to-live (24 h allows only 11 attempts)', () => {
    // Attempt 11 happens 22h46m40s after publishing (10s+30s+1m+5m+10m+30m+1h+3h+6h+12h); another 12 h wait passes 24 h.
    const age = 10 * s + 30 * s + 1 * m + 5 * m + 10 * m + 30 * m + 1 * h + 3 * h + 6 * h + 12 * h;
    expect(decideAfterFailure({ ...base, status: 500, failedAttempts: 10, ageInMs: age - 12 * h })).toEqual({
      action: 'retry',
      delayInMs: 12 * h,
    });
    expect(decideAfterFailure({ ...base, status: 500, failedAttempts: 11, ageInMs: age })).toEqual({
      action: 'deadLetter',
      reason: 'TimeToLiveExceeded',
    });
  });
});

describe('manual clock', () => {
  it('runs due callbacks in time order and only when advanced', () => {
    const clock = createVirtualClock(0);
    const ran: string[] = [];
    clock.schedule(30, () => ran.push('b'));
    clock.schedule(10, () => {
      ran.push('a');
      clock.schedule(20, () => ran.push('a2'));
    });
    const cancel = clock.schedule(25, () => ran.push('cancelled'));
    cancel();
    clock.advance(5);
    expect(ran).toEqual([]);
    clock.advance(25);
    expect(ran).toEqual(['a', 'a2', 'b']);
    expect(clock.now()).toBe(30);
    expect(clock.advanceToNext()).toBe(false);
  });
});

describe('injection helpers', () => {
  it('shuffleDifferently never returns the original order', () => {
    const alwaysZero = () => 0.999999; // Fisher-Yates with this source is the identity permutation
    expect(shuffleDifferently([1, 2, 3], alwaysZero)).toEqual([3, 2, 1]);
    expect(shuffleDifferently([1], alwaysZero)).toEqual([1]);
  });

  it('DuplicateDecider honours next N, then probability', () => {
    const d = new DuplicateDecider({ next: 2, probability: 0.5 }, () => 0.7);
    expect([d.shouldDuplicate(), d.shouldDuplicate(), d.shouldDuplicate()]).toEqual([true, true, false]);
    const p = new DuplicateDecider({ probability: 0.5 }, () => 0.2);
    expect(p.shouldDuplicate()).toBe(true);
  });
});

describe('event subscription options', () => {
  it('applies Azure defaults', () => {
    const o = parseEventSubscriptionOptions({
      azureSubscriptionId: '00000000-0000-0000-0000-00000000a001',
      name: 'control-plane',
      endpointUrl: 'http://127.0.0.1:7071/runtime/webhooks/eventgrid?functionName=onResourceEvent',
    });
    expect(o).toMatchObject({
      schema: 'EventGridSchema',
      maxEventsPerBatch: 1,
      preferredBatchSizeInKilobytes: 64,
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      deadLetter: true,
    });
  });

  it('names every bad field', () => {
    expect(() =>
      parseEventSubscriptionOptions({
        azureSubscriptionId: 'not-a-guid',
        name: 'x',
        endpointUrl: 'ftp://example',
        maxEventsPerBatch: 0,
      }),
    ).toThrow(EventSubscriptionOptionsError);
    try {
      parseEventSubscriptionOptions({ azureSubscriptionId: 'nope', name: 'ok-name', endpointUrl: 'http://127.0.0.1/x', maxEventsPerBatch: 6000 });
    } catch (e) {
      expect((e as Error).message).toMatch(/azureSubscriptionId: must be a subscription GUID/);
      expect((e as Error).message).toMatch(/maxEventsPerBatch: /);
    }
    expect.assertions(3);
  });
});
