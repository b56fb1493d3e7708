/**
 * Scheduled drift checks: the timer, and the HTTP API over runs and their reports.
 *   timer driftCheck                  NCRONTAB from DRIFT_SCHEDULE (default every 15 minutes)
 *   POST /api/drift/runs              start a run: 202 + its URL; 409 + the running run's URL while one runs
 *   GET  /api/drift/runs[?limit=N]    recent runs, newest first (N: 1-100, default 20)
 *   GET  /api/drift/runs/latest[?format=text]
 *   GET  /api/drift/runs/{runId}[?format=text]
 * Bearer tokens (functions/http.ts `guarded`): reads for ControlPlane.Reader, ControlPlane.Operator or Egress.Approver;
 * starting a run for ControlPlane.Operator.
 */
import { randomBytes } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { currentConfig } from '../shared/config';
import { formatRunText, newRunId, RUN_ID, runStart, shownRun, type DriftInstanceView, type DriftRun } from '../shared/drift/model';
import { instanceStatus, isActive } from '../orchestrations/common';
import { DRIFT_INSTANCE_ID, DRIFT_RUN_ORCHESTRATOR, driftReports, type DriftRunInput } from '../orchestrations/drift';
import { guarded, problem } from './http';

/** Every 15 minutes, at second 0 (NCRONTAB: second minute hour day month day-of-week). */
export const DEFAULT_DRIFT_SCHEDULE = '0 */15 * * * *';

/** The timer's schedule: the app setting DRIFT_SCHEDULE, read when the app registers its functions. */
export function driftSchedule(env: NodeJS.ProcessEnv = process.env): string {
  return env.DRIFT_SCHEDULE?.trim() || DEFAULT_DRIFT_SCHEDULE;
}

const MAX_LIST = 100;

type Started = { kind: 'started'; runId: string } | { kind: 'running'; runId?: string };

/** What the engine says about the one drift instance: whether it runs, the run its input names, its output. */
async function driftInstance(client: df.DurableClient): Promise<DriftInstanceView & { trigger?: DriftRunInput['trigger'] }> {
  const s = await instanceStatus(client, DRIFT_INSTANCE_ID, { showInput: true });
  if (!s) return { active: false };
  const input = s.input as Partial<DriftRunInput> | null | undefined;
  return { runtimeStatus: s.runtimeStatus, active: isActive(s.runtimeStatus), output: s.output, ...(input?.runId ? { runId: input.runId } : {}), ...(input?.trigger ? { trigger: input.trigger } : {}) };
}

/** The run of the one drift instance while it runs (its input names it). */
async function runningRun(client: df.DurableClient): Promise<{ runId?: string; trigger?: DriftRunInput['trigger'] } | undefined> {
  const instance = await driftInstance(client);
  if (!instance.active) return undefined;
  return { ...(instance.runId ? { runId: instance.runId } : {}), ...(instance.trigger ? { trigger: instance.trigger } : {}) };
}

/** Starts a run unless one runs: the engine refuses a second start of the one instance, so two callers cannot both start. */
export async function startDriftRun(client: df.DurableClient, trigger: DriftRunInput['trigger']): Promise<Started> {
  const running = await runningRun(client);
  if (running) return { kind: 'running', ...running };
  const runId = newRunId(new Date(), randomBytes(3).toString('hex'));
  try {
    await client.startNew(DRIFT_RUN_ORCHESTRATOR, { instanceId: DRIFT_INSTANCE_ID, input: { runId, trigger } satisfies DriftRunInput });
    return { kind: 'started', runId };
  } catch (e) {
    const now = await runningRun(client);
    if (now) return { kind: 'running', ...now };
    throw e;
  }
}

const runUrl = (request: HttpRequest, runId: string): string => `${new URL(request.url).origin}/api/drift/runs/${runId}`;

export async function postRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const started = await startDriftRun(df.getClient(context), 'http');
  if (started.kind === 'running') {
    const url = started.runId ? runUrl(request, started.runId) : undefined;
    return { status: 409, ...(url ? { headers: { Location: url } } : {}), jsonBody: { error: { code: 'RunInProgress', message: `drift run ${started.runId ?? '(starting)'} is running: one run at a time` }, ...(started.runId ? { runId: started.runId, url } : {}) } };
  }
  context.log(`Drift run ${started.runId} started`);
  const url = runUrl(request, started.runId);
  return { status: 202, headers: { Location: url }, jsonBody: { runId: started.runId, status: 'Running', url, textUrl: `${url}?format=text` } };
}

export async function listRuns(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const raw = request.query.get('limit');
  const limit = raw === null ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) return problem(400, 'InvalidQuery', `limit must be a whole number from 1 to ${MAX_LIST} (got "${raw}")`);
  const stored = await driftReports().listRuns(limit);
  // One read of the drift instance for the whole page, and only when some run says Running.
  const instance = stored.some((r) => r.status === 'Running') ? await driftInstance(df.getClient(context)) : undefined;
  const runs = stored.map((r) => shownRun(r, instance));
  return { status: 200, jsonBody: { count: runs.length, runs } };
}

function respond(request: HttpRequest, run: DriftRun, items: Awaited<ReturnType<ReturnType<typeof driftReports>['listItems']>>): HttpResponseInit {
  const format = request.query.get('format');
  if (format === 'text') return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: formatRunText(run, items) };
  return { status: 200, jsonBody: { ...run, url: runUrl(request, run.runId), items } };
}

/** The run the drift instance is executing, before its first activity has written its report (a Running stub). */
function startingRun(instance: Awaited<ReturnType<typeof driftInstance>>, runId: string): DriftRun | null {
  if (!instance.active || instance.runId !== runId) return null;
  const startedAt = runStart(runId) ?? new Date().toISOString();
  return { runId, status: 'Running', trigger: instance.trigger ?? 'http', mode: currentConfig().mode, startedAt, flows: [], counts: {}, actions: {}, itemCount: 0 };
}

export async function getRun(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const id = request.params.runId ?? '';
  const format = request.query.get('format');
  if (format !== null && format !== 'text' && format !== 'json') return problem(400, 'InvalidQuery', `format must be text or json (got "${format}")`);
  const store = driftReports();
  let read: ReturnType<typeof driftInstance> | undefined;
  const instance = () => (read ??= driftInstance(df.getClient(context)));
  let run: DriftRun | null;
  if (id === 'latest') {
    run = (await store.listRuns(1))[0] ?? null;
    if (!run) return problem(404, 'NoDriftRun', 'no drift run has been recorded yet: POST /api/drift/runs starts one');
  } else {
    if (!RUN_ID.test(id)) return problem(400, 'InvalidRunId', `"${id}" is not a drift run ID (dr-<yyyymmddThhmmssfffZ>-<hex>) or "latest"`);
    // A run just started has no report yet: its orchestration answers for it until its first activity writes one.
    run = (await store.getRun(id)) ?? startingRun(await instance(), id);
    if (!run) return problem(404, 'DriftRunNotFound', `no drift run ${id}`);
  }
  const shown = run.status === 'Running' ? shownRun(run, await instance()) : run;
  return respond(request, shown, await store.listItems(run.runId));
}

export async function driftTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const started = await startDriftRun(df.getClient(context), 'timer');
  if (started.kind === 'running') context.log(`Drift check skipped: run ${started.runId ?? '(starting)'} is still running${timer.isPastDue ? ' (past due)' : ''}`);
  else context.log(`Drift run ${started.runId} started by the timer${timer.isPastDue ? ' (past due)' : ''}`);
}

const withClient = { extraInputs: [df.input.durableClient()] };

app.timer('driftCheck', { schedule: driftSchedule(), ...withClient, handler: driftTimer });
app.http('startDriftRun', { methods: ['POST'], route: 'drift/runs', authLevel: 'anonymous', ...withClient, handler: guarded('write', postRun) });
app.http('listDriftRuns', { methods: ['GET'], route: 'drift/runs', authLevel: 'anonymous', ...withClient, handler: guarded('read', listRuns) });
app.http('getDriftRun', { methods: ['GET'], route: 'drift/runs/{runId}', authLevel: 'anonymous', ...withClient, handler: guarded('read', getRun) });
