/**
 * The egress request's durable timers of days, in both apply modes: no decision within `approval.expiryDays`
 * -> Expired (nothing applied; in platformApi mode the request, submitted before its decision, is withdrawn from the
 * platform team's API); an Active rule's TTL ends -> revoked and verified gone from the policy. The embedded
 * default runs on a clock the test moves forward by days (the engine's timers fire at the new time); tokens are taken
 * before the jump, and state is read from the engine and ARM after it.
 */
import { randomUUID } from 'node:crypto';
import { ids } from '../../../local/demo';
import { PLATFORM_GROUP } from '../../../local/platform-api';
import { createJumpClock, quiesce, startWorld, until, type JumpClock, type PeeringWorld } from '../peering/support';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000021';
const APPROVER = 'bbbbbbbb-0000-4000-8000-000000000022';
const DAY = 86_400_000;

describe.each([
  ['direct', 'rcg-hubspoke-egress'],
  ['platformApi', PLATFORM_GROUP.name],
])('egress timers (%s mode)', (mode, groupName) => {
  let world: PeeringWorld;
  let clock: JumpClock;
  let spoke: string;
  let policyId: string;

  beforeAll(async () => {
    clock = createJumpClock();
    world = await startWorld({ LOCAL_EGRESS_APPLY_MODE: mode }, 0.005, clock);
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

  const token = async (oid: string, roles: string[]) => {
    const res = await fetch(`${world.embedded.baseUrl}/api/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: 'n', roles }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const call = async (method: string, path: string, bearer: string, body?: unknown, key?: string) => {
    const res = await fetch(`${world.embedded.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(key ? { 'idempotency-key': key } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const status = async (id: string) => ((await world.embedded.engine.getStatus(id))?.customStatus as { status?: string } | undefined)?.status;
  const reached = (id: string, want: string) => until(`${id} to be ${want}`, async () => ((await status(id)) === want ? true : undefined), 60_000);
  const rules = () => {
    const g = world.embedded.arm.getResource(`${policyId}/ruleCollectionGroups/${groupName}`) as { properties: { ruleCollections: Array<{ rules: Array<{ name: string }> }> } } | undefined;
    return (g?.properties.ruleCollections ?? []).flatMap((c) => c.rules.map((r) => r.name));
  };

  it('expires a request without a decision (Expired, nothing applied) and revokes an Active rule when its TTL ends (the rule gone)', async () => {
    const requester = await token(REQUESTER, ['Egress.Requester']);
    const approver = await token(APPROVER, ['Egress.Approver']);
    const submit = async (fqdn: string, ttlDays: number) => {
      const created = await call('POST', '/api/egress-requests', requester, { spokeVnetId: spoke, destinations: [{ fqdn }], justification: 'j', ttlDays }, randomUUID());
      expect(created.status).toBe(202);
      return String(created.body['id']);
    };
    const undecided = await submit(`undecided-${mode.toLowerCase()}.contoso.com`, 30);
    const shortLived = await submit(`ttl-${mode.toLowerCase()}.contoso.com`, 1);
    await reached(undecided, 'PendingApproval');
    await reached(shortLived, 'PendingApproval');
    expect((await call('POST', `/api/egress-requests/${shortLived}/decision`, approver, { verdict: 'approve' })).status).toBe(202);
    await reached(shortLived, 'Active');
    expect(rules()).toContain(shortLived);

    // Two days later: the rule's one-day TTL has ended; the request is still in its decision window (14 days).
    clock.jump(2 * DAY);
    await reached(shortLived, 'Revoked');
    expect(rules()).not.toContain(shortLived);
    expect(await status(undecided)).toBe('PendingApproval');
    // platformApi mode: the platform team's API has had the undecided request since it was submitted; direct mode: never.
    expect(world.embedded.platformApi.lookup(undecided)?.status).toBe(mode === 'platformApi' ? 'Recorded' : undefined);

    // Past the decision window: Expired, and nothing was ever written for it.
    clock.jump(13 * DAY);
    await reached(undecided, 'Expired');
    // The custom status moves before the record's last write: the orchestration's output is its end.
    await until(`${undecided} to end`, async () => ((await world.embedded.engine.getStatus(undecided))?.output === 'Expired' ? true : undefined), 60_000);
    expect(rules()).not.toContain(undecided);
    // platformApi mode: the expired request was withdrawn there (a revoke of a never-applied request).
    expect(world.embedded.platformApi.lookup(undecided)?.status).toBe(mode === 'platformApi' ? 'Withdrawn' : undefined);
    expect(world.embedded.platformApi.count('POST', `/v1/egress-requests/${undecided}/revoke`, 202)).toBe(mode === 'platformApi' ? 1 : 0);
  });
});
