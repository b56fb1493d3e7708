/**
 * One writer per target (a hub VNet, a Front Door profile): writes to one target are never in flight concurrently.
 * ARM locks a hub VNet for every peering write that touches it; a classic Front Door PUT replaces the whole
 * profile, so two concurrent edits would lose one. Each target has a queue (a durable entity, whose operations run
 * one at a time) and at most one writer orchestration draining it:
 *  - a requester orchestration `enqueue`s its request; when no writer is active the entity says so, marks one
 *    active under a new generation's instance ID, and the requester starts it;
 *  - the writer `take`s batches and applies them one request after another (the flow's apply activity, which
 *    answers the requester with an external event); when it finds the queue empty the entity marks the writer
 *    inactive in the same operation, so no request can be left without a writer.
 * A requester that hears nothing in time checks on the writer and hands the queue to a new one if it died.
 * Flows declare a {@link WriteQueue} and register it once; this module is the one mechanism behind all of them.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ClassifiedError } from '../../shared/azure/errors';
import { timerIn } from './arm-retry';
import { isActive, runtimeStatus } from './start';

/** What every queued request carries: its own ID and the orchestration that waits for the answer. */
export interface QueuedWork {
  requestId: string;
  requesterInstanceId: string;
}

export interface WorkReply {
  requestId: string;
  ok: boolean;
  error?: ClassifiedError;
}

export interface EnqueueResult {
  /** Set when no writer was running: the caller starts this instance. */
  startWriter: string | null;
}

export interface QueueState<W extends QueuedWork = QueuedWork> {
  active: boolean;
  generation: number;
  writerInstanceId: string | null;
  pending: W[];
}

export interface WriteQueue<W extends QueuedWork = QueuedWork, R extends WorkReply = WorkReply> {
  entity: string;
  writer: string;
  /** Raised on the requester with the reply. */
  doneEvent: string;
  activity: {
    /** The flow's own: applies one request and raises `doneEvent` on its requester (registered by the flow). */
    apply: string;
    /** Registered here: raise a reply on a requester, start a writer instance, is a writer instance alive. */
    notify: string;
    start: string;
    active: string;
  };
  writerInstanceId(queueKey: string, generation: number): string;
  /** The reply a requester gets when the apply activity itself broke (not a write error: those are values). */
  brokenReply(request: W, message: string): R;
}

/** Requests a writer takes at once; the queue keeps the rest, so a crash loses nothing that was not taken. */
const TAKE_BATCH = 20;
/** Requests per writer execution before continueAsNew, to keep its history short. */
const REQUESTS_PER_EXECUTION = 100;

interface WriterInput {
  queueKey: string;
  processed: number;
}

/** Registers the queue's entity, its writer orchestration and the three activities the mechanism needs. */
export function registerWriteQueue<W extends QueuedWork, R extends WorkReply>(queue: WriteQueue<W, R>): void {
  const initialState = (): QueueState<W> => ({ active: false, generation: 0, writerInstanceId: null, pending: [] });

  df.app.entity(queue.entity, (context: df.EntityContext<QueueState<W>>) => {
    const state: QueueState<W> = context.df.getState(initialState) ?? initialState();
    const key = context.df.entityKey;
    const activate = (): string => {
      state.active = true;
      state.generation += 1;
      state.writerInstanceId = queue.writerInstanceId(key, state.generation);
      return state.writerInstanceId;
    };
    switch (context.df.operationName) {
      case 'enqueue': {
        const request = context.df.getInput<W>();
        if (!request) throw new Error('enqueue needs a request');
        // A requester has one request outstanding at a time: a newer one replaces an older one still waiting.
        state.pending = state.pending.filter((p) => p.requesterInstanceId !== request.requesterInstanceId);
        state.pending.push(request);
        const result: EnqueueResult = { startWriter: state.active ? null : activate() };
        context.df.setState(state);
        context.df.return(result);
        return;
      }
      case 'take': {
        const batch = state.pending.splice(0, TAKE_BATCH);
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
        throw new Error(`${queue.entity}: unknown operation "${context.df.operationName}"`);
    }
  });

  const writer: df.OrchestrationHandler = function* (context) {
    const input = context.df.getInput<WriterInput>();
    const entity = new df.EntityId(queue.entity, input.queueKey);
    let processed = input.processed;
    for (;;) {
      const batch = (yield context.df.callEntity(entity, 'take')) as W[];
      if (batch.length === 0) return { processed };
      for (const request of batch) {
        try {
          yield context.df.callActivity(queue.activity.apply, request);
        } catch (e) {
          // The activity itself broke (not an ARM error: those come back as values). Tell the requester.
          try {
            yield context.df.callActivity(queue.activity.notify, { requesterInstanceId: request.requesterInstanceId, reply: queue.brokenReply(request, (e as Error).message) });
          } catch {
            // The requester's own reply timeout covers this.
          }
        }
      }
      processed += batch.length;
      if (processed >= REQUESTS_PER_EXECUTION) {
        context.df.continueAsNew({ ...input, processed: 0 });
        return { processed };
      }
    }
  };
  df.app.orchestration(queue.writer, writer);

  const withClient = { extraInputs: [df.input.durableClient()] };
  df.app.activity(queue.activity.notify, {
    ...withClient,
    handler: async (input: { requesterInstanceId: string; reply: R }, context: InvocationContext) => {
      await df.getClient(context).raiseEvent(input.requesterInstanceId, queue.doneEvent, input.reply);
    },
  });
  df.app.activity(queue.activity.start, {
    ...withClient,
    handler: async (input: { instanceId: string; queueKey: string }, context: InvocationContext) => {
      const client = df.getClient(context);
      try {
        await client.startNew(queue.writer, { instanceId: input.instanceId, input: { queueKey: input.queueKey, processed: 0 } satisfies WriterInput });
      } catch (e) {
        // Started already (an activity retried after its first try got through): that is the goal.
        if ((await runtimeStatus(client, input.instanceId)) === undefined) throw e;
      }
    },
  });
  df.app.activity(queue.activity.active, {
    ...withClient,
    handler: async (input: { instanceId: string }, context: InvocationContext) => isActive(await runtimeStatus(df.getClient(context), input.instanceId)),
  });
}

/**
 * Sends a request to the target's writer and waits for its answer (matched by request ID: an answer to an earlier,
 * timed-out request of the same requester is skipped); when none comes in time, checks on the writer, hands the
 * queue to a new one if it died, and asks again, three times in all.
 */
export function* submitWork<W extends QueuedWork, R extends WorkReply>(
  context: df.OrchestrationContext,
  queue: WriteQueue<W, R>,
  queueKey: string,
  request: W,
  timeoutMs: number,
  timedOut: () => R,
): Generator<df.Task, R, unknown> {
  const entity = new df.EntityId(queue.entity, queueKey);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const enqueued = (yield context.df.callEntity(entity, 'enqueue', request)) as EnqueueResult;
    if (enqueued.startWriter) yield context.df.callActivity(queue.activity.start, { instanceId: enqueued.startWriter, queueKey });
    for (;;) {
      const timer = timerIn(context, timeoutMs);
      const answer = context.df.waitForExternalEvent(queue.doneEvent);
      const winner = yield context.df.Task.any([answer, timer]);
      if (winner !== answer) break;
      timer.cancel();
      const reply = answer.result as R;
      if (reply.requestId === request.requestId) return reply;
    }
    const status = (yield context.df.callEntity(entity, 'status')) as { active: boolean; writerInstanceId: string | null };
    if (status.active && status.writerInstanceId) {
      const alive = (yield context.df.callActivity(queue.activity.active, { instanceId: status.writerInstanceId })) as boolean;
      if (!alive) {
        const next = (yield context.df.callEntity(entity, 'writerGone', status.writerInstanceId)) as EnqueueResult;
        if (next.startWriter) yield context.df.callActivity(queue.activity.start, { instanceId: next.startWriter, queueKey });
      }
    }
  }
  return timedOut();
}
