/**
 * The engine's durable state: orchestration instances and entities, and the operations that change them.
 * Both stores apply the same operations with {@link applyOp}; the disk store also journals them, so replaying the
 * journal over the last snapshot rebuilds exactly the state the engine had.
 */
import type { HistoryEvent } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set<RuntimeStatus>(['Completed', 'Failed', 'Terminated']);

export const isTerminal = (s: RuntimeStatus): boolean => TERMINAL_STATUSES.has(s);

export interface ParentRef {
  instanceId: string;
  executionId: string;
  /** The parent's sequence number for the SubOrchestrationInstanceCreated event. */
  taskScheduledId: number;
}

export interface OrchestrationRecord {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  /** JSON text of the current execution's input. */
  input?: string;
  /** JSON text of the output (for Failed/Terminated: a JSON string with the reason). */
  output?: string;
  /** JSON text. */
  customStatus?: string;
  createdTime: number;
  lastUpdatedTime: number;
  parent?: ParentRef;
  /** History of the current execution. Empty while `archived`. */
  history: HistoryEvent[];
  /** Messages that arrived and were not processed yet, in arrival order. */
  inbox: HistoryEvent[];
  /** Set by the disk store when the history of a finished instance lives in its archive file, not in memory. */
  archived?: boolean;
}

/** One operation request to an entity (the extension's RequestMessage, reduced to what the engine uses). */
export interface EntityRequest {
  id: string;
  op: string;
  signal: boolean;
  /** JSON text. */
  input?: string;
  /** Who waits for the response (calls only). */
  parentInstanceId?: string;
  parentExecutionId?: string;
}

export interface EntityRecord {
  /** Scheduler id: `@name@key`, name lower-cased. */
  entityId: string;
  exists: boolean;
  /** JSON text. */
  state?: string;
  queue: EntityRequest[];
  lastModified: number;
}

export interface MetaPatch {
  status?: RuntimeStatus;
  output?: string | null;
  customStatus?: string | null;
  lastUpdatedTime?: number;
}

export type StoreOp =
  /** Creates (or replaces, for a restart of a finished instance) an orchestration instance. */
  | { t: 'create'; rec: OrchestrationRecord }
  /** Queues a message for an instance. */
  | { t: 'inbox'; id: string; ev: HistoryEvent }
  /**
   * Records an episode: removes the processed inbox messages (by index), then either appends to history or,
   * for continueAsNew, starts a new execution with a fresh history.
   */
  | {
      t: 'episode';
      id: string;
      consumed: number[];
      append?: HistoryEvent[];
      /** Starts a new execution; `inboxPrefix` (its ExecutionStarted) goes before the messages carried over. */
      reset?: { executionId: string; input?: string; history: HistoryEvent[]; inboxPrefix: HistoryEvent[] };
      meta: MetaPatch;
    }
  | { t: 'purge'; id: string }
  | { t: 'entityMsg'; id: string; req: EntityRequest; at: number }
  /** Records a processed batch of entity operations: drops the first `consumed` requests and sets the state. */
  | { t: 'entityBatch'; id: string; consumed: number; exists: boolean; state?: string; at: number };

export interface StoreState {
  orchestrations: Map<string, OrchestrationRecord>;
  entities: Map<string, EntityRecord>;
}

export function emptyState(): StoreState {
  return { orchestrations: new Map(), entities: new Map() };
}

function applyMeta(rec: OrchestrationRecord, meta: MetaPatch): void {
  if (meta.status !== undefined) rec.status = meta.status;
  if (meta.output !== undefined) rec.output = meta.output ?? undefined;
  if (meta.customStatus !== undefined) rec.customStatus = meta.customStatus ?? undefined;
  if (meta.lastUpdatedTime !== undefined) rec.lastUpdatedTime = meta.lastUpdatedTime;
}

function entityFor(state: StoreState, id: string, at: number): EntityRecord {
  let rec = state.entities.get(id);
  if (!rec) {
    rec = { entityId: id, exists: false, queue: [], lastModified: at };
    state.entities.set(id, rec);
  }
  return rec;
}

/** Applies one operation. Operations on unknown instances are ignored (the instance was purged meanwhile). */
export function applyOp(state: StoreState, op: StoreOp): void {
  switch (op.t) {
    case 'create':
      state.orchestrations.set(op.rec.instanceId, op.rec);
      return;
    case 'inbox': {
      state.orchestrations.get(op.id)?.inbox.push(op.ev);
      return;
    }
    case 'episode': {
      const rec = state.orchestrations.get(op.id);
      if (!rec) return;
      if (op.consumed.length > 0) {
        const drop = new Set(op.consumed);
        rec.inbox = rec.inbox.filter((_, i) => !drop.has(i));
      }
      if (op.reset) {
        rec.executionId = op.reset.executionId;
        rec.input = op.reset.input;
        rec.history = op.reset.history;
        rec.inbox = [...op.reset.inboxPrefix, ...rec.inbox];
      } else if (op.append) {
        for (const e of op.append) rec.history.push(e);
      }
      applyMeta(rec, op.meta);
      return;
    }
    case 'purge':
      state.orchestrations.delete(op.id);
      return;
    case 'entityMsg':
      entityFor(state, op.id, op.at).queue.push(op.req);
      return;
    case 'entityBatch': {
      const rec = entityFor(state, op.id, op.at);
      rec.queue.splice(0, op.consumed);
      rec.exists = op.exists;
      rec.state = op.exists ? op.state : undefined;
      rec.lastModified = op.at;
      return;
    }
  }
}
