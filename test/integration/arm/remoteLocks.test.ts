// A peering write whose remote VNet is held by an operation in progress: 409, 429 (Retry-After) or 400, as Azure
// answers the same race; deterministic under a seed or a forced answer. A busy local VNet is always the 409.
import { readFileSync } from 'node:fs';
import { createArmEmulator, type ArmEmulator, type RemoteLockAnswer } from '../../../local/arm';
import { errorOf, networkClient, raw, SUB, vnetId, vnetPath, poll } from './helpers';

describe('ARM emulator: writes against a VNet whose remote side is busy', () => {
  let arm: ArmEmulator;
  let endpoint: string;
  let ca: string;
  let hubOperation: { pollUntilDone(): Promise<unknown> };

  beforeAll(async () => {
    // Peerings never finish on their own here: the first one keeps the hub locked for the whole file.
    arm = createArmEmulator({ timeScale: 0.1, lroDurationsMs: { virtualNetworkPeerings: 100_000_000 }, throttling: false, log: () => undefined });
    const started = await arm.start();
    endpoint = started.endpoint;
    ca = readFileSync(started.caCertFile, 'utf8');
    arm.createResourceGroup(SUB, 'rg-busy');
    for (const [name, prefix] of [['hub', '10.0.0.0/16'], ['s1', '10.11.0.0/16'], ['s2', '10.12.0.0/16']] as const) {
      arm.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg-busy', name, addressPrefixes: [prefix] });
    }
    const client = networkClient(endpoint, ca);
    hubOperation = await client.virtualNetworkPeerings.beginCreateOrUpdate('rg-busy', 's1', 's1-to-hub', { remoteVirtualNetwork: { id: vnetId('rg-busy', 'hub') } }, poll);
  });
  afterAll(async () => {
    void hubOperation;
    await arm.stop();
  });
  afterEach(() => arm.remoteLocks.configure({ force: undefined }));

  const putS2ToHub = () =>
    raw(endpoint, ca, 'PUT', `${vnetPath('rg-busy', 's2')}/virtualNetworkPeerings/s2-to-hub?api-version=2026-01-01`, {
      body: { properties: { remoteVirtualNetwork: { id: vnetId('rg-busy', 'hub') } } },
    });

  it('answers 429 RetryableError (detail RetryableErrorDueToAnotherOperation) with a scaled Retry-After', async () => {
    arm.remoteLocks.configure({ force: 'RetryableErrorDueToAnotherOperation' });
    const answer = await putS2ToHub();
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBe('1'); // NRP's 10 s at time scale 0.1
    const { error } = answer.body as { error: { code: string; message: string; details: { code: string; message: string }[] } };
    expect(error.code).toBe('RetryableError');
    expect(error.message).toBe('A retryable error occurred.');
    expect(error.details).toEqual([
      {
        code: 'RetryableErrorDueToAnotherOperation',
        message: expect.stringMatching(
          new RegExp(`^Operation PutVirtualNetworkPeeringOperation \\([0-9a-f-]{36}\\) is updating resource ${vnetId('rg-busy', 'hub')}\\. The call can be retried in 1 seconds\\.$`),
        ),
      },
    ]);
    expect(arm.getResource(`${vnetId('rg-busy', 's2')}/virtualNetworkPeerings/s2-to-hub`)).toBeUndefined();
  });

  it('answers 400 ReferencedResourceNotProvisioned naming the busy VNet, the peering and the operation', async () => {
    arm.remoteLocks.configure({ force: 'ReferencedResourceNotProvisioned' });
    const error = await errorOf(
      networkClient(endpoint, ca).virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg-busy', 's2', 's2-to-hub', { remoteVirtualNetwork: { id: vnetId('rg-busy', 'hub') } }, poll),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('ReferencedResourceNotProvisioned');
    expect(error.message).toBe(
      `Cannot proceed with operation because resource ${vnetId('rg-busy', 'hub')} used by resource ${vnetId('rg-busy', 's2')}/virtualNetworkPeerings/s2-to-hub is not in Succeeded state. ` +
        'Resource is in Updating state and the last operation that updated/is updating the resource is PutVirtualNetworkPeeringOperation.',
    );
  });

  it('answers 409 AnotherOperationInProgress when forced, and always when the write\'s own VNet is busy', async () => {
    arm.remoteLocks.configure({ force: 'AnotherOperationInProgress' });
    expect((await putS2ToHub()).status).toBe(409);
    // hub is the local side now: whatever the remote choice, 409.
    arm.remoteLocks.configure({ force: 'ReferencedResourceNotProvisioned' });
    const local = await raw(endpoint, ca, 'PUT', `${vnetPath('rg-busy', 'hub')}/virtualNetworkPeerings/hub-to-s2?api-version=2026-01-01`, {
      body: { properties: { remoteVirtualNetwork: { id: vnetId('rg-busy', 's2') } } },
    });
    expect(local.status).toBe(409);
    expect((local.body as { error: { code: string } }).error.code).toBe('AnotherOperationInProgress');
  });

  it('picks among the three by a seeded choice: the same seed gives the same answers, all three occur', async () => {
    const sequence = async (): Promise<number[]> => {
      arm.remoteLocks.configure({ seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await putS2ToHub()).status);
      return statuses;
    };
    const first = await sequence();
    expect(await sequence()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([409, 429, 400]));
    const counts = arm.remoteLocks.counts as Record<RemoteLockAnswer, number>;
    expect(counts.RetryableErrorDueToAnotherOperation).toBeGreaterThan(0);
  });
});

describe('ARM emulator: Private DNS long-running answers', () => {
  it.each([
    [1, '60', '10'],
    [0.1, '6', '1'],
  ])('carry Retry-After 60 s scaled (time scale %s -> %s s), where NRP answers 10 s (-> %s s)', async (timeScale, dnsRetryAfter, networkRetryAfter) => {
    const arm = createArmEmulator({ timeScale, throttling: false, log: () => undefined });
    const { endpoint, caCertFile } = await arm.start();
    try {
      const ca = readFileSync(caCertFile, 'utf8');
      arm.createResourceGroup(SUB, 'rg-dns');
      const zone = await raw(endpoint, ca, 'PUT', `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net?api-version=2024-06-01`, {
        body: { location: 'global' },
      });
      expect(zone.status).toBe(202);
      expect(zone.headers['retry-after']).toBe(dnsRetryAfter);
      const vnet = await raw(endpoint, ca, 'PUT', `${vnetPath('rg-dns', 'v')}?api-version=2026-01-01`, {
        body: { location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.9.0.0/16'] } } },
      });
      expect(vnet.status).toBe(201);
      expect(vnet.headers['retry-after']).toBe(networkRetryAfter);
    } finally {
      await arm.stop();
    }
  });
});
