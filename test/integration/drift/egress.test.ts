/**
 * Drift checks of the egress flow (direct apply mode) through the local host, the Durable engine and the ARM
 * emulator: an Active request's rule removed from the firewall policy behind the control plane's back is reported
 * (report-only by default), and with drift.repair.egress on, its orchestration writes it again.
 */
import { randomUUID } from 'node:crypto';
import { ids } from '../../../local/demo';
import { quiesce, startWorld, until, POLL, type PeeringWorld } from '../peering/support';
import { runDrift, setDrift } from './support';
import { createTablesRecordStore } from '../../../shared/store/tables-store';

const REQUESTER = 'aaaaaaaa-0000-4000-8000-000000000001';
const APPROVER = 'bbbbbbbb-0000-4000-8000-000000000002';
const GROUP = 'rcg-hubspoke-egress';

describe('drift checks: egress', () => {
  let world: PeeringWorld;
  let spoke: string;
  let policyId: string;
  let connectivity: string;
  let hubRg: string;
  let policyName: string;

  beforeAll(async () => {
    world = await startWorld();
    const payments = world.topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    const hub = world.topology.connectivity.hubs.find((h) => h.region === 'westeurope');
    if (!payments || !weu || !hub?.firewallPolicy) throw new Error('demo topology lost its westeurope spoke or policy');
    spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    connectivity = world.topology.connectivity.subscriptionId;
    hubRg = hub.resourceGroup;
    policyName = hub.firewallPolicy.name;
    policyId = ids.firewallPolicy(connectivity, hubRg, policyName);
    setDrift({ recentChangeMinutes: 0, repairWaitSeconds: 30 });
    await quiesce(world);
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  const url = (path: string) => `${world.embedded.baseUrl}${path}`;
  const token = async (oid: string, roles: string[]): Promise<string> => {
    const res = await fetch(url('/api/local/token'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid, name: `user ${oid.slice(0, 4)}`, roles }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const call = async (method: string, path: string, bearer: string, body?: unknown, key?: string) => {
    const res = await fetch(url(path), { method, headers: { authorization: `Bearer ${bearer}`, ...(key ? { 'idempotency-key': key } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const status = async (id: string) => String((await call('GET', `/api/egress-requests/${id}`, await token(APPROVER, ['Egress.Approver']))).body['status']);
  const ruleNames = async (): Promise<string[]> => {
    const group = await world.network(connectivity).firewallPolicyRuleCollectionGroups.get(hubRg, policyName, GROUP);
    return (group.ruleCollections ?? []).flatMap((c) => ((c as { rules?: Array<{ name?: string }> }).rules ?? []).map((r) => r.name ?? ''));
  };

  it('reports an Active request\'s rule removed behind the control plane\'s back, then repairs it when drift.repair.egress is on', async () => {
    const created = await call('POST', '/api/egress-requests', await token(REQUESTER, ['Egress.Requester']), { spokeVnetId: spoke, destinations: [{ fqdn: 'drift.contoso.com', ports: ['Https:443'] }], justification: 'drift test', ttlDays: 30 }, randomUUID());
    expect(created.status).toBe(202);
    const id = String(created.body['id']);
    await until(`${id} PendingApproval`, async () => ((await status(id)) === 'PendingApproval' ? true : undefined), 60_000);
    expect((await call('POST', `/api/egress-requests/${id}/decision`, await token(APPROVER, ['Egress.Approver']), { verdict: 'approve', comment: 'ok' })).status).toBe(202);
    await until(`${id} Active`, async () => ((await status(id)) === 'Active' ? true : undefined), 60_000);
    expect(await ruleNames()).toContain(id);

    // Someone rewrites the group without the rule (an Active request's orchestration waits on its TTL timer: the
    // world never goes quiet, so the runs below do not wait for it).
    const group = await world.network(connectivity).firewallPolicyRuleCollectionGroups.get(hubRg, policyName, GROUP);
    const stripped = (group.ruleCollections ?? []).map((c) => ({ ...c, rules: ((c as { rules?: Array<{ name?: string }> }).rules ?? []).filter((r) => r.name !== id) }));
    await world.network(connectivity).firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(hubRg, policyName, GROUP, { priority: group.priority ?? 500, ruleCollections: stripped as never }, POLL);
    expect(await ruleNames()).not.toContain(id);

    const reported = await runDrift(world, { quiet: false });
    const item = reported.items.find((i) => i.flow === 'egress' && i.resource === id);
    expect(item).toMatchObject({ kind: 'missingRule', action: 'reported', note: 'drift.repair.egress is off', link: `/api/egress-requests/${id}` });
    expect(reported.flows.find((f) => f.flow === 'egress')?.inspected).toMatchObject({ policies: expect.any(Number) });
    expect(await ruleNames()).not.toContain(id);

    setDrift({ repair: { egress: true }, recentChangeMinutes: 0, repairWaitSeconds: 0 });
    const repaired = await runDrift(world, { quiet: false });
    expect(repaired.items.find((i) => i.flow === 'egress' && i.resource === id)).toMatchObject({ kind: 'missingRule', action: 'repairStarted', repairInstanceId: id });
    await until('the rule written again by its request\'s orchestration', async () => ((await ruleNames()).includes(id) ? true : undefined), 60_000);
    await until(`${id} Active again`, async () => ((await status(id)) === 'Active' ? true : undefined), 60_000);
    expect(policyId).toContain(policyName);

    // With a wait for repairs, the run reads the rule again and reports it repaired.
    const again = await world.network(connectivity).firewallPolicyRuleCollectionGroups.get(hubRg, policyName, GROUP);
    const strippedAgain = (again.ruleCollections ?? []).map((c) => ({ ...c, rules: ((c as { rules?: Array<{ name?: string }> }).rules ?? []).filter((r) => r.name !== id) }));
    await world.network(connectivity).firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(hubRg, policyName, GROUP, { priority: again.priority ?? 500, ruleCollections: strippedAgain as never }, POLL);
    setDrift({ repair: { egress: true }, recentChangeMinutes: 0, repairWaitSeconds: 30 });
    const confirmed = await runDrift(world, { quiet: false });
    expect(confirmed.items.find((i) => i.flow === 'egress' && i.resource === id)).toMatchObject({ kind: 'missingRule', action: 'repaired', note: expect.stringContaining('a direct read shows it as desired') });
    expect(await ruleNames()).toContain(id);
  }, 240_000);

  it('reports a rule of no request in the control plane\'s group, then removes it through the policy\'s writer when drift.repair.orphans is on', async () => {
    const orphanId = `eg-orphan-${randomUUID().slice(0, 8)}`;
    const group = await world.network(connectivity).firewallPolicyRuleCollectionGroups.get(hubRg, policyName, GROUP);
    const [first, ...rest] = group.ruleCollections ?? [];
    const rules = ((first as { rules?: Array<{ name?: string }> } | undefined)?.rules ?? []);
    const template = rules[0];
    if (!first || !template) throw new Error('the first test left no rule to copy');
    const kept = rules.map((r) => r.name ?? '');
    await world.network(connectivity).firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(hubRg, policyName, GROUP, { priority: group.priority ?? 500, ruleCollections: [{ ...first, rules: [...rules, { ...template, name: orphanId }] }, ...rest] as never }, POLL);
    expect(await ruleNames()).toContain(orphanId);

    setDrift({ repair: { egress: true }, recentChangeMinutes: 0, repairWaitSeconds: 30 });
    const reported = await runDrift(world, { quiet: false });
    const resource = `${policyId}#${(first as { name?: string }).name ?? ''}/${orphanId}`;
    expect(reported.items.find((i) => i.kind === 'orphanRule' && i.resource.endsWith(`/${orphanId}`))).toMatchObject({ action: 'reported', note: 'an orphan: drift.repair.orphans is off (no running orchestration owns this rule)' });
    expect(await ruleNames()).toContain(orphanId);

    setDrift({ repair: { egress: true, orphans: true }, recentChangeMinutes: 0, repairWaitSeconds: 30 });
    const removed = await runDrift(world, { quiet: false });
    const item = removed.items.find((i) => i.kind === 'orphanRule' && i.resource.endsWith(`/${orphanId}`));
    expect(item).toMatchObject({ action: 'repaired', repairInstanceId: expect.stringMatching(/^drift-orphan-/), note: expect.stringMatching(/policy's writer queue.*verified gone/) });
    expect(item?.resource.toLowerCase()).toBe(resource.toLowerCase());
    const names = await ruleNames();
    expect(names).not.toContain(orphanId);
    // The Active request's rules are untouched.
    expect(names).toEqual(expect.arrayContaining(kept));
    const audit = await createTablesRecordStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' }).listAudit(orphanId, 10);
    expect(audit).toEqual([expect.objectContaining({ action: 'revokeRule', outcome: 'succeeded', reason: expect.stringContaining(`drift run ${removed.runId}: orphan`), trigger: expect.objectContaining({ correlationId: removed.runId }) })]);
  }, 240_000);
});
