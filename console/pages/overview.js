// Overview: per flow, counts by condition and what needs attention; the last drift run.
import { get, listAll } from '../api.js';
import { conditionBadge, errorBox, h, shortId, table, when } from '../dom.js';
import { flowCountsTable, latestDrift } from './drift.js';

/** Counts of `key(item)`, largest first. */
function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}

function counts(caption, entries) {
  return table(caption, [{ label: 'Condition', cell: (e) => e[0] }, { label: 'Count', cell: (e) => String(e[1]) }], entries, 'None recorded.');
}

/** A flow's card: it loads on its own, so one refusal (a role the user lacks) does not hide the others. */
function card(title, load) {
  const body = h('div', {}, h('p', {}, 'Loading…'));
  const section = h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), body);
  load()
    .then((nodes) => body.replaceChildren(...nodes))
    .catch((error) => body.replaceChildren(errorBox(error)));
  return section;
}

const recordKey = (r) => `${r.condition?.status ?? 'Unknown'} ${r.condition?.reason ?? 'none'}`;
const attention = (r) => r.condition && r.condition.status !== 'True' && r.condition.reason !== 'Deleted';

function recordsCard(title, kind, idField) {
  return card(title, async () => {
    const items = await listAll(`/api/${kind}?top=1000`, kind);
    const failing = items.filter(attention);
    return [
      counts(`${title} by condition`, countBy(items, recordKey)),
      h('h3', {}, `Needs attention (${failing.length})`),
      table(`${title} that need attention`, [
        { label: 'Name', cell: (r) => h('a', { href: `#/${kind}/${encodeURIComponent(r[idField])}`, title: r[idField] }, r.name ?? shortId(r[idField])) },
        { label: 'Condition', cell: (r) => conditionBadge(r.condition) },
        { label: 'Why', cell: (r) => r.condition?.message ?? '' },
      ], failing, 'Nothing: every one is converged.'),
    ];
  });
}

export async function renderOverview(main) {
  main.append(
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'grid' },
      recordsCard('Spokes', 'spokes', 'vnetId'),
      recordsCard('Endpoints', 'endpoints', 'endpointId'),
      card('Egress requests', async () => {
        const items = await listAll('/api/egress-requests?top=100', 'value', 1000);
        const pending = items.filter((r) => r.status === 'PendingApproval');
        return [
          counts('Egress requests by status', countBy(items, (r) => r.status)),
          h('p', {}, h('a', { href: '#/egress' }, `${pending.length} waiting for a decision`)),
        ];
      }),
      card('Stamps', async () => {
        const stamps = (await get('/api/stamps?top=1000')).stamps;
        const notHealthy = stamps.filter((s) => s.state !== 'Healthy');
        return [
          counts('Stamps by state', countBy(stamps, (s) => s.state)),
          table('Stamps that need attention', [
            { label: 'Stamp', cell: (s) => h('a', { href: `#/stamps/${encodeURIComponent(s.name)}` }, s.name) },
            { label: 'State', cell: (s) => h('span', { class: `badge st-${s.state}` }, s.state) },
            { label: 'Why', cell: (s) => s.why ?? '' },
          ], notHealthy, 'Every stamp is healthy.'),
        ];
      }),
      card('Last drift run', async () => {
        const latest = await latestDrift();
        if (!latest.available) return [h('p', { class: 'muted' }, latest.message)];
        if (!latest.run) return [h('p', {}, 'No drift run yet.'), h('a', { href: '#/drift' }, 'Run one')];
        const run = latest.run;
        return [
          h('p', { 'data-testid': 'overview-drift-run' }, `Run ${run.runId}: ${run.status}, started ${when(run.startedAt)}${run.endedAt ? `, ended ${when(run.endedAt)}` : ''} (${run.trigger}, ${run.mode})`),
          h('p', {}, `${run.itemCount ?? (run.items ?? []).length} difference(s) found.`),
          flowCountsTable(run),
          h('p', {}, h('a', { href: '#/drift' }, 'See the report')),
        ];
      }),
    ),
  );
}
