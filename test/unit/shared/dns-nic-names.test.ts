import type { NetworkInterface, PrivateEndpoint } from '@azure/arm-network';
import { networkInterfaceNames, observedEndpoint } from '../../../shared/azure/dns-adapter';

const PE_ID = '/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-app/providers/Microsoft.Network/privateEndpoints/pe1';
const NIC_ID = '/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/pe1.nic.0d9c7a52-3c7e-4b1e-8f0a-6a2b5d1c9e47';

const config = (ip: string | undefined, fqdns: string[] | undefined, version?: 'IPv4' | 'IPv6') => ({
  name: `privateEndpointIpConfig.${ip ?? 'none'}`,
  ...(ip ? { privateIPAddress: ip } : {}),
  ...(version ? { privateIPAddressVersion: version } : {}),
  ...(fqdns ? { privateLinkConnectionProperties: { groupId: 'Sql', requiredMemberName: 'm', fqdns } } : {}),
});

describe('networkInterfaceNames: the names on a private endpoint NIC', () => {
  it.each<[string, NetworkInterface, Array<{ fqdn: string; ipAddresses: string[] }>]>([
    ['one name per IP configuration (Cosmos)', { ipConfigurations: [config('10.1.0.4', ['c1.documents.azure.com']), config('10.1.0.5', ['c1-westeurope.documents.azure.com'], 'IPv4')] },
      [{ fqdn: 'c1.documents.azure.com', ipAddresses: ['10.1.0.4'] }, { fqdn: 'c1-westeurope.documents.azure.com', ipAddresses: ['10.1.0.5'] }]],
    ['two names on one configuration (a web app and its scm name)', { ipConfigurations: [config('10.1.0.4', ['app1.azurewebsites.net', 'app1.scm.azurewebsites.net'])] },
      [{ fqdn: 'app1.azurewebsites.net', ipAddresses: ['10.1.0.4'] }, { fqdn: 'app1.scm.azurewebsites.net', ipAddresses: ['10.1.0.4'] }]],
    ['IPv6 configurations left out (the zones hold A records)', { ipConfigurations: [config('10.1.0.4', ['st1.blob.core.windows.net']), config('fd00::4', ['st1.blob.core.windows.net'], 'IPv6')] },
      [{ fqdn: 'st1.blob.core.windows.net', ipAddresses: ['10.1.0.4'] }]],
    ['configurations without an IP or private link properties left out', { ipConfigurations: [config(undefined, ['x.blob.core.windows.net']), config('10.1.0.9', undefined)] }, []],
    ['a NIC without configurations', {}, []],
  ])('reads %s', (_label, nic, expected) => {
    expect(networkInterfaceNames(nic)).toEqual(expected);
  });
});

describe('observedEndpoint: an endpoint joined with its NIC', () => {
  const pe: PrivateEndpoint = {
    id: PE_ID,
    name: 'pe1',
    location: 'westeurope',
    provisioningState: 'Succeeded',
    networkInterfaces: [{ id: NIC_ID }],
    customDnsConfigs: [],
    privateLinkServiceConnections: [{ name: 'c', privateLinkServiceId: '/subscriptions/00000000-0000-0000-0000-0000000000a1/resourceGroups/rg-data/providers/Microsoft.DocumentDB/databaseAccounts/c1', groupIds: ['Sql'] }],
  };

  it('takes the names from the NIC when customDnsConfigs is empty (an endpoint with a zone group)', () => {
    const endpoint = observedEndpoint(pe, [{ id: NIC_ID, ipConfigurations: [config('10.1.0.4', ['c1.documents.azure.com'])] }]);
    expect([endpoint.networkInterfaceIds, endpoint.namesFrom, endpoint.dnsNames]).toEqual([[NIC_ID], 'networkInterface', [{ fqdn: 'c1.documents.azure.com', ipAddresses: ['10.1.0.4'] }]]);
  });

  it('has no names and no source while the NIC names nothing and customDnsConfigs is empty', () => {
    const endpoint = observedEndpoint({ ...pe, networkInterfaces: [] });
    expect([endpoint.networkInterfaceIds, endpoint.namesFrom, endpoint.dnsNames]).toEqual([[], undefined, []]);
  });
});
