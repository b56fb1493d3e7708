/**
 * The RecordStore on Azure Tables (Azurite locally). Two tables:
 *  - ControlPlaneRecords: PartitionKey = kind, RowKey = the resource key; one row per managed resource;
 *  - ControlPlaneAudit: PartitionKey = the resource key, RowKey = inverted time + random, so a partition query
 *    lists a resource's history newest first.
 * Keys percent-encode the characters Tables forbids in keys (`/ \ # ?`) and `%` itself.
 */
import { randomBytes } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { odata, TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { resourceKey } from '../azure/resource-id';
import type { AuditEntry, ManagedKind, ManagedRecord, RecordStore } from './records';

export const RECORDS_TABLE = 'ControlPlaneRecords';
export const AUDIT_TABLE = 'ControlPlaneAudit';
/** A Tables string property holds at most 64 KiB (32 K UTF-16 characters); larger JSON is cut and marked. */
const MAX_PROPERTY_CHARS = 30_000;

export function tableKey(id: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Tables forbids in keys
  return resourceKey(id).replace(/[/\\#?%\u0000-\u001f\u007f-\u009f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function json(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > MAX_PROPERTY_CHARS ? JSON.stringify({ truncated: true, prefix: text.slice(0, MAX_PROPERTY_CHARS) }) : text;
}

function parse<T>(text: unknown): T | undefined {
  return typeof text === 'string' && text !== '' ? (JSON.parse(text) as T) : undefined;
}

/** Milliseconds until the year 9999, zero-padded: sorts newest first. */
function invertedTime(iso: string): string {
  return String(253402300799999 - Date.parse(iso)).padStart(15, '0');
}

const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode;

function toEntity(record: ManagedRecord): TableEntity<Record<string, unknown>> {
  return {
    partitionKey: record.kind,
    rowKey: tableKey(record.resourceId),
    resourceId: record.resourceId,
    condition: json(record.condition),
    details: json(record.details),
    ...(record.lastTrigger ? { lastTrigger: json(record.lastTrigger) } : {}),
    updatedAt: record.updatedAt,
    status: record.condition.status,
    reason: record.condition.reason,
  };
}

export type TablesConnection = { connectionString: string } | { accountUrl: string; credential: TokenCredential };

/** An entity and its ETag, or null when the table has no such row (404). */
export async function getEntityOrNull(client: TableClient, partitionKey: string, rowKey: string): Promise<{ entity: Record<string, unknown>; etag: string } | null> {
  try {
    const e = await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
    return { entity: e, etag: String(e.etag) };
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}

/**
 * Writes `entity` only if the row is still at `etag` (null: only if there is no such row); false when another writer
 * got there first (409 created meanwhile, 412 changed meanwhile, 404 deleted meanwhile). The record store and the
 * drift report store share it.
 */
export async function putEntityIf(client: TableClient, entity: TableEntity<Record<string, unknown>>, etag: string | null): Promise<boolean> {
  try {
    if (etag === null) await client.createEntity(entity);
    else await client.updateEntity(entity, 'Replace', { etag });
    return true;
  } catch (e) {
    if ([404, 409, 412].includes(statusOf(e) ?? 0)) return false;
    throw e;
  }
}

/**
 * Table clients on one connection, and `ensure(client)`: createTable once per process and table (idempotent: an
 * existing table is not an error; a failure is forgotten so the next call tries again). The record store and the
 * drift report store share it.
 */
export function tablesOf(connection: TablesConnection): { open(table: string): TableClient; ensure(client: TableClient): Promise<void> } {
  const open = (table: string): TableClient =>
    'connectionString' in connection
      ? TableClient.fromConnectionString(connection.connectionString, table, { allowInsecureConnection: /UseDevelopmentStorage|http:\/\//i.test(connection.connectionString) })
      : new TableClient(connection.accountUrl, table, connection.credential);
  const ready = new Map<TableClient, Promise<void>>();
  const ensure = (client: TableClient): Promise<void> => {
    let p = ready.get(client);
    if (!p) {
      p = client.createTable().catch((e: unknown) => {
        ready.delete(client);
        throw e;
      });
      ready.set(client, p);
    }
    return p;
  };
  return { open, ensure };
}

export function createTablesRecordStore(connection: TablesConnection): RecordStore {
  const { open, ensure } = tablesOf(connection);
  const records = open(RECORDS_TABLE);
  const audit = open(AUDIT_TABLE);

  const toRecord = (e: Record<string, unknown>): ManagedRecord => ({
    kind: e.partitionKey as ManagedKind,
    resourceId: String(e.resourceId),
    condition: parse(e.condition) ?? { type: 'Unknown', status: 'Unknown', reason: 'Unknown', message: '', lastTransitionTime: '' },
    details: parse(e.details) ?? {},
    ...(e.lastTrigger ? { lastTrigger: parse(e.lastTrigger) } : {}),
    updatedAt: String(e.updatedAt),
  });

  return {
    async appendAudit(entries) {
      if (entries.length === 0) return;
      await ensure(audit);
      const rows = entries.map((entry): TableEntity<Record<string, unknown>> => ({
        partitionKey: tableKey(entry.resourceId),
        rowKey: `${invertedTime(entry.at)}-${randomBytes(6).toString('hex')}`,
        at: entry.at,
        resourceId: entry.resourceId,
        kind: entry.kind,
        action: entry.action,
        outcome: entry.outcome,
        reason: entry.reason,
        mode: entry.mode,
        ...(entry.target ? { target: entry.target } : {}),
        ...(entry.before !== undefined ? { before: json(entry.before) } : {}),
        ...(entry.after !== undefined ? { after: json(entry.after) } : {}),
        ...(entry.error ? { error: json(entry.error) } : {}),
        ...(entry.trigger ? { trigger: json(entry.trigger) } : {}),
      }));
      // Entries of one resource go in one entity-group transaction (one round trip, all or nothing; at most 100).
      const byPartition = new Map<string, TableEntity<Record<string, unknown>>[]>();
      for (const row of rows) {
        const group = byPartition.get(row.partitionKey);
        if (group) group.push(row);
        else byPartition.set(row.partitionKey, [row]);
      }
      for (const group of byPartition.values()) {
        for (let i = 0; i < group.length; i += 100) {
          const chunk = group.slice(i, i + 100);
          if (chunk.length === 1) await audit.createEntity(chunk[0] as TableEntity<Record<string, unknown>>);
          else await audit.submitTransaction(chunk.map((row): TransactionAction => ['create', row]));
        }
      }
    },
    async listAudit(resourceId, limit = 50) {
      await ensure(audit);
      const out: AuditEntry[] = [];
      const rows = audit.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tableKey(resourceId)}` } });
      for await (const e of rows) {
        out.push({
          at: String(e.at),
          resourceId: String(e.resourceId),
          kind: e.kind as AuditEntry['kind'],
          action: String(e.action),
          outcome: e.outcome as AuditEntry['outcome'],
          reason: String(e.reason),
          mode: e.mode as AuditEntry['mode'],
          ...(e.target ? { target: String(e.target) } : {}),
          ...(e.before !== undefined ? { before: parse(e.before) } : {}),
          ...(e.after !== undefined ? { after: parse(e.after) } : {}),
          ...(e.error ? { error: parse<{ code: string; message: string }>(e.error) } : {}),
          ...(e.trigger ? { trigger: parse(e.trigger) } : {}),
        } as AuditEntry);
        if (out.length >= limit) break;
      }
      return out;
    },
    async getRecord(kind, resourceId) {
      await ensure(records);
      const found = await getEntityOrNull(records, kind, tableKey(resourceId));
      return found && toRecord(found.entity);
    },
    async putRecord(record) {
      await ensure(records);
      await records.upsertEntity(toEntity(record), 'Replace');
    },
    async getVersioned(kind, resourceId) {
      await ensure(records);
      const found = await getEntityOrNull(records, kind, tableKey(resourceId));
      return found && { record: toRecord(found.entity), version: found.etag };
    },
    async putRecordIf(record, version) {
      await ensure(records);
      return putEntityIf(records, toEntity(record), version);
    },
    async deleteRecordIf(kind, resourceId, version) {
      await ensure(records);
      try {
        await records.deleteEntity(kind, tableKey(resourceId), { etag: version });
        return true;
      } catch (e) {
        if (statusOf(e) === 404) return true;
        if (statusOf(e) === 412) return false;
        throw e;
      }
    },
    async listRecords(kind) {
      await ensure(records);
      const out: ManagedRecord[] = [];
      for await (const e of records.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${kind}` } })) out.push(toRecord(e));
      return out;
    },
  };
}
