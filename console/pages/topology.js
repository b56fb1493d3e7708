// Topology: an SVG drawn from the records: hubs, their spokes by region, each peering coloured by its state, and the
// stamps with their Front Door state. A table under it says the same for screen readers and for copying.
import { ApiError, get, listAll } from '../api.js';
import { conditionBadge, errorBox, h, shortId, svg, table } from '../dom.js';

const COLUMN = 270;
const ROW = 64;
const STAMP_WIDTH = 240;
/** Longer names are cut with an ellipsis so they stay in their box (the box's title has the whole name). */
const fit = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const edgeClass = (c) => (c?.status === 'True' ? 'edge-ok' : c?.status === 'False' ? 'edge-bad' : 'edge-unknown');
const nameOf = (id) => String(id ?? '').split('/').pop();

/**
 * Every configured hub (GET /api/hubs), each with the spokes recorded under it (the record's hubName is the hub's
 * name; a hub serves its region's spokes), spokes sorted by name; spokes naming no configured hub go under their own group ("no hub" when
 * they name none), so nothing recorded is left out.
 */
export function layout(spokes, hubs = []) {
  const groups = new Map();
  for (const hub of hubs) groups.set(hub.name, { hub: hub.name, region: hub.region, hubVnetId: hub.vnetId, configured: true, spokes: [] });
  for (const s of spokes) {
    if (s.condition?.reason === 'Deleted') continue;
    const key = s.hubName ?? 'no hub';
    if (!groups.has(key)) groups.set(key, { hub: key, hubVnetId: s.hubVnetId, configured: false, spokes: [] });
    const g = groups.get(key);
    g.hubVnetId ??= s.hubVnetId;
    g.spokes.push(s);
  }
  const byName = (a, b) => String(a.name).localeCompare(String(b.name));
  return [...groups.values()]
    .sort((a, b) => Number(b.configured) - Number(a.configured) || String(a.region ?? '').localeCompare(String(b.region ?? '')) || a.hub.localeCompare(b.hub))
    .map((g) => ({ ...g, spokes: g.spokes.sort(byName) }));
}

function draw(groups, stamps) {
  const tallest = Math.max(1, ...groups.map((g) => g.spokes.length));
  const spokesBottom = 140 + tallest * ROW;
  const stampCols = Math.max(1, Math.floor(Math.max(groups.length * COLUMN, 1250) / STAMP_WIDTH));
  const stampRows = Math.ceil(stamps.length / stampCols);
  const width = Math.max(groups.length * COLUMN, Math.min(stamps.length, stampCols) * STAMP_WIDTH, 480) + 20;
  const height = spokesBottom + (stamps.length ? 60 + stampRows * 70 : 0) + 20;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'topo-title topo-desc', class: 'topology' },
    svg('title', { id: 'topo-title' }, 'Hub-and-spoke topology'),
    svg('desc', { id: 'topo-desc' }, `${groups.length} hub(s), ${groups.reduce((n, g) => n + g.spokes.length, 0)} spoke(s), ${stamps.length} stamp(s); peerings coloured by state. The table below lists the same.`),
  );
  // Peerings first, so the boxes sit on top: from the hub down its own lane, then across to the spoke.
  const edges = svg('g', { class: 'edges' });
  root.append(edges);
  groups.forEach((g, col) => {
    const cx = 10 + col * COLUMN + COLUMN / 2;
    root.append(svg('g', { class: g.configured ? 'hub' : 'hub hub-unconfigured', 'data-hub': g.hub },
      svg('title', {}, `hub ${g.hub}${g.region ? ` (${g.region})` : ''}${g.hubVnetId ? `: ${g.hubVnetId}` : ''}${g.configured ? '' : ' (not a configured hub)'}; ${g.spokes.length} spoke(s)`),
      svg('rect', { x: cx - 90, y: 20, width: 180, height: 56, rx: 8 }),
      svg('text', { x: cx, y: 44, 'text-anchor': 'middle', class: 'label' }, `hub ${g.hub}`),
      svg('text', { x: cx, y: 64, 'text-anchor': 'middle', class: 'small' }, [g.region, g.hubVnetId ? nameOf(g.hubVnetId) : ''].filter(Boolean).join(' · ')),
    ));
    if (g.spokes.length === 0) root.append(svg('text', { x: cx, y: 110, 'text-anchor': 'middle', class: 'small' }, 'no spokes recorded'));
    g.spokes.forEach((s, i) => {
      const y = 130 + i * ROW;
      const cls = edgeClass(s.condition);
      const lane = cx - 72 - Math.min(i, 9) * 5;
      edges.append(svg('path', { d: `M ${lane} 76 V ${y + 22} H ${cx - 50}`, class: `edge ${cls}` }));
      root.append(
        svg('g', { class: `spoke ${cls.replace('edge-', 'sp-')}`, 'data-spoke': s.name },
          svg('title', {}, `${s.vnetId}: ${s.condition?.status ?? 'Unknown'} ${s.condition?.reason ?? ''} ${s.condition?.message ?? ''}`),
          svg('rect', { x: cx - 50, y, width: 210, height: 44, rx: 6 }),
          svg('text', { x: cx - 42, y: y + 18, class: 'label' }, fit(String(s.name ?? nameOf(s.vnetId)), 23)),
          svg('text', { x: cx - 42, y: y + 36, class: 'small' }, `${s.condition?.reason ?? 'no record'}${s.hubSideState ? ` · ${s.hubSideState.split('/')[0]}` : ''}`),
        ),
      );
    });
  });
  if (stamps.length) {
    root.append(svg('text', { x: 10, y: spokesBottom + 30, class: 'label' }, 'Stamps (Front Door origins)'));
    stamps.forEach((s, i) => {
      const x = 10 + (i % stampCols) * STAMP_WIDTH;
      const y = spokesBottom + 45 + Math.floor(i / stampCols) * 70;
      const fd = s.frontDoor?.enabledState ?? 'unknown';
      root.append(svg('g', { class: `stamp st-${s.state} fd-${fd}`, 'data-stamp': s.name },
        svg('title', {}, `stamp ${s.name} (${s.region ?? ''}): ${s.state}, Front Door origin ${fd}; ${s.why ?? ''}`),
        svg('rect', { x, y, width: STAMP_WIDTH - 15, height: 54, rx: 6 }),
        svg('text', { x: x + 8, y: y + 20, class: 'label' }, fit(`${s.name} · ${s.region ?? ''}`, 26)),
        svg('text', { x: x + 8, y: y + 40, class: 'small' }, `${s.state} · Front Door ${fd}`),
      ));
    });
  }
  return root;
}

function legend() {
  const item = (cls, text) => h('li', {}, svg('svg', { width: 30, height: 10, 'aria-hidden': 'true' }, svg('line', { x1: 0, y1: 5, x2: 30, y2: 5, class: `edge ${cls}` })), ' ', text);
  return h('ul', { class: 'legend', 'aria-label': 'Legend' }, item('edge-ok', 'peered (converged)'), item('edge-bad', 'refused or failing'), item('edge-unknown', 'unknown or in progress'));
}

export async function renderTopology(main) {
  main.append(h('h1', {}, 'Topology'));
  const [spokes, hubs] = await Promise.all([listAll('/api/spokes?top=1000', 'spokes'), get('/api/hubs').then((body) => body.hubs)]);
  let stamps = [];
  try {
    stamps = (await get('/api/stamps?top=1000')).stamps;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) main.append(errorBox(error));
  }
  const groups = layout(spokes, hubs);
  main.append(
    legend(),
    h('div', { class: 'svg-wrap' }, draw(groups, stamps)),
    h('h2', {}, 'As a table'),
    table('Hubs', [
      { label: 'Hub', cell: (g) => g.hub },
      { label: 'Region', cell: (g) => g.region ?? '' },
      { label: 'VNet', cell: (g) => (g.hubVnetId ? shortId(g.hubVnetId) : '') },
      { label: 'Spokes', cell: (g) => String(g.spokes.length) },
      { label: 'Configured', cell: (g) => (g.configured ? 'yes' : 'no: named by spoke records only') },
    ], groups),
    table('Spokes by hub', [
      { label: 'Hub', cell: (s) => s.hubName ?? 'no hub' },
      { label: 'Spoke', cell: (s) => h('a', { href: `#/spokes/${encodeURIComponent(s.vnetId)}` }, shortId(s.vnetId)) },
      { label: 'Peering', cell: (s) => conditionBadge(s.condition) },
      { label: 'Hub side / spoke side', cell: (s) => `${s.hubSideState ?? '–'} / ${s.spokeSideState ?? '–'}` },
      { label: 'Why', cell: (s) => s.condition?.message ?? '' },
    ], groups.flatMap((g) => g.spokes)),
    stamps.length ? table('Stamps', [
      { label: 'Stamp', cell: (s) => s.name },
      { label: 'Region', cell: (s) => s.region ?? '' },
      { label: 'State', cell: (s) => s.state },
      { label: 'Front Door', cell: (s) => s.frontDoor?.enabledState ?? 'unknown' },
    ], stamps) : null,
  );
}
