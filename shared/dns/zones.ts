/**
 * Which central privatelink Private DNS zone(s) a private endpoint connection needs, from the target's resource type
 * and the connection's groupId (Microsoft Learn "Azure Private Endpoint private DNS zone values", Azure public cloud).
 * The resource type decides first: one groupId spelling can mean different zones on different types (Cosmos DB
 * `Table` is privatelink.table.cosmos.azure.com, Storage `table` is privatelink.table.core.windows.net).
 */
import { InvalidResourceIdError, parseResourceId, ResourceId, resourceType } from '../azure/resource-id';

/** A private endpoint's zone group holds at most this many zone configs. */
export const MAX_ZONE_CONFIGS_PER_GROUP = 5;

export interface PrivateLinkZoneRow {
  /** The target's full resource type, e.g. `Microsoft.Storage/storageAccounts`. */
  resourceType: string;
  /** The groupIds (subresources) that need these zones, as the docs spell them; `sites-{slot}` matches any slot. */
  groupIds: readonly string[];
  /** Zone names, lower case; `{region}` stands for the target's region (`privatelink.{region}.azmk8s.io`). */
  zones: readonly string[];
}

export type ZoneResolution = { kind: 'zones'; zones: string[] } | { kind: 'unsupported'; reason: string };

export interface PrivateLinkTarget {
  resourceType: string;
  groupId: string;
  /** The target resource's region (`westeurope` or `West Europe`); needed only where a zone is regional. */
  region?: string;
}

const REGION = '{region}';
/** A groupId ending in this matches the prefix plus any non-empty name (App Service slots: `sites-staging`). */
const ANY_NAME = '{slot}';

const row = (resourceType: string, groupIds: readonly string[], ...zones: string[]): PrivateLinkZoneRow => ({ resourceType, groupIds, zones });

const storage = (service: string): PrivateLinkZoneRow =>
  row('Microsoft.Storage/storageAccounts', [service, `${service}_secondary`], `privatelink.${service}.core.windows.net`);

const SERVICE_BUS_ZONE = 'privatelink.servicebus.windows.net';
const EVENT_GRID_ZONE = 'privatelink.eventgrid.azure.net';
const BLOB_ZONE = 'privatelink.blob.core.windows.net';

/**
 * The table. Left out on purpose: zones that need more than the region to name (Azure Backup's region *code*, SQL
 * Managed Instance's DNS prefix, Static Web Apps' partition), retired services (single-server PostgreSQL/MySQL,
 * MariaDB, Media Services), and rows whose zones the docs have changed between versions (Health Data Services).
 */
export const PRIVATE_LINK_ZONE_TABLE: readonly PrivateLinkZoneRow[] = [
  // Storage. Azure Files has no secondary endpoint, so there is no file_secondary.
  storage('blob'),
  storage('table'),
  storage('queue'),
  row('Microsoft.Storage/storageAccounts', ['file'], 'privatelink.file.core.windows.net'),
  storage('web'),
  storage('dfs'),
  row('Microsoft.StorageSync/storageSyncServices', ['afs'], 'privatelink.afs.azure.net'),
  row('Microsoft.Compute/diskAccesses', ['disks'], BLOB_ZONE),

  // Security
  row('Microsoft.KeyVault/vaults', ['vault'], 'privatelink.vaultcore.azure.net'),
  row('Microsoft.KeyVault/managedHSMs', ['managedhsm'], 'privatelink.managedhsm.azure.net'),
  row('Microsoft.AppConfiguration/configurationStores', ['configurationStores'], 'privatelink.azconfig.io'),
  row('Microsoft.Attestation/attestationProviders', ['standard'], 'privatelink.attest.azure.net'),

  // Databases
  row('Microsoft.DocumentDB/databaseAccounts', ['Sql'], 'privatelink.documents.azure.com'),
  row('Microsoft.DocumentDB/databaseAccounts', ['MongoDB'], 'privatelink.mongo.cosmos.azure.com'),
  row('Microsoft.DocumentDB/databaseAccounts', ['Cassandra'], 'privatelink.cassandra.cosmos.azure.com'),
  row('Microsoft.DocumentDB/databaseAccounts', ['Gremlin'], 'privatelink.gremlin.cosmos.azure.com'),
  row('Microsoft.DocumentDB/databaseAccounts', ['Table'], 'privatelink.table.cosmos.azure.com'),
  row('Microsoft.DocumentDB/databaseAccounts', ['Analytical'], 'privatelink.analytics.cosmos.azure.com'),
  row('Microsoft.DocumentDB/mongoClusters', ['MongoCluster'], 'privatelink.mongocluster.cosmos.azure.com'),
  row('Microsoft.DBforPostgreSQL/serverGroupsv2', ['coordinator'], 'privatelink.postgres.cosmos.azure.com'),
  row('Microsoft.Sql/servers', ['sqlServer'], 'privatelink.database.windows.net'),
  row('Microsoft.DBforPostgreSQL/flexibleServers', ['postgresqlServer'], 'privatelink.postgres.database.azure.com'),
  row('Microsoft.DBforMySQL/flexibleServers', ['mysqlServer'], 'privatelink.mysql.database.azure.com'),
  row('Microsoft.Cache/redis', ['redisCache'], 'privatelink.redis.cache.windows.net'),
  // Azure Cache for Redis Enterprise and Azure Managed Redis share this type and groupId and differ only by SKU, so
  // both zones go into the group; the service writes records only into the zone its FQDNs fall in.
  row('Microsoft.Cache/redisEnterprise', ['redisEnterprise'], 'privatelink.redisenterprise.cache.azure.net', 'privatelink.redis.azure.net'),

  // Containers. ACR's regional data endpoints ({registry}.{region}.data) also go into privatelink.azurecr.io: the
  // docs say not to create a separate data zone.
  row('Microsoft.ContainerRegistry/registries', ['registry'], 'privatelink.azurecr.io'),
  row('Microsoft.ContainerService/managedClusters', ['management'], `privatelink.${REGION}.azmk8s.io`),
  row('Microsoft.App/managedEnvironments', ['managedEnvironments'], `privatelink.${REGION}.azurecontainerapps.io`),

  // Messaging and integration
  row('Microsoft.EventHub/namespaces', ['namespace'], SERVICE_BUS_ZONE),
  row('Microsoft.ServiceBus/namespaces', ['namespace'], SERVICE_BUS_ZONE),
  row('Microsoft.Relay/namespaces', ['namespace'], SERVICE_BUS_ZONE),
  row('Microsoft.EventGrid/topics', ['topic'], EVENT_GRID_ZONE),
  row('Microsoft.EventGrid/domains', ['domain'], EVENT_GRID_ZONE),
  row('Microsoft.EventGrid/namespaces', ['topic'], EVENT_GRID_ZONE),
  row('Microsoft.EventGrid/namespaces', ['topicSpace'], 'privatelink.ts.eventgrid.azure.net'),
  row('Microsoft.EventGrid/partnerNamespaces', ['partnernamespace'], EVENT_GRID_ZONE),
  row('Microsoft.ApiManagement/service', ['Gateway'], 'privatelink.azure-api.net'),

  // IoT. IoT Hub's built-in Event Hubs-compatible endpoint is a servicebus.windows.net name.
  row('Microsoft.Devices/IotHubs', ['iotHub'], 'privatelink.azure-devices.net', SERVICE_BUS_ZONE),
  row('Microsoft.Devices/ProvisioningServices', ['iotDps'], 'privatelink.azure-devices-provisioning.net'),
  row('Microsoft.DeviceUpdate/accounts', ['DeviceUpdate'], 'privatelink.api.adu.microsoft.com'),
  row('Microsoft.IoTCentral/IoTApps', ['iotApp'], 'privatelink.azureiotcentral.com', 'privatelink.azure-devices.net', SERVICE_BUS_ZONE, 'privatelink.azure-devices-provisioning.net'),
  row('Microsoft.DigitalTwins/digitalTwinsInstances', ['API'], 'privatelink.digitaltwins.azure.net'),

  // Web. Kudu (scm) records go into privatelink.azurewebsites.net too; a slot's endpoint targets the site itself.
  row('Microsoft.Web/sites', ['sites', `sites-${ANY_NAME}`], 'privatelink.azurewebsites.net'),
  row('Microsoft.Search/searchServices', ['searchService'], 'privatelink.search.windows.net'),
  row('Microsoft.SignalRService/signalR', ['signalr'], 'privatelink.service.signalr.net'),
  row('Microsoft.SignalRService/webPubSub', ['webpubsub'], 'privatelink.webpubsub.azure.com'),

  // AI + machine learning
  row('Microsoft.CognitiveServices/accounts', ['account'], 'privatelink.cognitiveservices.azure.com', 'privatelink.openai.azure.com', 'privatelink.services.ai.azure.com'),
  row('Microsoft.MachineLearningServices/workspaces', ['amlworkspace'], 'privatelink.api.azureml.ms', 'privatelink.notebooks.azure.net'),
  row('Microsoft.MachineLearningServices/registries', ['amlregistry'], 'privatelink.api.azureml.ms'),
  row('Microsoft.BotService/botServices', ['Bot'], 'privatelink.directline.botframework.com'),
  row('Microsoft.BotService/botServices', ['Token'], 'privatelink.token.botframework.com'),

  // Analytics
  row('Microsoft.Synapse/workspaces', ['Sql', 'SqlOnDemand'], 'privatelink.sql.azuresynapse.net'),
  row('Microsoft.Synapse/workspaces', ['Dev'], 'privatelink.dev.azuresynapse.net'),
  row('Microsoft.Synapse/privateLinkHubs', ['Web'], 'privatelink.azuresynapse.net'),
  row('Microsoft.DataFactory/factories', ['dataFactory'], 'privatelink.datafactory.azure.net'),
  row('Microsoft.DataFactory/factories', ['portal'], 'privatelink.adf.azure.com'),
  row('Microsoft.Databricks/workspaces', ['databricks_ui_api', 'browser_authentication'], 'privatelink.azuredatabricks.net'),
  row('Microsoft.HDInsight/clusters', ['gateway', 'headnode'], 'privatelink.azurehdinsight.net'),
  row('Microsoft.Kusto/clusters', ['cluster'], `privatelink.${REGION}.kusto.windows.net`, BLOB_ZONE, 'privatelink.queue.core.windows.net', 'privatelink.table.core.windows.net'),
  row('Microsoft.PowerBI/privateLinkServicesForPowerBI', ['tenant'], 'privatelink.analysis.windows.net', 'privatelink.pbidedicated.windows.net', 'privatelink.tip1.powerquery.microsoft.com'),
  row('Microsoft.Fabric/privateLinkServicesForFabric', ['workspace'], 'privatelink.fabric.microsoft.com'),

  // Compute. Both Batch subresources now use one zone (older docs had regional zones).
  row('Microsoft.Batch/batchAccounts', ['batchAccount', 'nodeManagement'], 'privatelink.batch.azure.com'),
  row('Microsoft.DesktopVirtualization/workspaces', ['global'], 'privatelink-global.wvd.microsoft.com'),
  row('Microsoft.DesktopVirtualization/workspaces', ['feed'], 'privatelink.wvd.microsoft.com'),
  row('Microsoft.DesktopVirtualization/hostpools', ['connection'], 'privatelink.wvd.microsoft.com'),

  // Management and governance. Azure Monitor's five zones include the blob zone Storage uses: the scope's
  // endpoints and storage accounts' blob endpoints then share one zone, as the docs intend.
  row('Microsoft.Insights/privateLinkScopes', ['azuremonitor'],
    'privatelink.monitor.azure.com', 'privatelink.oms.opinsights.azure.com', 'privatelink.ods.opinsights.azure.com', 'privatelink.agentsvc.azure-automation.net', BLOB_ZONE),
  row('Microsoft.Monitor/accounts', ['prometheusMetrics'], `privatelink.${REGION}.prometheus.monitor.azure.com`),
  row('Microsoft.Dashboard/grafana', ['grafana'], 'privatelink.grafana.azure.com'),
  row('Microsoft.Automation/automationAccounts', ['Webhook', 'DSCAndHybridWorker'], 'privatelink.azure-automation.net'),
  row('Microsoft.RecoveryServices/vaults', ['AzureSiteRecovery'], 'privatelink.siterecovery.windowsazure.com'),
  row('Microsoft.Purview/accounts', ['account'], 'privatelink.purview.azure.com'),
  row('Microsoft.Purview/accounts', ['portal'], 'privatelink.purviewstudio.azure.com'),
  row('Microsoft.Purview/accounts', ['platform'], 'privatelink.purview-service.microsoft.com'),
  row('Microsoft.Migrate/migrateProjects', ['Default'], 'privatelink.prod.migration.windowsazure.com'),
  row('Microsoft.Migrate/assessmentProjects', ['Default'], 'privatelink.prod.migration.windowsazure.com'),
  row('Microsoft.Authorization/resourceManagementPrivateLinks', ['ResourceManagement'], 'privatelink.azure.com'),
  row('Microsoft.HybridCompute/privateLinkScopes', ['hybridcompute'],
    'privatelink.his.arc.azure.com', 'privatelink.guestconfiguration.azure.com', 'privatelink.dp.kubernetesconfiguration.azure.com'),
];

/** The resource types the table covers, in the docs' casing. */
export const SUPPORTED_PRIVATE_LINK_TYPES: readonly string[] = [...new Set(PRIVATE_LINK_ZONE_TABLE.map((r) => r.resourceType))];

interface TypeEntry {
  resourceType: string;
  /** Keyed by lower-case groupId. */
  exact: Map<string, readonly string[]>;
  /** Lower-case prefixes of `{slot}` groupIds. */
  prefixes: { prefix: string; zones: readonly string[] }[];
  /** For messages, in the docs' spelling. */
  groupIds: string[];
}

/** Indexes the table by lower-case type; a (type, groupId) listed twice is a table bug and fails at load. */
function indexTable(table: readonly PrivateLinkZoneRow[]): Map<string, TypeEntry> {
  const byType = new Map<string, TypeEntry>();
  for (const r of table) {
    const typeKey = r.resourceType.toLowerCase();
    const entry: TypeEntry = byType.get(typeKey) ?? { resourceType: r.resourceType, exact: new Map(), prefixes: [], groupIds: [] };
    byType.set(typeKey, entry);
    for (const groupId of r.groupIds) {
      const key = groupId.toLowerCase();
      if (entry.exact.has(key) || entry.prefixes.some((p) => `${p.prefix}${ANY_NAME}` === key)) {
        throw new Error(`shared/dns/zones.ts lists ${r.resourceType} groupId ${groupId} twice.`);
      }
      if (key.endsWith(ANY_NAME)) entry.prefixes.push({ prefix: key.slice(0, -ANY_NAME.length), zones: r.zones });
      else entry.exact.set(key, r.zones);
      entry.groupIds.push(groupId);
    }
  }
  return byType;
}

const BY_TYPE = indexTable(PRIVATE_LINK_ZONE_TABLE);

function zonesOfGroup(entry: TypeEntry, groupId: string): readonly string[] | undefined {
  const key = groupId.toLowerCase();
  return entry.exact.get(key) ?? entry.prefixes.find((p) => key.length > p.prefix.length && key.startsWith(p.prefix))?.zones;
}

/** `West Europe` -> `westeurope`: zone names use the region's programmatic name. */
export function normalizeRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

const unsupported = (reason: string): ZoneResolution => ({ kind: 'unsupported', reason });

/** The central zones a connection to `target` with `target.groupId` needs, or why there are none we know of. */
export function zonesFor(target: PrivateLinkTarget): ZoneResolution {
  const type = target.resourceType.trim();
  const groupId = target.groupId.trim();
  if (type === '') return unsupported(`The connection with groupId "${groupId}" names no target resource type, so its private DNS zone cannot be chosen.`);
  if (groupId === '') {
    return unsupported(`The connection to a ${type} names no groupId; private DNS zones are chosen per groupId (e.g. blob, vault, sqlServer).`);
  }
  const entry = BY_TYPE.get(type.toLowerCase());
  if (!entry) {
    return unsupported(
      `No central private DNS zone is known for resource type ${type} (groupId ${groupId}): add its row from "Azure Private Endpoint ` +
        `private DNS zone values" to shared/dns/zones.ts, or manage this endpoint's DNS by hand.`,
    );
  }
  const templates = zonesOfGroup(entry, groupId);
  if (!templates) {
    return unsupported(`Resource type ${type} has no known private DNS zone for groupId ${groupId}; known groupIds: ${entry.groupIds.join(', ')}.`);
  }
  const regional = templates.filter((z) => z.includes(REGION));
  let region = '';
  if (regional.length) {
    region = normalizeRegion(target.region ?? '');
    if (region === '') {
      return unsupported(`Resource type ${type} groupId ${groupId} needs the regional zone ${regional.join(', ')}: give the target resource's region (e.g. westeurope).`);
    }
    // A region name becomes a DNS label: anything but letters and digits would produce a zone that cannot exist.
    if (!/^[a-z0-9]+$/.test(region)) {
      return unsupported(`"${target.region ?? ''}" is not an Azure region name (e.g. westeurope), so the regional zone for ${type} groupId ${groupId} cannot be named.`);
    }
  }
  const zones = [...new Set(templates.map((z) => z.replace(REGION, region).toLowerCase()))];
  return { kind: 'zones', zones };
}

/** {@link zonesFor} for a connection as ARM shows it: the target is the connection's privateLinkServiceId. */
export function zonesForConnection(privateLinkServiceId: string, groupId: string, region?: string): ZoneResolution {
  let id: ResourceId;
  try {
    id = parseResourceId(privateLinkServiceId);
  } catch (err) {
    if (err instanceof InvalidResourceIdError) return unsupported(err.message);
    throw err;
  }
  if (id.provider === undefined || id.types.length === 0) {
    return unsupported(`"${privateLinkServiceId}" names no resource: a private endpoint connects to a resource under /providers/.`);
  }
  return zonesFor({ resourceType: resourceType(id), groupId, ...(region !== undefined ? { region } : {}) });
}
