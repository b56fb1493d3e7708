/**
 * Microsoft.Network/networkInterfaces, as far as private endpoints make them: Azure creates one NIC per endpoint
 * (`{endpoint}.nic.{guid}`, or `customNetworkInterfaceName`) in the endpoint's resource group and deletes it with the
 * endpoint. Its IP configurations carry the endpoint's names: `privateIPAddress` and `privateLinkConnectionProperties
 * { groupId, requiredMemberName, fqdns }`, one configuration per required member. The NIC is served from the endpoint's
 * record (GET, list by resource group and by subscription); writing or deleting it is not emulated.
 *
 * Shape from NetworkInterfaceGet.json / NetworkInterfaceList.json (2024-05-01 examples) and the NetworkInterface
 * model's `privateEndpoint` and `privateLinkConnectionProperties` (read-only); the examples show a VM's NIC, so the
 * values a private endpoint's NIC carries (configuration names, no MAC address) are modelled, not verified.
 */
import { idKey } from '../resourceId';
import { declare } from '../resourceTypes';
import type { PrivateEndpointRecord } from '../state';

export const NIC_TYPE = 'Microsoft.Network/networkInterfaces';

export function networkInterfaceWire(pe: PrivateEndpointRecord): Record<string, unknown> {
  const nicName = pe.nicId.split('/').pop() ?? '';
  const configs = new Map<string, { ip: string; groupId: string; memberName: string; fqdns: string[] }>();
  for (const d of pe.dns) {
    const config = configs.get(d.ipConfigName);
    if (config) config.fqdns.push(d.fqdn);
    else configs.set(d.ipConfigName, { ip: d.ipAddresses[0] ?? '', groupId: d.groupId, memberName: d.memberName, fqdns: [d.fqdn] });
  }
  return {
    name: nicName,
    id: pe.nicId,
    etag: pe.etag,
    type: NIC_TYPE,
    location: pe.location,
    properties: {
      provisioningState: pe.provisioningState,
      resourceGuid: pe.nicResourceGuid,
      ipConfigurations: [...configs].map(([name, c], i) => ({
        name,
        id: `${pe.nicId}/ipConfigurations/${name}`,
        etag: pe.etag,
        type: `${NIC_TYPE}/ipConfigurations`,
        properties: {
          provisioningState: pe.provisioningState,
          privateIPAddress: c.ip,
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: pe.subnetId },
          primary: i === 0,
          privateIPAddressVersion: 'IPv4',
          privateLinkConnectionProperties: { groupId: c.groupId, requiredMemberName: c.memberName, fqdns: c.fqdns },
        },
      })),
      dnsSettings: { dnsServers: [], appliedDnsServers: [] },
      enableAcceleratedNetworking: false,
      enableIPForwarding: false,
      disableTcpStateTracking: false,
      vnetEncryptionSupported: false,
      hostedWorkloads: [],
      tapConfigurations: [],
      nicType: 'Standard',
      privateEndpoint: { id: pe.id },
    },
  };
}

/** Served from the endpoints' records: GET and list (resource group, subscription) only. */
export const networkInterfaceDeclaration = declare<PrivateEndpointRecord>({
  type: NIC_TYPE,
  path: ['networkInterfaces'],
  lro: 'privateEndpoints',
  listBySubscription: true,
  readOnly: true,
  get: (core, key) => core.state.endpointOfNic(key),
  list: (core, { prefix }) => [...core.state.privateEndpoints.values()].filter((pe) => idKey(pe.nicId).startsWith(prefix)),
  wire: (_core, pe) => networkInterfaceWire(pe),
});
