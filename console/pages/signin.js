// Local sign-in (embedded default only): pick a user and roles; the local token issuer signs a token for them.
import { localSignIn } from '../auth.js';
import { actionForm, field, h } from '../dom.js';

const ROLES = ['Egress.Requester', 'Egress.Approver', 'ControlPlane.Reader', 'ControlPlane.Operator'];

export const PRESETS = [
  { label: 'Requester', name: 'Rita Requester', oid: 'e9e55000-0000-4000-8000-00000000e001', roles: ['Egress.Requester'] },
  { label: 'Approver', name: 'Alex Approver', oid: 'e9e55000-0000-4000-8000-00000000e002', roles: ['Egress.Approver', 'ControlPlane.Reader'] },
  { label: 'Second approver', name: 'Sam Second', oid: 'e9e55000-0000-4000-8000-00000000e003', roles: ['Egress.Approver'] },
  { label: 'Operator', name: 'Olga Operator', oid: 'e9e55000-0000-4000-8000-00000000e004', roles: ['ControlPlane.Operator'] },
];

export function renderSignIn(main, method, done) {
  const name = h('input', { type: 'text', id: 'signin-name', required: true, autocomplete: 'off', value: PRESETS[0].name });
  const oid = h('input', { type: 'text', id: 'signin-oid', required: true, pattern: '[0-9a-fA-F-]{36}', value: PRESETS[0].oid, autocomplete: 'off' });
  const boxes = ROLES.map((role) => h('input', { type: 'checkbox', id: `role-${role}`, value: role, checked: PRESETS[0].roles.includes(role) }));
  const problem = h('div');
  const pick = (preset) => {
    name.value = preset.name;
    oid.value = preset.oid;
    for (const box of boxes) box.checked = preset.roles.includes(box.value);
  };
  const form = actionForm(
    problem,
    async () => {
      await localSignIn(method.tokenUrl, { oid: oid.value.trim().toLowerCase(), name: name.value.trim(), roles: boxes.filter((b) => b.checked).map((b) => b.value) });
      done();
    },
    h('fieldset', {}, h('legend', {}, 'Start from'), h('div', { class: 'buttons' }, PRESETS.map((p) => h('button', { type: 'button', onclick: () => pick(p) }, p.label)))),
    field('Name', name),
    field('Object ID', oid, 'The user\'s object ID (a GUID): the API compares it, e.g. to refuse approving your own request.'),
    h('fieldset', {}, h('legend', {}, 'App roles'), boxes.map((box) => h('div', { class: 'check' }, box, h('label', { for: box.id }, box.value)))),
    problem,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  main.append(
    h('h1', {}, 'Sign in (local)'),
    h('p', {}, 'The embedded default\'s token issuer signs a token for whoever you pick. In Azure the console signs in with Microsoft Entra ID instead.'),
    form,
  );
  name.focus();
}
