// The ARM emulator's state file: what a restart of `npm start` resumes. Real SDK clients over the in-process
// transport, a virtual clock so that operations finish only when the test says (or when the emulator stops).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { ArmStateFileError, deserializeState, serializeState } from '../../../local/arm/persistence';
import { createVirtualClock } from '../../../local/clock';
import { SUB, credential, poll } from '../../integration/arm/helpers';

const vnetId = (rg: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;

function clients(arm: ArmEmulator): { network: NetworkManagementClient; dns: PrivateDnsManagementClient } {
  const options = { endpoint: 'https://management.local', httpClient: arm.httpClient() };
  return { network: new NetworkManagementClient(credential, SUB, options), dns: new PrivateDnsManagementClient(credential, SUB, options) };
}

describe('ARM emulator state file', () => {
  let dir: string;
  let file: string;
  const running: ArmEmulator[] = [];
  const emulator = (options: { clock?: ReturnType<typeof createVirtualClock>; log?: (level: 'info' | 'warn', message: string) => void } = {}): ArmEmulator => {
    const arm = createArmEmulator({ timeScale: 0.001, throttling: false, stateFile: file, log: options.log ?? (() => undefined), ...(options.clock ? { clock: options.clock } : {}) });
    running.push(arm);
    return arm;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arm-state-'));
    file = path.join(dir, 'arm', 'state.json');
  });
  afterEach(async () => {
    for (const arm of running.splice(0)) await arm.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a new emulator on the same file resumes every resource exactly as GET answered it before the stop', async () => {
    const first = emulator();
    expect(first.restored).toBe(false);
    const { network, dns } = clients(first);
    first.createResourceGroup(SUB, 'rg');
    first.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'hub', addressPrefixes: ['10.0.0.0/16'], subnets: [{ name: 'GatewaySubnet', addressPrefix: '10.0.0.0/27' }] });
    first.addGateway({ subscriptionId: SUB, resourceGroup: 'rg', name: 'gw', vnetId: vnetId('rg', 'hub') });
    await network.virtualNetworks.beginCreateOrUpdateAndWait('rg', 'spoke', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.1.0.0/16'] }, subnets: [{ name: 'pe', addressPrefix: '10.1.0.0/24' }] }, poll);
    await network.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg', 'hub', 'hub-to-spoke', { remoteVirtualNetwork: { id: vnetId('rg', 'spoke') }, allowGatewayTransit: true }, poll);
    await network.virtualNetworkPeerings.beginCreateOrUpdateAndWait('rg', 'spoke', 'spoke-to-hub', { remoteVirtualNetwork: { id: vnetId('rg', 'hub') }, useRemoteGateways: true }, poll);
    const zone = await dns.privateZones.beginCreateOrUpdateAndWait('rg', 'privatelink.blob.core.windows.net', { location: 'global' }, poll);
    await dns.recordSets.createOrUpdate('rg', 'privatelink.blob.core.windows.net', 'A', 'acct', { ttl: 10, aRecords: [{ ipv4Address: '10.1.0.4' }] });
    const ids = [
      vnetId('rg', 'hub'),
      vnetId('rg', 'spoke'),
      `${vnetId('rg', 'hub')}/virtualNetworkPeerings/hub-to-spoke`,
      `${vnetId('rg', 'spoke')}/virtualNetworkPeerings/spoke-to-hub`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/gw`,
      zone.id ?? '',
      `${zone.id ?? ''}/A/acct`,
    ];
    const before = ids.map((id) => first.getResource(id));
    expect(before.every((r) => r !== undefined)).toBe(true);
    await first.stop();

    const second = emulator();
    expect(second.restored).toBe(true);
    expect(ids.map((id) => second.getResource(id))).toEqual(before);
    // The world goes on from there through the SDK: the loaded records are live to the handlers.
    const { network: again } = clients(second);
    expect((await again.virtualNetworkPeerings.get('rg', 'spoke', 'spoke-to-hub')).peeringState).toBe('Connected');
    await again.virtualNetworkPeerings.beginDeleteAndWait('rg', 'spoke', 'spoke-to-hub', poll);
    expect((await again.virtualNetworkPeerings.get('rg', 'hub', 'hub-to-spoke')).peeringState).toBe('Disconnected');
  });

  it('finishes operations in flight at stop as Azure would have: a peering write connects, a VNet delete removes it', async () => {
    const clock = createVirtualClock();
    const first = emulator({ clock });
    const { network } = clients(first);
    first.createResourceGroup(SUB, 'rg');
    first.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'hub', addressPrefixes: ['10.0.0.0/16'] });
    first.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'spoke', addressPrefixes: ['10.1.0.0/16'] });
    first.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'old', addressPrefixes: ['10.2.0.0/16'] });
    first.putPeering({ vnetId: vnetId('rg', 'hub'), name: 'hub-to-spoke', remoteVirtualNetworkId: vnetId('rg', 'spoke') });
    await network.virtualNetworkPeerings.beginCreateOrUpdate('rg', 'spoke', 'spoke-to-hub', { remoteVirtualNetwork: { id: vnetId('rg', 'hub') } }, poll);
    await network.virtualNetworks.beginDelete('rg', 'old', poll);
    // Nothing has finished: the virtual clock has not moved.
    expect(first.getResource(`${vnetId('rg', 'spoke')}/virtualNetworkPeerings/spoke-to-hub`)?.properties).toMatchObject({ provisioningState: 'Updating', peeringState: 'Initiated' });
    expect(first.getResource(vnetId('rg', 'old'))?.properties).toMatchObject({ provisioningState: 'Deleting' });
    await first.stop();

    const second = emulator();
    expect(second.getResource(`${vnetId('rg', 'spoke')}/virtualNetworkPeerings/spoke-to-hub`)?.properties).toMatchObject({ provisioningState: 'Succeeded', peeringState: 'Connected' });
    expect(second.getResource(`${vnetId('rg', 'hub')}/virtualNetworkPeerings/hub-to-spoke`)?.properties).toMatchObject({ peeringState: 'Connected' });
    expect(second.getResource(vnetId('rg', 'old'))).toBeUndefined();
  });

  it('settles what a crash left in flight when the file was last written: writes Succeeded, deletes not applied', async () => {
    const clock = createVirtualClock();
    const crashed = emulator({ clock });
    const { network } = clients(crashed);
    crashed.createResourceGroup(SUB, 'rg');
    crashed.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'kept', addressPrefixes: ['10.2.0.0/16'] });
    await network.virtualNetworks.beginCreateOrUpdate('rg', 'new', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.3.0.0/16'] } }, poll);
    await network.virtualNetworks.beginDelete('rg', 'kept', poll);
    // The coalesced write happens on its own (no stop: the process "dies" with both operations running).
    const deadline = Date.now() + 20_000;
    while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('"Deleting"'))) {
      if (Date.now() > deadline) throw new Error(`${file} was never written with the operations in flight`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const warnings: string[] = [];
    const second = emulator({ log: (level, message) => (level === 'warn' ? warnings.push(message) : undefined) });
    expect(second.getResource(vnetId('rg', 'new'))?.properties).toMatchObject({ provisioningState: 'Succeeded' });
    expect(second.getResource(vnetId('rg', 'kept'))?.properties).toMatchObject({ provisioningState: 'Succeeded' });
    expect(warnings).toEqual([`ARM emulator: 2 operation(s) were in flight when ${file} was last written; settled on load.`]);
    // A settled resource takes writes again (no lock or state left behind).
    await expect(clients(second).network.virtualNetworks.beginDeleteAndWait('rg', 'kept', poll)).resolves.toBeUndefined();
    expect(second.getResource(vnetId('rg', 'kept'))).toBeUndefined();
  });

  it('connects a peering whose second side a crash left in flight (both sides existed, neither Connected)', async () => {
    const clock = createVirtualClock();
    const crashed = emulator({ clock });
    const { network } = clients(crashed);
    crashed.createResourceGroup(SUB, 'rg');
    crashed.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'hub', addressPrefixes: ['10.0.0.0/16'] });
    crashed.putVirtualNetwork({ subscriptionId: SUB, resourceGroup: 'rg', name: 'spoke', addressPrefixes: ['10.1.0.0/16'] });
    crashed.putPeering({ vnetId: vnetId('rg', 'hub'), name: 'hub-to-spoke', remoteVirtualNetworkId: vnetId('rg', 'spoke') });
    await network.virtualNetworkPeerings.beginCreateOrUpdate('rg', 'spoke', 'spoke-to-hub', { remoteVirtualNetwork: { id: vnetId('rg', 'hub') } }, poll);
    const deadline = Date.now() + 20_000;
    while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('spoke-to-hub'))) {
      if (Date.now() > deadline) throw new Error(`${file} was never written with the peering in flight`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const warnings: string[] = [];
    const second = emulator({ log: (level, message) => (level === 'warn' ? warnings.push(message) : undefined) });
    expect(second.getResource(`${vnetId('rg', 'spoke')}/virtualNetworkPeerings/spoke-to-hub`)?.properties).toMatchObject({ provisioningState: 'Succeeded', peeringState: 'Connected' });
    expect(second.getResource(`${vnetId('rg', 'hub')}/virtualNetworkPeerings/hub-to-spoke`)?.properties).toMatchObject({ peeringState: 'Connected', remoteAddressSpace: { addressPrefixes: ['10.1.0.0/16'] } });
    expect(warnings).toEqual([`ARM emulator: 1 operation(s) were in flight when ${file} was last written; settled on load (1 peering(s) connected with their reverse).`]);
  });

  it('refuses a file it cannot read, naming it and --fresh, and leaves the file as it was', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version":1,"state":{"virtualNetworks":');
    expect(() => emulator()).toThrow(ArmStateFileError);
    expect(() => emulator()).toThrow(new RegExp(`^ARM emulator state ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON .*start from scratch with --fresh`));
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version":1,"state":{"virtualNetworks":');
    fs.writeFileSync(file, '{"version":99,"state":{}}');
    expect(() => emulator()).toThrow(`ARM emulator state ${file} has version 99, this emulator reads version 1`);
  });
});

describe('the state serializer', () => {
  it('round-trips Maps and Sets at any depth without knowing the record types', () => {
    const value = { a: new Map([['k', { inner: new Map([['x', new Set(['1', '2'])]]), list: [1, { b: 2 }] }]]), plain: 'v' };
    const back = deserializeState(serializeState(value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.a.get('k')?.inner.get('x')).toBeInstanceOf(Set);
  });

  it('refuses an object reachable twice (it would come back as two copies)', () => {
    const shared = { id: 'x' };
    expect(() => serializeState({ one: new Map([['a', shared]]), two: shared })).toThrow('referenced twice');
  });
});
