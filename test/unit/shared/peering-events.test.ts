import type { ControlPlaneConfig } from '../../../shared/config';
import { parseResourceEvent, ResourceEvent } from '../../../shared/events/resource-event';
import { PeeringEventRoute, routePeeringEvent } from '../../../shared/peering/events';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const OTHER = '00000000-0000-0000-0000-0000000000b2';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_ID = vnetId(SUB, 'rg-hub', 'hub-weu');
const SPOKE_ID = vnetId(WL, 'rg-app', 'spoke-app');
const UNWATCHED_ID = vnetId(OTHER, 'rg-x', 'vnet-x');

// The hubs' subscription is deliberately not watched: hub events route by the hub list alone.
const config: Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions'> = {
  hubs: [{ name: 'westeurope', region: 'westeurope', vnetId: HUB_ID }],
  watchedSubscriptions: [WL],
};

type Verb = 'Write' | 'Delete' | 'Action';
type Outcome = 'Success' | 'Failure' | 'Cancel';

/** An Event Grid schema subscription event, parsed as the webhook parses it. */
function event(subject: string, verb: Verb = 'Write', outcome: Outcome = 'Success', operationName = 'Microsoft.Network/virtualNetworks/write'): ResourceEvent {
  const parsed = parseResourceEvent({
    id: `evt-${verb}-${outcome}`,
    topic: `/subscriptions/${WL}`,
    subject,
    eventType: `Microsoft.Resources.Resource${verb}${outcome}`,
    eventTime: '2026-11-20T10:00:00Z',
    data: { operationName, status: outcome === 'Success' ? 'Succeeded' : outcome === 'Failure' ? 'Failed' : 'Canceled', resourceUri: subject },
    dataVersion: '2',
    metadataVersion: '1',
  });
  if (!parsed.ok) throw new Error(`test event did not parse: ${parsed.reason}`);
  return parsed.event;
}

const lowerSegments = (id: string) => id.replace('/resourceGroups/', '/resourcegroups/').replace('/providers/Microsoft.Network/virtualNetworks/', '/providers/microsoft.network/virtualnetworks/');

describe('routePeeringEvent', () => {
  it.each<[string, ResourceEvent, PeeringEventRoute]>([
    ['a spoke VNet write', event(SPOKE_ID), { kind: 'spoke', vnetId: SPOKE_ID }],
    ['a spoke VNet delete', event(SPOKE_ID, 'Delete', 'Success', 'Microsoft.Network/virtualNetworks/delete'), { kind: 'spoke', vnetId: SPOKE_ID }],
    ['a spoke VNet write with lower-cased segments', event(lowerSegments(SPOKE_ID)), { kind: 'spoke', vnetId: lowerSegments(SPOKE_ID) }],
    ['a spoke VNet write with an upper-case subscription ID', event(vnetId(WL.toUpperCase(), 'rg-app', 'spoke-app')),
      { kind: 'spoke', vnetId: vnetId(WL.toUpperCase(), 'rg-app', 'spoke-app') }],
    ['a peering write on a spoke', event(`${SPOKE_ID}/virtualNetworkPeerings/hub-weu-1234`, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'),
      { kind: 'spoke', vnetId: SPOKE_ID }],
    ['a peering delete on a spoke, lower-cased', event(`${lowerSegments(SPOKE_ID)}/virtualnetworkpeerings/p`, 'Delete', 'Success', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'),
      { kind: 'spoke', vnetId: lowerSegments(SPOKE_ID) }],
    ['a hub VNet write', event(HUB_ID), { kind: 'hub', hubVnetId: HUB_ID }],
    ['a hub VNet write with lower-cased segments', event(lowerSegments(HUB_ID)), { kind: 'hub', hubVnetId: HUB_ID }],
    ['a peering delete on the hub', event(`${HUB_ID}/virtualNetworkPeerings/spoke-app-1234`, 'Delete', 'Success', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete'),
      { kind: 'hub', hubVnetId: HUB_ID, peeringId: `${HUB_ID}/virtualNetworkPeerings/spoke-app-1234` }],
    ['a peering write on the hub, lower-cased', event(`${lowerSegments(HUB_ID)}/virtualnetworkpeerings/p`, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'),
      { kind: 'hub', hubVnetId: HUB_ID, peeringId: `${lowerSegments(HUB_ID)}/virtualnetworkpeerings/p` }],
  ])('routes %s', (_label, input, expected) => {
    expect(routePeeringEvent(config, input)).toEqual(expected);
  });

  it.each<[string, ResourceEvent, string]>([
    ['a failed VNet write', event(SPOKE_ID, 'Write', 'Failure'), 'the operation ended Failure: nothing changed'],
    ['a cancelled VNet write', event(SPOKE_ID, 'Write', 'Cancel'), 'the operation ended Cancel: nothing changed'],
    ['a failed peering delete on the hub', event(`${HUB_ID}/virtualNetworkPeerings/p`, 'Delete', 'Failure'), 'the operation ended Failure: nothing changed'],
    ['a VNet action', event(SPOKE_ID, 'Action', 'Success', 'Microsoft.Network/virtualNetworks/CheckIPAddressAvailability/action'), 'actions do not change VNets or peerings'],
    ['a hub VNet action', event(HUB_ID, 'Action', 'Success', 'Microsoft.Network/virtualNetworks/join/action'), 'actions do not change VNets or peerings'],
    ['a VNet write in an unwatched subscription', event(UNWATCHED_ID), `subscription ${OTHER} is not watched`],
    ['a peering write in an unwatched subscription', event(`${UNWATCHED_ID}/virtualNetworkPeerings/p`), `subscription ${OTHER} is not watched`],
  ])('ignores %s', (_label, input, reason) => {
    expect(routePeeringEvent(config, input)).toEqual({ kind: 'ignore', reason });
  });
  it.each<[string, ResourceEvent]>([
    ['a subnet write', event(`${SPOKE_ID}/subnets/default`, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/subnets/write')],
    ['a subnet write on the hub', event(`${HUB_ID}/subnets/GatewaySubnet`)],
    ['a resource group write', event(`/subscriptions/${WL}/resourceGroups/rg-app`)],
    ['another provider\'s virtualNetworks', event(`/subscriptions/${WL}/resourceGroups/rg/providers/Microsoft.ClassicNetwork/virtualNetworks/v`)],
    ['a failed private endpoint write', event(`/subscriptions/${WL}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe`, 'Write', 'Failure')],
  ])('leaves %s to other flows', (_label, input) => {
    expect(routePeeringEvent(config, input)).toEqual({ kind: 'other' });
  });
});

describe('routePeeringEvent: the control plane\'s own writes', () => {
  const own = { ...config, ownPrincipalIds: ['5eed0000-0000-4000-8000-0000000000a1'] };
  const withPrincipal = (subject: string, operationName: string, principal: string): ResourceEvent => ({ ...event(subject, 'Write', 'Success', operationName), principal });

  it.each<[string, ResourceEvent, PeeringEventRoute['kind']]>([
    ['its own peering write on a spoke is skipped', withPrincipal(`${SPOKE_ID}/virtualNetworkPeerings/hub-x`, 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', '5EED0000-0000-4000-8000-0000000000A1'), 'ignore'],
    ['its own peering write on a hub is skipped', withPrincipal(`${HUB_ID}/virtualNetworkPeerings/spoke-x`, 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', '5eed0000-0000-4000-8000-0000000000a1'), 'ignore'],
    ['someone else\'s peering write is followed', withPrincipal(`${HUB_ID}/virtualNetworkPeerings/spoke-x`, 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', 'alice@contoso.example'), 'hub'],
    ['a VNet write by the same identity is still followed', withPrincipal(SPOKE_ID, 'Microsoft.Network/virtualNetworks/write', '5eed0000-0000-4000-8000-0000000000a1'), 'spoke'],
  ])('%s', (_label, e, kind) => {
    expect(routePeeringEvent(own, e).kind).toBe(kind);
  });
});
