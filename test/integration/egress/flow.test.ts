/**
 * The egress flow end to end (direct mode): the embedded default running the real app, tokens from the local
 * token issuer, the request orchestration, the policy writer and the ARM emulator's firewall policy.
 */
import { randomUUID } from 'node:crypto';
import { ids } from '../../../local/demo';
import { createVnet, quiesce, startWorld, until, type PeeringWorld } from '../peering/support';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000001';
const APPROVER = 'bbbbbbbb-0000-4000-8000-000000000002';
const APPROVER_2 = 'cccccccc-0000-4000-8000-000000000003';

interface RequestView {
  id: string;
  status: string;
  decisions: Array<{ verdict: string; by: string }>;
  history: Array<{ status: string; message: string }>;
  rule?: { firewallPolicyId: string; ruleCollectionGroup: string; ruleCollection: string; name: string };
  expiresAt?: string;
  audit?: Array<{ action: string; outcome: string }>;
}

describe('egress requests over HTTP (direct mode)', () => {
  let world: PeeringWorld;
  let spoke: string;
  let policyId: string;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    world = await startWorld();
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    const hub = world.topology.connectivity.hubs.find((h) => h.region === 'westeurope');
    if (!payments || !weu || !hub?.firewallPolicy) throw new Error('demo topology lost its westeurope spoke or policy');
    spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    policyId = ids.firewallPolicy(world.topology.connectivity.subscriptionId, hub.resourceGroup, hub.firewallPolicy.name);
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  const url = (path: string) => `${world.embedded.baseUrl}${path}`;
  async function token(oid: string, roles: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const key = `${oid}|${roles.join(',')}|${JSON.stringify(extra)}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const res = await fetch(url('/api/local/token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: `user ${oid.slice(0, 4)}`, roles, ...extra }) });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
    const value = ((await res.json()) as { access_token: string }).access_token;
    tokens.set(key, value);
    return value;
  }
  const requester = () => token(REQUESTER, ['Egress.Requester']);
  const approver = (oid = APPROVER) => token(oid, ['Egress.Approver']);
  const call = async (method: string, path: string, options: { token?: string; body?: unknown; key?: string } = {}) => {
    const res = await fetch(url(path), {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.key ? { 'idempotency-key': options.key } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const submit = async (destinations: unknown[], key = randomUUID(), extra: Record<string, unknown> = {}) =>
    call('POST', '/api/egress-requests', { token: await requester(), key, body: { spokeVnetId: spoke, destinations, justification: 'CI needs it', ttlDays: 30, ...extra } });
  const view = async (id: string) => (await call('GET', `/api/egress-requests/${id}`, { token: await approver() })).body as unknown as RequestView;
  const settled = (id: string, status: string) => until(`${id} to be ${status}`, async () => {
    const v = await view(id);
    return v.status === status ? v : undefined;
  }, 60_000);
  const groupRules = () => {
    const group = world.embedded.arm.getResource(`${policyId}/ruleCollectionGroups/rcg-hubspoke-egress`) as { properties: { ruleCollections: Array<{ rules: Array<{ name: string; targetFqdns?: string[]; sourceAddresses: string[] }> }> } } | undefined;
    return (group?.properties.ruleCollections ?? []).flatMap((c) => c.rules);
  };

  it('request -> approve -> Active with the rule verified in the policy; revoke -> Revoked and the rule gone', async () => {
    const created = await submit([{ fqdn: 'api.github.com', ports: ['Https:443'] }]);
    expect(created.status).toBe(202);
    const id = String(created.body['id']);
    expect(created.headers.get('location')).toBe(`/api/egress-requests/${id}`);
    await settled(id, 'PendingApproval');
    const decided = await call('POST', `/api/egress-requests/${id}/decision`, { token: await approver(), body: { verdict: 'approve', comment: 'ok' } });
    expect(decided.status).toBe(202);
    const active = await settled(id, 'Active');
    expect(active.rule).toEqual({ firewallPolicyId: policyId, ruleCollectionGroup: 'rcg-hubspoke-egress', ruleCollection: expect.stringMatching(/^spoke-vnet-payments-weu-/), name: id });
    const rule = groupRules().find((r) => r.name === id);
    expect(rule?.targetFqdns).toEqual(['api.github.com']);
    // The source is the spoke's own address space, read from ARM.
    expect(rule?.sourceAddresses).toEqual(['10.10.0.0/24']);
    // A second decision is refused: the request no longer awaits one.
    expect((await call('POST', `/api/egress-requests/${id}/decision`, { token: await approver(APPROVER_2), body: { verdict: 'approve' } })).status).toBe(409);

    // The same destination again needs no approval.
    const again = await submit([{ fqdn: 'api.github.com' }]);
    await settled(String(again.body['id']), 'AlreadyAllowed');

    expect((await call('POST', `/api/egress-requests/${id}/revoke`, { token: await requester() })).status).toBe(202);
    await settled(id, 'Revoked');
    expect(groupRules().find((r) => r.name === id)).toBeUndefined();
  });

  it('refuses no token (401), a bad token (401), a wrong role (403) and self-approval (403)', async () => {
    const body = { spokeVnetId: spoke, destinations: [{ fqdn: 'x.contoso.com' }], justification: 'j' };
    const none = await call('POST', '/api/egress-requests', { key: 'k', body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
    const wrongAudience = await call('POST', '/api/egress-requests', { key: 'k', body, token: await token(REQUESTER, ['Egress.Requester'], { audience: 'api://someone-else' }) });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await call('POST', '/api/egress-requests', { key: 'k', body, token: await approver() })).status).toBe(403);

    const created = await submit([{ fqdn: 'self.contoso.com' }]);
    const id = String(created.body['id']);
    const self = await call('POST', `/api/egress-requests/${id}/decision`, { token: await token(REQUESTER, ['Egress.Requester', 'Egress.Approver']), body: { verdict: 'approve' } });
    expect(self.status).toBe(403);
    expect(self.headers.get('content-type')).toBe('application/problem+json');
    const rejected = await call('POST', `/api/egress-requests/${id}/decision`, { token: await approver(), body: { verdict: 'reject', comment: 'use the proxy' } });
    expect(rejected.status).toBe(202);
    const v = await settled(id, 'Rejected');
    expect(v.history.at(-1)?.message).toMatch(/use the proxy/);
  });

  it('replays the same key and body, 422 for another body; 400 names each bad destination', async () => {
    const key = randomUUID();
    const first = await submit([{ fqdn: 'replay.contoso.com' }], key);
    const second = await submit([{ fqdn: 'REPLAY.contoso.com' }], key);
    expect(second.status).toBe(202);
    expect(second.body['id']).toBe(first.body['id']);
    expect((await submit([{ fqdn: 'other.contoso.com' }], key)).status).toBe(422);
    const bad = await submit([{ fqdn: '*.com' }, { fqdn: 'ok.contoso.com' }, { fqdn: 'localhost' }]);
    expect(bad.status).toBe(400);
    expect((bad.body['invalidDestinations'] as Array<{ index: number }>).map((d) => d.index)).toEqual([0, 2]);
    expect((await call('POST', '/api/egress-requests', { token: await requester(), key: randomUUID(), body: '{not json' })).status).toBe(400);
    expect((await call('POST', '/api/egress-requests', { token: await requester(), body: { spokeVnetId: spoke, destinations: [{ fqdn: 'a.contoso.com' }], justification: 'j' } })).status).toBe(400);
  });

  it('needs two distinct approvers for a wildcard over a shared suffix; approvals arriving together become one policy write', async () => {
    const shared = await submit([{ fqdn: '*.blob.core.windows.net' }]);
    const id = String(shared.body['id']);
    await settled(id, 'PendingApproval');
    await call('POST', `/api/egress-requests/${id}/decision`, { token: await approver(), body: { verdict: 'approve' } });
    await until('first approval recorded', async () => ((await view(id)).decisions.length === 1 ? true : undefined));
    expect((await view(id)).status).toBe('PendingApproval');

    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => submit([{ fqdn: `svc-${i}.contoso.com` }])));
    const ids = many.map((m) => String(m.body['id']));
    for (const other of ids) await settled(other, 'PendingApproval');
    const before = world.embedded.arm.requestLog.count('PUT ruleCollectionGroups');
    await Promise.all([id, ...ids].map(async (x) => call('POST', `/api/egress-requests/${x}/decision`, { token: await approver(APPROVER_2), body: { verdict: 'approve' } })));
    for (const x of [id, ...ids]) await settled(x, 'Active');
    const puts = world.embedded.arm.requestLog.count('PUT ruleCollectionGroups') - before;
    // Nine approvals: far fewer writes than requests (the writer batches whatever waits for the policy).
    expect(puts).toBeLessThan(9);
    expect(world.embedded.arm.requestLog.count('PUT ruleCollectionGroups', 409)).toBe(0);
  });

  it('the tag path: a tagged spoke gets a request by the event\'s principal; a changed tag replaces it, a removed tag revokes it, a deleted spoke loses its rules', async () => {
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    if (!payments) throw new Error('no payments workload');
    const tagged = ids.vnet(payments.subscriptionId, 'rg-payments-weu', 'vnet-egress-tagged');
    const byTag = async () =>
      ((await call('GET', `/api/egress-requests?spoke=${encodeURIComponent(tagged)}&top=100`, { token: await approver() })).body['value'] as Array<RequestView & { requestedBy: string; destinations: unknown[] }>) ?? [];
    await createVnet(world, tagged, { location: 'westeurope', prefixes: ['10.40.0.0/24'], tags: { 'hubspoke-egress': 'tagged.contoso.com,WindowsUpdate' } });
    const first = await until('a request from the tag', async () => (await byTag()).find((r) => r.status === 'PendingApproval'), 60_000);
    expect(first.requestedBy).not.toBe('unknown');
    expect(first.destinations).toHaveLength(2);
    await call('POST', `/api/egress-requests/${first.id}/decision`, { token: await approver(), body: { verdict: 'approve' } });
    await settled(first.id, 'Active');
    expect(groupRules().filter((r) => r.name.startsWith(first.id)).map((r) => r.sourceAddresses)).toEqual([['10.40.0.0/24'], ['10.40.0.0/24']]);

    // The tag changes: the old request is revoked (its rule removed), a new one waits for approval.
    await createVnet(world, tagged, { location: 'westeurope', prefixes: ['10.40.0.0/24'], tags: { 'hubspoke-egress': 'changed.contoso.com' } });
    await settled(first.id, 'Revoked');
    expect(groupRules().some((r) => r.name.startsWith(first.id))).toBe(false);
    const second = await until('a request for the changed tag', async () => (await byTag()).find((r) => r.status === 'PendingApproval'), 60_000);
    expect(second.id).not.toBe(first.id);

    // The tag goes: the pending request is withdrawn.
    await createVnet(world, tagged, { location: 'westeurope', prefixes: ['10.40.0.0/24'] });
    await settled(second.id, 'Revoked');

    // Tagged again and approved, then the spoke is deleted: its rule is revoked and removed.
    await createVnet(world, tagged, { location: 'westeurope', prefixes: ['10.40.0.0/24'], tags: { 'hubspoke-egress': 'again.contoso.com' } });
    const third = await until('a request for the new tag', async () => (await byTag()).find((r) => r.status === 'PendingApproval'), 60_000);
    await call('POST', `/api/egress-requests/${third.id}/decision`, { token: await approver(), body: { verdict: 'approve' } });
    await settled(third.id, 'Active');
    await world.network(payments.subscriptionId).virtualNetworks.beginDeleteAndWait('rg-payments-weu', 'vnet-egress-tagged', { updateIntervalInMs: 5 });
    await settled(third.id, 'Revoked');
    expect(groupRules().some((r) => r.name.startsWith(third.id))).toBe(false);
  });

  it('rewrites an Active rule\'s source when the spoke\'s address space changes', async () => {
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    if (!payments) throw new Error('no payments workload');
    const vnet = ids.vnet(payments.subscriptionId, 'rg-payments-weu', 'vnet-egress-space');
    await createVnet(world, vnet, { location: 'westeurope', prefixes: ['10.41.0.0/24'] });
    const created = await call('POST', '/api/egress-requests', { token: await requester(), key: randomUUID(), body: { spokeVnetId: vnet, destinations: [{ fqdn: 'space.contoso.com' }], justification: 'j' } });
    const id = String(created.body['id']);
    await settled(id, 'PendingApproval');
    await call('POST', `/api/egress-requests/${id}/decision`, { token: await approver(), body: { verdict: 'approve' } });
    await settled(id, 'Active');
    expect(groupRules().find((r) => r.name === id)?.sourceAddresses).toEqual(['10.41.0.0/24']);
    await createVnet(world, vnet, { location: 'westeurope', prefixes: ['10.41.0.0/24', '10.42.0.0/24'] });
    await until('the rule to allow the new space', async () => {
      const v = await view(id);
      return v.status === 'Active' && groupRules().find((r) => r.name === id)?.sourceAddresses.length === 2 ? v : undefined;
    }, 60_000);
    expect(groupRules().find((r) => r.name === id)?.sourceAddresses).toEqual(['10.41.0.0/24', '10.42.0.0/24']);
    expect((await view(id)).history.some((h) => /source updated/.test(h.message))).toBe(true);
  });
});

describe('egress requests in observe mode', () => {
  let world: PeeringWorld;
  beforeAll(async () => {
    world = await startWorld({ CONTROL_PLANE_MODE: 'observe' });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('records the decision but submits and writes nothing', async () => {
    const url = (path: string) => `${world.embedded.baseUrl}${path}`;
    const token = async (oid: string, roles: string[]) =>
      ((await (await fetch(url('/api/local/token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: 'n', roles }) })).json()) as { access_token: string }).access_token;
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    if (!payments || !weu) throw new Error('no spoke');
    const spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    const before = world.embedded.arm.requestLog.count('PUT ruleCollectionGroups');
    const created = await fetch(url('/api/egress-requests'), {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(REQUESTER, ['Egress.Requester'])}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ spokeVnetId: spoke, destinations: [{ fqdn: 'observe.contoso.com' }], justification: 'j' }),
    });
    const id = ((await created.json()) as { id: string }).id;
    const approverToken = await token(APPROVER, ['Egress.Approver']);
    const get = async () => (await (await fetch(url(`/api/egress-requests/${id}`), { headers: { authorization: `Bearer ${approverToken}` } })).json()) as RequestView;
    await until('pending', async () => ((await get()).status === 'PendingApproval' ? true : undefined));
    await fetch(url(`/api/egress-requests/${id}/decision`), { method: 'POST', headers: { authorization: `Bearer ${approverToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ verdict: 'approve' }) });
    const v = await until('observed', async () => {
      const x = await get();
      return x.history.some((h) => /observe mode/.test(h.message)) ? x : undefined;
    }, 60_000);
    expect(v.status).toBe('Approved');
    expect(v.rule).toBeUndefined();
    expect(world.embedded.arm.requestLog.count('PUT ruleCollectionGroups') - before).toBe(0);
  });
});
