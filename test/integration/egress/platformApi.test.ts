/**
 * The egress flow in platformApi mode (the config default): the embedded default running the real app with the
 * demo's egress block pointed at the local platform team's API emulator. The orchestration submits the request
 * before the decision, asks for apply (with the decision) / revoke, withdraws a rejected one, polls the operation with
 * durable timers, and verifies the rule via ARM itself.
 */
import { randomUUID } from 'node:crypto';
import { ids } from '../../../local/demo';
import { PLATFORM_GROUP } from '../../../local/platform-api';
import { createVnet, quiesce, startWorld, until, type PeeringWorld } from '../peering/support';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000011';
const APPROVER = 'bbbbbbbb-0000-4000-8000-000000000012';

interface RequestView {
  id: string;
  status: string;
  history: Array<{ status: string; message: string }>;
  platformRequestId?: string;
  rule?: { firewallPolicyId: string; ruleCollectionGroup: string; ruleCollection: string; name: string };
}

describe('egress requests in platformApi mode', () => {
  let world: PeeringWorld;
  let spoke: string;
  let policyId: string;
  let requesterToken: string;
  let approverToken: string;

  beforeAll(async () => {
    world = await startWorld({ LOCAL_EGRESS_APPLY_MODE: 'platformApi' });
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    const hub = world.topology.connectivity.hubs.find((h) => h.region === 'westeurope');
    if (!payments || !weu || !hub?.firewallPolicy) throw new Error('demo topology lost its westeurope spoke or policy');
    spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    policyId = ids.firewallPolicy(world.topology.connectivity.subscriptionId, hub.resourceGroup, hub.firewallPolicy.name);
    const token = async (oid: string, roles: string[]) => {
      const res = await fetch(`${world.embedded.baseUrl}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: `user ${oid.slice(0, 4)}`, roles }) });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    requesterToken = await token(REQUESTER, ['Egress.Requester']);
    approverToken = await token(APPROVER, ['Egress.Approver']);
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  const call = async (method: string, path: string, bearer: string, body?: unknown, key?: string) => {
    const res = await fetch(`${world.embedded.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(key ? { 'idempotency-key': key } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const view = async (id: string) => (await call('GET', `/api/egress-requests/${id}`, approverToken)).body as unknown as RequestView;
  const settled = (id: string, status: string) =>
    until(`${id} to be ${status}`, async () => {
      const v = await view(id);
      return v.status === status ? v : undefined;
    }, 60_000);
  const rulesIn = (group: string) => {
    const g = world.embedded.arm.getResource(`${policyId}/ruleCollectionGroups/${group}`) as { properties: { ruleCollections: Array<{ rules: Array<{ name: string; targetFqdns?: string[]; sourceAddresses: string[] }> }> } } | undefined;
    return (g?.properties.ruleCollections ?? []).flatMap((c) => c.rules);
  };
  const platform = () => world.embedded.platformApi;
  /** A request waiting for its decision; the platform API has recorded it (no decision yet) before this returns. */
  const pending = async (fqdn: string): Promise<string> => {
    const created = await call('POST', '/api/egress-requests', requesterToken, { spokeVnetId: spoke, destinations: [{ fqdn, ports: ['Https:443'] }], justification: 'CI needs it', ttlDays: 30 }, randomUUID());
    expect(created.status).toBe(202);
    const id = String(created.body['id']);
    // The record is PendingApproval from the start; it holds the platform's id once the orchestration submitted it.
    const waiting = await until(`${id} to be submitted`, async () => {
      const v = await view(id);
      return v.platformRequestId ? v : undefined;
    }, 60_000);
    expect(waiting).toMatchObject({ status: 'PendingApproval', platformRequestId: id });
    expect(platform().lookup(id)).toEqual({ id, status: 'Recorded' });
    return id;
  };
  const approved = async (fqdn: string): Promise<string> => {
    const id = await pending(fqdn);
    expect((await call('POST', `/api/egress-requests/${id}/decision`, approverToken, { verdict: 'approve', comment: 'ok' })).status).toBe(202);
    return id;
  };

  it('request -> approve -> Active: submitted to the platform API before the decision, applied with it, the rule verified via ARM; revoke -> Revoked and the rule gone', async () => {
    const id = await pending('api.github.com');
    // The create is in the platform's log before the decision is made; the apply (with the decision) after it.
    const created = platform().log.length;
    expect(platform().log.filter((e) => e.method === 'POST' && e.path === '/v1/egress-requests' && e.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`)).toBe(0);
    expect((await call('POST', `/api/egress-requests/${id}/decision`, approverToken, { verdict: 'approve', comment: 'ok' })).status).toBe(202);
    const active = await settled(id, 'Active');
    expect(platform().log.slice(created).some((e) => e.method === 'POST' && e.path === `/v1/egress-requests/${id}/apply` && e.status === 202)).toBe(true);
    expect(platform().lookup(id)).toMatchObject({ status: 'Applied', decision: { approvedBy: [APPROVER], comment: 'ok', decidedAt: expect.any(String) } });
    expect(active.rule).toEqual({ firewallPolicyId: policyId, ruleCollectionGroup: PLATFORM_GROUP.name, ruleCollection: expect.stringMatching(/^spoke-vnet-payments-weu-/), name: id });
    const rule = rulesIn(PLATFORM_GROUP.name).find((r) => r.name === id);
    expect(rule?.targetFqdns).toEqual(['api.github.com']);
    expect(rule?.sourceAddresses).toEqual(['10.10.0.0/24']);
    // The control plane wrote nothing itself: its own group has no such rule.
    expect(rulesIn('rcg-hubspoke-egress').some((r) => r.name === id)).toBe(false);
    expect(platform().count('POST', '/v1/egress-requests', 201)).toBeGreaterThanOrEqual(1);
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`, 202)).toBe(1);
    expect(platform().count('GET', '/v1/operations/')).toBeGreaterThanOrEqual(1);
    const audit = (await call('GET', `/api/egress-requests/${id}`, approverToken)).body['audit'] as Array<{ action: string; outcome: string }>;
    expect(audit.find((a) => a.action === 'applyRule')).toMatchObject({ outcome: 'succeeded' });

    expect((await call('POST', `/api/egress-requests/${id}/revoke`, requesterToken)).status).toBe(202);
    await settled(id, 'Revoked');
    expect(platform().count('POST', `/v1/egress-requests/${id}/revoke`, 202)).toBe(1);
    expect(rulesIn(PLATFORM_GROUP.name).some((r) => r.name === id)).toBe(false);
  });

  it('a rejection withdraws the submitted request from the platform API (revoke of a never-applied request): nothing written', async () => {
    const id = await pending('rejected.contoso.com');
    expect((await call('POST', `/api/egress-requests/${id}/decision`, approverToken, { verdict: 'reject', comment: 'not needed' })).status).toBe(202);
    const rejected = await settled(id, 'Rejected');
    expect(rejected.history.at(-1)?.message).toMatch(/not needed; withdrawn from the platform team's API/);
    expect(platform().lookup(id)).toEqual({ id, status: 'Withdrawn' });
    expect(platform().count('POST', `/v1/egress-requests/${id}/revoke`, 202)).toBe(1);
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`)).toBe(0);
    expect(rulesIn(PLATFORM_GROUP.name).some((r) => r.name === id)).toBe(false);
  });

  it('a request revoked before its decision is withdrawn from the platform API', async () => {
    const id = await pending('withdrawn.contoso.com');
    expect((await call('POST', `/api/egress-requests/${id}/revoke`, requesterToken)).status).toBe(202);
    const revoked = await settled(id, 'Revoked');
    expect(revoked.history.at(-1)?.message).toMatch(/withdrawn before a decision.*withdrawn from the platform team's API/);
    expect(platform().lookup(id)).toEqual({ id, status: 'Withdrawn' });
  });

  it('waits out a 429 (Retry-After) on apply and retries a 503 on the operation poll, then is Active', async () => {
    platform().inject({ status: 429, times: 1, match: '/apply', retryAfterSeconds: 1 });
    platform().inject({ status: 503, times: 1, match: 'GET /v1/operations/' });
    const id = await approved('throttled.contoso.com');
    await settled(id, 'Active');
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`, 429)).toBe(1);
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`, 202)).toBe(1);
    expect(platform().count('GET', '/v1/operations/', 503)).toBe(1);
    expect(rulesIn(PLATFORM_GROUP.name).some((r) => r.name === id)).toBe(true);
  });

  it('a failed operation fails the request with the platform\'s reason, and no rule is written', async () => {
    platform().failOperations(1);
    const id = await approved('failing.contoso.com');
    const failed = await settled(id, 'Failed');
    expect(failed.history.at(-1)?.message).toMatch(/PlatformOperationFailed.*injected/);
    expect(rulesIn(PLATFORM_GROUP.name).some((r) => r.name === id)).toBe(false);
    // Recorded once, classified: the audit has the failed apply with the platform's error.
    const audit = (await call('GET', `/api/egress-requests/${id}`, approverToken)).body['audit'] as Array<{ action: string; outcome: string; error?: { code: string } }>;
    expect(audit.find((a) => a.action === 'applyRule')).toMatchObject({ outcome: 'failed', error: { code: 'PlatformOperationFailed' } });
  });

  it('a spoke address space change sends the revised request to the platform API and the rule\'s source follows', async () => {
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    if (!payments) throw new Error('no payments workload');
    const vnet = ids.vnet(payments.subscriptionId, 'rg-payments-weu', 'vnet-platform-space');
    await createVnet(world, vnet, { location: 'westeurope', prefixes: ['10.51.0.0/24'] });
    const created = await call('POST', '/api/egress-requests', requesterToken, { spokeVnetId: vnet, destinations: [{ fqdn: 'space.contoso.com' }], justification: 'j' }, randomUUID());
    const id = String(created.body['id']);
    await settled(id, 'PendingApproval');
    await call('POST', `/api/egress-requests/${id}/decision`, approverToken, { verdict: 'approve' });
    await settled(id, 'Active');
    await createVnet(world, vnet, { location: 'westeurope', prefixes: ['10.51.0.0/24', '10.52.0.0/24'] });
    await until('the rule to allow the new space', async () => {
      const v = await view(id);
      return v.status === 'Active' && rulesIn(PLATFORM_GROUP.name).find((r) => r.name === id)?.sourceAddresses.length === 2 ? v : undefined;
    }, 60_000);
    expect(rulesIn(PLATFORM_GROUP.name).find((r) => r.name === id)?.sourceAddresses).toEqual(['10.51.0.0/24', '10.52.0.0/24']);
    expect(platform().count('POST', `/v1/egress-requests/${id}/apply`, 202)).toBe(2);
    expect(platform().count('POST', '/v1/egress-requests', 422)).toBe(0);
  });
});
