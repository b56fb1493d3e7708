import type { EndpointDnsName, NamesSource, ObservedEndpoint, ObservedRecordSet, ObservedZoneGroup, PrivateLinkConnection, RecordRead } from '../../../shared/dns/model';
import {
  DesiredName,
  EndpointResolution,
  judgeName,
  mergeNames,
  namesNotShownIn,
  NameClaim,
  NameFacts,
  NameVerdict,
  planZoneGroup,
  publishedNames,
  recordNameIn,
  resolveEndpoint,
  staleRecords,
  ZoneGroupFacts,
  ZoneGroupPlan,
  zoneGroupNames,
  zoneIdFor,
  zoneNameOf,
  zoneShownBy,
} from '../../../shared/dns/spec';

const DNS_SUB = '00000000-0000-0000-0000-00000000d115';
const WL = '00000000-0000-0000-0000-0000000000a1';
const ZONES = { zonesSubscriptionId: DNS_SUB, zonesResourceGroup: 'rg-dns' };
const zone = (name: string) => `/subscriptions/${DNS_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/${name}`;
const target = (type: string, name: string) => `/subscriptions/${WL}/resourceGroups/rg-app/providers/${type}/${name}`;
const endpointId = (name: string) => `/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/privateEndpoints/${name}`;

const VAULT_ZONE = 'privatelink.vaultcore.azure.net';
const BLOB_ZONE = 'privatelink.blob.core.windows.net';
const FILE_ZONE = 'privatelink.file.core.windows.net';
const ACR_ZONE = 'privatelink.azurecr.io';
const AKS_ZONE = 'privatelink.westeurope.azmk8s.io';
const EG_ZONE = 'privatelink.eventgrid.azure.net';
const EG_TS_ZONE = 'privatelink.ts.eventgrid.azure.net';
const MONITOR_ZONES = [
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  BLOB_ZONE,
];

describe('zoneIdFor / zoneNameOf', () => {
  it.each<[string, string]>([
    [VAULT_ZONE, zone(VAULT_ZONE)],
    ['PrivateLink.Blob.Core.Windows.Net', zone(BLOB_ZONE)],
    [AKS_ZONE, zone(AKS_ZONE)],
  ])('names zone %s in the configured subscription and resource group, lower-cased', (name, expected) => {
    expect(zoneIdFor(ZONES, name)).toBe(expected);
  });

  it('keeps the configured subscription and resource group as given', () => {
    expect(zoneIdFor({ zonesSubscriptionId: DNS_SUB, zonesResourceGroup: 'RG-Dns' }, ACR_ZONE)).toBe(
      `/subscriptions/${DNS_SUB}/resourceGroups/RG-Dns/providers/Microsoft.Network/privateDnsZones/${ACR_ZONE}`,
    );
  });

  it.each<[string, string]>([
    [zone(VAULT_ZONE), VAULT_ZONE],
    [zone('PrivateLink.AzureCR.io'), ACR_ZONE],
    [zone(AKS_ZONE).toLowerCase(), AKS_ZONE],
  ])('reads the zone name of %s', (id, expected) => {
    expect(zoneNameOf(id)).toBe(expected);
  });

  it.each([VAULT_ZONE, BLOB_ZONE, AKS_ZONE, 'PrivateLink.AzureCR.io'])('round-trips %s', (name) => {
    expect(zoneNameOf(zoneIdFor(ZONES, name))).toBe(name.toLowerCase());
  });
});

describe('recordNameIn', () => {
  it.each<[string, string, string]>([
    // Key Vault publishes vault.azure.net names and resolves them through privatelink.vaultcore.azure.net.
    ['kv1.vault.azure.net', VAULT_ZONE, 'kv1'],
    ['kv1.privatelink.vaultcore.azure.net', VAULT_ZONE, 'kv1'],
    ['kv1.vaultcore.azure.net', VAULT_ZONE, 'kv1'],
    // Public suffix = the zone less "privatelink."
    ['st1.blob.core.windows.net', BLOB_ZONE, 'st1'],
    ['st1-secondary.blob.core.windows.net', BLOB_ZONE, 'st1-secondary'],
    ['acr1.azurecr.io', ACR_ZONE, 'acr1'],
    ['acr1.westeurope.data.azurecr.io', ACR_ZONE, 'acr1.westeurope.data'],
    ['app.scm.azurewebsites.net', 'privatelink.azurewebsites.net', 'app.scm'],
    // The name already carries the privatelink label: the longest suffix wins.
    ['x.privatelink.westeurope.azmk8s.io', AKS_ZONE, 'x'],
    ['aks-dns-1a2b.3c4d.privatelink.westeurope.azmk8s.io', AKS_ZONE, 'aks-dns-1a2b.3c4d'],
    ['st1.privatelink.blob.core.windows.net', BLOB_ZONE, 'st1'],
    // A trailing dot and case do not matter; the record name comes out lower case.
    ['kv1.vault.azure.net.', VAULT_ZONE, 'kv1'],
    ['KV1.Vault.Azure.NET', VAULT_ZONE, 'kv1'],
    ['ACR1.WestEurope.Data.AzureCR.io.', ACR_ZONE, 'acr1.westeurope.data'],
    ['kv1.vault.azure.net', 'PrivateLink.VaultCore.Azure.Net', 'kv1'],
    ['X.PrivateLink.WestEurope.AZMK8S.io', 'privatelink.westeurope.AZMK8S.io', 'x'],
  ])('puts %s in %s as %s', (fqdn, zoneName, expected) => {
    expect(recordNameIn(fqdn, zoneName)).toBe(expected);
  });

  it.each<[string, string]>([
    ['kv1.vault.azure.net', BLOB_ZONE],
    ['st1.blob.core.windows.net', VAULT_ZONE],
    ['st1.file.core.windows.net', BLOB_ZONE],
    // The zone (or its public suffix) itself is no record name.
    ['blob.core.windows.net', BLOB_ZONE],
    ['vault.azure.net', VAULT_ZONE],
    // A suffix match must end on a label boundary.
    ['st1xblob.core.windows.net', BLOB_ZONE],
    ['kv1-vault.azure.net', VAULT_ZONE],
    // Another region's AKS zone.
    ['x.privatelink.northeurope.azmk8s.io', AKS_ZONE],
    // The public suffix must be at the end of the name.
    ['st1.blob.core.windows.net.evil.example', BLOB_ZONE],
    // vault.azure.net maps to the vaultcore zone only.
    ['kv1.vault.azure.net', 'privatelink.managedhsm.azure.net'],
  ])('does not put %s in %s', (fqdn, zoneName) => {
    expect(recordNameIn(fqdn, zoneName)).toBeUndefined();
  });
});

function connection(targetId: string, groupIds: string[], name = 'conn'): PrivateLinkConnection {
  return { name, targetId, groupIds, manual: false, status: 'Approved' };
}
function endpoint(connections: PrivateLinkConnection[], dnsNames: Array<[string, string[]]>, extra: Partial<ObservedEndpoint> = {}): ObservedEndpoint {
  return {
    id: endpointId('pe1'),
    name: 'pe1',
    location: 'westeurope',
    provisioningState: 'Succeeded',
    subnetId: `/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/spoke/subnets/pe`,
    connections,
    networkInterfaceIds: [`/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/networkInterfaces/pe1.nic.7f3c0d2e-4b1a-4f5e-9c8d-2a6b1e0f9d31`],
    dnsNames: dnsNames.map(([fqdn, ipAddresses]) => ({ fqdn, ipAddresses })),
    ...extra,
  };
}
const desired = (fqdn: string, ipAddresses: string[], zoneName: string, recordName: string): DesiredName => ({ fqdn, ipAddresses, zoneName, zoneId: zone(zoneName), recordName });
const okZones = (...names: string[]) => names.map((name) => ({ name, id: zone(name) }));

const KV = connection(target('Microsoft.KeyVault/vaults', 'kv1'), ['vault']);
const BLOB = connection(target('Microsoft.Storage/storageAccounts', 'st1'), ['blob']);
const ACR = connection(target('Microsoft.ContainerRegistry/registries', 'acr1'), ['registry']);
const AKS = connection(target('Microsoft.ContainerService/managedClusters', 'aks1'), ['management']);
const MONITOR = connection(target('Microsoft.Insights/privateLinkScopes', 'ampls'), ['azuremonitor']);
const EG_NAMESPACE = target('Microsoft.EventGrid/namespaces', 'ns1');

describe('publishedNames: where an endpoint\'s names come from', () => {
  const names = (...entries: Array<[string, string[]]>): EndpointDnsName[] => entries.map(([fqdn, ipAddresses]) => ({ fqdn, ipAddresses }));
  const group = (zoneName: string, ...recordSets: Array<[string, string[]]>): ObservedZoneGroup => ({
    id: `${endpointId('pe1')}/privateDnsZoneGroups/deployedByPolicy`,
    name: 'deployedByPolicy',
    provisioningState: 'Succeeded',
    configs: [{ name: zoneName.replace(/\./g, '-'), zoneId: zone(zoneName), recordSets: recordSets.map(([recordSetName, ipAddresses]) => ({ recordSetName, fqdn: `${recordSetName}.${zoneName}`, ipAddresses })) }],
  });
  const COSMOS_NIC = names(['cosmos1.documents.azure.com', ['10.1.0.4']], ['cosmos1-westeurope.documents.azure.com', ['10.1.0.5']]);

  it.each<[string, Parameters<typeof publishedNames>[0], { names: EndpointDnsName[]; from?: NamesSource }]>([
    ['a zone group\'s endpoint (customDnsConfigs empty, as Azure answers): the NIC\'s names',
      { networkInterface: COSMOS_NIC, zoneGroups: [], customDnsConfigs: [] }, { names: COSMOS_NIC, from: 'networkInterface' }],
    ['the NIC over customDnsConfigs when both name something',
      { networkInterface: names(['st1.blob.core.windows.net', ['10.1.0.4']]), zoneGroups: [], customDnsConfigs: names(['st1.blob.core.windows.net', ['10.9.9.9']]) },
      { names: names(['st1.blob.core.windows.net', ['10.1.0.4']]), from: 'networkInterface' }],
    ['the zone group\'s record sets when the NIC names nothing, as public names',
      { networkInterface: [], zoneGroups: [group('privatelink.documents.azure.com', ['cosmos1', ['10.1.0.4']], ['cosmos1-westeurope', ['10.1.0.5']])], customDnsConfigs: [] },
      { names: COSMOS_NIC, from: 'zoneGroup' }],
    ['Key Vault record sets as vault.azure.net names',
      { networkInterface: [], zoneGroups: [group(VAULT_ZONE, ['kv1', ['10.1.0.4']])], customDnsConfigs: names(['kv1.vault.azure.net', ['10.1.0.9']]) },
      { names: names(['kv1.vault.azure.net', ['10.1.0.4']]), from: 'zoneGroup' }],
    ['customDnsConfigs when neither the NIC nor a zone group names anything (an endpoint without a zone group)',
      { networkInterface: [], zoneGroups: [group(BLOB_ZONE)], customDnsConfigs: names(['st1.blob.core.windows.net', ['10.1.0.4']]) },
      { names: names(['st1.blob.core.windows.net', ['10.1.0.4']]), from: 'customDnsConfigs' }],
    ['nothing anywhere', { networkInterface: [], zoneGroups: [], customDnsConfigs: [] }, { names: [] }],
    ['a web app\'s two names on one NIC IP configuration, and a name on two configurations merged',
      { networkInterface: names(['app1.azurewebsites.net', ['10.1.0.4']], ['app1.scm.azurewebsites.net', ['10.1.0.4']], ['App1.azurewebsites.net.', ['10.1.0.6']]), zoneGroups: [], customDnsConfigs: [] },
      { names: names(['app1.azurewebsites.net', ['10.1.0.4', '10.1.0.6']], ['app1.scm.azurewebsites.net', ['10.1.0.4']]), from: 'networkInterface' }],
  ])('takes %s', (_label, sources, expected) => {
    expect(publishedNames(sources)).toEqual(expected);
  });

  it('skips record sets without a name or IPs, and places every zone group name in its zone', () => {
    const groups = [group(BLOB_ZONE, ['st1', ['10.1.0.4']], ['', ['10.1.0.5']], ['st2', []])];
    expect(zoneGroupNames(groups)).toEqual(names(['st1.blob.core.windows.net', ['10.1.0.4']]));
    expect(recordNameIn('st1.blob.core.windows.net', BLOB_ZONE)).toBe('st1');
  });

  it('merges names without case or trailing dot, dropping empty ones', () => {
    expect(mergeNames(names(['A.example.com', ['1.1.1.1']], ['a.example.com.', ['1.1.1.1', '2.2.2.2']], ['', ['3.3.3.3']]))).toEqual(names(['A.example.com', ['1.1.1.1', '2.2.2.2']]));
  });

  it('resolves an endpoint whose names came from its NIC like any other', () => {
    const ep = endpoint([connection(target('Microsoft.DocumentDB/databaseAccounts', 'cosmos1'), ['Sql'])], COSMOS_NIC.map((n) => [n.fqdn, n.ipAddresses] as [string, string[]]), { namesFrom: 'networkInterface' });
    expect(resolveEndpoint(ep, ZONES)).toEqual({
      kind: 'ok',
      zones: okZones('privatelink.documents.azure.com'),
      names: [desired('cosmos1.documents.azure.com', ['10.1.0.4'], 'privatelink.documents.azure.com', 'cosmos1'), desired('cosmos1-westeurope.documents.azure.com', ['10.1.0.5'], 'privatelink.documents.azure.com', 'cosmos1-westeurope')],
      unplaced: [],
    });
  });
});

describe('resolveEndpoint: ok', () => {
  it.each<[string, ObservedEndpoint, Extract<EndpointResolution, { kind: 'ok' }>]>([
    ['a Key Vault endpoint', endpoint([KV], [['kv1.vault.azure.net', ['10.1.0.4']]]),
      { kind: 'ok', zones: okZones(VAULT_ZONE), names: [desired('kv1.vault.azure.net', ['10.1.0.4'], VAULT_ZONE, 'kv1')], unplaced: [] }],
    ['a storage endpoint, FQDN lower-cased and IPs sorted', endpoint([BLOB], [['ST1.Blob.Core.Windows.Net', ['10.1.0.9', '10.1.0.10', '10.1.0.5']]]),
      { kind: 'ok', zones: okZones(BLOB_ZONE), names: [desired('st1.blob.core.windows.net', ['10.1.0.10', '10.1.0.5', '10.1.0.9'], BLOB_ZONE, 'st1')], unplaced: [] }],
    ['a registry endpoint with its regional data name', endpoint([ACR], [['acr1.azurecr.io', ['10.1.0.4']], ['acr1.westeurope.data.azurecr.io', ['10.1.0.5']]]),
      {
        kind: 'ok',
        zones: okZones(ACR_ZONE),
        names: [desired('acr1.azurecr.io', ['10.1.0.4'], ACR_ZONE, 'acr1'), desired('acr1.westeurope.data.azurecr.io', ['10.1.0.5'], ACR_ZONE, 'acr1.westeurope.data')],
        unplaced: [],
      }],
    ['an AKS endpoint, its regional zone from the endpoint\'s display region', endpoint([AKS], [['x.privatelink.westeurope.azmk8s.io', ['10.1.0.4']]], { location: 'West Europe' }),
      { kind: 'ok', zones: okZones(AKS_ZONE), names: [desired('x.privatelink.westeurope.azmk8s.io', ['10.1.0.4'], AKS_ZONE, 'x')], unplaced: [] }],
    ['an endpoint without a provisioning state', endpoint([KV], [['kv1.vault.azure.net', ['10.1.0.4']]], { provisioningState: undefined }),
      { kind: 'ok', zones: okZones(VAULT_ZONE), names: [desired('kv1.vault.azure.net', ['10.1.0.4'], VAULT_ZONE, 'kv1')], unplaced: [] }],
    ['a name no zone of the endpoint takes, reported as unplaced (lower-cased)',
      endpoint([KV], [['kv1.vault.azure.net', ['10.1.0.4']], ['KV1.Example.COM', ['10.1.0.4']]]),
      { kind: 'ok', zones: okZones(VAULT_ZONE), names: [desired('kv1.vault.azure.net', ['10.1.0.4'], VAULT_ZONE, 'kv1')], unplaced: ['kv1.example.com'] }],
    ['an AKS name of another region, unplaced', endpoint([AKS], [['x.privatelink.northeurope.azmk8s.io', ['10.1.0.4']]]),
      { kind: 'ok', zones: okZones(AKS_ZONE), names: [], unplaced: ['x.privatelink.northeurope.azmk8s.io'] }],
  ])('resolves %s', (_label, input, expected) => {
    expect(resolveEndpoint(input, ZONES)).toEqual(expected);
  });

  it('places each name in the most specific zone the endpoint needs', () => {
    // Prepare: the shorter eventgrid zone comes first and also matches the topic space name.
    const ep = endpoint(
      [connection(EG_NAMESPACE, ['topic'], 'topic'), connection(EG_NAMESPACE, ['topicSpace'], 'mqtt')],
      [['ns1.westeurope-1.ts.eventgrid.azure.net', ['10.1.0.5']], ['ns1.westeurope-1.eventgrid.azure.net', ['10.1.0.4']]],
    );
    // Act
    const resolved = resolveEndpoint(ep, ZONES);
    // Assess
    expect(resolved).toEqual({
      kind: 'ok',
      zones: okZones(EG_ZONE, EG_TS_ZONE),
      names: [
        desired('ns1.westeurope-1.ts.eventgrid.azure.net', ['10.1.0.5'], EG_TS_ZONE, 'ns1.westeurope-1'),
        desired('ns1.westeurope-1.eventgrid.azure.net', ['10.1.0.4'], EG_ZONE, 'ns1.westeurope-1'),
      ],
      unplaced: [],
    });
  });

  it('lists a zone two connections share once: Azure Monitor and storage blob stay within 5 zones', () => {
    const ep = endpoint([MONITOR, BLOB], [['api.monitor.azure.com', ['10.1.0.4']], ['st1.blob.core.windows.net', ['10.1.0.5']]]);
    expect(resolveEndpoint(ep, ZONES)).toEqual({
      kind: 'ok',
      zones: okZones(...MONITOR_ZONES),
      names: [desired('api.monitor.azure.com', ['10.1.0.4'], 'privatelink.monitor.azure.com', 'api'), desired('st1.blob.core.windows.net', ['10.1.0.5'], BLOB_ZONE, 'st1')],
      unplaced: [],
    });
  });

  it('names zone IDs after the configured zones location', () => {
    const resolved = resolveEndpoint(endpoint([KV], [['kv1.vault.azure.net', ['10.1.0.4']]]), { zonesSubscriptionId: WL, zonesResourceGroup: 'rg-central' });
    const expectedId = `/subscriptions/${WL}/resourceGroups/rg-central/providers/Microsoft.Network/privateDnsZones/${VAULT_ZONE}`;
    expect(resolved.kind === 'ok' && [resolved.zones[0]?.id, resolved.names[0]?.zoneId]).toEqual([expectedId, expectedId]);
  });
});

describe('resolveEndpoint: not ok', () => {
  const KV_NAME: [string, string[]] = ['kv1.vault.azure.net', ['10.1.0.4']];

  it.each<[string, ObservedEndpoint, EndpointResolution]>([
    ['an endpoint still updating', endpoint([KV], [KV_NAME], { provisioningState: 'Updating' }), { kind: 'notReady', reason: 'the endpoint is Updating' }],
    ['an endpoint being created, even with an unknown target', endpoint([connection(target('Contoso.Widgets/gadgets', 'g'), ['gadget'])], [], { provisioningState: 'Creating' }),
      { kind: 'notReady', reason: 'the endpoint is Creating' }],
    ['an endpoint that publishes no names yet', endpoint([KV], []),
      { kind: 'notReady', reason: 'the endpoint publishes no names yet (none on its network interface, its zone group or customDnsConfigs)' }],
    ['an endpoint without a network interface yet', endpoint([KV], [], { networkInterfaceIds: [] }),
      { kind: 'notReady', reason: 'the endpoint has no network interface yet and publishes no names' }],
    ['an endpoint without connections', endpoint([], [KV_NAME]), { kind: 'unsupported', reasons: ['the endpoint has no private link connection'] }],
    ['a connection naming no groupId', endpoint([connection(target('Microsoft.KeyVault/vaults', 'kv1'), [], 'c1')], [KV_NAME]),
      { kind: 'unsupported', reasons: [`connection c1 to ${target('Microsoft.KeyVault/vaults', 'kv1')} names no groupId`] }],
    ['an unknown groupId, before judging names', endpoint([connection(target('Microsoft.KeyVault/vaults', 'kv1'), ['secrets'])], []),
      { kind: 'unsupported', reasons: ['Resource type Microsoft.KeyVault/vaults has no known private DNS zone for groupId secrets; known groupIds: vault.'] }],
    ['an AKS endpoint without a region', endpoint([AKS], [['x.privatelink.westeurope.azmk8s.io', ['10.1.0.4']]], { location: '' }),
      {
        kind: 'unsupported',
        reasons: ["Resource type Microsoft.ContainerService/managedClusters groupId management needs the regional zone privatelink.{region}.azmk8s.io: give the target resource's region (e.g. westeurope)."],
      }],
  ])('judges %s', (_label, input, expected) => {
    expect(resolveEndpoint(input, ZONES)).toEqual(expected);
  });

  it('is unsupported when any one connection is, listing every reason', () => {
    const ep = endpoint([KV, connection(target('Contoso.Widgets/gadgets', 'g'), ['gadget']), connection(target('Microsoft.Storage/storageAccounts', 'st1'), ['file_secondary'])], [KV_NAME]);
    const resolved = resolveEndpoint(ep, ZONES);
    expect(resolved.kind).toBe('unsupported');
    expect(resolved.kind === 'unsupported' && resolved.reasons).toEqual([
      expect.stringContaining('Contoso.Widgets/gadgets (groupId gadget)'),
      'Resource type Microsoft.Storage/storageAccounts has no known private DNS zone for groupId file_secondary; known groupIds: blob, blob_secondary, table, table_secondary, queue, queue_secondary, file, web, web_secondary, dfs, dfs_secondary.',
    ]);
  });

  it('refuses more zones than a zone group holds, listing them', () => {
    expect(resolveEndpoint(endpoint([MONITOR, KV], [KV_NAME]), ZONES)).toEqual({ kind: 'tooManyZones', zones: [...MONITOR_ZONES, VAULT_ZONE] });
  });

  it('prefers unsupported over too many zones', () => {
    const ep = endpoint([MONITOR, KV, connection(target('Contoso.Widgets/gadgets', 'g'), ['gadget'])], [KV_NAME]);
    expect(resolveEndpoint(ep, ZONES).kind).toBe('unsupported');
  });
});

const ME = endpointId('pe-new');
const OTHER = endpointId('pe-old');
const KV_NAME = desired('kv1.vault.azure.net', ['10.1.0.4'], VAULT_ZONE, 'kv1');
const MY_IPS = ['10.1.0.4'];
const OTHER_IPS = ['10.2.0.7'];
const FOREIGN_IPS = ['192.168.0.9'];
const EARLY = '2026-01-01T00:00:00Z';
const LATE = '2026-06-01T00:00:00Z';

const claimOf = (ownerId: string, ipAddresses: string[], ownerSince = EARLY): NameClaim => ({ fqdn: KV_NAME.fqdn, ownerId, ipAddresses, ownerSince });
const recordOf = (ipAddresses: string[], creator?: string): ObservedRecordSet => ({ zoneId: KV_NAME.zoneId, name: 'kv1', ipAddresses, ...(creator ? { creator } : {}) });
function facts(extra: Partial<NameFacts>): NameFacts {
  return { name: KV_NAME, endpointId: ME, firstSeen: LATE, claim: null, record: null, policy: 'report', ...extra };
}
/** The verdict without its prose, for the tables; the reasons are checked separately. */
const decided = (v: NameVerdict) => (v.kind === 'mine' ? { kind: v.kind, claim: v.claim } : { kind: v.kind, ownerId: v.ownerId, ownerIps: v.ownerIps });

type Decision = ReturnType<typeof decided>;
const keep: Decision = { kind: 'mine', claim: 'keep' };
const take: Decision = { kind: 'mine', claim: 'take' };
const conflictWith = (ownerId: string | undefined, ownerIps: string[]): Decision => ({ kind: 'conflict', ownerId, ownerIps });

describe('judgeName', () => {
  it.each<[string, Partial<NameFacts>, Decision]>([
    // Claimed by this endpoint: kept, whatever the record says.
    ['claimed by this endpoint, no record', { claim: claimOf(ME, MY_IPS) }, keep],
    ['claimed by this endpoint, record pointing elsewhere', { claim: claimOf(ME, MY_IPS), record: recordOf(FOREIGN_IPS) }, keep],
    ['claimed by this endpoint in other casing', { claim: claimOf(ME.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), MY_IPS) }, keep],
    ['claimed by this endpoint under newest-wins, owner "alive"', { claim: claimOf(ME, MY_IPS, LATE), ownerAlive: true, firstSeen: EARLY, policy: 'newest-wins' }, keep],

    // Claimed by another endpoint that still publishes the name: the claim arbitrates.
    ['held by a live endpoint (report)', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: true, record: recordOf(OTHER_IPS) }, conflictWith(OTHER, OTHER_IPS)],
    ['held by a live endpoint, the record absent (report)', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: true }, conflictWith(OTHER, OTHER_IPS)],
    ['held by a live endpoint, the record already ours (report)', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: true, record: recordOf(MY_IPS) }, conflictWith(OTHER, OTHER_IPS)],
    ['held by a live older endpoint, this one first seen later (report)', { claim: claimOf(OTHER, OTHER_IPS, EARLY), ownerAlive: true, firstSeen: LATE }, conflictWith(OTHER, OTHER_IPS)],
    ['held by a live older endpoint (newest-wins)', { claim: claimOf(OTHER, OTHER_IPS, EARLY), ownerAlive: true, firstSeen: LATE, policy: 'newest-wins', record: recordOf(OTHER_IPS) }, take],
    ['held by a live newer endpoint (newest-wins)', { claim: claimOf(OTHER, OTHER_IPS, LATE), ownerAlive: true, firstSeen: EARLY, policy: 'newest-wins', record: recordOf(OTHER_IPS) },
      conflictWith(OTHER, OTHER_IPS)],
    ['held by a live endpoint first seen at the same time (newest-wins)', { claim: claimOf(OTHER, OTHER_IPS, LATE), ownerAlive: true, firstSeen: LATE, policy: 'newest-wins' },
      conflictWith(OTHER, OTHER_IPS)],
    ['held by a live endpoint first seen a second earlier (newest-wins)',
      { claim: claimOf(OTHER, OTHER_IPS, '2026-06-01T00:00:00.000Z'), ownerAlive: true, firstSeen: '2026-06-01T00:00:01.000Z', policy: 'newest-wins' }, take],

    // No claim: the record decides.
    ['no claim, no record', {}, take],
    ['no claim, a record without IPs', { record: recordOf([]) }, take],
    ['no claim, the record already pointing here', { record: recordOf(MY_IPS) }, take],
    ['no claim, the record pointing at the same IPs in another order', { name: { ...KV_NAME, ipAddresses: ['10.1.0.4', '10.1.0.5'] }, record: recordOf(['10.1.0.5', '10.1.0.4']) }, take],
    ['no claim, the record pointing elsewhere (report)', { record: recordOf(FOREIGN_IPS) }, conflictWith(undefined, FOREIGN_IPS)],
    ['no claim, the record pointing at a subset of the IPs (report)', { name: { ...KV_NAME, ipAddresses: ['10.1.0.4', '10.1.0.5'] }, record: recordOf(['10.1.0.4']) },
      conflictWith(undefined, ['10.1.0.4'])],
    ['no claim, the record pointing at more IPs (report)', { record: recordOf(['10.1.0.4', '10.1.0.5']) }, conflictWith(undefined, ['10.1.0.4', '10.1.0.5'])],
    ['no claim, the record pointing elsewhere (newest-wins)', { record: recordOf(FOREIGN_IPS), policy: 'newest-wins' }, take],

    // A stale claim: its owner no longer publishes the name.
    ['a stale claim, the record still pointing at its owner', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false, record: recordOf(OTHER_IPS) }, take],
    ['a stale claim whose owner was not looked up, the record pointing at it', { claim: claimOf(OTHER, OTHER_IPS), record: recordOf(OTHER_IPS) }, take],
    ['a stale claim, no record', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false }, take],
    ['a stale claim, the record already pointing here', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false, record: recordOf(MY_IPS) }, take],
    ['a stale claim, the record pointing at a third party (report)', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false, record: recordOf(FOREIGN_IPS) },
      conflictWith(undefined, FOREIGN_IPS)],
    ['a stale claim, the record pointing at a third party (newest-wins)', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false, record: recordOf(FOREIGN_IPS), policy: 'newest-wins' }, take],
    ['a stale newer claim under newest-wins, the record pointing at its owner',
      { claim: claimOf(OTHER, OTHER_IPS, LATE), ownerAlive: false, firstSeen: EARLY, record: recordOf(OTHER_IPS), policy: 'newest-wins' }, take],
  ])('%s', (_label, extra, expected) => {
    expect(decided(judgeName(facts(extra)))).toEqual(expected);
  });

  it.each<[string, Partial<NameFacts>, NameVerdict]>([
    ['keep', { claim: claimOf(ME, MY_IPS) }, { kind: 'mine', claim: 'keep', reason: 'claimed by this endpoint' }],
    ['no record', {}, { kind: 'mine', claim: 'take', reason: 'no record yet' }],
    ['record already ours', { record: recordOf(MY_IPS) }, { kind: 'mine', claim: 'take', reason: 'the record already points at this endpoint' }],
    ['stale claim', { claim: claimOf(OTHER, OTHER_IPS), ownerAlive: false, record: recordOf(OTHER_IPS) },
      { kind: 'mine', claim: 'take', reason: `the record points at ${OTHER}, which no longer publishes this name` }],
    ['newest wins over a live claim', { claim: claimOf(OTHER, OTHER_IPS, EARLY), ownerAlive: true, firstSeen: LATE, policy: 'newest-wins' },
      { kind: 'mine', claim: 'take', reason: `newest wins: this endpoint (first seen ${LATE}) is newer than ${OTHER} (${EARLY})` }],
    ['newest wins over a foreign record', { record: recordOf(['192.168.0.9', '192.168.0.8']), policy: 'newest-wins' },
      { kind: 'mine', claim: 'take', reason: 'newest wins over a record this control plane did not make (192.168.0.9, 192.168.0.8)' }],
    ['a live claim (report)', { claim: claimOf(OTHER, ['10.2.0.7', '10.2.0.8']), ownerAlive: true },
      { kind: 'conflict', ownerId: OTHER, ownerIps: ['10.2.0.7', '10.2.0.8'], reason: `kv1.vault.azure.net is registered for endpoint ${OTHER} (10.2.0.7, 10.2.0.8), which still exists` }],
    ['a live newer claim (newest-wins)', { claim: claimOf(OTHER, OTHER_IPS, LATE), ownerAlive: true, firstSeen: EARLY, policy: 'newest-wins' },
      { kind: 'conflict', ownerId: OTHER, ownerIps: OTHER_IPS, reason: `kv1.vault.azure.net is registered for endpoint ${OTHER} (10.2.0.7), which still exists and is newer` }],
    ['a foreign record', { record: recordOf(FOREIGN_IPS) },
      { kind: 'conflict', ownerIps: FOREIGN_IPS, reason: 'kv1.vault.azure.net already resolves to 192.168.0.9, a record this control plane did not make' }],
    ['a foreign record with a creator', { record: recordOf(FOREIGN_IPS, 'created by private endpoint pe-x') },
      { kind: 'conflict', ownerIps: FOREIGN_IPS, reason: 'kv1.vault.azure.net already resolves to 192.168.0.9 (created by private endpoint pe-x), a record this control plane did not make' }],
  ])('explains the verdict: %s', (_label, extra, expected) => {
    expect(judgeName(facts(extra))).toEqual(expected);
  });

  it.each(['report', 'newest-wins'] as const)('never flip-flops under %s: once the claim is settled, each endpoint agrees who holds the name', (policy) => {
    // Prepare: A (first seen early) holds the claim; B (first seen later) publishes the same name. Both live.
    const A = { endpointId: OTHER, firstSeen: EARLY, name: { ...KV_NAME, ipAddresses: OTHER_IPS } };
    const B = { endpointId: ME, firstSeen: LATE, name: KV_NAME };
    let claim = claimOf(A.endpointId, OTHER_IPS, A.firstSeen);
    // Act: B judges first; when it takes the name its claim replaces A's (ownerSince = B's firstSeen).
    const forB = judgeName({ ...B, claim, ownerAlive: true, record: recordOf(OTHER_IPS), policy });
    if (forB.kind === 'mine') claim = claimOf(B.endpointId, MY_IPS, B.firstSeen);
    const forA = judgeName({ ...A, claim, ownerAlive: true, record: recordOf(forB.kind === 'mine' ? MY_IPS : OTHER_IPS), policy });
    const forBAgain = judgeName({ ...B, claim, ownerAlive: true, record: recordOf(forB.kind === 'mine' ? MY_IPS : OTHER_IPS), policy });
    // Assess: exactly one holder, the same one on the second round; the newest only under newest-wins.
    const holders = [forA, forBAgain].filter((v) => v.kind === 'mine');
    expect(holders).toHaveLength(1);
    expect(decided(policy === 'newest-wins' ? forBAgain : forA)).toEqual(keep);
    expect(forB.kind).toBe(policy === 'newest-wins' ? 'mine' : 'conflict');
  });
});

const cfg = (extra: Partial<ZoneGroupFacts['config']> = {}): ZoneGroupFacts['config'] => ({ zoneGroupName: 'default', foreignZoneGroups: 'report', ...extra });
function group(name: string, zoneIds: string[]): ObservedZoneGroup {
  return {
    id: `${endpointId('pe1')}/privateDnsZoneGroups/${name}`,
    name,
    provisioningState: 'Succeeded',
    configs: zoneIds.map((zoneId) => ({ name: zoneNameOf(zoneId).replace(/\./g, '-'), zoneId, recordSets: [] })),
  };
}
function groupFacts(extra: Partial<ZoneGroupFacts>): ZoneGroupFacts {
  return { groups: [], wanted: [], lost: [], staleRecords: [], config: cfg(), ...extra };
}
const V = zone(VAULT_ZONE);
const B = zone(BLOB_ZONE);
const F = zone(FILE_ZONE);
const shout = (id: string) => id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/');
/** The plan without its prose, for the tables. */
const planned = (p: ZoneGroupPlan) =>
  p.kind === 'put' ? { kind: p.kind, action: p.action, groupName: p.groupName, zoneIds: p.zoneIds } : p.kind === 'foreign' ? { kind: p.kind, group: p.group.name } : { kind: p.kind };

describe('planZoneGroup', () => {
  it.each<[string, Partial<ZoneGroupFacts>, ReturnType<typeof planned>]>([
    // No group yet.
    ['no group: create it', { wanted: [V] }, { kind: 'put', action: 'create', groupName: 'default', zoneIds: [V] }],
    ['no group: create it under the configured name', { wanted: [B, V], config: cfg({ zoneGroupName: 'pe-dns' }) }, { kind: 'put', action: 'create', groupName: 'pe-dns', zoneIds: [B, V] }],
    ['no group and no zone wanted (every name lost)', { wanted: [], lost: [V] }, { kind: 'none' }],

    // A group with the wanted zones: acceptable whatever its name.
    ['our group with exactly the wanted zones', { groups: [group('default', [V])], wanted: [V] }, { kind: 'none' }],
    ['a foreign-named group with exactly the wanted zones', { groups: [group('policy-dns', [V, B])], wanted: [B, V] }, { kind: 'none' }],
    ['a foreign-named group with the wanted zones, replace configured', { groups: [group('policy-dns', [V])], wanted: [V], config: cfg({ foreignZoneGroups: 'replace' }) }, { kind: 'none' }],
    ['a group whose zone IDs differ only in case', { groups: [group('default', [shout(V), B.toLowerCase()])], wanted: [B, V] }, { kind: 'none' }],
    ['wanted zone IDs in other case than the group\'s', { groups: [group('policy-dns', [V])], wanted: [shout(V)] }, { kind: 'none' }],
    ['a group that also holds a lost zone', { groups: [group('default', [V, F])], wanted: [V], lost: [F] }, { kind: 'none' }],
    ['a group that lacks a lost zone', { groups: [group('default', [V])], wanted: [V], lost: [F] }, { kind: 'none' }],
    ['a lost zone tolerated, compared without case', { groups: [group('policy-dns', [V, shout(F)])], wanted: [V], lost: [F.toLowerCase()] }, { kind: 'none' }],
    ['a group holding only lost zones, nothing wanted', { groups: [group('default', [F])], wanted: [], lost: [F] }, { kind: 'none' }],

    // Acceptable, but records are missing or wrong: write the same group again.
    ['our group with stale records', { groups: [group('default', [V])], wanted: [V], staleRecords: ['kv1.vault.azure.net'] },
      { kind: 'put', action: 'repair', groupName: 'default', zoneIds: [V] }],
    ['a foreign group with stale records, repaired under its own name', { groups: [group('Policy-DNS', [V])], wanted: [V], staleRecords: ['kv1.vault.azure.net'] },
      { kind: 'put', action: 'repair', groupName: 'Policy-DNS', zoneIds: [V] }],
    ['stale records but nothing wanted', { groups: [group('default', [F])], wanted: [], lost: [F], staleRecords: ['x.file.core.windows.net'] }, { kind: 'none' }],

    // Our group (by name) with other zones: updated.
    ['our group lacking a zone', { groups: [group('default', [V])], wanted: [V, B] }, { kind: 'put', action: 'update', groupName: 'default', zoneIds: [V, B] }],
    ['our group pointing at an extra zone', { groups: [group('default', [V, F])], wanted: [V] }, { kind: 'put', action: 'update', groupName: 'default', zoneIds: [V] }],
    ['our group named in other case', { groups: [group('DEFAULT', [F])], wanted: [V] }, { kind: 'put', action: 'update', groupName: 'DEFAULT', zoneIds: [V] }],
    ['our group with no zone configs', { groups: [group('default', [])], wanted: [V] }, { kind: 'put', action: 'update', groupName: 'default', zoneIds: [V] }],
    ['our group with a lost zone and lacking a wanted one', { groups: [group('default', [F])], wanted: [V], lost: [F] }, { kind: 'put', action: 'update', groupName: 'default', zoneIds: [V] }],
    ['our configured name, not "default"', { groups: [group('pe-dns', [F])], wanted: [V], config: cfg({ zoneGroupName: 'pe-dns' }) },
      { kind: 'put', action: 'update', groupName: 'pe-dns', zoneIds: [V] }],
    ['our group pointing elsewhere, nothing wanted', { groups: [group('default', [F])], wanted: [] }, { kind: 'none' }],

    // Another group name with other zones: foreign.
    ['a foreign group pointing elsewhere (report)', { groups: [group('policy-dns', [F])], wanted: [V] }, { kind: 'foreign', group: 'policy-dns' }],
    ['"default" under another configured name is foreign', { groups: [group('default', [F])], wanted: [V], config: cfg({ zoneGroupName: 'pe-dns' }) }, { kind: 'foreign', group: 'default' }],
    ['a foreign group lacking a zone (report)', { groups: [group('policy-dns', [V])], wanted: [V, B] }, { kind: 'foreign', group: 'policy-dns' }],
    ['a foreign group pointing elsewhere (replace)', { groups: [group('policy-dns', [F])], wanted: [V], config: cfg({ foreignZoneGroups: 'replace' }) },
      { kind: 'put', action: 'replace', groupName: 'policy-dns', zoneIds: [V] }],
    ['a foreign group pointing elsewhere, nothing wanted (replace)', { groups: [group('policy-dns', [F])], wanted: [], config: cfg({ foreignZoneGroups: 'replace' }) },
      { kind: 'foreign', group: 'policy-dns' }],
  ])('%s', (_label, extra, expected) => {
    expect(planned(planZoneGroup(groupFacts(extra)))).toEqual(expected);
  });

  it.each<[string, Partial<ZoneGroupFacts>, string]>([
    ['create', { wanted: [B, V] }, `register the endpoint in ${BLOB_ZONE}, ${VAULT_ZONE}`],
    ['repair', { groups: [group('default', [V])], wanted: [V], staleRecords: ['kv1.vault.azure.net', 'kv2.vault.azure.net'] },
      'records of kv1.vault.azure.net, kv2.vault.azure.net are missing or point elsewhere; writing the zone group again makes Azure rewrite them'],
    ['update, lacking', { groups: [group('default', [V])], wanted: [V, B] }, `zone group default lacks ${BLOB_ZONE}`],
    ['update, extra', { groups: [group('default', [V, F])], wanted: [V] }, `zone group default points at ${FILE_ZONE}`],
    ['update, both', { groups: [group('default', [F])], wanted: [V] }, `zone group default lacks ${VAULT_ZONE} and points at ${FILE_ZONE}`],
    ['replace', { groups: [group('policy-dns', [F])], wanted: [V], config: cfg({ foreignZoneGroups: 'replace' }) },
      `zone group policy-dns (not made by this control plane) lacks ${VAULT_ZONE} and points at ${FILE_ZONE}; foreignZoneGroups is replace`],
    ['foreign', { groups: [group('policy-dns', [V, F])], wanted: [V] }, `zone group policy-dns (not made by this control plane, e.g. by a policy) points at ${FILE_ZONE}`],
    ['a lost zone is neither lacked nor extra', { groups: [group('default', [F, B])], wanted: [V], lost: [F] }, `zone group default lacks ${VAULT_ZONE} and points at ${BLOB_ZONE}`],
  ])('explains %s', (_label, extra, reason) => {
    const plan = planZoneGroup(groupFacts(extra));
    expect(plan.kind === 'none' ? undefined : plan.reason).toBe(reason);
  });

  it('hands back the foreign group as observed', () => {
    const g = group('policy-dns', [F]);
    expect(planZoneGroup(groupFacts({ groups: [g], wanted: [V] }))).toEqual({ kind: 'foreign', group: g, reason: expect.any(String) });
  });
});

describe('staleRecords', () => {
  const names = [
    { fqdn: 'kv1.vault.azure.net', ipAddresses: ['10.1.0.4'] },
    { fqdn: 'st1.blob.core.windows.net', ipAddresses: ['10.1.0.5', '10.1.0.6'] },
  ];
  const rec = (ipAddresses: string[]): ObservedRecordSet => ({ zoneId: V, name: 'x', ipAddresses });
  const good = (): Array<[string, ObservedRecordSet | null]> => [['kv1.vault.azure.net', rec(['10.1.0.4'])], ['st1.blob.core.windows.net', rec(['10.1.0.6', '10.1.0.5'])]];

  it.each<[string, Array<[string, ObservedRecordSet | null]>, string[]]>([
    ['every record pointing at exactly the endpoint\'s IPs, in any order', good(), []],
    ['a record absent from the lookup', [good()[1] as [string, ObservedRecordSet | null]], ['kv1.vault.azure.net']],
    ['a record that does not exist', [['kv1.vault.azure.net', null], good()[1] as [string, ObservedRecordSet | null]], ['kv1.vault.azure.net']],
    ['a record pointing elsewhere', [['kv1.vault.azure.net', rec(['10.9.9.9'])], good()[1] as [string, ObservedRecordSet | null]], ['kv1.vault.azure.net']],
    ['a record without IPs', [['kv1.vault.azure.net', rec([])], good()[1] as [string, ObservedRecordSet | null]], ['kv1.vault.azure.net']],
    ['a record with one of two IPs', [good()[0] as [string, ObservedRecordSet | null], ['st1.blob.core.windows.net', rec(['10.1.0.5'])]], ['st1.blob.core.windows.net']],
    ['a record with an IP too many', [['kv1.vault.azure.net', rec(['10.1.0.4', '10.1.0.7'])], good()[1] as [string, ObservedRecordSet | null]], ['kv1.vault.azure.net']],
    ['a record with a duplicated IP instead of the second', [good()[0] as [string, ObservedRecordSet | null], ['st1.blob.core.windows.net', rec(['10.1.0.5', '10.1.0.5'])]],
      ['st1.blob.core.windows.net']],
    ['no records at all', [], ['kv1.vault.azure.net', 'st1.blob.core.windows.net']],
  ])('reports %s', (_label, records, expected) => {
    expect(staleRecords(names, new Map(records))).toEqual(expected);
  });

  it('has nothing stale when there are no names', () => {
    expect(staleRecords([], new Map([['kv1.vault.azure.net', null]]))).toEqual([]);
  });
});

describe('edge cases found in review', () => {
  it.each([BLOB_ZONE, VAULT_ZONE, AKS_ZONE])('never takes the zone %s itself as a record name', (zoneName) => {
    expect(recordNameIn(zoneName, zoneName)).toBeUndefined();
    expect(recordNameIn(`${zoneName}.`, zoneName)).toBeUndefined();
  });

  it('reports a failed endpoint as failed (a lasting problem), not as still provisioning', () => {
    const failed = endpoint([connection(target('Microsoft.Storage/storageAccounts', 'st1'), ['blob'])], [['st1.blob.core.windows.net', ['10.0.0.4']]], { provisioningState: 'Failed' });
    expect(resolveEndpoint(failed, ZONES)).toEqual({ kind: 'failed', reason: "the endpoint's provisioning failed (provisioningState Failed): fix or recreate it" });
    const updating = { ...failed, provisioningState: 'Updating' };
    expect(resolveEndpoint(updating, ZONES)).toEqual({ kind: 'notReady', reason: 'the endpoint is Updating' });
  });
});

describe('zoneShownBy: what record reads say of their zone', () => {
  const read = (zone: RecordRead['zone']): RecordRead => ({ record: null, zone });
  it.each<[string, RecordRead[], boolean | undefined]>([
    ['no read (no name in the zone): the zone must be read', [], undefined],
    ['a record found: the zone exists', [{ record: { zoneId: zone(BLOB_ZONE), name: 'st1', ipAddresses: ['10.0.0.4'] }, zone: 'exists' }], true],
    ['a 404 for the record alone: the zone exists', [read('exists')], true],
    ['a 404 for the zone', [read('missing')], false],
    ['a 404 that says neither: the zone must be read', [read('unknown'), read('unknown')], undefined],
    ['one says missing, another exists (deleted between them): missing wins', [read('exists'), read('missing')], false],
    ['one unknown, one exists', [read('unknown'), read('exists')], true],
  ])('%s', (_what, reads, expected) => {
    expect(zoneShownBy(reads)).toBe(expected);
  });
});

describe('namesNotShownIn: verifying records from the zone group write\'s answer', () => {
  const st1 = { fqdn: 'st1.blob.core.windows.net', zoneId: zone(BLOB_ZONE), recordName: 'st1', ipAddresses: ['10.0.0.5', '10.0.0.4'] };
  const kv1 = { fqdn: 'kv1.vault.azure.net', zoneId: zone(VAULT_ZONE), recordName: 'kv1', ipAddresses: ['10.0.0.6'] };
  const group = (provisioningState: string | undefined, recordSets: Array<{ zone: string; name: string; ips: string[] }>): ObservedZoneGroup => ({
    id: `${endpointId('pe1')}/privateDnsZoneGroups/default`,
    name: 'default',
    ...(provisioningState ? { provisioningState } : {}),
    configs: [BLOB_ZONE, VAULT_ZONE].map((z) => ({
      name: z.replace(/\./g, '-'),
      // Zone IDs in another casing than the names': compared as resource IDs.
      zoneId: zone(z).toUpperCase(),
      recordSets: recordSets.filter((r) => r.zone === z).map((r) => ({ recordSetName: r.name, fqdn: `${r.name}.${z}.`, ipAddresses: r.ips })),
    })),
  });
  it.each<[string, ObservedZoneGroup | undefined, string[]]>([
    ['every name shown with its IPs (any order, any record name casing): none left to read', group('Succeeded', [{ zone: BLOB_ZONE, name: 'ST1', ips: ['10.0.0.4', '10.0.0.5'] }, { zone: VAULT_ZONE, name: 'kv1', ips: ['10.0.0.6'] }]), []],
    ['no answer', undefined, ['st1.blob.core.windows.net', 'kv1.vault.azure.net']],
    ['the group has not Succeeded', group('Updating', [{ zone: BLOB_ZONE, name: 'st1', ips: ['10.0.0.4', '10.0.0.5'] }, { zone: VAULT_ZONE, name: 'kv1', ips: ['10.0.0.6'] }]), ['st1.blob.core.windows.net', 'kv1.vault.azure.net']],
    ['no provisioning state', group(undefined, [{ zone: BLOB_ZONE, name: 'st1', ips: ['10.0.0.4', '10.0.0.5'] }]), ['st1.blob.core.windows.net', 'kv1.vault.azure.net']],
    ['a record set missing', group('Succeeded', [{ zone: BLOB_ZONE, name: 'st1', ips: ['10.0.0.4', '10.0.0.5'] }]), ['kv1.vault.azure.net']],
    ['a record set with other IPs', group('Succeeded', [{ zone: BLOB_ZONE, name: 'st1', ips: ['10.0.0.4'] }, { zone: VAULT_ZONE, name: 'kv1', ips: ['10.0.0.6'] }]), ['st1.blob.core.windows.net']],
    ['the name shown in another zone only', group('Succeeded', [{ zone: VAULT_ZONE, name: 'st1', ips: ['10.0.0.4', '10.0.0.5'] }, { zone: VAULT_ZONE, name: 'kv1', ips: ['10.0.0.6'] }]), ['st1.blob.core.windows.net']],
  ])('%s', (_what, answer, expected) => {
    expect(namesNotShownIn(answer, [st1, kv1]).map((n) => n.fqdn)).toEqual(expected);
  });
});
