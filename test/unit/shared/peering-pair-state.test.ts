import { ObservedPeering, ObservedVnet } from '../../../shared/peering/model';
import { describeChanges, describeOverlaps, OverlapCondition, pairState } from '../../../shared/peering/spec';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_ID = vnetId(SUB, 'rg-hub', 'hub-weu');
const SPOKE_ID = vnetId(WL, 'rg-app', 'spoke-app');
const OTHER_ID = vnetId(WL, 'rg-app', 'spoke-other');

function vnet(id: string, name: string, prefixes: string[], peerings: ObservedPeering[]): ObservedVnet {
  return { id, name, location: 'westeurope', addressPrefixes: prefixes, tags: {}, hasGateway: false, peerings };
}
function peering(localId: string, name: string, remoteVnetId: string, extra: Partial<ObservedPeering> = {}): ObservedPeering {
  return {
    id: `${localId}/virtualNetworkPeerings/${name}`, name, remoteVnetId, remoteAddressPrefixes: [],
    allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false,
    peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', provisioningState: 'Succeeded', ...extra,
  };
}
const hubSide = (extra: Partial<ObservedPeering> = {}) => peering(HUB_ID, 'to-spoke', SPOKE_ID, { remoteAddressPrefixes: ['10.1.0.0/16'], ...extra });
const spokeSide = (extra: Partial<ObservedPeering> = {}) => peering(SPOKE_ID, 'to-hub', HUB_ID, { remoteAddressPrefixes: ['10.0.0.0/16'], ...extra });
const hub = (...peerings: ObservedPeering[]) => vnet(HUB_ID, 'hub-weu', ['10.0.0.0/16'], peerings);
const spoke = (...peerings: ObservedPeering[]) => vnet(SPOKE_ID, 'spoke-app', ['10.1.0.0/16'], peerings);

describe('pairState', () => {
  it('is converged when both sides are Connected and FullyInSync', () => {
    // Prepare
    const h = hubSide();
    const s = spokeSide();
    // Act
    const state = pairState(hub(h), spoke(s));
    // Assess
    expect(state).toEqual({ converged: true, hubSide: h, spokeSide: s });
  });

  it.each<[string, Partial<ObservedPeering>]>([
    ['without a provisioning state', { provisioningState: undefined }],
    ['without a sync level', { peeringSyncLevel: undefined }],
  ])('is converged with sides %s', (_label, extra) => {
    expect(pairState(hub(hubSide(extra)), spoke(spokeSide(extra))).converged).toBe(true);
  });

  it('matches the sides by remote VNet ID, whatever their casing or the peering names', () => {
    const h = peering(HUB_ID, 'anything', SPOKE_ID.toLowerCase());
    const s = peering(SPOKE_ID, 'legacy', HUB_ID.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'));
    expect(pairState(hub(h), spoke(s))).toEqual({ converged: true, hubSide: h, spokeSide: s });
  });

  it('ignores peerings to other VNets', () => {
    const toOther = peering(HUB_ID, 'to-other', OTHER_ID);
    expect(pairState(hub(toOther), spoke(spokeSide()))).toEqual({ converged: false, spokeSide: spokeSide(), waitingFor: 'hub side does not exist' });
  });

  it.each<[string, ObservedPeering[], ObservedPeering[], string]>([
    ['no peering at all', [], [], 'hub side does not exist'],
    ['the hub side missing', [], [spokeSide()], 'hub side does not exist'],
    ['the spoke side missing', [hubSide()], [], 'spoke side does not exist'],
    ['the hub side Initiated', [hubSide({ peeringState: 'Initiated' })], [spokeSide()], 'hub side to-spoke is Initiated'],
    ['the spoke side Initiated', [hubSide()], [spokeSide({ peeringState: 'Initiated' })], 'spoke side to-hub is Initiated'],
    ['the hub side Disconnected', [hubSide({ peeringState: 'Disconnected' })], [spokeSide()], 'hub side to-spoke is Disconnected'],
    ['the spoke side Disconnected', [hubSide()], [spokeSide({ peeringState: 'Disconnected' })], 'spoke side to-hub is Disconnected'],
    ['the hub side in no known state', [hubSide({ peeringState: undefined })], [spokeSide()], 'hub side to-spoke is in an unknown state'],
    ['the hub side Updating', [hubSide({ provisioningState: 'Updating' })], [spokeSide()], 'hub side to-spoke is Updating'],
    ['the spoke side Failed', [hubSide()], [spokeSide({ provisioningState: 'Failed' })], 'spoke side to-hub is Failed'],
    ['the hub side RemoteNotInSync', [hubSide({ peeringSyncLevel: 'RemoteNotInSync' })], [spokeSide()], 'hub side to-spoke is RemoteNotInSync'],
    ['the spoke side LocalNotInSync', [hubSide()], [spokeSide({ peeringSyncLevel: 'LocalNotInSync' })], 'spoke side to-hub is LocalNotInSync'],
    ['both sides off: the hub side is named first', [hubSide({ peeringState: 'Initiated' })], [spokeSide({ peeringState: 'Disconnected' })], 'hub side to-spoke is Initiated'],
    ['Updating and Initiated: provisioning is named first', [hubSide({ provisioningState: 'Updating', peeringState: 'Initiated' })], [spokeSide()], 'hub side to-spoke is Updating'],
    ['Initiated and out of sync: the state is named first', [hubSide()], [spokeSide({ peeringState: 'Initiated', peeringSyncLevel: 'RemoteNotInSync' })], 'spoke side to-hub is Initiated'],
  ])('is not converged with %s', (_label, hubPeerings, spokePeerings, waitingFor) => {
    // Act
    const state = pairState(hub(...hubPeerings), spoke(...spokePeerings));
    // Assess
    expect(state.converged).toBe(false);
    expect(state.waitingFor).toBe(waitingFor);
    expect(state.hubSide).toEqual(hubPeerings[0]);
    expect(state.spokeSide).toEqual(spokePeerings[0]);
  });

  it('leaves out the sides that do not exist', () => {
    expect(Object.keys(pairState(hub(), spoke()))).toEqual(['converged', 'waitingFor']);
  });
});

describe('describeOverlaps', () => {
  it.each<[string, OverlapCondition[], string]>([
    ['nothing', [], ''],
    ['one overlap', [{ kind: 'overlap', withVnetId: HUB_ID, overlaps: [{ a: '10.0.0.0/16', b: '10.0.1.0/24' }] }],
      `overlaps ${HUB_ID}: 10.0.0.0/16 with 10.0.1.0/24`],
    ['several prefixes and VNets', [
      { kind: 'overlap', withVnetId: HUB_ID, overlaps: [{ a: '10.0.0.0/16', b: '10.0.1.0/24' }, { a: '10.9.0.0/16', b: '10.9.0.0/16' }] },
      { kind: 'overlap', withVnetId: OTHER_ID, overlaps: [{ a: '10.1.0.0/16', b: '10.1.128.0/17' }] },
    ], `overlaps ${HUB_ID}: 10.0.0.0/16 with 10.0.1.0/24, 10.9.0.0/16 with 10.9.0.0/16; overlaps ${OTHER_ID}: 10.1.0.0/16 with 10.1.128.0/17`],
  ])('describes %s', (_label, conditions, expected) => {
    expect(describeOverlaps(conditions)).toBe(expected);
  });
});

describe('describeChanges', () => {
  it.each<[string, { kind: string; side: string; name: string; reason: string }[], string]>([
    ['nothing', [], ''],
    ['one change', [{ kind: 'create', side: 'hub', name: 'spoke-app-1a2b3c4d', reason: 'no peering from hub-weu to spoke-app' }],
      'create hub-side peering spoke-app-1a2b3c4d (no peering from hub-weu to spoke-app)'],
    ['two changes, in order', [
      { kind: 'recreate', side: 'hub', name: 'p', reason: 'peering p is Disconnected (the other side was deleted)' },
      { kind: 'update', side: 'spoke', name: 'x', reason: 'peering x has wrong flags: useRemoteGateways' },
    ], 'recreate hub-side peering p (peering p is Disconnected (the other side was deleted)); update spoke-side peering x (peering x has wrong flags: useRemoteGateways)'],
  ])('describes %s', (_label, changes, expected) => {
    expect(describeChanges(changes)).toBe(expected);
  });
});
