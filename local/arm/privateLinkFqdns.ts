/**
 * The names a private-link target publishes for a group ID, and the privatelink zone each name's A record belongs
 * in (Microsoft Learn "Azure Private Endpoint private DNS zone values"). The target resources themselves are not
 * emulated: the FQDNs are derived from the target's resource type, group ID, name and the endpoint's region.
 * The resource type decides, never the groupId alone (Cosmos `Table` vs Storage `table`).
 */
import { parseResourceId } from './resourceId';

export interface PublishedName {
  fqdn: string;
  zoneName: string;
  recordName: string;
  /**
   * The target's required member that serves this name (NIC `privateLinkConnectionProperties.requiredMemberName`);
   * names of one member share one IP. Default: the groupId. The member names are modelled on what Azure shows
   * (unverified per service).
   */
  memberName?: string;
}

/** A published name with the connection's groupId and the member it belongs to. */
export type MemberName = PublishedName & { groupId: string; memberName: string };

type NameRule = (name: string, region: string) => PublishedName[];

/** `{name}.{suffix}` published in `privatelink.{suffix}` (or `zone` when the privatelink zone differs). */
const simple =
  (suffix: string, zone = `privatelink.${suffix}`): NameRule =>
  (name) => [{ fqdn: `${name}.${suffix}`, zoneName: zone, recordName: name }];

const storage = (service: string): NameRule => simple(`${service}.core.windows.net`);
const storageSecondary = (service: string): NameRule => (name) => [
  { fqdn: `${name}-secondary.${service}.core.windows.net`, zoneName: `privatelink.${service}.core.windows.net`, recordName: `${name}-secondary` },
];

/** Cosmos DB publishes the account name and one regional name per region (only the endpoint's region here). */
const cosmos =
  (suffix: string): NameRule =>
  (name, region) => [
    { fqdn: `${name}.${suffix}`, zoneName: `privatelink.${suffix}`, recordName: name, memberName: name },
    { fqdn: `${name}-${region}.${suffix}`, zoneName: `privatelink.${suffix}`, recordName: `${name}-${region}`, memberName: `${name}-${region}` },
  ];

const RULES: Record<string, Record<string, NameRule>> = {
  'microsoft.storage/storageaccounts': {
    blob: storage('blob'),
    blob_secondary: storageSecondary('blob'),
    table: storage('table'),
    table_secondary: storageSecondary('table'),
    queue: storage('queue'),
    queue_secondary: storageSecondary('queue'),
    file: storage('file'),
    web: storage('web'),
    web_secondary: storageSecondary('web'),
    dfs: storage('dfs'),
    dfs_secondary: storageSecondary('dfs'),
  },
  'microsoft.keyvault/vaults': { vault: simple('vault.azure.net', 'privatelink.vaultcore.azure.net') },
  'microsoft.documentdb/databaseaccounts': {
    sql: cosmos('documents.azure.com'),
    mongodb: cosmos('mongo.cosmos.azure.com'),
    cassandra: cosmos('cassandra.cosmos.azure.com'),
    gremlin: cosmos('gremlin.cosmos.azure.com'),
    table: cosmos('table.cosmos.azure.com'),
    analytical: simple('analytics.cosmos.azure.com'),
  },
  'microsoft.containerregistry/registries': {
    // The registry login server and its regional data endpoint both go into privatelink.azurecr.io.
    registry: (name, region) => [
      { fqdn: `${name}.azurecr.io`, zoneName: 'privatelink.azurecr.io', recordName: name, memberName: 'registry' },
      { fqdn: `${name}.${region}.data.azurecr.io`, zoneName: 'privatelink.azurecr.io', recordName: `${name}.${region}.data`, memberName: `registry_data_${region}` },
    ],
  },
  'microsoft.servicebus/namespaces': { namespace: simple('servicebus.windows.net') },
  'microsoft.eventhub/namespaces': { namespace: simple('servicebus.windows.net') },
  'microsoft.relay/namespaces': { namespace: simple('servicebus.windows.net') },
  'microsoft.sql/servers': { sqlserver: simple('database.windows.net') },
  'microsoft.dbforpostgresql/flexibleservers': { postgresqlserver: simple('postgres.database.azure.com') },
  'microsoft.dbformysql/flexibleservers': { mysqlserver: simple('mysql.database.azure.com') },
  'microsoft.web/sites': {
    // The site and its scm name are one member: one IP, one NIC IP configuration carrying both FQDNs.
    sites: (name) => [
      { fqdn: `${name}.azurewebsites.net`, zoneName: 'privatelink.azurewebsites.net', recordName: name, memberName: 'sites' },
      { fqdn: `${name}.scm.azurewebsites.net`, zoneName: 'privatelink.azurewebsites.net', recordName: `${name}.scm`, memberName: 'sites' },
    ],
  },
  // AKS private clusters publish the API server in the regional zone privatelink.{region}.azmk8s.io; Azure adds a
  // random suffix to the name, the emulator uses the cluster name.
  'microsoft.containerservice/managedclusters': {
    management: (name, region) => [
      { fqdn: `${name}.privatelink.${region}.azmk8s.io`, zoneName: `privatelink.${region}.azmk8s.io`, recordName: name },
    ],
  },
  'microsoft.appconfiguration/configurationstores': { configurationstores: simple('azconfig.io') },
  'microsoft.search/searchservices': { searchservice: simple('search.windows.net') },
  'microsoft.cache/redis': { rediscache: simple('redis.cache.windows.net') },
  'microsoft.eventgrid/topics': { topic: (name, region) => simple(`${region}-1.eventgrid.azure.net`, 'privatelink.eventgrid.azure.net')(name, region) },
  'microsoft.cognitiveservices/accounts': { account: simple('cognitiveservices.azure.com') },
  // An Azure Monitor Private Link Scope publishes global Monitor names, per-workspace names (the emulator uses the
  // scope's name where Azure uses each linked workspace's ID) and the agents' solution-pack storage account, across
  // five zones: one scope per network, because the global names are shared.
  'microsoft.insights/privatelinkscopes': {
    azuremonitor: (name) => [
      ...['api', 'global.in.ai', 'profiler', 'live', 'snapshot'].map((label) => ({ fqdn: `${label}.monitor.azure.com`, zoneName: 'privatelink.monitor.azure.com', recordName: label, memberName: label })),
      { fqdn: `${name}.oms.opinsights.azure.com`, zoneName: 'privatelink.oms.opinsights.azure.com', recordName: name, memberName: `oms-${name}` },
      { fqdn: `${name}.ods.opinsights.azure.com`, zoneName: 'privatelink.ods.opinsights.azure.com', recordName: name, memberName: `ods-${name}` },
      { fqdn: `${name}.agentsvc.azure-automation.net`, zoneName: 'privatelink.agentsvc.azure-automation.net', recordName: name, memberName: `agentsvc-${name}` },
      { fqdn: 'scadvisorcontentpl.blob.core.windows.net', zoneName: 'privatelink.blob.core.windows.net', recordName: 'scadvisorcontentpl', memberName: 'scadvisorcontentpl' },
    ],
  },
};

/** The names published for one connection; empty when the target type or group is not in the table. */
export function publishedNames(privateLinkServiceId: string, groupIds: readonly string[], region: string): MemberName[] {
  const parsed = parseResourceId(privateLinkServiceId);
  const last = parsed?.segments[parsed.segments.length - 1];
  const first = parsed?.segments[0];
  if (!parsed || !first || !last) return [];
  const type = `${parsed.provider}/${first[0]}`.toLowerCase();
  const rules = RULES[type];
  if (!rules) return [];
  const name = last[1].toLowerCase();
  return groupIds.flatMap((g) => (rules[g.toLowerCase()]?.(name, region.toLowerCase()) ?? []).map((n) => ({ ...n, groupId: g, memberName: n.memberName ?? g })));
}

/** True when the emulator knows the names this target type publishes. */
export function isKnownTargetType(privateLinkServiceId: string): boolean {
  const parsed = parseResourceId(privateLinkServiceId);
  const first = parsed?.segments[0];
  return !!parsed && !!first && `${parsed.provider}/${first[0]}`.toLowerCase() in RULES;
}
