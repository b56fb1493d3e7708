import { NetworkManagementClient } from '@azure/arm-network';
import { createArmEmulator } from '../../../local/arm';
import { createVirtualClock } from '../../../local/clock';
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

describe('ARM emulator time scale', () => {
  it('applies a changed time scale to operations started afterwards', async () => {
    const clock = createVirtualClock();
    const arm = createArmEmulator({ timeScale: 1, clock, log: () => undefined });
    try {
      const client = new NetworkManagementClient(credential, SUB, { endpoint: 'https://management.local', httpClient: arm.httpClient() });
      arm.createResourceGroup(SUB, 'rg-scale');
      arm.setTimeScale(0.5);
      // A VNet write lasts 10 s nominal: 5 s of (virtual) time at scale 0.5.
      const poller = await client.virtualNetworks.beginCreateOrUpdate('rg-scale', 'v', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.9.0.0/16'] } }, poll);
      clock.advance(4_999);
      expect(arm.getResource(`/subscriptions/${SUB}/resourceGroups/rg-scale/providers/Microsoft.Network/virtualNetworks/v`)?.properties).toMatchObject({ provisioningState: 'Updating' });
      clock.advance(1);
      expect(arm.getResource(`/subscriptions/${SUB}/resourceGroups/rg-scale/providers/Microsoft.Network/virtualNetworks/v`)?.properties).toMatchObject({ provisioningState: 'Succeeded' });
      await expect(poller.pollUntilDone()).resolves.toMatchObject({ provisioningState: 'Succeeded' });
      expect(() => arm.setTimeScale(0)).toThrow('ARM emulator: timeScale must be > 0 (got 0).');
    } finally {
      await arm.stop();
    }
  });
});
