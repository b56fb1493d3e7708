/**
 * One writer per target: writes to one target (a hub VNet, a firewall policy) are never in flight concurrently,
 * because ARM takes one update of a target at a time (AnotherOperationInProgress otherwise) and concurrent writers
 * would turn a burst into a retry storm. Each target has a queue (a durable entity, whose operations run one at a
 * time) and at most one writer orchestration draining it:
 *  - a requester orchestration `enqueue`s its request; when no writer is active the entity says so, marks one active
 *    under a new generation's instance ID, and the requester starts it;
 *  - the writer `take`s batches and hands them to the flow's apply activity, one request at a time (`each`: the
 *    peering flow, whose writes are separate resources) or the whole batch at once (`batch`: the egress flow, whose
 *    writes all replace the same rule collection group, so a wave of requests becomes one write); when it finds the
 *    queue empty the entity marks the writer inactive in the same operation, so no request is left without a writer.
 * Replies go back to each requester as an external event (raised by the flow's activities); a requester that hears
 * nothing in time checks whether the writer is still alive and, if not, hands the queue to a new one.
 *
 * Telemetry: the entity sets the queue's depth gauge after each enqueue and take (setting a value is idempotent, so
 * an operation run again does no harm) and records each taken request's wait since its requester enqueued it.
 *
 * Each flow registers its own queue (entity, writer orchestrator and two activities) with {@link registerWriterQueue}
 * and submits with {@link submitToWriter}: one mechanism, several queues.
 */
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { ClassifiedError } from '../../shared/azure/errors';
import { recordQueueDepth, recordQueueWait } from '../../shared/telemetry';
import { timerIn } from './arm-retry';
import { isActive, runtimeStatus } from './start';
import { retryNetworkFaults } from './transient';

/** What every queued request carries; flows add their own fields. */
export interface QueuedRequest {
  requestId: string;
  /** The orchestration that waits for the reply. */
  requesterInstanceId: string;
  /** When it was enqueued (the requester's replay-safe time), for the queue-wait metric. */
  enqueuedAt?: string;
}

export interface QueueReply {
  requestId: string;
  ok: boolean;
  error?: ClassifiedError;
}

export interface EnqueueResult {
  /** Set when no writer was running: the caller starts this instance. */
  startWriter: string | null;
}

export interface WriterQueueState<R extends QueuedRequest> {
  active: boolean;
  generation: number;
  writerInstanceId: string | null;
  pending: R[];
}

export interface WriterQueueDefinition {
  /** Entity name, e.g. `hubWriteQueue`. */
  entity: string;
  /** Writer orchestrator name. */
  writer: string;
  /** Writer instance IDs: `{prefix}-{queueKey}-{generation}`. */
  instancePrefix: string;
  /** The flow's activity that applies work: input one request (`each`) or `{ target, requests }` (`batch`). */
  applyActivity: string;
  mode: 'each' | 'batch';
  /** The flow's activity that answers requesters when the apply activity itself broke: input `{ requests, error }`. */
  failActivity: string;
  /** Activity names this queue registers: start a writer, is a writer alive. */
  startActivity: string;
  aliveActivity: string;
  /** Requests a writer takes at once (default 20); the queue keeps the rest, so a crash loses nothing not taken. */
  takeBatch?: number;
  /** Requests per writer execution before continueAsNew (default 100), to keep its history short. */
  requestsPerExecution?: number;
  /** Two requests with the same key: the newer replaces the older one still waiting (default: the requester). */
  replaceKey?: (request: QueuedRequest) => string;
}

export interface WriterInput {
  /** The target the queue serializes (hub VNet ID, firewall policy ID). */
  target: string;
  queueKey: string;
  processed: number;
}

export function writerInstanceId(definition: Pick<WriterQueueDefinition, 'instancePrefix'>, queueKey: string, generation: number): string {
  return `${definition.instancePrefix}-${queueKey}-${generation}`;
}

/** Registers the queue's entity, writer orchestrator and its start / alive activities. */
export function registerWriterQueue(definition: WriterQueueDefinition): void {
  const takeBatch = definition.takeBatch ?? 20;
  const perExecution = definition.requestsPerExecution ?? 100;
  const replaceKey = definition.replaceKey ?? ((r: QueuedRequest) => r.requesterInstanceId);
  const initialState = (): WriterQueueState<QueuedRequest> => ({ active: false, generation: 0, writerInstanceId: null, pending: [] });

  df.app.entity(definition.entity, (context: df.EntityContext<WriterQueueState<QueuedRequest>>) => {
    const state = context.df.getState(initialState) ?? initialState();
    const key = context.df.entityKey;
    const activate = (): string => {
      state.active = true;
      state.generation += 1;
      state.writerInstanceId = writerInstanceId(definition, key, state.generation);
      return state.writerInstanceId;
    };
    switch (context.df.operationName) {
      case 'enqueue': {
        const request = context.df.getInput<QueuedRequest>();
        if (!request) throw new Error('enqueue needs a request');
        state.pending = state.pending.filter((p) => replaceKey(p) !== replaceKey(request));
        state.pending.push(request);
        recordQueueDepth(definition.entity, key, state.pending.length);
        const result: EnqueueResult = { startWriter: state.active ? null : activate() };
        context.df.setState(state);
        context.df.return(result);
        return;
      }
      case 'take': {
        const batch = state.pending.splice(0, takeBatch);
        recordQueueDepth(definition.entity, key, state.pending.length);
        const now = Date.now();
        for (const r of batch) if (r.enqueuedAt) recordQueueWait(definition.entity, now - Date.parse(r.enqueuedAt));
        if (batch.length === 0) {
          state.active = false;
          state.writerInstanceId = null;
        }
        context.df.setState(state);
        context.df.return(batch);
        return;
      }
      case 'status':
        context.df.return({ active: state.active, writerInstanceId: state.writerInstanceId, pending: state.pending.length });
        return;
      case 'writerGone': {
        // A requester found the active writer dead (failed or terminated by an operator): hand the queue to a new one.
        const gone = context.df.getInput<string>();
        const result: EnqueueResult = { startWriter: state.active && state.writerInstanceId === gone ? activate() : null };
        context.df.setState(state);
        context.df.return(result);
        return;
      }
      default:
        throw new Error(`${definition.entity}: unknown operation "${context.df.operationName}"`);
    }
  });

  const writer: df.OrchestrationHandler = function* (context) {
    const input = context.df.getInput<WriterInput>();
    const queue = new df.EntityId(definition.entity, input.queueKey);
    let processed = input.processed;
    for (;;) {
      const batch = (yield context.df.callEntity(queue, 'take')) as QueuedRequest[];
      if (batch.length === 0) return { processed };
      const units = definition.mode === 'batch' ? [batch] : batch.map((r) => [r]);
      for (const unit of units) {
        try {
          yield context.df.callActivity(definition.applyActivity, definition.mode === 'batch' ? { target: input.target, requests: unit } : unit[0]);
        } catch (e) {
          // The activity itself broke (ARM errors come back as values). Tell the requesters, which record it.
          const error: ClassifiedError = { class: 'retryable', code: 'WriterActivityFailed', message: (e as Error).message };
          try {
            yield context.df.callActivity(definition.failActivity, { requests: unit, error });
          } catch {
            // The requesters' own reply timeout covers this.
          }
        }
      }
      processed += batch.length;
      if (processed >= perExecution) {
        context.df.continueAsNew({ ...input, processed: 0 });
        return { processed };
      }
    }
  };
  df.app.orchestration(definition.writer, writer);

  const withClient = { extraInputs: [df.input.durableClient()] };
  df.app.activity(definition.startActivity, {
    ...withClient,
    handler: async (start: { instanceId: string; target: string; queueKey: string }, context: InvocationContext): Promise<void> => {
      const client = df.getClient(context);
      try {
        // A network fault is tried again: a try whose start got through before the reset fails the next with "already
        // exists", which the catch below takes as done.
        await retryNetworkFaults(() => client.startNew(definition.writer, { instanceId: start.instanceId, input: { target: start.target, queueKey: start.queueKey, processed: 0 } satisfies WriterInput }));
      } catch (e) {
        // Started already (an activity retried after its first try got through): that is the goal.
        if ((await runtimeStatus(client, start.instanceId)) === undefined) throw e;
      }
    },
  });
  df.app.activity(definition.aliveActivity, {
    ...withClient,
    handler: async (check: { instanceId: string }, context: InvocationContext): Promise<boolean> => isActive(await runtimeStatus(df.getClient(context), check.instanceId)),
  });
}

/**
 * Sends a request to the target's writer and waits for the reply event (`replyEvent`, matched by requestId); when
 * none comes within `replyTimeoutMs`, checks on the writer (a dead one is replaced) and asks again, three times.
 */
export function* submitToWriter<R extends QueuedRequest, P extends QueueReply>(
  context: df.OrchestrationContext,
  definition: WriterQueueDefinition,
  target: string,
  queueKey: string,
  request: R,
  replyEvent: string,
  replyTimeoutMs: number,
): Generator<df.Task, P | undefined, unknown> {
  const queue = new df.EntityId(definition.entity, queueKey);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const enqueued = (yield context.df.callEntity(queue, 'enqueue', { ...request, enqueuedAt: context.df.currentUtcDateTime.toISOString() })) as EnqueueResult;
    if (enqueued.startWriter) yield context.df.callActivity(definition.startActivity, { instanceId: enqueued.startWriter, target, queueKey });
    for (;;) {
      const timer = timerIn(context, replyTimeoutMs);
      const answer = context.df.waitForExternalEvent(replyEvent);
      const winner = yield context.df.Task.any([answer, timer]);
      if (winner !== answer) break;
      timer.cancel();
      const reply = answer.result as P;
      if (reply.requestId === request.requestId) return reply;
      // An answer to an earlier request of this requester (one that timed out): keep waiting for ours.
    }
    const status = (yield context.df.callEntity(queue, 'status')) as { active: boolean; writerInstanceId: string | null };
    if (status.active && status.writerInstanceId) {
      const alive = (yield context.df.callActivity(definition.aliveActivity, { instanceId: status.writerInstanceId })) as boolean;
      if (!alive) {
        const next = (yield context.df.callEntity(queue, 'writerGone', status.writerInstanceId)) as EnqueueResult;
        if (next.startWriter) yield context.df.callActivity(definition.startActivity, { instanceId: next.startWriter, target, queueKey });
      }
    }
  }
  return undefined;
}
