// The product still converges when ARM answers a peering write whose remote VNet is busy with 400
// ReferencedResourceNotProvisioned or 429 RetryableError (both classified retryable in shared/azure/errors.ts),
// not only with 409 AnotherOperationInProgress. The hub side is written first, so a spoke VNet kept busy by its own
// update makes the hub-side write meet the busy remote side.
import { ids } from '../../../local/demo';
import type { RemoteLockAnswer } from '../../../local/arm';
import { postEvents, resourceEvent, settledSpoke, startWorld, type PeeringWorld, POLL } from '../peering/support';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';

describe('peering converges through the answers ARM gives while the remote VNet is busy', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    // Time scale 0.2: a VNet update holds its lock for 2 s, far longer than the control plane takes to get going.
    world = await startWorld({}, 0.2);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it.each<[RemoteLockAnswer, string, number]>([
    ['ReferencedResourceNotProvisioned', 'vnet-busy-400', 400],
    ['RetryableErrorDueToAnotherOperation', 'vnet-busy-429', 429],
  ])('%s: retried until the spoke is free, then Converged', async (answer, name, status) => {
    const arm = world.embedded.arm;
    arm.remoteLocks.configure({ force: answer });
    const before = arm.remoteLocks.counts[answer];
    const prefix = status === 400 ? '10.140.0.0/24' : '10.141.0.0/24';
    // The spoke exists (seeded: no event yet), then someone updates it: its VNet is locked for 2 s.
    arm.putVirtualNetwork({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name, location: 'westeurope', addressPrefixes: [prefix] });
    const update = await world.network(PAYMENTS).virtualNetworks.beginCreateOrUpdate(
      'rg-payments-weu',
      name,
      { location: 'westeurope', addressSpace: { addressPrefixes: [prefix] }, tags: { team: 'payments' } },
      POLL,
    );
    const vnetId = ids.vnet(PAYMENTS, 'rg-payments-weu', name);
    expect((await postEvents(world, [resourceEvent(vnetId, 'Write', 'Microsoft.Network/virtualNetworks/write')])).status).toBe(202);

    const view = await settledSpoke(world, vnetId, 'Converged', 60_000);
    await update.pollUntilDone();
    expect(arm.remoteLocks.counts[answer]).toBeGreaterThan(before);
    expect(arm.requestLog.count('PUT virtualNetworkPeerings', status)).toBeGreaterThan(0);
    expect(view.condition?.status).toBe('True');
    arm.remoteLocks.configure({ force: undefined });
  });
});
