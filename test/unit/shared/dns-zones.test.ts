import {
  MAX_ZONE_CONFIGS_PER_GROUP,
  PRIVATE_LINK_ZONE_TABLE,
  SUPPORTED_PRIVATE_LINK_TYPES,
  zonesFor,
  zonesForConnection,
} from '../../../shared/dns/zones';

const SUB = '00000000-1111-2222-3333-444444444444';
const id = (type: string, name: string) => `/subscriptions/${SUB}/resourceGroups/rg-app/providers/${type}/${name}`;

const MONITOR_ZONES = [
  'privatelink.monitor.azure.com',
  'privatelink.oms.opinsights.azure.com',
  'privatelink.ods.opinsights.azure.com',
  'privatelink.agentsvc.azure-automation.net',
  'privatelink.blob.core.windows.net',
];

// Written out by hand from the Learn page, not derived from the table: a wrong table row fails here.
// [resource type, groupId, zones]; regional rows are resolved with region westeurope.
const EXPECTED: [string, string, string[]][] = [
  ['Microsoft.Storage/storageAccounts', 'blob', ['privatelink.blob.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'blob_secondary', ['privatelink.blob.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'table', ['privatelink.table.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'table_secondary', ['privatelink.table.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'queue', ['privatelink.queue.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'queue_secondary', ['privatelink.queue.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'file', ['privatelink.file.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'web', ['privatelink.web.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'web_secondary', ['privatelink.web.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'dfs', ['privatelink.dfs.core.windows.net']],
  ['Microsoft.Storage/storageAccounts', 'dfs_secondary', ['privatelink.dfs.core.windows.net']],
  ['Microsoft.StorageSync/storageSyncServices', 'afs', ['privatelink.afs.azure.net']],
  ['Microsoft.Compute/diskAccesses', 'disks', ['privatelink.blob.core.windows.net']],
  ['Microsoft.KeyVault/vaults', 'vault', ['privatelink.vaultcore.azure.net']],
  ['Microsoft.KeyVault/managedHSMs', 'managedhsm', ['privatelink.managedhsm.azure.net']],
  ['Microsoft.AppConfiguration/configurationStores', 'configurationStores', ['privatelink.azconfig.io']],
  ['Microsoft.Attestation/attestationProviders', 'standard', ['privatelink.attest.azure.net']],
  ['Microsoft.DocumentDB/databaseAccounts', 'Sql', ['privatelink.documents.azure.com']],
  ['Microsoft.DocumentDB/databaseAccounts', 'MongoDB', ['privatelink.mongo.cosmos.azure.com']],
  ['Microsoft.DocumentDB/databaseAccounts', 'Cassandra', ['privatelink.cassandra.cosmos.azure.com']],
  ['Microsoft.DocumentDB/databaseAccounts', 'Gremlin', ['privatelink.gremlin.cosmos.azure.com']],
  ['Microsoft.DocumentDB/databaseAccounts', 'Table', ['privatelink.table.cosmos.azure.com']],
  ['Microsoft.DocumentDB/databaseAccounts', 'Analytical', ['privatelink.analytics.cosmos.azure.com']],
  ['Microsoft.DocumentDB/mongoClusters', 'MongoCluster', ['privatelink.mongocluster.cosmos.azure.com']],
  ['Microsoft.DBforPostgreSQL/serverGroupsv2', 'coordinator', ['privatelink.postgres.cosmos.azure.com']],
  ['Microsoft.Sql/servers', 'sqlServer', ['privatelink.database.windows.net']],
  ['Microsoft.DBforPostgreSQL/flexibleServers', 'postgresqlServer', ['privatelink.postgres.database.azure.com']],
  ['Microsoft.DBforMySQL/flexibleServers', 'mysqlServer', ['privatelink.mysql.database.azure.com']],
  ['Microsoft.Cache/redis', 'redisCache', ['privatelink.redis.cache.windows.net']],
  ['Microsoft.Cache/redisEnterprise', 'redisEnterprise', ['privatelink.redisenterprise.cache.azure.net', 'privatelink.redis.azure.net']],
  ['Microsoft.ContainerRegistry/registries', 'registry', ['privatelink.azurecr.io']],
  ['Microsoft.ContainerService/managedClusters', 'management', ['privatelink.westeurope.azmk8s.io']],
  ['Microsoft.App/managedEnvironments', 'managedEnvironments', ['privatelink.westeurope.azurecontainerapps.io']],
  ['Microsoft.EventHub/namespaces', 'namespace', ['privatelink.servicebus.windows.net']],
  ['Microsoft.ServiceBus/namespaces', 'namespace', ['privatelink.servicebus.windows.net']],
  ['Microsoft.Relay/namespaces', 'namespace', ['privatelink.servicebus.windows.net']],
  ['Microsoft.EventGrid/topics', 'topic', ['privatelink.eventgrid.azure.net']],
  ['Microsoft.EventGrid/domains', 'domain', ['privatelink.eventgrid.azure.net']],
  ['Microsoft.EventGrid/namespaces', 'topic', ['privatelink.eventgrid.azure.net']],
  ['Microsoft.EventGrid/namespaces', 'topicSpace', ['privatelink.ts.eventgrid.azure.net']],
  ['Microsoft.EventGrid/partnerNamespaces', 'partnernamespace', ['privatelink.eventgrid.azure.net']],
  ['Microsoft.ApiManagement/service', 'Gateway', ['privatelink.azure-api.net']],
  ['Microsoft.Devices/IotHubs', 'iotHub', ['privatelink.azure-devices.net', 'privatelink.servicebus.windows.net']],
  ['Microsoft.Devices/ProvisioningServices', 'iotDps', ['privatelink.azure-devices-provisioning.net']],
  ['Microsoft.DeviceUpdate/accounts', 'DeviceUpdate', ['privatelink.api.adu.microsoft.com']],
  [
    'Microsoft.IoTCentral/IoTApps',
    'iotApp',
    ['privatelink.azureiotcentral.com', 'privatelink.azure-devices.net', 'privatelink.servicebus.windows.net', 'privatelink.azure-devices-provisioning.net'],
  ],
  ['Microsoft.DigitalTwins/digitalTwinsInstances', 'API', ['privatelink.digitaltwins.azure.net']],
  ['Microsoft.Web/sites', 'sites', ['privatelink.azurewebsites.net']],
  ['Microsoft.Web/sites', 'sites-{slot}', ['privatelink.azurewebsites.net']],
  ['Microsoft.Search/searchServices', 'searchService', ['privatelink.search.windows.net']],
  ['Microsoft.SignalRService/signalR', 'signalr', ['privatelink.service.signalr.net']],
  ['Microsoft.SignalRService/webPubSub', 'webpubsub', ['privatelink.webpubsub.azure.com']],
  [
    'Microsoft.CognitiveServices/accounts',
    'account',
    ['privatelink.cognitiveservices.azure.com', 'privatelink.openai.azure.com', 'privatelink.services.ai.azure.com'],
  ],
  ['Microsoft.MachineLearningServices/workspaces', 'amlworkspace', ['privatelink.api.azureml.ms', 'privatelink.notebooks.azure.net']],
  ['Microsoft.MachineLearningServices/registries', 'amlregistry', ['privatelink.api.azureml.ms']],
  ['Microsoft.BotService/botServices', 'Bot', ['privatelink.directline.botframework.com']],
  ['Microsoft.BotService/botServices', 'Token', ['privatelink.token.botframework.com']],
  ['Microsoft.Synapse/workspaces', 'Sql', ['privatelink.sql.azuresynapse.net']],
  ['Microsoft.Synapse/workspaces', 'SqlOnDemand', ['privatelink.sql.azuresynapse.net']],
  ['Microsoft.Synapse/workspaces', 'Dev', ['privatelink.dev.azuresynapse.net']],
  ['Microsoft.Synapse/privateLinkHubs', 'Web', ['privatelink.azuresynapse.net']],
  ['Microsoft.DataFactory/factories', 'dataFactory', ['privatelink.datafactory.azure.net']],
  ['Microsoft.DataFactory/factories', 'portal', ['privatelink.adf.azure.com']],
  ['Microsoft.Databricks/workspaces', 'databricks_ui_api', ['privatelink.azuredatabricks.net']],
  ['Microsoft.Databricks/workspaces', 'browser_authentication', ['privatelink.azuredatabricks.net']],
  ['Microsoft.HDInsight/clusters', 'gateway', ['privatelink.azurehdinsight.net']],
  ['Microsoft.HDInsight/clusters', 'headnode', ['privatelink.azurehdinsight.net']],
  [
    'Microsoft.Kusto/clusters',
    'cluster',
    ['privatelink.westeurope.kusto.windows.net', 'privatelink.blob.core.windows.net', 'privatelink.queue.core.windows.net', 'privatelink.table.core.windows.net'],
  ],
  [
    'Microsoft.PowerBI/privateLinkServicesForPowerBI',
    'tenant',
    ['privatelink.analysis.windows.net', 'privatelink.pbidedicated.windows.net', 'privatelink.tip1.powerquery.microsoft.com'],
  ],
  ['Microsoft.Fabric/privateLinkServicesForFabric', 'workspace', ['privatelink.fabric.microsoft.com']],
  ['Microsoft.Batch/batchAccounts', 'batchAccount', ['privatelink.batch.azure.com']],
  ['Microsoft.Batch/batchAccounts', 'nodeManagement', ['privatelink.batch.azure.com']],
  ['Microsoft.DesktopVirtualization/workspaces', 'global', ['privatelink-global.wvd.microsoft.com']],
  ['Microsoft.DesktopVirtualization/workspaces', 'feed', ['privatelink.wvd.microsoft.com']],
  ['Microsoft.DesktopVirtualization/hostpools', 'connection', ['privatelink.wvd.microsoft.com']],
  ['Microsoft.Insights/privateLinkScopes', 'azuremonitor', MONITOR_ZONES],
  ['Microsoft.Monitor/accounts', 'prometheusMetrics', ['privatelink.westeurope.prometheus.monitor.azure.com']],
  ['Microsoft.Dashboard/grafana', 'grafana', ['privatelink.grafana.azure.com']],
  ['Microsoft.Automation/automationAccounts', 'Webhook', ['privatelink.azure-automation.net']],
  ['Microsoft.Automation/automationAccounts', 'DSCAndHybridWorker', ['privatelink.azure-automation.net']],
  ['Microsoft.RecoveryServices/vaults', 'AzureSiteRecovery', ['privatelink.siterecovery.windowsazure.com']],
  ['Microsoft.Purview/accounts', 'account', ['privatelink.purview.azure.com']],
  ['Microsoft.Purview/accounts', 'portal', ['privatelink.purviewstudio.azure.com']],
  ['Microsoft.Purview/accounts', 'platform', ['privatelink.purview-service.microsoft.com']],
  ['Microsoft.Migrate/migrateProjects', 'Default', ['privatelink.prod.migration.windowsazure.com']],
  ['Microsoft.Migrate/assessmentProjects', 'Default', ['privatelink.prod.migration.windowsazure.com']],
  ['Microsoft.Authorization/resourceManagementPrivateLinks', 'ResourceManagement', ['privatelink.azure.com']],
  [
    'Microsoft.HybridCompute/privateLinkScopes',
    'hybridcompute',
    ['privatelink.his.arc.azure.com', 'privatelink.guestconfiguration.azure.com', 'privatelink.dp.kubernetesconfiguration.azure.com'],
  ],
];

/** `sites-{slot}` is a pattern in the table; a real connection names a slot. */
const asConnectionGroupId = (groupId: string) => groupId.replace('{slot}', 'staging');

describe('zonesFor: every supported row', () => {
  it.each(EXPECTED)('%s %s', (resourceType, groupId, zones) => {
    expect(zonesFor({ resourceType, groupId: asConnectionGroupId(groupId), region: 'westeurope' })).toEqual({ kind: 'zones', zones });
  });

  it('has an expectation for every (type, groupId) in the table, and no expectation the table lacks', () => {
    const key = (type: string, groupId: string) => `${type.toLowerCase()} ${groupId.toLowerCase()}`;
    const inTable = PRIVATE_LINK_ZONE_TABLE.flatMap((r) => r.groupIds.map((g) => key(r.resourceType, g))).sort();
    const expected = EXPECTED.map(([t, g]) => key(t, g)).sort();
    expect(inTable).toEqual(expected);
  });

  it('covers at least the rows of AZURE-FACTS', () => {
    const mustHave = [
      'Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults', 'Microsoft.DocumentDB/databaseAccounts', 'Microsoft.ContainerRegistry/registries',
      'Microsoft.EventHub/namespaces', 'Microsoft.ServiceBus/namespaces', 'Microsoft.Relay/namespaces', 'Microsoft.Sql/servers',
      'Microsoft.DBforPostgreSQL/flexibleServers', 'Microsoft.DBforMySQL/flexibleServers', 'Microsoft.Web/sites', 'Microsoft.Insights/privateLinkScopes',
      'Microsoft.ContainerService/managedClusters', 'Microsoft.CognitiveServices/accounts', 'Microsoft.Cache/redis', 'Microsoft.Cache/redisEnterprise',
      'Microsoft.Synapse/workspaces', 'Microsoft.DataFactory/factories', 'Microsoft.AppConfiguration/configurationStores', 'Microsoft.Search/searchServices',
      'Microsoft.SignalRService/signalR', 'Microsoft.SignalRService/webPubSub', 'Microsoft.Batch/batchAccounts', 'Microsoft.EventGrid/topics',
      'Microsoft.EventGrid/domains', 'Microsoft.Devices/IotHubs', 'Microsoft.MachineLearningServices/workspaces', 'Microsoft.Databricks/workspaces',
      'Microsoft.Dashboard/grafana',
    ];
    const supported = SUPPORTED_PRIVATE_LINK_TYPES.map((t) => t.toLowerCase());
    expect(mustHave.filter((t) => !supported.includes(t.toLowerCase()))).toEqual([]);
  });

  it('keeps every row within one zone group: lower-case zones, no duplicates, at most 5', () => {
    for (const r of PRIVATE_LINK_ZONE_TABLE) {
      expect(r.zones.length).toBeGreaterThan(0);
      expect(r.zones.length).toBeLessThanOrEqual(MAX_ZONE_CONFIGS_PER_GROUP);
      expect(new Set(r.zones).size).toBe(r.zones.length);
      for (const z of r.zones) expect(z).toBe(z.toLowerCase());
    }
  });

  it('lists each supported type once', () => {
    expect(new Set(SUPPORTED_PRIVATE_LINK_TYPES.map((t) => t.toLowerCase())).size).toBe(SUPPORTED_PRIVATE_LINK_TYPES.length);
  });
});

describe('zonesFor: matching', () => {
  it.each([
    ['microsoft.storage/storageaccounts', 'BLOB'],
    ['MICROSOFT.STORAGE/STORAGEACCOUNTS', 'Blob'],
    ['  Microsoft.Storage/storageAccounts ', ' blob '],
  ])('compares type %j and groupId %j case-insensitively', (resourceType, groupId) => {
    expect(zonesFor({ resourceType, groupId })).toEqual({ kind: 'zones', zones: ['privatelink.blob.core.windows.net'] });
  });

  it('resolves by resource type first: Cosmos Table and Storage table are different zones', () => {
    expect(zonesFor({ resourceType: 'Microsoft.DocumentDB/databaseAccounts', groupId: 'table' })).toEqual({ kind: 'zones', zones: ['privatelink.table.cosmos.azure.com'] });
    expect(zonesFor({ resourceType: 'Microsoft.Storage/storageAccounts', groupId: 'Table' })).toEqual({ kind: 'zones', zones: ['privatelink.table.core.windows.net'] });
  });

  it('puts storage blob_secondary in the blob zone', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Storage/storageAccounts', groupId: 'blob_secondary' })).toEqual({ kind: 'zones', zones: ['privatelink.blob.core.windows.net'] });
  });

  it.each(['sites-staging', 'SITES-Blue-Green', 'sites-1'])('puts App Service slot groupId %s in the azurewebsites zone', (groupId) => {
    expect(zonesFor({ resourceType: 'Microsoft.Web/sites', groupId })).toEqual({ kind: 'zones', zones: ['privatelink.azurewebsites.net'] });
  });

  it('does not take a bare "sites-" for a slot', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Web/sites', groupId: 'sites-' })).toEqual({
      kind: 'unsupported',
      reason: 'Resource type Microsoft.Web/sites has no known private DNS zone for groupId sites-; known groupIds: sites, sites-{slot}.',
    });
  });

  it('gives Azure Monitor exactly its 5 zones, the most a zone group holds', () => {
    const result = zonesFor({ resourceType: 'Microsoft.Insights/privateLinkScopes', groupId: 'azuremonitor' });
    expect(result).toEqual({ kind: 'zones', zones: MONITOR_ZONES });
    expect(MAX_ZONE_CONFIGS_PER_GROUP).toBe(5);
  });

  it('ignores a region where no zone is regional', () => {
    expect(zonesFor({ resourceType: 'Microsoft.KeyVault/vaults', groupId: 'vault', region: 'West Europe' })).toEqual({ kind: 'zones', zones: ['privatelink.vaultcore.azure.net'] });
  });
});

describe('zonesFor: regional zones', () => {
  const aks = { resourceType: 'Microsoft.ContainerService/managedClusters', groupId: 'management' };

  it.each(['West Europe', 'westeurope', 'WESTEUROPE', ' west  europe '])('names the AKS zone from region %j', (region) => {
    expect(zonesFor({ ...aks, region })).toEqual({ kind: 'zones', zones: ['privatelink.westeurope.azmk8s.io'] });
  });

  it.each([undefined, '', '   '])('refuses AKS without a region (%j) and says the region is needed', (region) => {
    expect(zonesFor({ ...aks, ...(region !== undefined ? { region } : {}) })).toEqual({
      kind: 'unsupported',
      reason:
        "Resource type Microsoft.ContainerService/managedClusters groupId management needs the regional zone privatelink.{region}.azmk8s.io: give the target resource's region (e.g. westeurope).",
    });
  });

  it('refuses a region that cannot be a DNS label', () => {
    expect(zonesFor({ ...aks, region: 'west.europe' })).toEqual({
      kind: 'unsupported',
      reason: '"west.europe" is not an Azure region name (e.g. westeurope), so the regional zone for Microsoft.ContainerService/managedClusters groupId management cannot be named.',
    });
  });

  it('fills the region into the regional zone only, keeping the fixed zones of the same group', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Kusto/clusters', groupId: 'cluster', region: 'North Europe' })).toEqual({
      kind: 'zones',
      zones: ['privatelink.northeurope.kusto.windows.net', 'privatelink.blob.core.windows.net', 'privatelink.queue.core.windows.net', 'privatelink.table.core.windows.net'],
    });
  });
});

describe('zonesFor: unsupported', () => {
  it('names the type, the groupId and the known groupIds for an unknown groupId on a known type', () => {
    expect(zonesFor({ resourceType: 'Microsoft.KeyVault/vaults', groupId: 'secrets' })).toEqual({
      kind: 'unsupported',
      reason: 'Resource type Microsoft.KeyVault/vaults has no known private DNS zone for groupId secrets; known groupIds: vault.',
    });
  });

  it('does not invent a file_secondary groupId: Azure Files has no secondary endpoint', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Storage/storageAccounts', groupId: 'file_secondary' }).kind).toBe('unsupported');
  });

  it('does not resolve a groupId on a type it does not belong to', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Storage/storageAccounts', groupId: 'vault' })).toMatchObject({ kind: 'unsupported' });
  });

  it('names the type and groupId for an unknown type', () => {
    expect(zonesFor({ resourceType: 'Contoso.Widgets/gadgets', groupId: 'gadget' })).toEqual({
      kind: 'unsupported',
      reason:
        'No central private DNS zone is known for resource type Contoso.Widgets/gadgets (groupId gadget): add its row from "Azure Private Endpoint private DNS zone values" to shared/dns/zones.ts, or manage this endpoint\'s DNS by hand.',
    });
  });

  it('refuses an empty groupId or type', () => {
    expect(zonesFor({ resourceType: 'Microsoft.Sql/servers', groupId: '' })).toEqual({
      kind: 'unsupported',
      reason: 'The connection to a Microsoft.Sql/servers names no groupId; private DNS zones are chosen per groupId (e.g. blob, vault, sqlServer).',
    });
    expect(zonesFor({ resourceType: ' ', groupId: 'sqlServer' })).toEqual({
      kind: 'unsupported',
      reason: 'The connection with groupId "sqlServer" names no target resource type, so its private DNS zone cannot be chosen.',
    });
  });
});

describe('zonesForConnection', () => {
  it('derives the type from the privateLinkServiceId', () => {
    expect(zonesForConnection(id('Microsoft.Storage/storageAccounts', 'stappweu01'), 'blob')).toEqual({ kind: 'zones', zones: ['privatelink.blob.core.windows.net'] });
    expect(zonesForConnection(id('Microsoft.DocumentDB/databaseAccounts', 'cosmos-app'), 'Table')).toEqual({ kind: 'zones', zones: ['privatelink.table.cosmos.azure.com'] });
  });

  it('accepts an ID in the lower case Event Grid delivers', () => {
    const lower = id('Microsoft.Sql/servers', 'sql-app').toLowerCase();
    expect(zonesForConnection(lower, 'sqlserver')).toEqual({ kind: 'zones', zones: ['privatelink.database.windows.net'] });
  });

  it('passes the region on for regional zones', () => {
    const cluster = id('Microsoft.ContainerService/managedClusters', 'aks-app');
    expect(zonesForConnection(cluster, 'management', 'West Europe')).toEqual({ kind: 'zones', zones: ['privatelink.westeurope.azmk8s.io'] });
    expect(zonesForConnection(cluster, 'management')).toMatchObject({ kind: 'unsupported', reason: expect.stringContaining("give the target resource's region") });
  });

  it('answers a malformed ID with the parse message', () => {
    expect(zonesForConnection('/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st', 'blob')).toEqual({
      kind: 'unsupported',
      reason: '"/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st" is not a valid ARM resource ID: "not-a-guid" is not a subscription GUID.',
    });
    expect(zonesForConnection('storageAccounts/st', 'blob')).toEqual({
      kind: 'unsupported',
      reason: '"storageAccounts/st" is not a valid ARM resource ID: it must start with /subscriptions/{subscriptionId}.',
    });
  });

  it('refuses an ID that names no resource', () => {
    expect(zonesForConnection(`/subscriptions/${SUB}/resourceGroups/rg-app`, 'blob')).toEqual({
      kind: 'unsupported',
      reason: `"/subscriptions/${SUB}/resourceGroups/rg-app" names no resource: a private endpoint connects to a resource under /providers/.`,
    });
  });
});
