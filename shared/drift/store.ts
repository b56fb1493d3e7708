/**
 * Where drift reports are kept: Azure Tables (Azurite locally), two tables.
 *  - ControlPlaneDriftRuns: PartitionKey `run`, RowKey = inverted start time + run ID (a partition query lists the
 *    newest first); the run as JSON plus its status.
 *  - ControlPlaneDriftItems: PartitionKey = run ID, RowKey = the item's index (zero-padded); one row per item.
 * An in-memory store for unit tests keeps the same order.
 */
import { odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { runStart, type DriftItem, type DriftRun } from './model';
import { getEntityOrNull, putEntityIf, tablesOf, type TablesConnection } from '../store/tables-store';

export const DRIFT_RUNS_TABLE = 'ControlPlaneDriftRuns';
export const DRIFT_ITEMS_TABLE = 'ControlPlaneDriftItems';
/** The most items a run keeps (a report beyond this says so in its error). */
export const MAX_ITEMS_PER_RUN = 20_000;

export interface DriftReportStore {
  putRun(run: DriftRun): Promise<void>;
  getRun(runId: string): Promise<DriftRun | null>;
  /** The run with its version (the row's ETag), for a conditional write; null when there is none. */
  getRunVersioned(runId: string): Promise<{ run: DriftRun; version: string } | null>;
  /** Writes the run only if its row is still at `version` (null: only if there is none); false when it was not. */
  putRunIf(run: DriftRun, version: string | null): Promise<boolean>;
  /** Newest first. */
  listRuns(limit: number): Promise<DriftRun[]>;
  /** Writes items `from` index `start` (a run appends as each detector ends). */
  putItems(runId: string, start: number, items: readonly DriftItem[]): Promise<void>;
  listItems(runId: string): Promise<DriftItem[]>;
}

function rowKeyOf(runId: string): string {
  const start = Date.parse(runStart(runId) ?? '');
  const inverted = String(253402300799999 - (Number.isFinite(start) ? start : 0)).padStart(15, '0');
  return `${inverted}-${runId}`;
}

const index = (i: number): string => String(i).padStart(6, '0');

export type DriftTablesConnection = TablesConnection;

export function createTablesDriftStore(connection: DriftTablesConnection): DriftReportStore {
  const { open, ensure } = tablesOf(connection);
  const runs = open(DRIFT_RUNS_TABLE);
  const items = open(DRIFT_ITEMS_TABLE);
  const toRun = (e: Record<string, unknown>): DriftRun => JSON.parse(String(e.run)) as DriftRun;
  return {
    async putRun(run) {
      await ensure(runs);
      await runs.upsertEntity({ partitionKey: 'run', rowKey: rowKeyOf(run.runId), runId: run.runId, status: run.status, run: JSON.stringify(run) }, 'Replace');
    },
    async getRun(runId) {
      await ensure(runs);
      const found = await getEntityOrNull(runs, 'run', rowKeyOf(runId));
      return found && toRun(found.entity);
    },
    async getRunVersioned(runId) {
      await ensure(runs);
      const found = await getEntityOrNull(runs, 'run', rowKeyOf(runId));
      return found && { run: toRun(found.entity), version: found.etag };
    },
    async putRunIf(run, version) {
      await ensure(runs);
      return putEntityIf(runs, { partitionKey: 'run', rowKey: rowKeyOf(run.runId), runId: run.runId, status: run.status, run: JSON.stringify(run) }, version);
    },
    async listRuns(limit) {
      await ensure(runs);
      const out: DriftRun[] = [];
      for await (const e of runs.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${'run'}` } })) {
        out.push(toRun(e));
        if (out.length >= limit) break;
      }
      return out;
    },
    async putItems(runId, start, list) {
      if (list.length === 0) return;
      await ensure(items);
      const rows = list.map((item, i): TableEntity<Record<string, unknown>> => ({ partitionKey: runId, rowKey: index(start + i), flow: item.flow, kind: item.kind, action: item.action, item: JSON.stringify(item) }));
      for (let i = 0; i < rows.length; i += 100) await items.submitTransaction(rows.slice(i, i + 100).map((row): TransactionAction => ['upsert', row, 'Replace']));
    },
    async listItems(runId) {
      await ensure(items);
      const out: DriftItem[] = [];
      for await (const e of items.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${runId}` } })) out.push(JSON.parse(String(e.item)) as DriftItem);
      return out;
    },
  };
}

export function createMemoryDriftStore(): DriftReportStore {
  // Each row with its version, raised by every write (as a Tables row's ETag changes).
  const runs = new Map<string, { json: string; version: number }>();
  const items = new Map<string, Map<number, string>>();
  let versions = 0;
  return {
    async putRun(run) {
      runs.set(rowKeyOf(run.runId), { json: JSON.stringify(run), version: ++versions });
    },
    async getRun(runId) {
      const found = runs.get(rowKeyOf(runId));
      return found ? (JSON.parse(found.json) as DriftRun) : null;
    },
    async getRunVersioned(runId) {
      const found = runs.get(rowKeyOf(runId));
      return found ? { run: JSON.parse(found.json) as DriftRun, version: String(found.version) } : null;
    },
    async putRunIf(run, version) {
      const found = runs.get(rowKeyOf(run.runId));
      if ((found ? String(found.version) : null) !== version) return false;
      runs.set(rowKeyOf(run.runId), { json: JSON.stringify(run), version: ++versions });
      return true;
    },
    async listRuns(limit) {
      return [...runs.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(0, limit).map(([, v]) => JSON.parse(v.json) as DriftRun);
    },
    async putItems(runId, start, list) {
      const mine = items.get(runId) ?? new Map<number, string>();
      list.forEach((item, i) => mine.set(start + i, JSON.stringify(item)));
      items.set(runId, mine);
    },
    async listItems(runId) {
      return [...(items.get(runId)?.entries() ?? [])].sort(([a], [b]) => a - b).map(([, v]) => JSON.parse(v) as DriftItem);
    },
  };
}

/**
 * Writes a run's end once: only while the stored report still says Running (or there is none), by a write
 * conditional on the version read, so of two attempts (an activity retried, say) exactly one makes the report's
 * transition to a final state. Answers whether this call made it, and the run as stored after it (on a later
 * attempt, the end the first one wrote).
 */
export async function endRunOnce(store: DriftReportStore, run: DriftRun): Promise<{ first: boolean; run: DriftRun }> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const current = await store.getRunVersioned(run.runId);
    if (current && current.run.status !== 'Running') return { first: false, run: current.run };
    if (await store.putRunIf(run, current?.version ?? null)) return { first: true, run };
  }
  throw new Error(`drift run ${run.runId}: its report kept changing while its end was written (5 attempts)`);
}
