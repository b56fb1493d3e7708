// Egress requests: pending first, a request with its decisions and history, approve / reject with a comment, revoke,
// and a form to request egress. The API decides (roles, self-approval, the second approver): refusals are shown as
// it words them.
import { api, get, listAll } from '../api.js';
import { actionForm, errorBox, field, h, shortId, table, when, withProblem } from '../dom.js';

const destinationText = (d) => `${d.fqdn ?? `tag ${d.tag ?? d.fqdnTag ?? ''}`}${d.ports?.length ? ` (${d.ports.map((p) => (typeof p === 'string' ? p : `${p.protocol}:${p.port}`)).join(', ')})` : ''}`;
const who = (oid, name) => (name ? `${name} (${String(oid).slice(0, 8)})` : String(oid ?? ''));

export async function renderEgress(main, ctx) {
  const [id] = ctx.rest;
  if (id) return renderOne(main, ctx, id);
  const pendingBox = h('div');
  const historyBox = h('div');
  main.append(h('h1', {}, 'Egress requests'), h('h2', {}, 'Waiting for a decision'), pendingBox, h('h2', {}, 'All others'), historyBox, h('h2', {}, 'Request egress'), requestForm(ctx));
  const columns = [
    { label: 'Request', cell: (r) => h('a', { href: `#/egress/${r.id}` }, r.id) },
    { label: 'Spoke', cell: (r) => shortId(r.spokeVnetId) },
    { label: 'Destinations', cell: (r) => r.destinations.map(destinationText).join('; ') },
    { label: 'Requested by', cell: (r) => who(r.requestedBy, r.requestedByName) },
    { label: 'Status', cell: (r) => h('span', { class: `badge eg-${r.status}` }, r.status) },
    { label: 'Approvals', cell: (r) => `${r.decisions.filter((d) => d.verdict === 'approve').length}/${r.approvalsRequired}` },
    { label: 'Requested', cell: (r) => when(r.requestedAt) },
  ];
  try {
    const all = await listAll('/api/egress-requests?top=100', 'value', 1000);
    const pending = all.filter((r) => r.status === 'PendingApproval');
    pendingBox.append(table('Pending egress requests (oldest first)', columns, pending.reverse(), 'No request is waiting.'));
    historyBox.append(table('Egress requests (newest first)', columns, all.filter((r) => r.status !== 'PendingApproval')));
  } catch (error) {
    pendingBox.append(errorBox(error));
  }
}

/** `api.github.com Https:443,Http:80` or `tag:WindowsUpdate`, one per line. */
function parseDestinations(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      if (line.toLowerCase().startsWith('tag:')) return { fqdnTag: line.slice(4).trim() };
      const [fqdn, ports = 'Https:443'] = line.split(/\s+/);
      return { fqdn, ports: ports.split(',').filter(Boolean) };
    });
}

function requestForm(ctx) {
  const spoke = h('input', { type: 'text', id: 'egress-spoke', required: true, placeholder: '/subscriptions/…/virtualNetworks/…', autocomplete: 'off' });
  const destinations = h('textarea', { id: 'egress-destinations', rows: 3, required: true, placeholder: 'api.github.com Https:443\ntag:WindowsUpdate' });
  const justification = h('input', { type: 'text', id: 'egress-justification', required: true });
  const ttl = h('input', { type: 'number', id: 'egress-ttl', min: 1, max: 365, value: 30 });
  const problem = h('div');
  return actionForm(
    problem,
    async () => {
      const res = await api('POST', '/api/egress-requests', { spokeVnetId: spoke.value.trim(), destinations: parseDestinations(destinations.value), justification: justification.value, ttlDays: Number(ttl.value) }, { 'idempotency-key': crypto.randomUUID() });
      ctx.say(`Requested: ${res.body.id} (${res.body.status})`);
      location.hash = `#/egress/${res.body.id}`;
    },
    field('Spoke VNet ID', spoke),
    field('Destinations', destinations, 'One per line: an FQDN and its ports (Https:443,Http:80), or tag:<FQDN tag>.'),
    field('Justification', justification),
    field('Days until it expires', ttl),
    problem,
    h('button', { type: 'submit', class: 'primary' }, 'Request'),
  );
}

async function renderOne(main, ctx, id) {
  const r = await get(`/api/egress-requests/${encodeURIComponent(id)}`);
  const comment = h('textarea', { id: 'decision-comment', rows: 2, maxlength: 1000 });
  const problem = h('div', { 'data-testid': 'decision-problem' });
  const decide = withProblem(problem, async (verdict) => {
    await api('POST', `/api/egress-requests/${r.id}/decision`, { verdict, comment: comment.value });
    ctx.say(`Decision recorded: ${verdict}`);
    await ctx.refresh();
  });
  const revoke = withProblem(problem, async () => {
    await api('POST', `/api/egress-requests/${r.id}/revoke`);
    ctx.say('Revocation requested');
    await ctx.refresh();
  });
  main.append(
    h('p', {}, h('a', { href: '#/egress' }, '← Egress requests')),
    h('h1', {}, `Egress request ${r.id}`),
    h('p', {}, 'Status: ', h('span', { class: `badge eg-${r.status}`, 'data-testid': 'egress-status' }, r.status), r.status === 'PendingApproval' ? h('button', { type: 'button', class: 'link', onclick: () => void ctx.refresh() }, 'Refresh') : null),
    h('dl', { class: 'details' },
      h('dt', {}, 'Spoke'), h('dd', {}, r.spokeVnetId),
      h('dt', {}, 'Destinations'), h('dd', {}, r.destinations.map(destinationText).join('; ')),
      h('dt', {}, 'Justification'), h('dd', {}, r.justification),
      h('dt', {}, 'Requested by'), h('dd', {}, `${who(r.requestedBy, r.requestedByName)} at ${when(r.requestedAt)}`),
      h('dt', {}, 'Approvals'), h('dd', { 'data-testid': 'egress-approvals' }, `${r.decisions.filter((d) => d.verdict === 'approve').length} of ${r.approvalsRequired} required${r.approvalsRequired > 1 ? ' (elevated: a second approver decides too)' : ''}`),
      r.expiresAt ? [h('dt', {}, 'Expires'), h('dd', {}, when(r.expiresAt))] : null,
      r.rule ? [h('dt', {}, 'Rule'), h('dd', {}, `${r.rule.ruleCollectionGroup} / ${r.rule.ruleCollection} / ${r.rule.name}`)] : null,
    ),
    h('section', { class: 'card', 'aria-label': 'Decide' },
      h('h2', {}, 'Decide'),
      field('Comment', comment),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'primary', onclick: () => void decide('approve') }, 'Approve'),
        h('button', { type: 'button', onclick: () => void decide('reject') }, 'Reject'),
        h('button', { type: 'button', onclick: () => void revoke() }, 'Revoke'),
      ),
      problem,
    ),
    h('h2', {}, 'Decisions'),
    table('Decisions', [
      { label: 'When', cell: (d) => when(d.at) },
      { label: 'Who', cell: (d) => who(d.by, d.byName) },
      { label: 'Verdict', cell: (d) => d.verdict },
      { label: 'Comment', cell: (d) => d.comment ?? '' },
    ], r.decisions, 'No decision yet.'),
    h('h2', {}, 'History'),
    table('History', [
      { label: 'When', cell: (e) => when(e.at) },
      { label: 'Status', cell: (e) => e.status },
      { label: 'What happened', cell: (e) => e.message ?? '' },
    ], r.history ?? []),
    h('h2', {}, 'Audit'),
    table('Audit', [
      { label: 'When', cell: (a) => when(a.at) },
      { label: 'Action', cell: (a) => a.action },
      { label: 'Outcome', cell: (a) => a.outcome },
      { label: 'Why', cell: (a) => a.reason ?? '' },
    ], r.audit ?? []),
  );
}
