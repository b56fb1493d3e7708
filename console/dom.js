// Tiny DOM helpers: elements are built with createElement and text nodes only (never innerHTML), so no value from the
// API can become markup.

/** An HTML element: `h('a', { href: '#/x', onclick: fn }, 'text', child, [more])`. */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element, same shape as h(). */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A condition as a badge: its status as colour and word, its reason as text. */
export function conditionBadge(condition) {
  if (!condition) return h('span', { class: 'badge s-Unknown' }, 'no record');
  return h('span', { class: `badge s-${condition.status}` }, `${statusWord(condition.status)} · ${condition.reason}`);
}

export function statusWord(status) {
  return status === 'True' ? 'OK' : status === 'False' ? 'Failing' : 'Unknown';
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The last segments of an ARM ID: `rg/name`. */
export function shortId(id) {
  if (!id) return '–';
  const parts = String(id).split('/');
  return parts.length >= 9 ? `${parts[4]}/${parts[parts.length - 1]}` : String(id);
}

/** A table: `columns` = [{ label, cell: (row) => node|string }]. */
export function table(caption, columns, rows, empty = 'Nothing to show.') {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(row)))))),
  );
}

/** A labelled form field. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

/** An error box naming what the API said (role="alert": read out at once). */
export function errorBox(error) {
  return h('div', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}

/** `action` with its failure shown in `problem` (the API's refusal, read out at once); the last failure is cleared first. */
export function withProblem(problem, action) {
  return async (...args) => {
    problem.replaceChildren();
    try {
      await action(...args);
    } catch (error) {
      problem.append(errorBox(error));
    }
  };
}

/** A form (a card) that runs `action` when submitted, its failure shown in `problem`. */
export function actionForm(problem, action, ...children) {
  const run = withProblem(problem, action);
  return h('form', { class: 'card', onsubmit: (event) => { event.preventDefault(); void run(); } }, ...children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}
