import type { ControlPlaneConfig } from '../../../shared/config';
import { EndpointEventRoute, routeEndpointEvent } from '../../../shared/dns/events';
import { parseResourceEvent, ResourceEvent } from '../../../shared/events/resource-event';

const DNS_SUB = '00000000-0000-0000-0000-00000000d115';
const WL = '00000000-0000-0000-0000-0000000000a1';
const OTHER = '00000000-0000-0000-0000-0000000000b2';
const OWN = '5eed0000-0000-4000-8000-0000000000a1';
const endpointId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateEndpoints/${name}`;
const PE_ID = endpointId(WL, 'rg-app', 'pe-kv1');
const UNWATCHED_PE = endpointId(OTHER, 'rg-x', 'pe-x');
const GROUP_ID = `${PE_ID}/privateDnsZoneGroups/default`;
const VNET_ID = `/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/spoke-app`;

type RouteConfig = Parameters<typeof routeEndpointEvent>[0];
const privateDns: NonNullable<ControlPlaneConfig['privateDns']> = {
  zonesSubscriptionId: DNS_SUB,
  zonesResourceGroup: 'rg-dns',
  createMissingZones: false,
  zoneGroupName: 'default',
  foreignZoneGroups: 'report',
  conflicts: 'report',
};
// The zones' subscription is deliberately not watched: endpoints route by their own subscription.
const config: RouteConfig = { watchedSubscriptions: [WL], privateDns, ownPrincipalIds: [OWN] };

type Verb = 'Write' | 'Delete' | 'Action';
type Outcome = 'Success' | 'Failure' | 'Cancel';

/** An Event Grid schema subscription event, parsed as the webhook parses it. */
function event(subject: string, verb: Verb = 'Write', outcome: Outcome = 'Success', operationName = 'Microsoft.Network/privateEndpoints/write', claims?: Record<string, string>): ResourceEvent {
  const parsed = parseResourceEvent({
    id: `evt-${verb}-${outcome}`,
    topic: `/subscriptions/${WL}`,
    subject,
    eventType: `Microsoft.Resources.Resource${verb}${outcome}`,
    eventTime: '2026-11-20T10:00:00Z',
    data: { operationName, status: outcome === 'Success' ? 'Succeeded' : outcome === 'Failure' ? 'Failed' : 'Canceled', resourceUri: subject, ...(claims ? { claims } : {}) },
    dataVersion: '2',
    metadataVersion: '1',
  });
  if (!parsed.ok) throw new Error(`test event did not parse: ${parsed.reason}`);
  return parsed.event;
}

const GROUP_WRITE = 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write';
const GROUP_DELETE = 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/delete';
const lowerSegments = (id: string) => id.replace('/resourceGroups/', '/resourcegroups/').replace('/providers/Microsoft.Network/privateEndpoints/', '/providers/microsoft.network/privateendpoints/');
const byApp = (appid: string) => ({ appid });

describe('routeEndpointEvent', () => {
  it.each<[string, ResourceEvent, EndpointEventRoute]>([
    ['a private endpoint write', event(PE_ID), { kind: 'endpoint', endpointId: PE_ID }],
    ['a private endpoint delete', event(PE_ID, 'Delete', 'Success', 'Microsoft.Network/privateEndpoints/delete'), { kind: 'endpoint', endpointId: PE_ID }],
    ['a private endpoint write with lower-cased segments', event(lowerSegments(PE_ID)), { kind: 'endpoint', endpointId: lowerSegments(PE_ID) }],
    ['a private endpoint write with an upper-case subscription ID', event(endpointId(WL.toUpperCase(), 'rg-app', 'pe-kv1')),
      { kind: 'endpoint', endpointId: endpointId(WL.toUpperCase(), 'rg-app', 'pe-kv1') }],
    ['a private endpoint write with a trailing slash', event(`${PE_ID}/`), { kind: 'endpoint', endpointId: PE_ID }],
    ['a zone group write, to its endpoint', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE), { kind: 'endpoint', endpointId: PE_ID }],
    ['a zone group delete, to its endpoint', event(GROUP_ID, 'Delete', 'Success', GROUP_DELETE), { kind: 'endpoint', endpointId: PE_ID }],
    ['a zone group write with lower-cased segments', event(`${lowerSegments(PE_ID)}/privatednszonegroups/policy-dns`, 'Write', 'Success', GROUP_WRITE),
      { kind: 'endpoint', endpointId: lowerSegments(PE_ID) }],
    ['a zone group write by someone else', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, byApp('a11ce000-0000-4000-8000-000000000001')), { kind: 'endpoint', endpointId: PE_ID }],
    ['a zone group write by a user', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, { upn: 'alice@contoso.example', appid: OWN }), { kind: 'endpoint', endpointId: PE_ID }],
    ['a private endpoint write by the control plane itself', event(PE_ID, 'Write', 'Success', undefined, byApp(OWN)), { kind: 'endpoint', endpointId: PE_ID }],
    ['a private endpoint delete by the control plane itself', event(PE_ID, 'Delete', 'Success', 'Microsoft.Network/privateEndpoints/delete', byApp(OWN)), { kind: 'endpoint', endpointId: PE_ID }],
  ])('routes %s', (_label, input, expected) => {
    expect(routeEndpointEvent(config, input)).toEqual(expected);
  });

  it.each<[string, ResourceEvent, string]>([
    ['a zone group write by the control plane itself', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, byApp(OWN)), `a zone group write by the control plane itself (${OWN})`],
    ['a zone group write by the control plane, principal in upper case', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, byApp(OWN.toUpperCase())),
      `a zone group write by the control plane itself (${OWN.toUpperCase()})`],
    ['a zone group write by the control plane\'s object ID', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, { oid: OWN }), `a zone group write by the control plane itself (${OWN})`],
    ['a zone group delete by the control plane itself', event(GROUP_ID, 'Delete', 'Success', GROUP_DELETE, byApp(OWN)), `a zone group write by the control plane itself (${OWN})`],
    ['a private endpoint write in an unwatched subscription', event(UNWATCHED_PE), `subscription ${OTHER} is not watched`],
    ['a private endpoint delete in an unwatched subscription', event(UNWATCHED_PE, 'Delete', 'Success', 'Microsoft.Network/privateEndpoints/delete'), `subscription ${OTHER} is not watched`],
    ['a zone group write in an unwatched subscription', event(`${UNWATCHED_PE}/privateDnsZoneGroups/default`, 'Write', 'Success', GROUP_WRITE), `subscription ${OTHER} is not watched`],
    ['a private endpoint in the zones\' (unwatched) subscription', event(endpointId(DNS_SUB, 'rg-dns', 'pe-dns')), `subscription ${DNS_SUB} is not watched`],
    ['a failed private endpoint write', event(PE_ID, 'Write', 'Failure'), 'the operation ended Failure: nothing changed'],
    ['a cancelled private endpoint delete', event(PE_ID, 'Delete', 'Cancel', 'Microsoft.Network/privateEndpoints/delete'), 'the operation ended Cancel: nothing changed'],
    ['a failed zone group write', event(GROUP_ID, 'Write', 'Failure', GROUP_WRITE), 'the operation ended Failure: nothing changed'],
    ['a private endpoint action', event(PE_ID, 'Action', 'Success', 'Microsoft.Network/privateEndpoints/someaction/action'), 'actions do not change endpoints or zone groups'],
  ])('ignores %s', (_label, input, reason) => {
    expect(routeEndpointEvent(config, input)).toEqual({ kind: 'ignore', reason });
  });

  it.each<[string, ResourceEvent]>([
    ['a private endpoint write', event(PE_ID)],
    ['a zone group write', event(GROUP_ID, 'Write', 'Success', GROUP_WRITE)],
    ['a failed private endpoint write', event(PE_ID, 'Write', 'Failure')],
  ])('ignores %s when private DNS is not configured', (_label, input) => {
    const { privateDns: _omitted, ...withoutDns } = config;
    expect(routeEndpointEvent(withoutDns, input)).toEqual({ kind: 'ignore', reason: 'private endpoint DNS is not configured (no privateDns block in the topology)' });
  });

  it('follows a zone group write by any principal when the control plane\'s own IDs are not known', () => {
    const { ownPrincipalIds: _omitted, ...anonymous } = config;
    expect(routeEndpointEvent(anonymous, event(GROUP_ID, 'Write', 'Success', GROUP_WRITE, byApp(OWN)))).toEqual({ kind: 'endpoint', endpointId: PE_ID });
  });

  it.each<[string, ResourceEvent]>([
    ['a VNet write', event(VNET_ID, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/write')],
    ['a VNet write in an unwatched subscription', event(`/subscriptions/${OTHER}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/v`)],
    ['a subnet write', event(`${VNET_ID}/subnets/pe`, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/subnets/write')],
    ['a failed VNet write', event(VNET_ID, 'Write', 'Failure', 'Microsoft.Network/virtualNetworks/write')],
    ['a resource group write', event(`/subscriptions/${WL}/resourceGroups/rg-app`)],
    ['a private DNS zone write', event(`/subscriptions/${DNS_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`)],
    ['an A record write', event(`/subscriptions/${DNS_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/A/kv1`)],
    ['a private endpoint connection on the target', event(`/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv1/privateEndpointConnections/pe-kv1`)],
    ['a private link service write', event(`/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/privateLinkServices/pls`)],
    ['another provider\'s privateEndpoints', event(`/subscriptions/${WL}/resourceGroups/rg-app/providers/Contoso.Network/privateEndpoints/pe`)],
  ])('leaves %s to other flows', (_label, input) => {
    expect(routeEndpointEvent(config, input)).toEqual({ kind: 'other' });
  });

  it('leaves a VNet write to other flows even without a privateDns block', () => {
    const { privateDns: _omitted, ...withoutDns } = config;
    expect(routeEndpointEvent(withoutDns, event(VNET_ID, 'Write', 'Success', 'Microsoft.Network/virtualNetworks/write'))).toEqual({ kind: 'other' });
  });
});
