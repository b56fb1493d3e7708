/** An in-memory RecordStore for unit tests of code that records; same ordering rules as the Tables adapter. */
import { resourceKey } from '../azure/resource-id';
import type { AuditEntry, ManagedKind, ManagedRecord, RecordStore } from './records';

export function createMemoryRecordStore(): RecordStore & { audit: AuditEntry[] } {
  const audit: AuditEntry[] = [];
  const records = new Map<string, ManagedRecord>();
  const versions = new Map<string, number>();
  let nextVersion = 1;
  const bump = (k: string): void => void versions.set(k, nextVersion++);
  const key = (kind: ManagedKind, id: string) => `${kind}|${resourceKey(id)}`;
  const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    audit,
    async appendAudit(entries) {
      audit.push(...entries.map(clone));
    },
    async listAudit(resourceId, limit = 50) {
      // Newest `at` first (later appends first among equal times), as the Tables adapter's inverted-time row keys.
      const mine = audit.map((e, i) => ({ e, i })).filter(({ e }) => resourceKey(e.resourceId) === resourceKey(resourceId));
      mine.sort((x, y) => Date.parse(y.e.at) - Date.parse(x.e.at) || y.i - x.i);
      return mine.slice(0, limit).map(({ e }) => clone(e));
    },
    async getRecord(kind, resourceId) {
      const found = records.get(key(kind, resourceId));
      return found ? clone(found) : null;
    },
    async putRecord(record) {
      records.set(key(record.kind, record.resourceId), clone(record));
      bump(key(record.kind, record.resourceId));
    },
    async getVersioned(kind, resourceId) {
      const k = key(kind, resourceId);
      const found = records.get(k);
      return found ? { record: clone(found), version: String(versions.get(k)) } : null;
    },
    async putRecordIf(record, version) {
      const k = key(record.kind, record.resourceId);
      const current = records.has(k) ? String(versions.get(k)) : null;
      if (current !== version) return false;
      records.set(k, clone(record));
      bump(k);
      return true;
    },
    async deleteRecordIf(kind, resourceId, version) {
      const k = key(kind, resourceId);
      if (!records.has(k)) return true;
      if (String(versions.get(k)) !== version) return false;
      records.delete(k);
      return true;
    },
    async listRecords(kind) {
      return [...records.values()].filter((r) => r.kind === kind).map(clone);
    },
  };
}
