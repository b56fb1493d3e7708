// Spokes and endpoints: a paged, filtered list, and one record with its details, audit and actions.
import { api, get, recordPath } from '../api.js';
import { conditionBadge, errorBox, field, h, shortId, table, when } from '../dom.js';

const KINDS = {
  spokes: { title: 'Spokes', idField: 'vnetId', one: 'spoke' },
  endpoints: { title: 'Endpoints', idField: 'endpointId', one: 'endpoint' },
};

export async function renderRecords(main, ctx, kind) {
  const [id] = ctx.rest;
  if (id) return renderOne(main, ctx, kind, id);
  const k = KINDS[kind];
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const status = h('select', { id: `${kind}-status` }, ['', 'True', 'False', 'Unknown'].map((v) => h('option', { value: v, selected: params.get('status') === v }, v || 'any')));
  const reason = h('input', { type: 'text', id: `${kind}-reason`, value: params.get('reason') ?? '', placeholder: 'e.g. AddressSpaceOverlap' });
  const results = h('div');
  const load = async (path) => {
    results.replaceChildren(h('p', {}, 'Loading…'));
    try {
      const page = await get(path);
      const rows = page[kind];
      results.replaceChildren(
        h('p', {}, `${page.count} matching; showing ${rows.length}.`),
        table(k.title, [
          { label: 'Name', cell: (r) => h('a', { href: `#/${kind}/${encodeURIComponent(r[k.idField])}` }, r.name ?? shortId(r[k.idField])) },
          { label: 'Resource group', cell: (r) => r.resourceGroup ?? '' },
          { label: kind === 'spokes' ? 'Hub' : 'Zones', cell: (r) => (kind === 'spokes' ? r.hubName ?? '–' : (r.zones ?? []).join(', ')) },
          { label: 'Condition', cell: (r) => conditionBadge(r.condition) },
          { label: 'Why', cell: (r) => r.condition?.message ?? '' },
          { label: 'Updated', cell: (r) => when(r.updatedAt) },
        ], rows),
        page.nextLink ? h('button', { type: 'button', onclick: () => void load(page.nextLink) }, 'Next page') : null,
      );
    } catch (error) {
      results.replaceChildren(errorBox(error));
    }
  };
  const query = () => {
    const q = new URLSearchParams({ top: '50' });
    if (status.value) q.set('status', status.value);
    if (reason.value.trim()) q.set('reason', reason.value.trim());
    return `/api/${kind}?${q.toString()}`;
  };
  main.append(
    h('h1', {}, k.title),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); void load(query()); } }, field('Status', status), field('Reason', reason), h('button', { type: 'submit' }, 'Filter')),
    results,
  );
  await load(query());
}

async function renderOne(main, ctx, kind, id) {
  const k = KINDS[kind];
  const path = recordPath(kind, id);
  const record = await get(path);
  const actions = h('div', { class: 'buttons' });
  const act = async (label, method, url) => {
    try {
      const res = await api(method, url);
      ctx.say(`${label}: ${res.body?.outcome ?? res.status}`);
      await ctx.refresh();
    } catch (error) {
      actions.after(errorBox(error));
    }
  };
  actions.append(
    h('button', { type: 'button', class: 'primary', onclick: () => void act('Reconcile requested', 'POST', `${path}/reconcile`) }, 'Reconcile now'),
    h('button', { type: 'button', onclick: () => { if (confirm(`Forget the record of ${shortId(id)}? (only for a resource that is gone)`)) void act('Record forgotten', 'DELETE', path); } }, 'Forget record'),
  );
  const { audit = [], orchestration, condition, ...rest } = record;
  main.append(
    h('p', {}, h('a', { href: `#/${kind}` }, `← ${k.title}`)),
    h('h1', {}, `${k.one} ${record.name ?? shortId(id)}`),
    h('p', {}, conditionBadge(condition), ' ', condition?.message ?? ''),
    actions,
    h('h2', {}, 'Details'),
    h('dl', { class: 'details' }, Object.entries(rest).filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object').map(([key, v]) => [h('dt', {}, key), h('dd', {}, String(v))])),
    orchestration ? h('p', {}, `Orchestration: ${orchestration.instanceId ?? ''} ${orchestration.runtimeStatus ?? ''}`) : null,
    h('h2', {}, 'Audit'),
    table('Audit (newest first)', [
      { label: 'When', cell: (a) => when(a.at) },
      { label: 'Action', cell: (a) => a.action },
      { label: 'Outcome', cell: (a) => a.outcome },
      { label: 'Why', cell: (a) => a.reason ?? '' },
    ], audit, 'No audit entries.'),
  );
}
