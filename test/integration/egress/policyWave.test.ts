/**
 * Direct mode's policy write (shared/egress/apply.ts) through the SDK adapter against the ARM emulator: a wave of
 * changes is one PUT per changed group, verified by reading the policy back.
 */
import { readFileSync } from 'node:fs';
import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { createFirewallAdapter } from '../../../shared/azure/firewall-adapter';
import { applyPolicyWave, type PolicyWork } from '../../../shared/egress/apply';
import type { Destination } from '../../../shared/egress/destinations';
import type { FirewallPort } from '../../../shared/egress/ports';
import type { EgressRule } from '../../../shared/egress/spec';
import { credential, networkClient, poll, SUB } from '../arm/helpers';

const RG = 'rg-hub';
const POLICY = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/firewallPolicies/fwp-hub`;
const OPTIONS = { name: 'rcg-egress', priority: 500, mode: 'enforce' as const };
const https = [{ protocol: 'Https' as const, port: 443 }];
const spoke = (i: number) => `/subscriptions/${SUB}/resourceGroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/spoke-${i}`;
const rule = (id: string, i: number, fqdns: string[]): EgressRule => ({
  requestId: id,
  spokeVnetId: spoke(i),
  sourceAddresses: [`10.${i}.0.0/24`],
  destinations: fqdns.map((f): Destination => ({ kind: 'fqdn', fqdn: f, wildcard: f.startsWith('*.'), ports: https })),
});
const upsert = (r: EgressRule): PolicyWork => ({ workId: `w-${r.requestId}`, change: { kind: 'upsert', rule: r } });

describe('applyPolicyWave (ARM emulator, real SDK client)', () => {
  let arm: ArmEmulator;
  let port: FirewallPort;

  beforeAll(async () => {
    arm = createArmEmulator({ timeScale: 0.0001, log: () => undefined });
    const started = await arm.start();
    const ca = readFileSync(started.caCertFile, 'utf8');
    port = createFirewallAdapter({ credential, clientOptions: { endpoint: started.endpoint, tlsOptions: { ca }, retryOptions: { retryDelayInMs: 5, maxRetries: 3 } }, lro: poll });
    arm.createResourceGroup(SUB, RG);
    const net = networkClient(started.endpoint, ca);
    await net.firewallPolicies.beginCreateOrUpdateAndWait(RG, 'fwp-hub', { location: 'westeurope' }, poll);
    // The platform team's base group, which the control plane never touches.
    await net.firewallPolicyRuleCollectionGroups.beginCreateOrUpdateAndWait(RG, 'fwp-hub', 'rcg-platform-base', {
      priority: 100,
      ruleCollections: [{ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: 'base', priority: 100, action: { type: 'Allow' }, rules: [{ ruleType: 'ApplicationRule', name: 'base', sourceAddresses: ['*'], protocols: [{ protocolType: 'Https', port: 443 }], targetFqdns: ['login.microsoftonline.com'] }] } as never],
    }, poll);
  });
  afterAll(async () => {
    await arm.stop();
  });
  afterEach(() => arm.faults.clear());

  it('writes 200 requests over 20 spokes with one PUT and verifies every rule', async () => {
    arm.requestLog.reset();
    const rules = Array.from({ length: 200 }, (_, i) => rule(`egr-${String(i).padStart(3, '0')}`, i % 20, [`api-${i}.contoso.com`, `*.svc-${i}.contoso.com`]));
    const wave = await applyPolicyWave(port, POLICY, rules.map(upsert), OPTIONS);
    expect(wave.writes).toEqual({ puts: ['rcg-egress'], deletes: [] });
    expect(arm.requestLog.count('PUT ruleCollectionGroups', 201) + arm.requestLog.count('PUT ruleCollectionGroups', 200)).toBe(1);
    expect(wave.results.filter((r) => !r.ok)).toEqual([]);
    expect(wave.results[5]?.location).toEqual({ firewallPolicyId: POLICY, ruleCollectionGroup: 'rcg-egress', ruleCollection: expect.stringMatching(/^spoke-spoke-5-[0-9a-f]{8}$/), names: ['egr-005'] });
    // The base group is as it was.
    const base = arm.getResource(`${POLICY}/ruleCollectionGroups/rcg-platform-base`) as { properties: { ruleCollections: Array<{ rules: unknown[] }> } };
    expect(base.properties.ruleCollections[0]?.rules).toHaveLength(1);
  });

  it('applies a later wave on top: a removal and a change are one PUT; a wave that changes nothing writes nothing', async () => {
    arm.requestLog.reset();
    const changed = rule('egr-001', 1, ['changed.contoso.com']);
    const wave = await applyPolicyWave(port, POLICY, [{ workId: 'rm', change: { kind: 'remove', requestId: 'egr-000' } }, upsert(changed)], OPTIONS);
    expect(wave.results.map((r) => [r.workId, r.ok])).toEqual([['rm', true], ['w-egr-001', true]]);
    expect(wave.writes.puts).toEqual(['rcg-egress']);
    const again = await applyPolicyWave(port, POLICY, [upsert(changed)], OPTIONS);
    expect(again.writes).toEqual({ puts: [], deletes: [] });
    expect(again.results[0]?.ok).toBe(true);
    expect(arm.requestLog.count('PUT ruleCollectionGroups', 200)).toBe(1);
  });

  it('shards into more groups past the size limit, and deletes its groups when no rule is left', async () => {
    const small = { ...OPTIONS, name: 'rcg-small', maxBytes: 8_000 };
    const rules = Array.from({ length: 60 }, (_, i) => rule(`egs-${i}`, i % 4, Array.from({ length: 10 }, (_, j) => `h${j}.app-${i}.contoso.com`)));
    const wave = await applyPolicyWave(port, POLICY, rules.map(upsert), small);
    expect(wave.writes.puts.length).toBeGreaterThan(2);
    expect(wave.results.every((r) => r.ok)).toBe(true);
    const cleared = await applyPolicyWave(port, POLICY, rules.map((r) => ({ workId: r.requestId, change: { kind: 'remove' as const, requestId: r.requestId } })), small);
    expect(cleared.writes.deletes.sort()).toEqual(wave.writes.puts.sort());
    expect(cleared.results.every((r) => r.ok)).toBe(true);
  });

  it('turns an ARM refusal into a result for every change of the wave (409 while the policy is busy is retryable)', async () => {
    arm.faults.failNext(1, 'PUT', '*/ruleCollectionGroups/*', { kind: 'http', status: 409, code: 'AnotherOperationInProgress', message: 'Another operation on this or dependent resource is in progress.' });
    const wave = await applyPolicyWave(port, POLICY, [upsert(rule('egr-x', 3, ['x.contoso.com'])), upsert(rule('egr-y', 4, ['y.contoso.com']))], OPTIONS);
    expect(wave.results.map((r) => [r.ok, r.error?.code, r.error?.class])).toEqual([
      [false, 'AnotherOperationInProgress', 'retryable'],
      [false, 'AnotherOperationInProgress', 'retryable'],
    ]);
  });

  it('writes nothing in observe mode', async () => {
    arm.requestLog.reset();
    const wave = await applyPolicyWave(port, POLICY, [upsert(rule('egr-o', 3, ['o.contoso.com']))], { ...OPTIONS, mode: 'observe' });
    expect(wave.results[0]?.error?.code).toBe('ObserveOnly');
    expect(arm.requestLog.count('PUT ruleCollectionGroups', 200) + arm.requestLog.count('GET ruleCollectionGroups', 200)).toBe(0);
  });

  it('lists the FQDN tags of the subscription', async () => {
    expect(await port.listFqdnTags(SUB)).toContain('WindowsUpdate');
  });
});
