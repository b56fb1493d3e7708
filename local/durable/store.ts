/**
 * Instance stores. Both keep the whole working state in memory and apply operations synchronously, so the engine
 * always reads its own writes; `commit` resolves once the operations are durable (immediately in memory).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { HistoryEvent } from './history';
import { applyOp, emptyState, isTerminal, type EntityRecord, type OrchestrationRecord, type StoreOp, type StoreState } from './state';

export interface InstanceStore {
  readonly kind: 'memory' | 'disk';
  /** Loads what was persisted; call once before anything else. */
  open(): Promise<void>;
  /** Applies `ops` now, in order, and resolves when they are durable. */
  commit(ops: StoreOp[]): Promise<void>;
  getOrchestration(instanceId: string): OrchestrationRecord | undefined;
  orchestrations(): Iterable<OrchestrationRecord>;
  getEntity(entityId: string): EntityRecord | undefined;
  entities(): Iterable<EntityRecord>;
  /** The history of an instance, read back from disk when it was archived. */
  loadHistory(rec: OrchestrationRecord): Promise<HistoryEvent[]>;
  /** Flushes and releases files. */
  close(): Promise<void>;
}

/** The reads both stores serve from the state they keep in memory (the journal store also persists it). */
export abstract class StateBackedStore {
  protected state: StoreState = emptyState();

  getOrchestration(instanceId: string): OrchestrationRecord | undefined {
    return this.state.orchestrations.get(instanceId);
  }

  orchestrations(): Iterable<OrchestrationRecord> {
    return this.state.orchestrations.values();
  }

  getEntity(entityId: string): EntityRecord | undefined {
    return this.state.entities.get(entityId);
  }

  entities(): Iterable<EntityRecord> {
    return this.state.entities.values();
  }
}

/**
 * The in-memory store. Like the disk store's archive files, a finished instance's history leaves the live state
 * once nothing is left in its inbox: it is kept gzipped (a few percent of the live objects' size) and read back
 * only by `loadHistory` (status queries with showHistory, getHistory). Nothing else reads the history of a finished
 * instance: messages to it are dropped unread, and a new instance with its id starts from an empty history.
 */
export class MemoryInstanceStore extends StateBackedStore implements InstanceStore {
  readonly kind = 'memory' as const;
  private readonly archives = new Map<string, Buffer>();

  async open(): Promise<void> {}

  commit(ops: StoreOp[]): Promise<void> {
    for (const op of ops) {
      applyOp(this.state, op);
      if (op.t === 'create') this.archives.delete(op.rec.instanceId);
      else if (op.t === 'purge') this.archives.delete(op.id);
      else if (op.t === 'episode') this.archiveIfFinished(op.id);
    }
    return Promise.resolve();
  }

  private archiveIfFinished(instanceId: string): void {
    const rec = this.state.orchestrations.get(instanceId);
    if (!rec || rec.archived || rec.inbox.length > 0 || !isTerminal(rec.status)) return;
    this.archives.set(instanceId, gzipSync(JSON.stringify(rec.history)));
    rec.history = [];
    rec.archived = true;
  }

  async loadHistory(rec: OrchestrationRecord): Promise<HistoryEvent[]> {
    const archived = rec.archived ? this.archives.get(rec.instanceId) : undefined;
    return archived ? (JSON.parse(gunzipSync(archived).toString('utf8')) as HistoryEvent[]) : rec.history;
  }

  async close(): Promise<void> {}
}
