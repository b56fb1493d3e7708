/**
 * The platform team's API emulator on its own contract (docs/platform-api.openapi.yaml), driven with the control
 * plane's own adapter: token audience, idempotency, a request recorded before its decision, apply with the decision
 * and revoke as operations that write through ARM, the withdrawal of a never-applied request, faults.
 */
import { ids } from '../../../local/demo';
import { PLATFORM_GROUP, PLATFORM_OBJECT_ID } from '../../../local/platform-api';
import { staticTokenCredential } from '../../../shared/azure/local-credential';
import { createPlatformApiAdapter, PlatformApiError } from '../../../shared/egress/platform-api-adapter';
import type { PlatformAction, PlatformApiPort, PlatformEgressRequest, PlatformOperation } from '../../../shared/egress/ports';
import { startWorld, until, type PeeringWorld } from '../peering/support';

describe('platform API emulator', () => {
  let world: PeeringWorld;
  let api: PlatformApiPort;
  let request: PlatformEgressRequest;
  let policyId: string;

  beforeAll(async () => {
    world = await startWorld();
    const { url, audience } = world.embedded.platformApi;
    api = createPlatformApiAdapter({ url, audience, credential: staticTokenCredential({ tenantId: world.topology.tenantId }) });
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope');
    const hub = world.topology.connectivity.hubs.find((h) => h.region === 'westeurope');
    if (!payments || !weu || !hub?.firewallPolicy) throw new Error('demo topology lost its westeurope spoke or policy');
    policyId = ids.firewallPolicy(world.topology.connectivity.subscriptionId, hub.resourceGroup, hub.firewallPolicy.name);
    request = {
      requestId: 'egr-0123456789abcdef01234567',
      spokeVnetId: ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name),
      firewallPolicyId: policyId,
      sourceAddresses: ['10.10.0.0/24'],
      destinations: [{ fqdn: 'api.github.com', ports: [{ protocol: 'Https', port: 443 }] }, { fqdnTag: 'WindowsUpdate' }],
      justification: 'CI',
      ttlDays: 30,
      requestedBy: 'aaaaaaaa-0000-4000-8000-000000000001',
    };
  });
  afterAll(async () => {
    await world?.stop();
  });

  const group = () => world.embedded.arm.getResource(`${policyId}/ruleCollectionGroups/${PLATFORM_GROUP.name}`) as { properties: { ruleCollections: Array<{ rules: Array<{ name: string }> }> } } | undefined;
  const rules = () => (group()?.properties.ruleCollections ?? []).flatMap((c) => c.rules.map((r) => r.name));
  const apply: PlatformAction = { action: 'apply', decision: { approvedBy: ['bbbbbbbb-0000-4000-8000-000000000002'], comment: 'fine', decidedAt: '2026-11-28T10:00:00.000Z' } };
  const revoke: PlatformAction = { action: 'revoke' };
  /** A raw call with a valid token (for bodies the adapter never sends). */
  const raw = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const token = await staticTokenCredential({ tenantId: world.topology.tenantId }).getToken(`${world.embedded.platformApi.audience}/.default`);
    const res = await fetch(`${world.embedded.platformApi.url}${path}`, { method, headers: { authorization: `Bearer ${token?.token ?? ''}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { title?: string; detail?: string } };
  };
  const finished = (operationUrl: string) =>
    until(`operation ${operationUrl}`, async () => {
      const op: PlatformOperation = await api.getOperation(operationUrl);
      return op.status === 'Succeeded' || op.status === 'Failed' ? op : undefined;
    });

  it('is published in /api/local/info', async () => {
    const info = (await (await fetch(`${world.embedded.baseUrl}/api/local/info`)).json()) as { platformApi?: { url: string; audience: string } };
    expect(info.platformApi).toMatchObject({ url: world.embedded.platformApi.url, audience: world.embedded.platformApi.audience });
  });

  it('refuses no token and a token for another audience (401, problem+json)', async () => {
    const none = await fetch(`${world.embedded.platformApi.url}/v1/egress-requests/${request.requestId}`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
    const arm = createPlatformApiAdapter({ url: world.embedded.platformApi.url, audience: 'https://management.azure.com', credential: staticTokenCredential({ tenantId: world.topology.tenantId }) });
    await expect(arm.createRequest(request)).rejects.toMatchObject({ statusCode: 401, message: expect.stringMatching(/audience/) });
  });

  it('records idempotently (422 for another body, 400 naming a bad destination), applies through ARM as its own principal, revokes', async () => {
    expect(await api.createRequest(request)).toEqual({ id: request.requestId, status: 'Recorded' });
    expect(await api.createRequest(request)).toEqual({ id: request.requestId, status: 'Recorded' });
    await expect(api.createRequest({ ...request, ttlDays: 31 })).rejects.toMatchObject({ statusCode: 422 });
    await expect(api.createRequest({ ...request, requestId: 'egr-0123456789abcdef0123456a', destinations: [{ fqdn: '*.com', ports: [{ protocol: 'Https', port: 443 }] }] })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/\[0\] \*\.com/),
    });

    const writers: string[] = [];
    const unsubscribe = world.embedded.arm.onResourceEvent((n) => {
      if (/ruleCollectionGroups\/write$/i.test(n.operationName)) writers.push(n.claims['oid'] ?? n.principalId);
    });
    const applied = await finished((await api.start(request.requestId, apply)).operationUrl);
    unsubscribe();
    expect(applied.status).toBe('Succeeded');
    // The decision travelled with the apply and is what the platform recorded.
    expect(world.embedded.platformApi.lookup(request.requestId)).toMatchObject({ status: 'Applied', decision: apply.decision });
    expect(rules().sort()).toEqual([request.requestId, `${request.requestId}.2`].sort());
    // Written through ARM as the platform team's principal, not the control plane's.
    expect(writers.length).toBeGreaterThan(0);
    expect(new Set(writers)).toEqual(new Set([PLATFORM_OBJECT_ID]));

    const revoked = await finished((await api.start(request.requestId, revoke)).operationUrl);
    expect(revoked.status).toBe('Succeeded');
    expect(rules()).toEqual([]);
    // Revoking what is not applied succeeds without a change.
    expect((await finished((await api.start(request.requestId, revoke)).operationUrl)).status).toBe('Succeeded');
  });

  it('records a request without a decision (approvedBy refused on create), applies only with a valid decision body', async () => {
    const id = 'egr-0123456789abcdef0123456b';
    const refused = await raw('POST', '/v1/egress-requests', { ...request, requestId: id, approvedBy: ['x'] }, { 'idempotency-key': id });
    expect(refused).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/unknown field\(s\): approvedBy/) } });
    expect(await api.createRequest({ ...request, requestId: id })).toEqual({ id, status: 'Recorded' });
    expect(world.embedded.platformApi.lookup(id)).toEqual({ id, status: 'Recorded' });
    expect(await raw('POST', `/v1/egress-requests/${id}/apply`, {})).toMatchObject({ status: 400, body: { title: 'InvalidDecision', detail: expect.stringMatching(/approvedBy/) } });
    expect(await raw('POST', `/v1/egress-requests/${id}/apply`, { approvedBy: ['b'], decidedAt: 'yesterday' })).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/decidedAt/) } });
    expect(await raw('POST', `/v1/egress-requests/${id}/apply`, { approvedBy: ['b'], comment: 'c'.repeat(1001), decidedAt: '2026-11-28T10:00:00Z' })).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/comment/) } });
    // Nothing was started by the refused applies.
    expect(world.embedded.platformApi.lookup(id)).toEqual({ id, status: 'Recorded' });
  });

  it('a revoke of a never-applied request withdraws it without a write; a withdrawn request cannot be applied or revised', async () => {
    const id = 'egr-0123456789abcdef0123456c';
    await api.createRequest({ ...request, requestId: id });
    const writes: string[] = [];
    const unsubscribe = world.embedded.arm.onResourceEvent((n) => {
      if (/ruleCollectionGroups\/(write|delete)$/i.test(n.operationName)) writes.push(n.resourceUri);
    });
    const withdrawn = await finished((await api.start(id, revoke)).operationUrl);
    unsubscribe();
    expect(withdrawn.status).toBe('Succeeded');
    expect(writes).toEqual([]);
    expect(world.embedded.platformApi.lookup(id)).toEqual({ id, status: 'Withdrawn' });
    // Again: still Succeeded, no change.
    expect((await finished((await api.start(id, revoke)).operationUrl)).status).toBe('Succeeded');
    await expect(api.start(id, apply)).rejects.toMatchObject({ statusCode: 409, message: expect.stringMatching(/withdrawn/) });
    await expect(api.createRequest({ ...request, requestId: id, sourceAddresses: ['10.10.1.0/24'] }, `${id}.r1`)).rejects.toMatchObject({ statusCode: 409 });
    expect(rules()).not.toContain(id);
  });

  it('injects 429 with Retry-After, 5xx, and failed operations', async () => {
    world.embedded.platformApi.inject({ status: 429, times: 1, retryAfterSeconds: 7 });
    const throttled = await api.start(request.requestId, apply).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(PlatformApiError);
    expect(throttled).toMatchObject({ statusCode: 429, retryAfterMs: 7000 });
    world.embedded.platformApi.inject({ status: 503, times: 1, match: 'POST /v1/egress-requests/' });
    await expect(api.start(request.requestId, apply)).rejects.toMatchObject({ statusCode: 503 });
    // The fault was used up: the next call goes through.
    await expect(api.start(request.requestId, apply).then((s) => finished(s.operationUrl))).resolves.toMatchObject({ status: 'Succeeded' });
    expect(world.embedded.platformApi.count('POST', '/v1/egress-requests/', 503)).toBe(1);
    world.embedded.platformApi.failOperations(1);
    const failed = await finished((await api.start(request.requestId, revoke)).operationUrl);
    expect(failed).toMatchObject({ status: 'Failed', error: expect.stringMatching(/injected/) });
    // Nothing was written: the applied rule stays.
    expect(rules()).toContain(request.requestId);
    expect(world.embedded.platformApi.count('POST', '/v1/egress-requests/', 429)).toBe(1);
  });
});
