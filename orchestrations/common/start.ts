/**
 * Asking for a resource to be reconciled: start its orchestration (one instance ID per resource), or, when one is
 * already running, raise an event telling it to run one more pass when it ends. Never a second writer, never a
 * lost request.
 */
import type * as df from 'durable-functions';
import { retryNetworkFaults } from './transient';

const ACTIVE = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/** True while an instance can still run: it will see an event raised on it now. */
export function isActive(runtimeStatus: string | undefined | null): boolean {
  return runtimeStatus !== undefined && runtimeStatus !== null && ACTIVE.has(runtimeStatus);
}

/**
 * The instance's status (with its input when asked), or undefined when no such instance exists (the client's 404).
 * A read, so a network fault on the way to the host is tried again (retryNetworkFaults).
 */
export async function instanceStatus(client: df.DurableClient, instanceId: string, options: df.GetStatusOptions = {}): Promise<df.DurableOrchestrationStatus | undefined> {
  try {
    return await retryNetworkFaults(() => client.getStatus(instanceId, options));
  } catch (e) {
    if (/404/.test((e as Error).message)) return undefined;
    throw e;
  }
}

/** The instance's runtime status, or undefined when no such instance exists (the client's 404). */
export async function runtimeStatus(client: df.DurableClient, instanceId: string): Promise<string | undefined> {
  return (await instanceStatus(client, instanceId))?.runtimeStatus;
}

export type ReconcileRequestOutcome = { instanceId: string; outcome: 'started' | 'signalled' };

export async function startOrSignal(
  client: df.DurableClient,
  request: { orchestrator: string; instanceId: string; input: unknown; event: string; eventData: unknown; what: string },
): Promise<ReconcileRequestOutcome> {
  const { instanceId } = request;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const status = await runtimeStatus(client, instanceId);
    if (isActive(status)) {
      await client.raiseEvent(instanceId, request.event, request.eventData);
      // The instance may have finished between the status read and the event (the event is then dropped):
      // read again and start a fresh one in that case.
      const after = await runtimeStatus(client, instanceId);
      if (isActive(after)) return { instanceId, outcome: 'signalled' };
      continue;
    }
    try {
      await client.startNew(request.orchestrator, { instanceId, input: request.input });
      return { instanceId, outcome: 'started' };
    } catch (e) {
      // Another trigger started it first (the extension answers 500 with OrchestrationAlreadyExistsException, as the
      // local engine does): read its status again and signal that one instead.
      lastError = e;
    }
  }
  throw new Error(`Could not start or signal ${instanceId} for ${request.what}: ${String((lastError as Error | undefined)?.message ?? 'it kept finishing while being signalled')}`);
}
