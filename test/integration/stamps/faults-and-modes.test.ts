import { NetworkManagementClient } from '@azure/arm-network';
import * as fs from 'node:fs';
import { staticTokenCredential } from '../../../local/demo';
import { metricAlertFired } from '../../fixtures/stamps/alertSamples';
import { startStampWorld, until, type StampWorld } from './support';

const SUB = 'a0000000-0000-4000-8000-0000000000a1';

describe('stamp health: ARM faults, deleted stamp resources, one profile written by one writer', () => {
  let world: StampWorld;

  beforeAll(async () => {
    world = await startStampWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });
  // A failing test must not leave a stamp out for the next one.
  afterEach(async () => {
    world.embedded.arm.faults.clear();
    for (const name of ['weu-1', 'weu-2', 'neu-1']) await world.setHealth(name, 200);
    await until('every Standard origin back', async () => {
      for (const name of ['weu-1', 'weu-2', 'neu-1']) if ((await world.origin(name)) !== 'Enabled') return undefined;
      return true;
    });
  });

  const audit = async (stamp: string): Promise<string[]> => ((await world.stamp(stamp)).audit as Array<{ action: string; outcome: string }>).map((a) => `${a.action}:${a.outcome}`);

  it('rides out a 429, a 503 and a failed long-running operation on the PATCH: the origin still goes out, every attempt audited', async () => {
    const faults = world.embedded.arm.faults;
    const log = world.embedded.arm.requestLog;
    log.reset();
    faults.failNext(2, 'PATCH', '*/origins/weu-2', { kind: 'http', status: 429, retryAfterSeconds: 0 });
    faults.failNext(1, 'PATCH', '*/origins/weu-2', { kind: 'http', status: 503 });
    faults.failNext(1, 'PATCH', '*/origins/weu-2', { kind: 'lroFailure', code: 'InternalServerError', message: 'The operation failed.' });
    await world.setHealth('weu-2', 503);
    await until('weu-2 disabled despite the faults', async () => ((await world.origin('weu-2')) === 'Disabled' ? true : undefined));
    await until('the write audited', async () => ((await audit('weu-2')).includes('disable:succeeded') ? true : undefined));
    // Every fault was met (the SDK's and the writer's retries), and the write went through after them.
    expect(log.count('PATCH origins', 429)).toBe(2);
    expect(log.count('PATCH origins', 503)).toBe(1);
    expect(log.count('PATCH origins', 202)).toBeGreaterThanOrEqual(2);
    await world.setHealth('weu-2', 200);
    await until('weu-2 back', async () => ((await world.origin('weu-2')) === 'Enabled' ? true : undefined));
  });

  it('a deleted stamp resource ejects the stamp at once, with no failed probe; written again, the stamp comes back', async () => {
    const ca = fs.readFileSync(world.embedded.caCertFile, 'utf8');
    const network = new NetworkManagementClient(staticTokenCredential({ tenantId: '7e0a0000-0000-4000-8000-00000000e0a1', objectId: 'oid-workload-team', appId: 'a11ce000-0000-4000-8000-00000000a11c' }), SUB, { endpoint: world.embedded.armEndpoint, tlsOptions: { ca }, retryOptions: { retryDelayInMs: 5 } });
    const before = await network.virtualNetworks.get('rg-payments-neu', 'vnet-payments-neu');
    // Peerings go first: ARM refuses to delete a peered VNet.
    for (const p of before.virtualNetworkPeerings ?? []) await network.virtualNetworkPeerings.delete('rg-payments-neu', 'vnet-payments-neu', p.name ?? '', { updateIntervalInMs: 5 });
    await network.virtualNetworks.delete('rg-payments-neu', 'vnet-payments-neu', { updateIntervalInMs: 5 });
    const ejected = await until('neu-1 ejected on the delete', async () => {
      const s = await world.stamp('neu-1');
      return s.state === 'Ejected' ? s : undefined;
    });
    expect(ejected.why).toBe(`resource deleted: /subscriptions/${SUB}/resourceGroups/rg-payments-neu/providers/Microsoft.Network/virtualNetworks/vnet-payments-neu`);
    expect(ejected.consecutiveFailures).toBe(0);
    await until('neu-1 disabled', async () => ((await world.origin('neu-1')) === 'Disabled' ? true : undefined));
    await network.virtualNetworks.createOrUpdate('rg-payments-neu', 'vnet-payments-neu', { location: 'northeurope', addressSpace: { addressPrefixes: before.addressSpace?.addressPrefixes ?? ['10.11.0.0/24'] } }, { updateIntervalInMs: 5 });
    await until('neu-1 back once its VNet exists again', async () => ((await world.origin('neu-1')) === 'Enabled' ? true : undefined));
  });

  it('two decisions on one classic profile in one round are written one after another: neither edit is lost', async () => {
    const pin = (name: string, mode: string) => world.api(`/api/stamps/${name}/pin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode, reason: 'drain both' }) });
    expect((await pin('legacy-weu', 'out')).status).toBe(202);
    expect((await pin('legacy-neu', 'out')).status).toBe(202);
    await until('both backends disabled', async () => {
      const [a, b] = [await world.backend('legacy-weu.payments.example'), await world.backend('legacy-neu.payments.example')];
      return a === 'Disabled' && b === 'Disabled' ? true : undefined;
    });
    await pin('legacy-weu', 'auto');
    await pin('legacy-neu', 'auto');
    await until('both backends back', async () => {
      const [a, b] = [await world.backend('legacy-weu.payments.example'), await world.backend('legacy-neu.payments.example')];
      return a === 'Enabled' && b === 'Enabled' ? true : undefined;
    });
  });
});

describe('stamp health in observe mode, and the alert webhook with a key', () => {
  let world: StampWorld;

  beforeAll(async () => {
    world = await startStampWorld({ CONTROL_PLANE_MODE: 'observe', STAMP_ALERT_KEYS: 'alert-key-1, alert-key-2' });
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('records WouldEject and writes nothing', async () => {
    await world.setHealth('weu-1', 503);
    const would = await until('weu-1 would be ejected', async () => {
      const s = await world.stamp('weu-1');
      return (s.condition as { reason?: string } | undefined)?.reason === 'WouldEject' ? s : undefined;
    });
    expect((would.audit as Array<{ action: string; outcome: string }>).map((a) => `${a.action}:${a.outcome}`)).toContain('WouldEject:observed');
    expect(await world.origin('weu-1')).toBe('Enabled');
    await world.setHealth('weu-1', 200);
    await until('weu-1 would be readmitted', async () => {
      const a = ((await world.stamp('weu-1')).audit as Array<{ action: string }>).map((x) => x.action);
      return a.includes('WouldReadmit') ? true : undefined;
    });
  });

  it('accepts an alert with a configured key, refuses a wrong one; 400 names what is wrong with a malformed alert', async () => {
    const post = (key: string, body: unknown) => world.api('/api/stamps/alerts', { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const alert = metricAlertFired('/subscriptions/a0000000-0000-4000-8000-0000000000a1/resourcegroups/rg-payments-weu/providers/microsoft.compute/virtualmachinescalesets/vmss-weu-2', null);
    expect(await post('alert-key-2', alert)).toMatchObject({ status: 202, body: { stamps: ['weu-2'], matchedBy: 'alertTargetIDs' } });
    expect(await post('wrong-key', alert)).toMatchObject({ status: 401, body: { error: { message: 'the key is not valid' } } });
    expect(await post('alert-key-1', { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { ...(alert as { data: { essentials: object } }).data.essentials, monitorCondition: 'Maybe' } } })).toMatchObject({
      status: 400,
      body: { error: { code: 'InvalidAlert', message: expect.stringContaining('data.essentials.monitorCondition') } },
    });
    const unmatched = metricAlertFired('/subscriptions/a0000000-0000-4000-8000-0000000000a1/resourcegroups/x/providers/microsoft.web/sites/y', null);
    expect(await post('alert-key-1', unmatched)).toMatchObject({ status: 202, body: { stamps: [], note: 'none of its alertTargetIDs is a stamp resource' } });
    await until('weu-2 would be ejected on the alert', async () => ((await world.stamp('weu-2')).condition as { reason?: string } | undefined)?.reason === 'WouldEject' ? true : undefined);
  });
});
