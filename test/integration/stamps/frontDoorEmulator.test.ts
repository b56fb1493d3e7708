import { readFileSync } from 'node:fs';
import { CdnManagementClient } from '@azure/arm-cdn';
import { FrontDoorManagementClient } from '@azure/arm-frontdoor';
import { createArmEmulator, type ArmEmulator, type ResourceNotification } from '../../../local/arm';
import { createFrontDoorAdapter } from '../../../shared/azure/frontdoor-adapter';
import { OriginNotFoundError, type FrontDoorPort } from '../../../shared/stamps/ports';
import { SUB, credential, errorOf, poll, raw, retryOptions } from '../arm/helpers';

const RG = 'rg-edge';
const PROFILE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Cdn/profiles/afd-payments`;
const CLASSIC_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/frontDoors/fd-legacy`;
const ORIGIN_PATH = `${PROFILE_ID}/originGroups/og-api/origins/weu-1`;

describe('Front Door in the ARM emulator, through @azure/arm-cdn and @azure/arm-frontdoor', () => {
  let arm: ArmEmulator;
  let endpoint: string;
  let ca: string;
  let cdn: CdnManagementClient;
  let classic: FrontDoorManagementClient;
  let port: FrontDoorPort;

  beforeAll(async () => {
    arm = createArmEmulator({ timeScale: 0.001, log: () => undefined });
    const started = await arm.start();
    endpoint = started.endpoint;
    ca = readFileSync(started.caCertFile, 'utf8');
    const clientOptions = { endpoint, tlsOptions: { ca }, retryOptions: { ...retryOptions, maxRetries: 3 } };
    cdn = new CdnManagementClient(credential, SUB, clientOptions);
    classic = new FrontDoorManagementClient(credential, SUB, clientOptions);
    port = createFrontDoorAdapter({ credential, clientOptions: { endpoint, tlsOptions: { ca }, retryOptions: { retryDelayInMs: 5, maxRetries: 3 } }, lro: poll });
    arm.createResourceGroup(SUB, RG);
    await cdn.profiles.beginCreateAndWait(RG, 'afd-payments', { location: 'Global', sku: { name: 'Standard_AzureFrontDoor' } }, poll);
    await cdn.afdOriginGroups.beginCreateAndWait(RG, 'afd-payments', 'og-api', { loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 } }, poll);
    for (const name of ['weu-1', 'weu-2', 'neu-1']) {
      await cdn.afdOrigins.beginCreateAndWait(RG, 'afd-payments', 'og-api', name, { hostName: `${name}.contoso.net`, httpPort: 80, httpsPort: 443, enabledState: 'Enabled' }, poll);
    }
    await classic.frontDoors.createOrUpdate(RG, 'fd-legacy', {
      location: 'global',
      backendPools: [{ name: 'pool', backends: [{ address: 'old-1.contoso.net', httpPort: 80, httpsPort: 443, enabledState: 'Enabled', weight: 50, priority: 1 }, { address: 'old-2.contoso.net', enabledState: 'Enabled' }] }],
      frontendEndpoints: [{ name: 'fe', hostName: 'fd-legacy.azurefd.net' }],
    }, poll);
  });
  afterAll(async () => {
    await arm.stop();
  });
  afterEach(async () => {
    arm.faults.clear();
    await port.setEnabledState({ kind: 'standard', profileId: PROFILE_ID, group: 'og-api', origin: 'weu-1' }, 'Enabled');
  });

  it('answers an origin as the Cdn RP does: lower-case resourcegroups/origingroups, its type, no etag', async () => {
    const answer = await raw(endpoint, ca, 'GET', `${ORIGIN_PATH}?api-version=2024-02-01`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      name: 'weu-1',
      type: 'Microsoft.Cdn/profiles/origingroups/origins',
      id: `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Cdn/profiles/afd-payments/origingroups/og-api/origins/weu-1`,
      properties: expect.objectContaining({ hostName: 'weu-1.contoso.net', enabledState: 'Enabled', originGroupName: 'og-api', deploymentStatus: 'NotStarted', provisioningState: 'Succeeded', httpPort: 80, httpsPort: 443, enforceCertificateNameCheck: true }),
    });
    const list = await raw(endpoint, ca, 'GET', `${PROFILE_ID}/originGroups/og-api/origins?api-version=2024-02-01`);
    expect((list.body as { value: Array<{ name: string }> }).value.map((o) => o.name)).toEqual(['weu-1', 'weu-2', 'neu-1']);
  });

  it('PATCH is long-running: 202, Updating, Azure-AsyncOperation and Location; a write event when it settles', async () => {
    const seen: ResourceNotification[] = [];
    const unsubscribe = arm.onResourceEvent((n) => seen.push(n));
    try {
      const answer = await raw(endpoint, ca, 'PATCH', `${ORIGIN_PATH}?api-version=2024-02-01`, { body: { properties: { enabledState: 'Disabled' } } });
      expect(answer.status).toBe(202);
      expect((answer.body as { properties: { provisioningState: string; enabledState: string; hostName: string } }).properties).toMatchObject({ provisioningState: 'Updating', enabledState: 'Disabled', hostName: 'weu-1.contoso.net' });
      expect(answer.headers['azure-asyncoperation']).toMatch(new RegExp(`/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft\\.Cdn/operationresults/[0-9a-f-]+\\?api-version=2024-02-01$`));
      expect(answer.headers['location']).toBeDefined();
      const status = await raw(endpoint, ca, 'GET', new URL(answer.headers['azure-asyncoperation'] as string).pathname + '?api-version=2024-02-01');
      expect(status.body).toMatchObject({ status: expect.stringMatching(/^(InProgress|Succeeded)$/) });
      const observed = await port.readGroup({ kind: 'standard', profileId: PROFILE_ID, group: 'og-api' });
      expect(observed.find((o) => o.origin === 'weu-1')?.enabledState).toBe('Disabled');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen.find((n) => n.operationName === 'Microsoft.Cdn/profiles/originGroups/origins/write')).toMatchObject({ status: 'Succeeded', resourceProvider: 'Microsoft.Cdn', httpMethod: 'PATCH' });
    } finally {
      unsubscribe();
    }
  });

  it('refuses an enabledState that is neither Enabled nor Disabled, and leaves the origin alone', async () => {
    const answer = await raw(endpoint, ca, 'PATCH', `${ORIGIN_PATH}?api-version=2024-02-01`, { body: { properties: { enabledState: 'Off' } } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'BadRequest', message: "The value 'Off' of enabledState is invalid. Allowed values: Enabled, Disabled.", details: [] } });
    expect((await cdn.afdOrigins.get(RG, 'afd-payments', 'og-api', 'weu-1')).enabledState).toBe('Enabled');
  });

  it('the adapter disables and re-enables a Standard origin, touching nothing else, and reads it back', async () => {
    const origin = { kind: 'standard' as const, profileId: PROFILE_ID, group: 'og-api', origin: 'weu-1' };
    expect(await port.setEnabledState(origin, 'Disabled')).toEqual({
      originId: `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Cdn/profiles/afd-payments/origingroups/og-api/origins/weu-1`,
      origin: 'weu-1',
      enabledState: 'Disabled',
      provisioningState: 'Succeeded',
    });
    const after = await cdn.afdOrigins.get(RG, 'afd-payments', 'og-api', 'weu-1');
    expect(after).toMatchObject({ hostName: 'weu-1.contoso.net', httpPort: 80, httpsPort: 443 });
    expect((await port.setEnabledState(origin, 'Enabled')).enabledState).toBe('Enabled');
  });

  it('rides out a 429 and a 503 (the SDK retries), and fails on a failed long-running operation, leaving the origin as it was', async () => {
    const origin = { kind: 'standard' as const, profileId: PROFILE_ID, group: 'og-api', origin: 'weu-1' };
    arm.faults.failNext(1, 'PATCH', '*/origins/weu-1', { kind: 'http', status: 429, retryAfterSeconds: 0 });
    arm.faults.failNext(1, 'PATCH', '*/origins/weu-1', { kind: 'http', status: 503 });
    expect((await port.setEnabledState(origin, 'Disabled')).enabledState).toBe('Disabled');
    arm.faults.failNext(1, 'PATCH', '*/origins/weu-1', { kind: 'lroFailure', code: 'InternalServerError', message: 'The operation failed.' });
    const failure = await errorOf(port.setEnabledState(origin, 'Enabled'));
    expect(failure.message).toContain('The operation failed.');
    const after = await cdn.afdOrigins.get(RG, 'afd-payments', 'og-api', 'weu-1');
    expect(after).toMatchObject({ enabledState: 'Disabled', provisioningState: 'Failed' });
  });

  it('a missing origin is OriginNotFoundError; a missing group reads as empty', async () => {
    await expect(port.setEnabledState({ kind: 'standard', profileId: PROFILE_ID, group: 'og-api', origin: 'nope' }, 'Disabled')).rejects.toBeInstanceOf(OriginNotFoundError);
    expect(await port.readGroup({ kind: 'standard', profileId: PROFILE_ID, group: 'og-none' })).toEqual([]);
  });

  it('classic: GET, change one backend, PUT the whole Front Door back; the other backend is untouched', async () => {
    const backend = { kind: 'classic' as const, profileId: CLASSIC_ID, group: 'pool', origin: 'old-1.contoso.net' };
    expect(await port.setEnabledState(backend, 'Disabled')).toEqual({ originId: CLASSIC_ID, origin: 'old-1.contoso.net', enabledState: 'Disabled', provisioningState: 'Succeeded' });
    const fd = await classic.frontDoors.get(RG, 'fd-legacy');
    expect(fd.backendPools?.[0]?.backends?.map((b) => [b.address, b.enabledState, b.weight])).toEqual([['old-1.contoso.net', 'Disabled', 50], ['old-2.contoso.net', 'Enabled', 50]]);
    expect(fd.frontendEndpoints?.[0]?.hostName).toBe('fd-legacy.azurefd.net');
    expect((await port.readGroup({ kind: 'classic', profileId: CLASSIC_ID, group: 'pool' })).map((b) => b.enabledState)).toEqual(['Disabled', 'Enabled']);
    await port.setEnabledState(backend, 'Enabled');
    await expect(port.setEnabledState({ ...backend, origin: 'nope.contoso.net' }, 'Disabled')).rejects.toBeInstanceOf(OriginNotFoundError);
  });
});
