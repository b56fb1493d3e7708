import type { Destination, PortSpec } from '../../../shared/egress/destinations';
import {
  desiredGroups,
  fingerprintOf,
  groupBytes,
  isOwnGroup,
  planWrites,
  ruleCollectionName,
  ruleGone,
  rulesOf,
  verifyRule,
  type EgressRule,
} from '../../../shared/egress/spec';

const spoke = (name: string, sub = 'a0000000-0000-4000-8000-0000000000a1') => `/subscriptions/${sub}/resourceGroups/rg-${name}/providers/Microsoft.Network/virtualNetworks/${name}`;
const https: PortSpec[] = [{ protocol: 'Https', port: 443 }];
const fqdn = (name: string, ports = https): Destination => ({ kind: 'fqdn', fqdn: name, wildcard: name.startsWith('*.'), ports });
const tag = (name: string): Destination => ({ kind: 'fqdnTag', tag: name, ports: https });
const rule = (requestId: string, vnet: string, destinations: Destination[], source = ['10.10.0.0/24']): EgressRule => ({ requestId, spokeVnetId: spoke(vnet), sourceAddresses: source, destinations });
const OPTIONS = { name: 'rcg-egress', priority: 500 };

describe('rulesOf', () => {
  it('one rule per request when all FQDNs share ports, named by the request', () => {
    expect(rulesOf(rule('egr-1', 'spoke-a', [fqdn('b.contoso.com'), fqdn('a.contoso.com')], ['10.10.0.0/24', '10.10.1.0/24', '10.10.0.0/24']))).toEqual([
      { ruleType: 'ApplicationRule', name: 'egr-1', sourceAddresses: ['10.10.0.0/24', '10.10.1.0/24'], protocols: [{ protocolType: 'Https', port: 443 }], targetFqdns: ['a.contoso.com', 'b.contoso.com'] },
    ]);
  });
  it('a rule per port set and one for FQDN tags, so nothing is allowed on a port it was not asked for', () => {
    const rules = rulesOf(rule('egr-2', 'spoke-a', [fqdn('a.contoso.com'), fqdn('db.contoso.com', [{ protocol: 'Mssql', port: 1433 }]), tag('WindowsUpdate')]));
    expect(rules.map((r) => [r.name, r.protocols.map((p) => `${p.protocolType}:${p.port}`), r.targetFqdns ?? r.fqdnTags])).toEqual([
      ['egr-2', ['Https:443'], ['a.contoso.com']],
      ['egr-2.2', ['Mssql:1433'], ['db.contoso.com']],
      ['egr-2.3', ['Https:443'], ['WindowsUpdate']],
    ]);
  });
});

describe('desiredGroups', () => {
  it('one group, one collection per spoke (stable order), one rule per request', () => {
    const groups = desiredGroups([rule('egr-b', 'spoke-b', [fqdn('x.org')]), rule('egr-a2', 'spoke-a', [fqdn('y.org')]), rule('egr-a1', 'spoke-a', [fqdn('z.org')])], OPTIONS);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.name).toBe('rcg-egress');
    expect(groups[0]?.priority).toBe(500);
    expect(groups[0]?.ruleCollections.map((c) => [c.name, c.rules.map((r) => r.name)])).toEqual([
      [ruleCollectionName(spoke('spoke-a')), ['egr-a1', 'egr-a2']],
      [ruleCollectionName(spoke('spoke-b')), ['egr-b']],
    ]);
  });

  it('no rules, no groups', () => {
    expect(desiredGroups([], OPTIONS)).toEqual([]);
  });

  it('shards past the size limit into {name}-2, -3 with the next priorities; every group stays under the limit and every rule is placed once', () => {
    const rules = Array.from({ length: 300 }, (_, i) =>
      rule(`egr-${String(i).padStart(3, '0')}`, `spoke-${i % 7}`, Array.from({ length: 40 }, (_, j) => fqdn(`host-${j}.service-${i}.contoso.com`))),
    );
    const maxBytes = 200_000;
    const groups = desiredGroups(rules, { ...OPTIONS, maxBytes });
    expect(groups.length).toBeGreaterThan(2);
    expect(groups.map((g) => [g.name, g.priority])).toEqual(groups.map((_, i) => [i === 0 ? 'rcg-egress' : `rcg-egress-${i + 1}`, 500 + i]));
    for (const g of groups) expect(groupBytes(g)).toBeLessThanOrEqual(maxBytes);
    const placed = groups.flatMap((g) => g.ruleCollections.flatMap((c) => c.rules.map((r) => r.name))).sort();
    expect(placed).toEqual(rules.map((r) => r.requestId).sort());
    // Collection names stay unique within each group.
    for (const g of groups) expect(new Set(g.ruleCollections.map((c) => c.name)).size).toBe(g.ruleCollections.length);
  });

  it('keeps under the 2 MB default for 200 requests of 50 long names', () => {
    const rules = Array.from({ length: 200 }, (_, i) => rule(`egr-${i}`, `spoke-${i % 20}`, Array.from({ length: 50 }, (_, j) => fqdn(`a-rather-long-host-name-${j}.department-${i}.contoso.com`))));
    const groups = desiredGroups(rules, OPTIONS);
    for (const g of groups) expect(groupBytes(g)).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

describe('planWrites', () => {
  const a = rule('egr-1', 'spoke-a', [fqdn('a.org')]);
  const b = rule('egr-2', 'spoke-b', [fqdn('b.org')]);
  it('PUTs only the groups that change, once per wave, and deletes own groups no longer needed', () => {
    const current = desiredGroups([a], OPTIONS);
    expect(planWrites(current, desiredGroups([a], OPTIONS))).toEqual({ puts: [], deletes: [] });
    const wave = planWrites(current, desiredGroups([a, b], OPTIONS));
    expect(wave.puts.map((g) => g.name)).toEqual(['rcg-egress']);
    expect(wave.deletes).toEqual([]);
    const sharded = [...current, { name: 'rcg-egress-2', priority: 501, ruleCollections: [] }];
    expect(planWrites(sharded, desiredGroups([a], OPTIONS))).toEqual({ puts: [], deletes: ['rcg-egress-2'] });
    expect(planWrites(current, [])).toEqual({ puts: [], deletes: ['rcg-egress'] });
  });
  it('ignores the order of rules and addresses when comparing', () => {
    const current = desiredGroups([rule('egr-1', 'spoke-a', [fqdn('a.org'), fqdn('b.org')], ['10.0.0.0/24', '10.0.1.0/24'])], OPTIONS);
    const reordered = JSON.parse(JSON.stringify(current)) as typeof current;
    const r = reordered[0]?.ruleCollections[0]?.rules[0];
    if (!r) throw new Error('no rule');
    r.targetFqdns?.reverse();
    r.sourceAddresses.reverse();
    expect(planWrites(reordered, current).puts).toEqual([]);
  });
});

describe('isOwnGroup', () => {
  it.each([
    ['rcg-egress', true],
    ['RCG-Egress', true],
    ['rcg-egress-2', true],
    ['rcg-egress-12', true],
    ['rcg-egress-x', false],
    ['rcg-platform-base', false],
    ['rcg-egressy', false],
  ])('%s -> %s', (name, expected) => {
    expect(isOwnGroup('rcg-egress', name)).toBe(expected);
  });
});

describe('verifyRule and ruleGone', () => {
  const r = rule('egr-7', 'spoke-a', [fqdn('api.github.com'), tag('WindowsUpdate')]);
  const groups = desiredGroups([r, rule('egr-8', 'spoke-b', [fqdn('x.org')])], OPTIONS);

  it('finds exactly the approved rules and says where', () => {
    expect(verifyRule(groups, r)).toEqual({ ok: true, location: { ruleCollectionGroup: 'rcg-egress', ruleCollection: ruleCollectionName(spoke('spoke-a')), names: ['egr-7', 'egr-7.2'] } });
  });

  it.each<[string, (g: ReturnType<typeof desiredGroups>) => void, RegExp]>([
    ['a missing rule', (g) => g[0]?.ruleCollections[0]?.rules.splice(0, 2), /no rule named egr-7/],
    ['a missing second rule', (g) => g[0]?.ruleCollections[0]?.rules.splice(1, 1), /rule egr-7\.2 is missing/],
    ['another FQDN', (g) => { const x = g[0]?.ruleCollections[0]?.rules[0]; if (x) x.targetFqdns = ['evil.example.net']; }, /rule egr-7 differs/],
    ['another port', (g) => { const x = g[0]?.ruleCollections[0]?.rules[0]; if (x) x.protocols = [{ protocolType: 'Http', port: 80 }]; }, /rule egr-7 differs/],
    ['another source', (g) => { const x = g[0]?.ruleCollections[0]?.rules[0]; if (x) x.sourceAddresses = ['0.0.0.0/0']; }, /rule egr-7 differs/],
    ['an extra rule', (g) => { const c = g[0]?.ruleCollections[0]; const x = c?.rules[0]; if (c && x) c.rules.push({ ...x, name: 'egr-7.3' }); }, /has 3 rules for egr-7, the request needs 2/],
    ['the wrong collection', (g) => { const c = g[0]?.ruleCollections[1]; const x = g[0]?.ruleCollections[0]?.rules[0]; if (c && x) c.rules.push({ ...x }); }, /not in the spoke's collection/],
  ])('reports %s', (_label, mutate, reason) => {
    const copy = JSON.parse(JSON.stringify(groups)) as ReturnType<typeof desiredGroups>;
    mutate(copy);
    const result = verifyRule(copy, r);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('ruleGone is true only when no rule of the request is left', () => {
    expect(ruleGone(groups, 'egr-7')).toBe(false);
    expect(ruleGone(desiredGroups([rule('egr-8', 'spoke-b', [fqdn('x.org')])], OPTIONS), 'egr-7')).toBe(true);
    // egr-70 is another request, not a rule of egr-7.
    expect(ruleGone(desiredGroups([rule('egr-70', 'spoke-a', [fqdn('x.org')])], OPTIONS), 'egr-7')).toBe(true);
  });
});

describe('fingerprintOf', () => {
  it('is the same for the same request in any order, and differs when anything asked differs', () => {
    const base = { spokeVnetId: spoke('spoke-a'), destinations: [fqdn('a.org'), fqdn('b.org')], ttlDays: 30, justification: 'build' };
    expect(fingerprintOf(base)).toBe(fingerprintOf({ ...base, spokeVnetId: base.spokeVnetId.toUpperCase(), destinations: [fqdn('b.org'), fqdn('a.org')] }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, ttlDays: 31 }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, destinations: [fqdn('a.org')] }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, justification: 'other' }));
  });
});
