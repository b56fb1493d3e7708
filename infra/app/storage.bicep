// The app's storage account, without shared keys: the host's AzureWebJobsStorage (blobs; queues and tables too with
// the Azure Storage Durable backend), the Flex Consumption deployment container, and the records tables.
param name string
param location string
param tags object
param deploymentContainerName string
param principalId string
param durableOnStorage bool
param builtInRoles object
@description('A person\'s object ID given read access to the records (Storage Table Data Reader is not needed: empty = none).')
param readerPrincipalId string = ''

// The control plane's records (shared/store/tables-store.ts creates them too when missing).
var recordTables = ['ControlPlaneRecords', 'ControlPlaneAudit']

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }

  resource blobs 'blobServices' = {
    name: 'default'
    resource container 'containers' = {
      name: deploymentContainerName
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'
    resource records 'tables' = [
      for table in recordTables: {
        name: table
      }
    ]
  }
}

// Blob Data Owner: AzureWebJobsStorage and the deployment container. Table Data Contributor: the records (and the
// Durable history with the Azure Storage backend). Queue Data Contributor: the Azure Storage backend only.
var roles = union(
  [builtInRoles['Storage Blob Data Owner'], builtInRoles['Storage Table Data Contributor']],
  durableOnStorage ? [builtInRoles['Storage Queue Data Contributor']] : []
)

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in roles: {
    name: guid(storage.id, principalId, role)
    scope: storage
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource readerAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(readerPrincipalId)) {
  name: guid(storage.id, readerPrincipalId, 'records-reader')
  scope: storage
  properties: {
    principalId: readerPrincipalId
    principalType: 'User'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles['Storage Table Data Reader'])
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainerName
