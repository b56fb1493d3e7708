/**
 * A managed resource's record over a reconcile (orchestrations/common/record.ts) on the in-memory RecordStore: the
 * `Reconciling` mark, the one log line per outcome, the no-record end; and the sweeps' bounded custom status.
 */
import { beginReconcile, isFailure, OUTCOME_MARKER, recordNothing, recordOutcome, type RecordTarget } from '../../../orchestrations/common/record';
import { MAX_FAILURE_CHARS, sweepProgress } from '../../../orchestrations/common/orchestration';
import { createMemoryRecordStore } from '../../../shared/store/memory-store';
import type { ConditionStatus, TriggerInfo } from '../../../shared/store/records';

const VNET = '/subscriptions/a0000000-0000-4000-8000-0000000000a1/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/my-spoke';
const SPOKE: RecordTarget = { kind: 'spoke', conditionType: 'Peered', resourceId: VNET };
const TRIGGER: TriggerInfo = { source: 'http', correlationId: 'c-1' };

function captureLog() {
  const lines: Array<{ level: 'information' | 'warning'; line: string }> = [];
  return { lines, log: { log: (line: string) => lines.push({ level: 'information', line }), warn: (line: string) => lines.push({ level: 'warning', line }) } };
}

/** The human text and the JSON after the outcome marker, as a log query splits them. */
function splitOutcome(line: string): [string, unknown] {
  const at = line.lastIndexOf(OUTCOME_MARKER);
  return [line.slice(0, at), JSON.parse(line.slice(at + OUTCOME_MARKER.length)) as unknown];
}

const outcome = (status: ConditionStatus, reason: string, message: string) => ({ condition: { status, reason, message }, details: {}, audit: [], trigger: TRIGGER, mode: 'enforce' as const });

describe('recordOutcome', () => {
  it('logs one information line per converged outcome, naming the resource, condition and reason', async () => {
    const store = createMemoryRecordStore();
    const { lines, log } = captureLog();
    await recordOutcome(store, SPOKE, outcome('True', 'Converged', 'peered with hub westeurope: both sides Connected and FullyInSync'), log);
    const human = `spoke ${VNET}: Peered=True Converged (peered with hub westeurope: both sides Connected and FullyInSync)`;
    expect(lines).toEqual([{ level: 'information', line: expect.stringMatching(/ outcome=\{.*\}$/) }]);
    const [text, json] = splitOutcome(lines[0]?.line ?? '');
    expect(text).toBe(human);
    // The parseable part a log query reads: resource ID, flow, reason and the correlation ID.
    expect(json).toEqual({ resourceId: VNET, kind: 'spoke', flow: 'peering', condition: 'Peered', status: 'True', reason: 'Converged', mode: 'enforce', source: 'http', correlationId: 'c-1', eventId: null });
    expect((await store.getRecord('spoke', VNET))?.condition).toMatchObject({ type: 'Peered', status: 'True', reason: 'Converged' });
  });

  it.each<[ConditionStatus, string, 'information' | 'warning']>([
    ['False', 'AddressSpaceOverlap', 'warning'],
    ['False', 'RemoteVnetHasNoGateways', 'warning'],
    ['Unknown', 'ArmError', 'warning'],
    ['Unknown', 'NotConverged', 'warning'],
    ['False', 'Conflict', 'warning'],
    ['False', 'OptedOut', 'information'],
    ['False', 'Deleted', 'information'],
    ['False', 'WouldChange', 'information'],
    ['True', 'Registered', 'information'],
  ])('logs %s %s at %s level', async (status, reason, level) => {
    const { lines, log } = captureLog();
    await recordOutcome(createMemoryRecordStore(), { kind: 'endpoint', conditionType: 'DnsRegistered', resourceId: 'pe-1' }, outcome(status, reason, 'why'), log);
    expect(lines.map((l) => l.level)).toEqual([level]);
    const [text, json] = splitOutcome(lines[0]?.line ?? '');
    expect(text).toBe(`endpoint pe-1: DnsRegistered=${status} ${reason} (why)`);
    expect(json).toMatchObject({ resourceId: 'pe-1', flow: 'dns', status, reason, correlationId: 'c-1' });
    expect(isFailure({ status, reason })).toBe(level === 'warning');
  });
});

describe('beginReconcile', () => {
  it('marks a resource without a record Reconciling (Unknown), and says it was never seen', async () => {
    const store = createMemoryRecordStore();
    expect(await beginReconcile(store, SPOKE, TRIGGER)).toEqual({ seen: false, marked: true });
    const record = await store.getRecord('spoke', VNET);
    expect(record?.condition).toMatchObject({ type: 'Peered', status: 'Unknown', reason: 'Reconciling', message: 'the first pass is running (asked for by http)' });
    // A second execution before any outcome: still not seen, nothing rewritten.
    expect(await beginReconcile(store, SPOKE, TRIGGER)).toEqual({ seen: false, marked: false });
  });

  it('leaves a recorded outcome alone and says the resource was seen', async () => {
    const store = createMemoryRecordStore();
    await recordOutcome(store, SPOKE, outcome('False', 'OptedOut', 'tagged'), captureLog().log);
    const before = await store.getRecord('spoke', VNET);
    expect(await beginReconcile(store, SPOKE, { source: 'sweep' })).toEqual({ seen: true, marked: false });
    expect(await store.getRecord('spoke', VNET)).toEqual(before);
  });
});

describe('recordNothing', () => {
  it('removes a Reconciling mark and logs why nothing is recorded', async () => {
    const store = createMemoryRecordStore();
    const { lines, log } = captureLog();
    await beginReconcile(store, SPOKE, TRIGGER);
    await recordNothing(store, SPOKE, { reason: 'NotFound', message: 'it does not exist' }, log);
    expect(await store.getRecord('spoke', VNET)).toBeNull();
    expect(lines).toEqual([{ level: 'information', line: `spoke ${VNET}: nothing recorded, NotFound (it does not exist)` }]);
  });

  it('never removes a recorded outcome', async () => {
    const store = createMemoryRecordStore();
    await recordOutcome(store, SPOKE, outcome('False', 'Deleted', 'gone'), captureLog().log);
    await recordNothing(store, SPOKE, { reason: 'NotFound', message: 'x' }, captureLog().log);
    expect((await store.getRecord('spoke', VNET))?.condition.reason).toBe('Deleted');
  });
});

describe('sweepProgress', () => {
  // Azure fails an orchestration whose custom status is above 16 KB of UTF-16 (2 bytes a character).
  const fits = (value: unknown) => JSON.stringify(value).length * 2 <= 16 * 1024;

  it('stays far below the custom status limit however many subscriptions fail, with long messages', () => {
    const done = Array.from({ length: 10_000 }, (_, i) => ({ subscriptionId: `sub-${i}`, ...(i % 2 ? { error: `AuthorizationFailed: ${'x'.repeat(5_000)}` } : {}) }));
    const progress = sweepProgress('listing', 20_000, done, 123_456);
    expect(fits(progress)).toBe(true);
    expect(progress).toMatchObject({ phase: 'listing', subscriptions: 20_000, listed: 5_000, failed: 5_000, found: 123_456 });
    expect(progress.lastFailure).toHaveLength(MAX_FAILURE_CHARS);
    expect(progress.lastFailure?.startsWith('sub-9999: AuthorizationFailed: xxx')).toBe(true);
  });

  it('has no lastFailure when every listing succeeded', () => {
    expect(sweepProgress('requesting', 2, [{ subscriptionId: 'a' }, { subscriptionId: 'b' }], 7)).toEqual({ phase: 'requesting', subscriptions: 2, listed: 2, failed: 0, found: 7 });
  });
});
