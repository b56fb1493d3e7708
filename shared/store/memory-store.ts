/** An in-memory RecordStore for unit tests of code that records; same ordering rules as the Tables adapter. */
import { resourceKey } from '../azure/resource-id';
import type { AuditEntry, ManagedKind, ManagedRecord, RecordStore } from './records';

export function createMemoryRecordStore(): RecordStore & { audit: AuditEntry[] } {
  const audit: AuditEntry[] = [];
  const records = new Map<string, ManagedRecord>();
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
    },
    async listRecords(kind) {
      return [...records.values()].filter((r) => r.kind === kind).map(clone);
    },
  };
}
