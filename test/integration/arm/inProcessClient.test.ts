import { NetworkManagementClient } from '@azure/arm-network';
import { createArmEmulator } from '../../../local/arm';
import { SUB, credential, poll } from './helpers';

describe('ARM emulator through the in-process httpClient (no sockets)', () => {
  it('serves the same API to an SDK client built with httpClient, and seeds state synchronously', async () => {
    const arm = createArmEmulator({ timeScale: 0.001, log: () => undefined });
    try {
      const client = new NetworkManagementClient(credential, SUB, { endpoint: 'https://management.local', httpClient: arm.httpClient() });
      arm.createResourceGroup(SUB, 'rg-mem');
      arm.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg-mem', name: 'hub', addressPrefixes: ['10.0.0.0/16'] });
      const spoke = await client.virtualNetworks.beginCreateOrUpdateAndWait('rg-mem', 'spoke', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.1.0.0/16'] } }, poll);
      expect(spoke.id).toBe(`/subscriptions/${SUB}/resourceGroups/rg-mem/providers/Microsoft.Network/virtualNetworks/spoke`);
      arm.putPeering({ vnetId: `/subscriptions/${SUB}/resourceGroups/rg-mem/providers/Microsoft.Network/virtualNetworks/hub`, name: 'hub-to-spoke', remoteVirtualNetworkId: spoke.id ?? '' });
      const reverse = await client.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-mem', 'spoke', 'spoke-to-hub', { remoteVirtualNetwork: { id: `/subscriptions/${SUB}/resourceGroups/rg-mem/providers/Microsoft.Network/virtualNetworks/hub` } }, poll);
      expect(reverse.peeringState).toBe('Connected');
      expect(arm.requestLog.count('PUT virtualNetworkPeerings', 201)).toBe(1);
      expect(arm.requestLog.snapshot().byOperation['GET operations']?.total).toBeGreaterThan(0);
    } finally {
      await arm.stop();
    }
  });
});
