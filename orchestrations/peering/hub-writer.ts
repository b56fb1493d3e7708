/**
 * Writes to one hub VNet are never in flight concurrently: ARM locks the hub for every peering write that touches
 * it (hub side and spoke side alike), and concurrent writers would turn a burst of spokes into an
 * AnotherOperationInProgress retry storm. So each hub has a queue (a durable entity, whose operations run one at a
 * time) and at most one writer orchestration draining it:
 *  - a spoke orchestration `enqueue`s its request; when no writer is active the entity says so, marks one active
 *    under a new generation's instance ID, and the spoke starts it;
 *  - the writer `take`s batches and applies them one request after another; when it finds the queue empty the
 *    entity marks the writer inactive in the same operation, so no request can be left without a writer.
 * Replies go back to the spoke orchestration as an external event (raised by the writer's activity).
 */
import * as df from 'durable-functions';
import { ACTIVITY, HUB_QUEUE_ENTITY, HUB_WRITER_ORCHESTRATOR, hubWriterInstanceId } from './names';
import type { EnqueueResult, HubQueueState, HubWorkReply, HubWorkRequest } from './types';

/** Requests a writer takes at once; the queue keeps the rest, so a crash loses nothing that was not taken. */
const TAKE_BATCH = 20;
/** Requests per writer execution before continueAsNew, to keep its history short. */
const REQUESTS_PER_EXECUTION = 100;

const initialState = (): HubQueueState => ({ active: false, generation: 0, writerInstanceId: null, pending: [] });

df.app.entity(HUB_QUEUE_ENTITY, (context: df.EntityContext<HubQueueState>) => {
  const state: HubQueueState = context.df.getState(initialState) ?? initialState();
  const key = context.df.entityKey;
  const activate = (): string => {
    state.active = true;
    state.generation += 1;
    state.writerInstanceId = hubWriterInstanceId(key, state.generation);
    return state.writerInstanceId;
  };
  switch (context.df.operationName) {
    case 'enqueue': {
      const request = context.df.getInput<HubWorkRequest>();
      if (!request) throw new Error('enqueue needs a request');
      // A spoke has one request outstanding at a time: a newer one replaces an older one still waiting.
      state.pending = state.pending.filter((p) => p.spokeInstanceId !== request.spokeInstanceId);
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
      // A spoke found the active writer dead (failed or terminated by an operator): hand the queue to a new one.
      const gone = context.df.getInput<string>();
      const result: EnqueueResult = { startWriter: state.active && state.writerInstanceId === gone ? activate() : null };
      context.df.setState(state);
      context.df.return(result);
      return;
    }
    default:
      throw new Error(`${HUB_QUEUE_ENTITY}: unknown operation "${context.df.operationName}"`);
  }
});

interface WriterInput {
  hubVnetId: string;
  queueKey: string;
  processed: number;
}

const hubWriter: df.OrchestrationHandler = function* (context) {
  const input = context.df.getInput<WriterInput>();
  const queue = new df.EntityId(HUB_QUEUE_ENTITY, input.queueKey);
  let processed = input.processed;
  for (;;) {
    const batch = (yield context.df.callEntity(queue, 'take')) as HubWorkRequest[];
    if (batch.length === 0) return { processed };
    for (const request of batch) {
      try {
        yield context.df.callActivity(ACTIVITY.applyHubWork, request);
      } catch (e) {
        // The activity itself broke (not an ARM error: those come back as values). Tell the spoke, which records it.
        const reply: HubWorkReply = {
          requestId: request.requestId,
          ok: false,
          applied: [],
          error: { class: 'retryable', code: 'HubWriterActivityFailed', message: (e as Error).message },
        };
        try {
          yield context.df.callActivity(ACTIVITY.notifySpoke, { spokeInstanceId: request.spokeInstanceId, reply });
        } catch {
          // The spoke's own reply timeout covers this.
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

df.app.orchestration(HUB_WRITER_ORCHESTRATOR, hubWriter);
