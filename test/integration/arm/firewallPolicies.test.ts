/**
 * Firewall policies and rule collection groups (declared types served by the generic handler) and the FQDN tag
 * list, through the real @azure/arm-network client.
 */
import { readFileSync } from 'node:fs';
import type { FirewallPolicyRuleCollectionGroup, NetworkManagementClient } from '@azure/arm-network';
import { createArmEmulator, type ArmEmulator, type ResourceNotification } from '../../../local/arm';
import { SUB, errorOf, networkClient, poll, raw } from './helpers';

const appRule = (name: string, fqdns: string[], source = '10.10.0.0/24') => ({
  ruleType: 'ApplicationRule' as const,
  name,
  sourceAddresses: [source],
  protocols: [{ protocolType: 'Https' as const, port: 443 }],
  targetFqdns: fqdns,
});

const group = (priority: number, rules: ReturnType<typeof appRule>[]): FirewallPolicyRuleCollectionGroup => ({
  priority,
  ruleCollections: [
    { ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'spoke-a', priority: 200, action: { type: 'Allow' }, rules } as FirewallPolicyRuleCollectionGroup['ruleCollections'] extends (infer C)[] | undefined ? C : never,
  ],
});

describe('ARM emulator: firewall policies, rule collection groups, FQDN tags', () => {
  let arm: ArmEmulator;
  let endpoint: string;
  let ca: string;
  let net: NetworkManagementClient;

  beforeAll(async () => {
    // Group writes slow enough that a second write certainly arrives while the first runs.
    arm = createArmEmulator({ timeScale: 0.001, pageSize: 2, lroDurationsMs: { ruleCollectionGroups: 400_000 }, log: () => undefined });
    const started = await arm.start();
    endpoint = started.endpoint;
    ca = readFileSync(started.caCertFile, 'utf8');
    net = networkClient(endpoint, ca);
  });
  afterAll(async () => {
    await arm.stop();
  });

  const policy = async (rg: string, name: string) => {
    arm.createResourceGroup(SUB, rg);
    return net.firewallPolicies.beginCreateOrUpdateAndWait(rg, name, { location: 'westeurope', threatIntelMode: 'Alert', sku: { tier: 'Standard' } }, poll);
  };

  it('creates a policy and a group; a group PUT replaces it whole; the policy lists its groups; delete removes it', async () => {
    const created = await policy('rg-fw', 'fwp-hub');
    expect(created).toMatchObject({ name: 'fwp-hub', location: 'westeurope', provisioningState: 'Succeeded', threatIntelMode: 'Alert', sku: { tier: 'Standard' } });
    const first = await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-fw', 'fwp-hub', 'rcg-egress', group(300, [appRule('r1', ['api.github.com']), appRule('r2', ['*.contoso.com'])]), poll);
    expect(first.provisioningState).toBe('Succeeded');
    expect(first.priority).toBe(300);
    expect(first.size).toMatch(/^\d+\.\d{3} MB$/);
    // Replaced whole: r2 is gone after a PUT without it.
    await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-fw', 'fwp-hub', 'rcg-egress', group(300, [appRule('r1', ['api.github.com'])]), poll);
    const read = await net.firewallPolicyRuleCollectionGroups.get('rg-fw', 'fwp-hub', 'rcg-egress');
    const rules = (read.ruleCollections?.[0] as { rules?: Array<{ name?: string; targetFqdns?: string[]; sourceAddresses?: string[] }> }).rules;
    expect(rules?.map((r) => r.name)).toEqual(['r1']);
    expect(rules?.[0]).toMatchObject({ targetFqdns: ['api.github.com'], sourceAddresses: ['10.10.0.0/24'] });
    const withGroups = await net.firewallPolicies.get('rg-fw', 'fwp-hub');
    expect(withGroups.ruleCollectionGroups?.map((g) => g.id)).toEqual([`${created.id}/ruleCollectionGroups/rcg-egress`]);

    await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-fw', 'fwp-hub', 'rcg-base', group(100, [appRule('base', ['login.microsoftonline.com'])]), poll);
    await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-fw', 'fwp-hub', 'rcg-more', group(400, [appRule('more', ['example.org'])]), poll);
    const names: string[] = [];
    for await (const g of net.firewallPolicyRuleCollectionGroups.list('rg-fw', 'fwp-hub')) names.push(g.name ?? '');
    expect(names.sort()).toEqual(['rcg-base', 'rcg-egress', 'rcg-more']);

    await net.firewallPolicyRuleCollectionGroups.beginDeleteAndWait('rg-fw', 'fwp-hub', 'rcg-more', poll);
    const gone = await errorOf(net.firewallPolicyRuleCollectionGroups.get('rg-fw', 'fwp-hub', 'rcg-more'));
    expect(gone).toMatchObject({ statusCode: 404, code: 'NotFound' });
    // A missing parent: ARM's 404 for the policy.
    expect(await errorOf(net.firewallPolicyRuleCollectionGroups.get('rg-fw', 'fwp-none', 'rcg-egress'))).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('holds the policy Updating while a group write runs; a concurrent write to the policy gets 409 AnotherOperationInProgress', async () => {
    await policy('rg-busy', 'fwp-busy');
    const events: ResourceNotification[] = [];
    const unsubscribe = arm.onResourceEvent((e) => events.push(e));
    try {
      const poller = await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdate('rg-busy', 'fwp-busy', 'rcg-a', group(300, [appRule('r1', ['api.github.com'])]), poll);
      expect((await net.firewallPolicies.get('rg-busy', 'fwp-busy')).provisioningState).toBe('Updating');
      expect((await net.firewallPolicyRuleCollectionGroups.get('rg-busy', 'fwp-busy', 'rcg-a')).provisioningState).toBe('Updating');
      // Another group of the same policy, and the policy itself: both refused while the first write runs.
      const second = await errorOf(net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-busy', 'fwp-busy', 'rcg-b', group(400, [appRule('r2', ['example.org'])]), poll));
      expect(second).toMatchObject({ statusCode: 409, code: 'AnotherOperationInProgress' });
      const onPolicy = await errorOf(net.firewallPolicies.beginCreateOrUpdateAndWait('rg-busy', 'fwp-busy', { location: 'westeurope' }, poll));
      expect(onPolicy.code).toBe('AnotherOperationInProgress');
      expect((await poller.pollUntilDone()).provisioningState).toBe('Succeeded');
      expect((await net.firewallPolicies.get('rg-busy', 'fwp-busy')).provisioningState).toBe('Succeeded');
      // Afterwards the second group goes through.
      expect((await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-busy', 'fwp-busy', 'rcg-b', group(400, [appRule('r2', ['example.org'])]), poll)).provisioningState).toBe('Succeeded');
      const writes = events.filter((e) => e.operationName === 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write');
      expect(writes.map((e) => e.status)).toEqual(['Failed', 'Succeeded', 'Succeeded']);
    } finally {
      unsubscribe();
    }
  });

  it('refuses bad groups with 400 naming the field: priority, protocol, FQDN tag over Http, unknown tag, no source, duplicate names, over 2 MB', async () => {
    await policy('rg-bad', 'fwp-bad');
    const put = (body: unknown) =>
      raw(endpoint, ca, 'PUT', `/subscriptions/${SUB}/resourceGroups/rg-bad/providers/Microsoft.Network/firewallPolicies/fwp-bad/ruleCollectionGroups/g?api-version=2025-05-01`, { body });
    const collection = (rules: unknown[]) => [{ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'c', priority: 200, action: { type: 'Allow' }, rules }];
    const cases: Array<[string, unknown, RegExp]> = [
      ['priority too low', { properties: { priority: 99, ruleCollections: [] } }, /properties\.priority/],
      ['bad protocol', { properties: { priority: 300, ruleCollections: collection([{ ...appRule('r', ['a.com']), protocols: [{ protocolType: 'Ftp', port: 21 }] }]) } }, /protocolType/],
      ['port 0', { properties: { priority: 300, ruleCollections: collection([{ ...appRule('r', ['a.com']), protocols: [{ protocolType: 'Https', port: 0 }] }]) } }, /port/],
      ['tag over Http', { properties: { priority: 300, ruleCollections: collection([{ ruleType: 'ApplicationRule', name: 't', sourceAddresses: ['10.0.0.0/24'], protocols: [{ protocolType: 'Http', port: 80 }], fqdnTags: ['WindowsUpdate'] }]) } }, /FQDN tags need protocol Https/],
      ['unknown tag', { properties: { priority: 300, ruleCollections: collection([{ ruleType: 'ApplicationRule', name: 't', sourceAddresses: ['10.0.0.0/24'], protocols: [{ protocolType: 'Https', port: 443 }], fqdnTags: ['NoSuchTag'] }]) } }, /unknown FQDN tag\(s\) NoSuchTag/],
      ['no source', { properties: { priority: 300, ruleCollections: collection([{ ...appRule('r', ['a.com']), sourceAddresses: [] }]) } }, /needs sourceAddresses/],
      ['duplicate rule names', { properties: { priority: 300, ruleCollections: collection([appRule('r', ['a.com']), appRule('R', ['b.com'])]) } }, /two rules named 'r'/],
    ];
    for (const [label, body, message] of cases) {
      const answer = await put(body);
      expect({ label, status: answer.status }).toEqual({ label, status: 400 });
      expect((answer.body as { error: { message: string } }).error.message).toMatch(message);
    }
    // Over 2 MB: 1,500 rules of 30 long FQDNs each.
    const fqdns = Array.from({ length: 30 }, (_, i) => `host-${i}.some-long-domain-name-for-size.example.com`);
    const big = await put({ properties: { priority: 300, ruleCollections: collection(Array.from({ length: 1_500 }, (_, i) => appRule(`r${i}`, fqdns))) } });
    expect(big.status).toBe(400);
    expect((big.body as { error: { code: string; message: string } }).error.message).toMatch(/at most 2\.000 MB/);
    // Nothing was written.
    expect((await raw(endpoint, ca, 'GET', `/subscriptions/${SUB}/resourceGroups/rg-bad/providers/Microsoft.Network/firewallPolicies/fwp-bad/ruleCollectionGroups/g?api-version=2025-05-01`)).status).toBe(404);
  });

  it('lists the FQDN tags of the subscription', async () => {
    const tags: string[] = [];
    for await (const t of net.azureFirewallFqdnTags.listAll()) tags.push(t.fqdnTagName ?? '');
    expect(tags).toEqual(expect.arrayContaining(['WindowsUpdate', 'AzureKubernetesService']));
  });

  it('deleting the resource group takes its policies and their groups', async () => {
    const created = await policy('rg-gone', 'fwp-gone');
    await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait('rg-gone', 'fwp-gone', 'g', group(300, [appRule('r', ['a.com'])]), poll);
    await net.firewallPolicies.beginDeleteAndWait('rg-gone', 'fwp-gone', poll);
    expect(arm.getResource(`${created.id}/ruleCollectionGroups/g`)).toBeUndefined();
    await policy('rg-gone', 'fwp-again');
    const accepted = await raw(endpoint, ca, 'DELETE', `/subscriptions/${SUB}/resourceGroups/rg-gone?api-version=2024-03-01`);
    expect(accepted.status).toBe(202);
    // Poll the Location ARM gave until the delete has finished (202 while it runs, then 200).
    const location = new URL(String(accepted.headers['location']));
    let answer = accepted;
    while (answer.status === 202) answer = await raw(endpoint, ca, 'GET', `${location.pathname}${location.search}`);
    expect(answer.status).toBe(200);
    expect(arm.getResource(`/subscriptions/${SUB}/resourceGroups/rg-gone/providers/Microsoft.Network/firewallPolicies/fwp-again`)).toBeUndefined();
  });
});
