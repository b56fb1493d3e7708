// Stamps: each with its state, Front Door state, pin and why; one stamp with its history, audit and the pin form.
import { api, get } from '../api.js';
import { actionForm, field, h, table, when } from '../dom.js';

const stateBadge = (state) => h('span', { class: `badge st-${state}` }, state);
const pinText = (pin) => (pin ? `${pin.mode} by ${pin.by}${pin.until ? ` until ${when(pin.until)}` : ''}: ${pin.reason}` : 'none');

export async function renderStamps(main, ctx) {
  const [name] = ctx.rest;
  if (name) return renderOne(main, ctx, name);
  const { stamps } = await get('/api/stamps?top=1000');
  main.append(
    h('h1', {}, 'Stamps'),
    table('Stamps', [
      { label: 'Stamp', cell: (s) => h('a', { href: `#/stamps/${encodeURIComponent(s.name)}` }, s.name) },
      { label: 'Region', cell: (s) => s.region ?? '' },
      { label: 'State', cell: (s) => stateBadge(s.state) },
      { label: 'Front Door', cell: (s) => s.frontDoor?.enabledState ?? 'not read yet' },
      { label: 'Pin', cell: (s) => pinText(s.pin) },
      { label: 'Why', cell: (s) => s.why ?? '' },
      { label: 'Last transition', cell: (s) => when(s.lastTransition?.at ?? s.lastTransition) },
    ], stamps, 'No stamps are configured.'),
  );
}

async function renderOne(main, ctx, name) {
  const s = await get(`/api/stamps/${encodeURIComponent(name)}`);
  const mode = h('select', { id: 'pin-mode' }, [['out', 'Out (drain)'], ['in', 'In (force in)'], ['auto', 'Auto (back to the signals)']].map(([v, l]) => h('option', { value: v }, l)));
  const reason = h('input', { type: 'text', id: 'pin-reason', required: true, maxlength: 500 });
  const until = h('input', { type: 'datetime-local', id: 'pin-until' });
  const problem = h('div');
  const form = actionForm(
    problem,
    async () => {
      const body = { mode: mode.value, reason: reason.value, ...(until.value ? { until: new Date(until.value).toISOString() } : {}) };
      await api('POST', `/api/stamps/${encodeURIComponent(s.name)}/pin`, body);
      ctx.say(`Pinned ${mode.value}: the stamp's monitor applies it in its next round`);
      await ctx.refresh();
    },
    h('h2', {}, 'Pin'),
    field('Mode', mode),
    field('Reason (audited)', reason),
    field('Until (optional, at most 30 days)', until),
    problem,
    h('button', { type: 'submit', class: 'primary' }, 'Pin'),
  );
  main.append(
    h('p', {}, h('a', { href: '#/stamps' }, '← Stamps')),
    h('h1', {}, `Stamp ${s.name}`),
    h('dl', { class: 'details' },
      h('dt', {}, 'Region'), h('dd', {}, s.region ?? ''),
      h('dt', {}, 'State'), h('dd', { 'data-testid': 'stamp-state' }, stateBadge(s.state)),
      h('dt', {}, 'Why'), h('dd', {}, s.why ?? ''),
      h('dt', {}, 'Front Door'), h('dd', { 'data-testid': 'stamp-frontdoor' }, `${s.frontDoor?.enabledState ?? 'not read yet'}${s.frontDoor?.readAt ? ` (read ${when(s.frontDoor.readAt)})` : ''}`),
      h('dt', {}, 'Pin'), h('dd', { 'data-testid': 'stamp-pin' }, pinText(s.pin)),
      h('dt', {}, 'Ejections'), h('dd', {}, String(s.ejectionCount ?? 0)),
      s.condition ? [h('dt', {}, 'Condition'), h('dd', {}, `${s.condition.status} ${s.condition.reason}: ${s.condition.message}`)] : null,
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => void ctx.refresh() }, 'Refresh')),
    form,
    h('h2', {}, 'History'),
    table('Transitions', [
      { label: 'When', cell: (t) => when(t.at) },
      { label: 'From', cell: (t) => t.from },
      { label: 'To', cell: (t) => t.to },
      { label: 'Why', cell: (t) => t.why ?? '' },
    ], s.history ?? [], 'No transition yet.'),
    h('h2', {}, 'Audit'),
    table('Audit', [
      { label: 'When', cell: (a) => when(a.at) },
      { label: 'Action', cell: (a) => a.action },
      { label: 'Outcome', cell: (a) => a.outcome },
      { label: 'Why', cell: (a) => a.reason ?? '' },
    ], s.audit ?? []),
  );
}
