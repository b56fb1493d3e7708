// The console's shell: sign-in state, navigation (hash routes, so every page is one static file set), and the page.
import { clearSession, EASY_AUTH_LOGIN, EASY_AUTH_LOGOUT, session, signInMethod } from './auth.js';
import { clear, errorBox, h } from './dom.js';
import { renderSignIn } from './pages/signin.js';
import { renderOverview } from './pages/overview.js';
import { renderEgress } from './pages/egress.js';
import { renderRecords } from './pages/records.js';
import { renderStamps } from './pages/stamps.js';
import { renderDrift } from './pages/drift.js';
import { renderTopology } from './pages/topology.js';

const PAGES = [
  { path: 'overview', label: 'Overview', render: renderOverview },
  { path: 'egress', label: 'Egress requests', render: renderEgress },
  { path: 'spokes', label: 'Spokes', render: (main, ctx) => renderRecords(main, ctx, 'spokes') },
  { path: 'endpoints', label: 'Endpoints', render: (main, ctx) => renderRecords(main, ctx, 'endpoints') },
  { path: 'stamps', label: 'Stamps', render: renderStamps },
  { path: 'drift', label: 'Drift', render: renderDrift },
  { path: 'topology', label: 'Topology', render: renderTopology },
];

let method;

/** Status line for what an action did (polite live region). */
export function say(text) {
  const status = document.getElementById('status');
  status.textContent = text;
}

function user() {
  if (method?.kind === 'entra' && method.user) return { name: method.user.name, roles: method.user.roles };
  const s = session();
  return s ? { name: s.name, roles: s.roles } : null;
}

function renderChrome(current) {
  const nav = clear(document.getElementById('nav'));
  const who = clear(document.getElementById('who'));
  const u = user();
  if (u) {
    nav.append(h('ul', {}, PAGES.map((p) => h('li', {}, h('a', { href: `#/${p.path}`, 'aria-current': p.path === current ? 'page' : false }, p.label)))));
    // A long name or many roles is cut with an ellipsis (the whole text in the tooltip), so the header stays one line.
    const text = `${u.name} (${u.roles.length ? u.roles.join(', ') : 'no roles'})`;
    who.append(
      h('span', { class: 'user', 'data-testid': 'who', title: text }, text),
      ' ',
      h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
    );
  }
}

function signOut() {
  clearSession();
  if (method?.kind === 'entra') location.assign(EASY_AUTH_LOGOUT);
  else {
    location.hash = '#/signin';
    void route();
  }
}

/** Renders the page the hash names; `keepStatus` keeps the status line (a refresh after an action that said something). */
async function route(keepStatus = false) {
  method ??= await signInMethod();
  const [page = 'overview', ...rest] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const main = clear(document.getElementById('main'));
  if (!keepStatus) say('');
  const signedIn = user() !== null;
  if (!signedIn || page === 'signin') {
    renderChrome('signin');
    if (method.kind === 'local') renderSignIn(main, method, () => { location.hash = '#/overview'; });
    else {
      main.append(
        h('h1', {}, 'Sign in'),
        h('p', {}, h('a', { href: EASY_AUTH_LOGIN, class: 'button' }, 'Sign in with Microsoft Entra ID')),
        h('p', { class: 'muted' }, 'Sign-in is App Service Authentication in front of the app (ENABLE_APP_SERVICE_AUTH=true); the API then sees your app roles.'),
      );
    }
    document.title = 'Sign in · Control plane console';
    return;
  }
  const found = PAGES.find((p) => p.path === page) ?? PAGES[0];
  renderChrome(found.path);
  document.title = `${found.label} · Control plane console`;
  try {
    await found.render(main, { rest, user: user(), say, refresh: () => route(true) });
  } catch (error) {
    main.append(errorBox(error));
  }
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', () => void route());
void route();
