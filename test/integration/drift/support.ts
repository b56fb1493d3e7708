/** Drift tests' helpers over the peering world: the drift block, event pause, and runs over the app's HTTP API. */
import type { DriftItem, DriftRun } from '../../../shared/drift/model';
import { quiesce, until, type PeeringWorld } from '../peering/support';
import { apiFetch } from '../operator-token';

export type RunView = DriftRun & { url: string; items: DriftItem[] };

/** Sets the topology's `drift` block (the app reads CONTROL_PLANE_TOPOLOGY again on its next call). */
export function setDrift(drift: Record<string, unknown>): void {
  const doc = JSON.parse(process.env.CONTROL_PLANE_TOPOLOGY ?? '{}') as Record<string, unknown>;
  process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify({ ...doc, drift });
}

export async function eventGrid(world: PeeringWorld, action: 'pause' | 'resume'): Promise<void> {
  const res = await fetch(`${world.embedded.baseUrl}/api/local/eventgrid/${action}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`POST /api/local/eventgrid/${action} -> ${res.status}: ${await res.text()}`);
}

export async function getRun(world: PeeringWorld, runId: string): Promise<RunView> {
  const res = await apiFetch(`${world.embedded.baseUrl}/api/drift/runs/${runId}`);
  if (res.status !== 200) throw new Error(`GET /api/drift/runs/${runId} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as RunView;
}

/** Waits until the run has ended (its report says so and the drift instance is done). */
export async function endedRun(world: PeeringWorld, runId: string, timeoutMs = 60_000): Promise<RunView> {
  return until(`drift run ${runId} to end`, async () => {
    const run = await getRun(world, runId);
    return run.status === 'Running' ? undefined : run;
  }, timeoutMs);
}

/**
 * Starts a run over HTTP (after the world went quiet) and waits for its end. `quiet: false` for a world that never
 * goes quiet (an Active egress request's orchestration waits on its TTL timer).
 */
export async function runDrift(world: PeeringWorld, options: { quiet?: boolean } = {}): Promise<RunView> {
  const quiet = options.quiet ?? true;
  if (quiet) await quiesce(world);
  const res = await apiFetch(`${world.embedded.baseUrl}/api/drift/runs`, { method: 'POST' });
  if (res.status !== 202) throw new Error(`POST /api/drift/runs -> ${res.status}: ${await res.text()}`);
  const { runId } = (await res.json()) as { runId: string };
  const run = await endedRun(world, runId);
  if (quiet) await quiesce(world);
  return run;
}

export const itemsFor = (run: RunView, resource: string): DriftItem[] => run.items.filter((i) => i.resource.toLowerCase() === resource.toLowerCase());
