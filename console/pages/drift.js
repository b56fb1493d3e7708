// Drift: the latest report and "run now", over the drift routes (POST /api/drift/runs: 202, or 409 while one runs;
// GET /api/drift/runs/latest, /api/drift/runs/{id}[?format=text], /api/drift/runs). A control plane without drift
// checks answers 404 there: the page says so.
import { api, ApiError, get } from '../api.js';
import { errorBox, h, table, when } from '../dom.js';

/**
 * `{available: false, message}` when the drift routes answer 404 (a control plane without drift checks), else
 * `{available: true, run}` with the latest run (null when there is none yet: the list answers, latest is a 404).
 */
export async function latestDrift() {
  try {
    await get('/api/drift/runs');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { available: false, message: 'Drift checks are not available on this control plane (the drift routes answer 404).' };
    throw error;
  }
  try {
    return { available: true, run: await get('/api/drift/runs/latest') };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { available: true, run: null };
    throw error;
  }
}

const ARM_TYPES = { spokes: 'Microsoft.Network/virtualNetworks', endpoints: 'Microsoft.Network/privateEndpoints' };

/**
 * The console page of a drift item's resource, from its `link` (the resource's own API route, as the run wrote it):
 * `#/spokes/<vnetId>`, `#/endpoints/<endpointId>`, `#/egress/<id>`, `#/stamps/<name>`; undefined when the console has
 * no page for it.
 */
export function consoleLink(link) {
  if (typeof link !== 'string') return undefined;
  const parts = link.split('?')[0].split('/').slice(1).map((p) => decodeURIComponent(p));
  if (parts[0] !== 'api') return undefined;
  const [, kind, ...rest] = parts;
  if (ARM_TYPES[kind] && rest.length === 3) return `#/${kind}/${encodeURIComponent(`/subscriptions/${rest[0]}/resourceGroups/${rest[1]}/providers/${ARM_TYPES[kind]}/${rest[2]}`)}`;
  if (kind === 'egress-requests' && rest.length === 1) return `#/egress/${encodeURIComponent(rest[0])}`;
  if (kind === 'stamps' && rest.length === 1) return `#/stamps/${encodeURIComponent(rest[0])}`;
  return undefined;
}

/** Per flow: whether it was inspected, its differences, and their kinds (from the run's `flows` and `counts`). */
export function flowCounts(run) {
  const flows = new Map((run.flows ?? []).map((f) => [f.flow, f]));
  for (const flow of Object.keys(run.counts ?? {})) if (!flows.has(flow)) flows.set(flow, { flow, enabled: true });
  return [...flows.values()].map((f) => {
    const kinds = Object.entries(run.counts?.[f.flow] ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return {
      flow: f.flow,
      inspected: f.enabled === false ? 'not configured' : (f.notInspected ?? []).length ? `partly (${f.notInspected.length} scope(s) not inspected)` : 'yes',
      differences: kinds.reduce((n, [, c]) => n + c, 0),
      kinds: kinds.map(([k, c]) => `${k} ${c}`).join(', '),
    };
  });
}

export function flowCountsTable(run) {
  return table('Drift differences by flow', [
    { label: 'Flow', cell: (f) => f.flow },
    { label: 'Inspected', cell: (f) => f.inspected },
    { label: 'Differences', cell: (f) => String(f.differences) },
    { label: 'Kinds', cell: (f) => f.kinds },
  ], flowCounts(run), 'No flow was inspected.');
}

const cellOf = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export async function renderDrift(main, ctx) {
  main.append(h('h1', {}, 'Drift'));
  const latest = await latestDrift();
  if (!latest.available) {
    main.append(h('p', { class: 'notice', 'data-testid': 'drift-unavailable' }, latest.message));
    return;
  }
  const problem = h('div');
  const run = async () => {
    problem.replaceChildren();
    try {
      const res = await api('POST', '/api/drift/runs');
      ctx.say(`Drift run started (${res.status})`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) ctx.say('A drift run is already running');
      else return problem.append(errorBox(error));
    }
    await ctx.refresh();
  };
  main.append(h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', onclick: () => void run() }, 'Run now'), h('button', { type: 'button', onclick: () => void ctx.refresh() }, 'Refresh')), problem);
  const report = latest.run;
  if (!report) {
    main.append(h('p', {}, 'No drift run yet.'));
    return;
  }
  const id = report.runId;
  main.append(
    h('h2', {}, `Latest run ${id}`),
    h('dl', { class: 'details' }, Object.entries(report).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => [h('dt', {}, k), h('dd', k === 'status' ? { 'data-testid': 'drift-status' } : {}, /At$/.test(k) ? when(v) : String(v))])),
    h('h3', {}, 'By flow'),
    flowCountsTable(report),
    h('h3', {}, 'Differences'),
    table('Drift items', [
      { label: 'Flow', cell: (i) => cellOf(i.flow) },
      { label: 'Kind', cell: (i) => cellOf(i.kind) },
      { label: 'Resource', cell: (i) => (consoleLink(i.link) ? h('a', { href: consoleLink(i.link), title: `its page in the console (${i.link})` }, cellOf(i.resource)) : cellOf(i.resource)) },
      { label: 'Expected', cell: (i) => cellOf(i.expected) },
      { label: 'Actual', cell: (i) => cellOf(i.actual) },
      { label: 'Action', cell: (i) => cellOf(i.action) },
      { label: 'Why', cell: (i) => cellOf(i.note) },
      { label: 'Status route', cell: (i) => (typeof i.link === 'string' ? h('code', {}, i.link) : '') },
    ], report.items ?? [], 'No differences found.'),
  );
  try {
    const text = (await api('GET', `/api/drift/runs/${encodeURIComponent(id)}?format=text`)).body;
    main.append(h('h3', {}, 'As text'), h('pre', { 'data-testid': 'drift-text' }, typeof text === 'string' ? text : JSON.stringify(text, null, 2)));
  } catch (error) {
    main.append(errorBox(error));
  }
}
