import type { ControlPlaneConfig } from '../../../shared/config';
import { routeEgressEvent } from '../../../shared/egress/events';
import { parseResourceEvent, type ResourceEvent } from '../../../shared/events/resource-event';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const OTHER = '00000000-0000-0000-0000-0000000000b2';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB = vnetId(SUB, 'rg-hub', 'hub-weu');
const SPOKE = vnetId(WL, 'rg-app', 'spoke-app');
const POLICY = `/subscriptions/${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwp`;

const egress: NonNullable<ControlPlaneConfig['egress']> = {
  applyMode: 'direct',
  spokeTag: 'hubspoke-egress',
  defaultTtlDays: 90,
  approval: { reminderHours: 24, escalationHours: 72, expiryDays: 14 },
  ruleCollectionGroup: { name: 'rcg', priority: 500 },
  firewallPolicies: [{ hub: 'westeurope', policyId: POLICY }],
};
const config = { hubs: [{ name: 'westeurope', region: 'westeurope', vnetId: HUB }], watchedSubscriptions: [WL], egress };

function event(subject: string, verb: 'Write' | 'Delete' | 'Action' = 'Write', outcome: 'Success' | 'Failure' = 'Success', operationName = 'Microsoft.Network/virtualNetworks/write'): ResourceEvent {
  const parsed = parseResourceEvent({
    id: 'evt',
    topic: `/subscriptions/${WL}`,
    subject,
    eventType: `Microsoft.Resources.Resource${verb}${outcome}`,
    eventTime: '2026-11-20T10:00:00Z',
    data: { operationName, status: outcome === 'Success' ? 'Succeeded' : 'Failed', resourceUri: subject },
    dataVersion: '2',
    metadataVersion: '1',
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

describe('routeEgressEvent', () => {
  it.each<[string, ResourceEvent, typeof config | Omit<typeof config, 'egress'>, string]>([
    ['a spoke VNet written', event(SPOKE), config, 'spoke'],
    ['a spoke VNet deleted', event(SPOKE, 'Delete', 'Success', 'Microsoft.Network/virtualNetworks/delete'), config, 'spoke'],
    ['a failed write', event(SPOKE, 'Write', 'Failure'), config, 'ignore'],
    ['an action', event(SPOKE, 'Action', 'Success', 'Microsoft.Network/virtualNetworks/join/action'), config, 'ignore'],
    ['a hub', event(HUB), config, 'ignore'],
    ['an unwatched subscription', event(vnetId(OTHER, 'rg', 'v')), config, 'ignore'],
    ['a peering', event(`${SPOKE}/virtualNetworkPeerings/p`, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write'), config, 'other'],
    ['a private endpoint', event(`/subscriptions/${WL}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe`, 'Write', 'Success', 'Microsoft.Network/privateEndpoints/write'), config, 'other'],
    ['no egress block', event(SPOKE), { hubs: config.hubs, watchedSubscriptions: config.watchedSubscriptions }, 'ignore'],
  ])('%s -> %s', (_label, e, c, kind) => {
    expect(routeEgressEvent(c, e).kind).toBe(kind);
  });
});
