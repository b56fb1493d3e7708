/**
 * Instance stores. Both keep the whole working state in memory and apply operations synchronously, so the engine
 * always reads its own writes; `commit` resolves once the operations are durable (immediately in memory).
 */
import type { HistoryEvent } from './history';
import { applyOp, emptyState, type EntityRecord, type OrchestrationRecord, type StoreOp, type StoreState } from './state';

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

export class MemoryInstanceStore extends StateBackedStore implements InstanceStore {
  readonly kind = 'memory' as const;

  async open(): Promise<void> {}

  commit(ops: StoreOp[]): Promise<void> {
    for (const op of ops) applyOp(this.state, op);
    return Promise.resolve();
  }

  async loadHistory(rec: OrchestrationRecord): Promise<HistoryEvent[]> {
    return rec.history;
  }

  async close(): Promise<void> {}
}
