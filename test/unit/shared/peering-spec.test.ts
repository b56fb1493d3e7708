import { ObservedPeering, ObservedVnet } from '../../../shared/peering/model';
import { alreadyApplied, asLastWritten, hubViewFor, pairState, peeringName, planSpokePeering, planSpokeRemoval, type PeeringChange, type WriteAnswer } from '../../../shared/peering/spec';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_ID = vnetId(SUB, 'rg-hub', 'hub-weu');
const SPOKE_ID = vnetId(WL, 'rg-app', 'spoke-app');

function vnet(id: string, name: string, prefixes: string[], extra: Partial<ObservedVnet> = {}): ObservedVnet {
  return { id, name, location: 'westeurope', addressPrefixes: prefixes, tags: {}, hasGateway: false, peerings: [], ...extra };
}
function peering(name: string, remoteVnetId: string, remotePrefixes: string[], extra: Partial<ObservedPeering> = {}): ObservedPeering {
  return {
    id: `${HUB_ID}/virtualNetworkPeerings/${name}`, name, remoteVnetId, remoteAddressPrefixes: remotePrefixes,
    allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false,
    peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', ...extra,
  };
}

const hubName = peeringName('spoke-', SPOKE_ID, 'spoke-app');
const spokeName = peeringName('hub-', HUB_ID, 'hub-weu');
const opts = { useRemoteGateways: true };

describe('planSpokePeering', () => {
  it('creates both sides for a new spoke, hub side first, with gateway transit when the hub has a gateway', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { hasGateway: true });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16']);
    expect(planSpokePeering(hub, spoke, opts)).toEqual({
      kind: 'converge',
      changes: [
        expect.objectContaining({ kind: 'create', side: 'hub', vnetId: HUB_ID, name: hubName, remoteVnetId: SPOKE_ID,
          flags: { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: true, useRemoteGateways: false } }),
        expect.objectContaining({ kind: 'create', side: 'spoke', vnetId: SPOKE_ID, name: spokeName, remoteVnetId: HUB_ID,
          flags: { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: true } }),
      ],
    });
  });

  it.each([
    ['hub without gateway', false, true, false, false],
    ['config forbids remote gateways', true, false, false, false],
    ['spoke has its own gateway', true, true, true, false],
    ['hub with gateway, allowed', true, true, false, true],
  ])('spoke useRemoteGateways: %s', (_label, hubGw, allowed, spokeGw, expected) => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { hasGateway: hubGw });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], { hasGateway: spokeGw });
    const plan = planSpokePeering(hub, spoke, { useRemoteGateways: allowed });
    if (plan.kind !== 'converge') throw new Error('expected converge');
    expect(plan.changes.find((c) => c.side === 'spoke')?.flags.useRemoteGateways).toBe(expected);
  });

  it('writes nothing when both sides are right (matching the remote by ID, whatever its casing or name)', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('custom-name', SPOKE_ID.toLowerCase(), ['10.1.0.0/16'])] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], { peerings: [peering('x', HUB_ID, ['10.0.0.0/16'])] });
    expect(planSpokePeering(hub, spoke, opts)).toEqual({ kind: 'converge', changes: [] });
  });

  it('writes a side again when its last write left it in provisioning state Failed', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('legacy', SPOKE_ID, ['10.1.0.0/16'], { provisioningState: 'Failed', peeringState: 'Initiated' })] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], { peerings: [peering('x', HUB_ID, ['10.0.0.0/16'])] });
    expect(planSpokePeering(hub, spoke, opts)).toEqual({
      kind: 'converge',
      changes: [expect.objectContaining({ kind: 'update', side: 'hub', name: 'legacy', reason: 'peering legacy is in provisioning state Failed (its last write failed); writing it again' })],
    });
  });

  it('corrects wrong flags in place, under the existing name', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('legacy', SPOKE_ID, ['10.1.0.0/16'], { allowForwardedTraffic: false })] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], { peerings: [peering('x', HUB_ID, ['10.0.0.0/16'])] });
    expect(planSpokePeering(hub, spoke, opts)).toEqual({
      kind: 'converge',
      changes: [expect.objectContaining({ kind: 'update', side: 'hub', name: 'legacy', reason: 'peering legacy has wrong flags: allowForwardedTraffic' })],
    });
  });

  it('syncs the side whose remote address space changed', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('p', SPOKE_ID, ['10.1.0.0/16'], { peeringSyncLevel: 'LocalNotInSync' })] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16', '10.2.0.0/16'], { peerings: [peering('x', HUB_ID, ['10.0.0.0/16'], { peeringSyncLevel: 'RemoteNotInSync' })] });
    const plan = planSpokePeering(hub, spoke, opts);
    expect(plan).toEqual({ kind: 'converge', changes: [expect.objectContaining({ kind: 'sync', side: 'hub', name: 'p' })] });
  });

  it('recreates a Disconnected side and creates the missing one', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('p', SPOKE_ID, ['10.1.0.0/16'], { peeringState: 'Disconnected' })] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16']);
    const plan = planSpokePeering(hub, spoke, opts);
    expect(plan.kind === 'converge' && plan.changes.map((c) => `${c.kind}:${c.side}`)).toEqual(['recreate:hub', 'create:spoke']);
  });

  it('blocks on overlap with the hub and with VNets already peered to it, naming the prefixes', () => {
    const other = vnetId(WL, 'rg-other', 'spoke-other');
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('o', other, ['10.1.128.0/17'])] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16', '10.0.5.0/24']);
    expect(planSpokePeering(hub, spoke, opts)).toEqual({
      kind: 'blocked',
      conditions: [
        { kind: 'overlap', withVnetId: HUB_ID, overlaps: [{ a: '10.0.5.0/24', b: '10.0.0.0/16' }] },
        { kind: 'overlap', withVnetId: other, overlaps: [{ a: '10.1.0.0/16', b: '10.1.128.0/17' }] },
      ],
    });
  });

  it('does not count the spoke\'s own hub-side peering as an overlap', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering('p', SPOKE_ID, ['10.1.0.0/16'])] });
    const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16']);
    expect(planSpokePeering(hub, spoke, opts).kind).toBe('converge');
  });
});

describe('peeringName', () => {
  it('is deterministic, at most 80 valid characters, and differs for same-named VNets in other groups', () => {
    const long = 'v'.repeat(120);
    const a = peeringName('spoke-', vnetId(WL, 'rg1', long), long);
    const b = peeringName('spoke-', vnetId(WL, 'rg2', long), long);
    expect(a).toHaveLength(80);
    expect(a).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$/);
    expect(a).not.toBe(b);
    expect(peeringName('spoke-', SPOKE_ID.toUpperCase(), 'spoke-app')).toBe(hubName);
  });
});

describe('planSpokeRemoval', () => {
  it('finds only the hub-side peering that points at the deleted spoke', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], {
      peerings: [peering('p', SPOKE_ID, ['10.1.0.0/16']), peering('q', vnetId(WL, 'rg', 'other'), ['10.9.0.0/16'])],
    });
    expect(planSpokeRemoval(hub, SPOKE_ID.toLowerCase())?.name).toBe('p');
    expect(planSpokeRemoval(hub, vnetId(WL, 'rg', 'gone'))).toBeNull();
  });
});

describe('hubViewFor', () => {
  const other = (i: number, prefix: string) => peering(`spoke-other-${i}`, vnetId(WL, 'rg-other', `other-${i}`), [prefix]);
  const crowd = Array.from({ length: 50 }, (_, i) => other(i, `10.${10 + i}.0.0/16`));
  const cases: Array<[string, ObservedPeering[], string[]]> = [
    ['a new spoke among many peers', crowd, ['10.200.0.0/16']],
    ['a spoke already peered (its own hub side is kept)', [...crowd, peering(hubName, SPOKE_ID, ['10.200.0.0/16'])], ['10.200.0.0/16']],
    ['a spoke overlapping two peers (both kept, the verdict names them)', crowd, ['10.20.0.0/15']],
    ['a spoke whose hub side is out of sync', [...crowd, peering(hubName, SPOKE_ID, ['10.201.0.0/16'])], ['10.200.0.0/16']],
  ];
  it.each(cases)('keeps what planSpokePeering and pairState need: %s', (_label, peerings, prefixes) => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings });
    const spoke = vnet(SPOKE_ID, 'spoke-app', prefixes, { peerings: [peering(spokeName, HUB_ID, ['10.0.0.0/16'])] });
    const view = hubViewFor(hub, spoke);
    expect(planSpokePeering(view, spoke, opts)).toEqual(planSpokePeering(hub, spoke, opts));
    expect(pairState(view, spoke)).toEqual(pairState(hub, spoke));
    expect(view.peerings.length).toBeLessThanOrEqual(2);
    expect({ ...view, peerings: [] }).toEqual({ ...hub, peerings: [] });
  });
});

describe('asLastWritten: a side known from the write\'s answer instead of a read', () => {
  const OTHER_HUB = vnetId(SUB, 'rg-hub', 'hub-neu');
  const other = peering('to-neu', OTHER_HUB, ['10.9.0.0/16']);
  const stale = peering(spokeName, HUB_ID, ['10.0.0.0/16'], { peeringState: 'Initiated' });
  const spoke = vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], { peerings: [other, stale] });
  const answer = peering(spokeName, HUB_ID, ['10.0.0.0/16'], { provisioningState: 'Succeeded' });
  const hubAnswer = peering(hubName, SPOKE_ID, ['10.1.0.0/16'], { peeringState: 'Initiated' });

  it.each<[string, WriteAnswer[], ObservedPeering[] | undefined]>([
    ['the spoke side written last: its answer replaces the side read before, other peerings stay', [{ vnetId: HUB_ID, outcome: 'written', after: hubAnswer }, { vnetId: SPOKE_ID.toLowerCase(), outcome: 'written', after: answer }], [other, answer]],
    ['a skipped or failed change after it does not count', [{ vnetId: SPOKE_ID, outcome: 'written', after: answer }, { vnetId: HUB_ID, outcome: 'skipped' }], [other, answer]],
    ['the hub side written last: the spoke must be read', [{ vnetId: SPOKE_ID, outcome: 'written', after: answer }, { vnetId: HUB_ID, outcome: 'written', after: hubAnswer }], undefined],
    ['the last write had no answer (a delete)', [{ vnetId: SPOKE_ID, outcome: 'written' }], undefined],
    ['nothing written', [{ vnetId: SPOKE_ID, outcome: 'skipped' }], undefined],
  ])('%s', (_what, writes, peerings) => {
    const got = asLastWritten(spoke, writes);
    expect(got?.peerings).toEqual(peerings);
    if (got) expect({ ...got, peerings: [] }).toEqual({ ...spoke, peerings: [] });
  });

  it('leaves the spoke as it was seen otherwise, and the answer is what pairState then judges', () => {
    const hub = vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], { peerings: [peering(hubName, SPOKE_ID, ['10.1.0.0/16'])] });
    const written = asLastWritten(spoke, [{ vnetId: SPOKE_ID, outcome: 'written', after: answer }]);
    if (!written) throw new Error('expected the spoke as written');
    expect(pairState(hub, spoke).converged).toBe(false);
    expect(pairState(hub, written).converged).toBe(true);
  });
});

describe('alreadyApplied (the hub writer reads the peering just before writing)', () => {
  const flags = { allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false };
  const change = (kind: PeeringChange['kind']): PeeringChange => ({ kind, side: 'hub', vnetId: HUB_ID, name: hubName, remoteVnetId: SPOKE_ID, flags, reason: 'planned' });
  const seen = (extra: Partial<ObservedPeering> = {}) => peering(hubName, SPOKE_ID, ['10.1.0.0/16'], { provisioningState: 'Succeeded', ...extra });
  it.each<[string, PeeringChange['kind'], ObservedPeering | null, string | undefined]>([
    ['create, nothing there', 'create', null, undefined],
    ['create, there as desired', 'create', seen(), 'already as desired'],
    ['create, there but still Updating (written, settling)', 'create', seen({ provisioningState: 'Updating' }), 'already as desired'],
    ['update, a flag still wrong', 'update', seen({ allowForwardedTraffic: false }), undefined],
    ['update, pointing at another VNet', 'update', seen({ remoteVnetId: HUB_ID }), undefined],
    ['update, provisioning Failed', 'update', seen({ provisioningState: 'Failed' }), undefined],
    ['recreate, still Disconnected', 'recreate', seen({ peeringState: 'Disconnected' }), undefined],
    ['recreate, Connected again', 'recreate', seen(), 'already as desired'],
    ['sync, its view of the remote current (FullyInSync)', 'sync', seen(), 'already in sync with the remote address space (FullyInSync)'],
    ['sync, only the other side lags (RemoteNotInSync)', 'sync', seen({ peeringSyncLevel: 'RemoteNotInSync' }), 'already in sync with the remote address space (RemoteNotInSync)'],
    ['sync, its view stale (LocalNotInSync)', 'sync', seen({ peeringSyncLevel: 'LocalNotInSync' }), undefined],
    ['sync, both stale', 'sync', seen({ peeringSyncLevel: 'LocalAndRemoteNotInSync' }), undefined],
    ['sync, sync level not given', 'sync', seen({ peeringSyncLevel: undefined }), undefined],
    ['sync, Initiated (sync levels say nothing yet)', 'sync', seen({ peeringState: 'Initiated' }), undefined],
    ['sync, still Updating', 'sync', seen({ provisioningState: 'Updating' }), undefined],
    ['sync, a flag to correct too', 'sync', seen({ allowGatewayTransit: true }), undefined],
    ['sync, nothing there', 'sync', null, undefined],
  ])('%s', (_label, kind, before, expected) => {
    expect(alreadyApplied(change(kind), before)).toBe(expected);
  });
});
