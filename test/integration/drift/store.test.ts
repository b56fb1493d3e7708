/**
 * The drift report store on Azure Tables (Azurite, in memory): a run's end is written by a write conditional on the
 * row's ETag, so of two attempts at once exactly one makes the report's transition to a final state.
 */
import { startAzurite, type AzuriteTables } from '../../../local/azurite';
import type { DriftRun } from '../../../shared/drift/model';
import { createTablesDriftStore, endRunOnce } from '../../../shared/drift/store';

const runId = 'dr-20261128T111500123Z-ab12cd';
const begun: DriftRun = { runId, status: 'Running', trigger: 'timer', mode: 'enforce', startedAt: '2026-11-28T11:15:00.123Z', flows: [], counts: {}, actions: {}, itemCount: 0 };
const ended = (status: DriftRun['status'], error?: string): DriftRun => ({ ...begun, status, endedAt: '2026-11-28T11:15:02.123Z', durationMs: 2000, ...(error ? { error } : {}) });

describe('drift report store on Tables: the run\'s end once', () => {
  let azurite: AzuriteTables;
  beforeAll(async () => {
    azurite = await startAzurite({ inMemory: true });
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('a conditional write: the end over the Running row once, a second end keeps the first, and a stale version is refused', async () => {
    const store = createTablesDriftStore({ connectionString: azurite.connectionString });
    await store.putRun(begun);
    const read = await store.getRunVersioned(runId);
    expect(read?.run).toEqual(begun);
    expect(await endRunOnce(store, ended('Completed'))).toEqual({ first: true, run: ended('Completed') });
    expect(await endRunOnce(store, ended('Failed', 'a retry'))).toEqual({ first: false, run: ended('Completed') });
    // The version read before the end is stale now.
    expect(await store.putRunIf(ended('Failed', 'stale'), read?.version ?? '')).toBe(false);
    expect(await store.putRunIf(ended('Failed', 'created'), null)).toBe(false);
    expect(await store.getRun(runId)).toEqual(ended('Completed'));
  });

  it('of two ends at once, exactly one is first', async () => {
    const store = createTablesDriftStore({ connectionString: azurite.connectionString });
    const other = 'dr-20261128T113000123Z-ef34ab';
    await store.putRun({ ...begun, runId: other });
    const ends = await Promise.all(['Completed', 'Partial'].map((status) => endRunOnce(store, { ...ended(status as DriftRun['status']), runId: other })));
    expect(ends.filter((e) => e.first)).toHaveLength(1);
    const stored = await store.getRun(other);
    expect(ends.map((e) => e.run)).toEqual([stored, stored]);
  });
});
