import { isOfType, parseResourceId, resourceKey, resourceName, sameResource } from '../../../shared/azure/resource-id';

const SUB = '11111111-2222-3333-4444-555555555555';

describe('parseResourceId', () => {
  it.each([
    [
      `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1`,
      { subscriptionId: SUB, resourceGroup: 'rg-net', provider: 'Microsoft.Network', types: ['virtualNetworks'], names: ['vnet1'] },
    ],
    [
      `/subscriptions/${SUB}/resourcegroups/RG/providers/microsoft.network/virtualnetworks/Hub/virtualNetworkPeerings/to-spoke/`,
      { resourceGroup: 'RG', provider: 'microsoft.network', types: ['virtualnetworks', 'virtualNetworkPeerings'], names: ['Hub', 'to-spoke'] },
    ],
    [`/subscriptions/${SUB}/resourceGroups/rg`, { resourceGroup: 'rg', types: [], names: [] }],
    [`/subscriptions/${SUB}`, { subscriptionId: SUB, types: [] }],
  ])('parses %s', (id, expected) => {
    expect(parseResourceId(id)).toMatchObject(expected);
  });

  it.each([
    ['', 'it must start with /subscriptions/{subscriptionId}'],
    ['subscriptions/x', 'it must start with /subscriptions/{subscriptionId}'],
    ['/subscriptions/not-a-guid/resourceGroups/rg', '"not-a-guid" is not a subscription GUID'],
    [`/subscriptions/${SUB}/providers/Microsoft.Network`, 'expected resourceGroups/{name} after the subscription'],
    [`/subscriptions/${SUB}/resourceGroups/rg/Microsoft.Network/virtualNetworks/v`, 'expected providers/{namespace} after the resource group'],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks`, 'resource types and names must come in pairs'],
    [`/subscriptions/${SUB}//resourceGroups/rg`, 'it has an empty segment'],
  ])('rejects %j: %s', (id, reason) => {
    expect(() => parseResourceId(id)).toThrow(`"${id}" is not a valid ARM resource ID: ${reason}.`);
  });
});

describe('resource identity', () => {
  const a = `/subscriptions/${SUB}/resourceGroups/RG-Net/providers/Microsoft.Network/virtualNetworks/VNet1`;
  const b = `/subscriptions/${SUB.toUpperCase()}/resourcegroups/rg-net/providers/microsoft.network/virtualnetworks/vnet1/`;

  it('compares case-insensitively and ignores a trailing slash', () => {
    expect(sameResource(a, b)).toBe(true);
    expect(resourceKey(b)).toBe(resourceKey(a));
    expect(sameResource(a, a.replace('VNet1', 'VNet2'))).toBe(false);
  });

  it('tells the type and the name', () => {
    const id = parseResourceId(b);
    expect(isOfType(id, 'Microsoft.Network/virtualNetworks')).toBe(true);
    expect(isOfType(id, 'Microsoft.Network/privateEndpoints')).toBe(false);
    expect(resourceName(id)).toBe('vnet1');
    expect(() => resourceName(parseResourceId(`/subscriptions/${SUB}/resourceGroups/rg`))).toThrow('it names no resource');
  });
});
