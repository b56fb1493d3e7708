import { allocateIpv4, overlappingPrefixes, prefixWithin, prefixesOverlap } from '../../../local/arm/addressSpace';
import { FaultInjector } from '../../../local/arm/faults';
import { publishedNames } from '../../../local/arm/privateLinkFqdns';
import { Throttler, throttleRetryHeaders } from '../../../local/arm/throttling';
import { DEFAULT_THROTTLING } from '../../../local/arm/options';
import type { Clock } from '../../../local/contract';

describe('address space arithmetic', () => {
  it.each([
    ['10.0.0.0/16', '10.0.128.0/17', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['192.168.0.0/24', '192.168.0.128/25', true],
    ['10.0.0.0/8', 'fd00::/8', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(prefixesOverlap(a, b)).toBe(expected);
    expect(prefixesOverlap(b, a)).toBe(expected);
  });

  it('lists overlapping prefixes and checks containment', () => {
    expect(overlappingPrefixes(['10.0.0.0/16', '10.9.0.0/16'], ['10.9.1.0/24'])).toEqual(['10.9.0.0/16']);
    expect(prefixWithin('10.0.1.0/24', ['10.0.0.0/16'])).toBe(true);
    expect(prefixWithin('10.1.1.0/24', ['10.0.0.0/16'])).toBe(false);
  });

  it('allocates from .4 and never the broadcast address', () => {
    expect(allocateIpv4('10.0.1.0/24', new Set())).toBe('10.0.1.4');
    expect(allocateIpv4('10.0.1.0/24', new Set(['10.0.1.4']))).toBe('10.0.1.5');
    const used = new Set(Array.from({ length: 10 }, (_, i) => `10.0.2.${i + 4}`));
    expect(allocateIpv4('10.0.2.0/28', used)).toBe('10.0.2.14');
    used.add('10.0.2.14');
    expect(allocateIpv4('10.0.2.0/28', used)).toBeUndefined();
  });
});

describe('private link names', () => {
  it.each([
    ['Microsoft.Storage/storageAccounts/acct', 'blob', [['acct.blob.core.windows.net', 'privatelink.blob.core.windows.net', 'acct']]],
    ['Microsoft.KeyVault/vaults/kv1', 'vault', [['kv1.vault.azure.net', 'privatelink.vaultcore.azure.net', 'kv1']]],
    ['Microsoft.DocumentDB/databaseAccounts/cos', 'Table', [['cos.table.cosmos.azure.com', 'privatelink.table.cosmos.azure.com', 'cos'], ['cos-westeurope.table.cosmos.azure.com', 'privatelink.table.cosmos.azure.com', 'cos-westeurope']]],
    ['Microsoft.Sql/servers/sql1', 'sqlServer', [['sql1.database.windows.net', 'privatelink.database.windows.net', 'sql1']]],
    ['Microsoft.ServiceBus/namespaces/sb1', 'namespace', [['sb1.servicebus.windows.net', 'privatelink.servicebus.windows.net', 'sb1']]],
  ])('%s / %s', (target, groupId, expected) => {
    const id = `/subscriptions/s/resourceGroups/rg/providers/${target}`;
    expect(publishedNames(id, [groupId], 'westeurope').map((n) => [n.fqdn, n.zoneName, n.recordName])).toEqual(expected);
  });

  it('resolves by resource type, not group id alone (Storage table vs Cosmos Table)', () => {
    const storage = publishedNames('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x', ['table'], 'westeurope');
    expect(storage.map((n) => n.zoneName)).toEqual(['privatelink.table.core.windows.net']);
  });
});

describe('throttling', () => {
  const fakeClock = (): Clock & { advance(ms: number): void } => {
    let now = 0;
    return { now: () => now, schedule: () => () => undefined, advance: (ms) => (now += ms) };
  };

  it('empties the write bucket, refills at the scaled rate, and counts the global bucket', () => {
    const clock = fakeClock();
    const throttler = new Throttler({ ...DEFAULT_THROTTLING, writes: { bucket: 2, refillPerSecond: 1 } }, clock, 0.5);
    const input = { subscriptionId: 'sub', principal: 'p', requestClass: 'write' as const, network: false };
    expect(throttler.admit(input)['x-ms-ratelimit-remaining-subscription-writes']).toBe('1');
    expect(throttler.admit(input)['x-ms-ratelimit-remaining-subscription-global-writes']).toBe('28');
    expect(() => throttler.admit(input)).toThrow(expect.objectContaining({ status: 429, code: 'SubscriptionRequestsThrottled' }));
    clock.advance(500); // one scaled second at timeScale 0.5
    expect(throttler.admit(input)['x-ms-ratelimit-remaining-subscription-writes']).toBe('0');
  });

  it('applies the Private DNS per-zone record set write limit', () => {
    const clock = fakeClock();
    const throttler = new Throttler({ ...DEFAULT_THROTTLING, dnsRecordSetWrites: { limit: 2, windowMs: 60_000 } }, clock, 1);
    const input = { subscriptionId: 'sub', principal: 'p', requestClass: 'write' as const, network: false, dns: { zoneKey: 'z', kind: 'recordSetWrite' as const } };
    throttler.admit(input);
    throttler.admit(input);
    expect(() => throttler.admit(input)).toThrow(expect.objectContaining({ status: 429 }));
    expect(() => throttler.admit({ ...input, dns: { zoneKey: 'other', kind: 'recordSetWrite' } })).not.toThrow();
    clock.advance(60_000);
    expect(() => throttler.admit(input)).not.toThrow();
  });

  it('scales Retry-After and adds retry-after-ms when time is scaled', () => {
    expect(throttleRetryHeaders(10, 1)).toEqual({ 'Retry-After': '10' });
    expect(throttleRetryHeaders(10, 0.01)).toEqual({ 'Retry-After': '1', 'retry-after-ms': '100' });
  });
});

describe('fault injection', () => {
  it('fires a scripted fault the given number of times, matching method and glob', () => {
    const faults = new FaultInjector();
    faults.failNext(2, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'http', status: 500 });
    const path = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/virtualNetworkPeerings/p';
    expect(faults.takeHttp('GET', path)).toBeUndefined();
    expect(faults.takeHttp('PUT', path.toLowerCase())?.status).toBe(500);
    expect(faults.takeHttp('PUT', path)?.status).toBe(500);
    expect(faults.takeHttp('PUT', path)).toBeUndefined();
  });

  it('fires by probability', () => {
    const rolls = [0.9, 0.1];
    const faults = new FaultInjector(() => rolls.shift() ?? 1);
    faults.add({ path: /peerings/i, probability: 0.5, effect: { kind: 'lroFailure', code: 'X', message: 'y' } });
    expect(faults.takeLroFailure('PUT', '/virtualNetworkPeerings/p')).toBeUndefined();
    expect(faults.takeLroFailure('PUT', '/virtualNetworkPeerings/p')?.code).toBe('X');
  });
});
