// The control plane in Azure (azd: `azd up`). Subscription scope: the app's resource group and everything in it,
// and the least-privilege role assignments of its managed identity in the watched subscriptions, on the hub VNets and
// on the private DNS zones' resource group. The Event Grid subscriptions come after the code (infra/events.bicep, run
// by the azd postdeploy hook): an AzureFunction destination is validated when it is created.
//
// Which operations, roles and scopes each flow needs is data (control-plane.json), shared with the embedded default and
// checked against the code by test/unit/deploy/consistency.test.ts. No Bicep compiler runs offline: CI runs
// `az bicep build` and what-if where Azure is reachable (.github/workflows/azure.yml).
targetScope = 'subscription'

@description('Alert rule: a resource not converged for this many minutes.')
param alertNotConvergedMinutes int = 30

@description('Alert rule: an egress request waiting for approval this many hours.')
param alertApprovalWaitHours int = 24

@description('Alert rule: more failed function invocations than this in 15 minutes.')
param alertFunctionFailures int = 5

@description('Alert rules notify this action group (resource ID); empty: alerts show in the portal only.')
param alertActionGroupId string = ''

@minLength(1)
@maxLength(64)
@description('azd environment name; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of the app, its storage, monitoring and scheduler (a region with Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('The control plane\'s topology document (README "Configuration"): watched subscriptions, hubs, privateDns.')
param topology object = loadJsonContent('topology.json')

@allowed(['observe', 'enforce'])
@description('observe records what would change and writes nothing to ARM; start here, then switch to enforce.')
param controlPlaneMode string = 'observe'

@allowed(['DurableTaskScheduler', 'AzureStorage'])
@description('Durable Functions backend.')
param durableBackend string = 'DurableTaskScheduler'

@allowed(['Consumption', 'Dedicated'])
param durableTaskSchedulerSku string = 'Consumption'

@description('Put App Service Authentication (Entra ID) in front of the HTTP routes. Needs authClientId.')
param enableAppServiceAuth bool = false

@description('The Entra app registration\'s application (client) ID (README "App registration").')
param authClientId string = ''

@description('The app registration\'s Application ID URI, the audience of the tokens the app accepts.')
param authAudience string = 'api://hubspoke-control-plane'

@secure()
@description('Comma-separated keys the stamps\' alert webhook accepts besides the secure webhook token (an action group\'s plain webhook); empty for none.')
param stampAlertKeys string = ''

@description('Object ID of the person running azd, for read access to the records while trying it out; empty for none.')
param principalId string = ''

param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var needs = loadJsonContent('control-plane.json')
var hostJson = loadJsonContent('../host.json')
var taskHubName = hostJson.extensions.durableTask.hubName
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = 'func-hubspoke-${resourceToken}'

// Conditions a flow or a role assignment in control-plane.json names in `when`.
var conditions = {
  always: true
  privateDns: contains(topology, 'privateDns')
  privateDnsCreatesZones: contains(topology, 'privateDns') && (topology.?privateDns.?createMissingZones ?? false)
  stamps: contains(topology, 'stamps')
  stampsStandard: !empty(filter(topology.?stamps.?frontDoors ?? [], f => toLower(split(f.id, '/')[6]) == 'microsoft.cdn'))
  stampsClassic: !empty(filter(topology.?stamps.?frontDoors ?? [], f => toLower(split(f.id, '/')[6]) == 'microsoft.network'))
  egress: contains(topology, 'egress')
  egressDirect: (topology.?egress.?applyMode ?? 'platformApi') == 'direct'
  egressPlatformApi: contains(topology, 'egress') && (topology.?egress.?applyMode ?? 'platformApi') == 'platformApi'
}

// Scopes, all derived from the topology document.
var watchedSubscriptions = map(topology.watchedSubscriptions, s => toLower(s))
var hubVnetIds = map(topology.hubs, h => h.vnetId)
var hubVnets = map(hubVnetIds, id => {
  subscriptionId: toLower(split(id, '/')[2])
  resourceGroup: split(id, '/')[4]
  name: split(id, '/')[8]
})
var hubSubscriptions = union(map(hubVnets, h => h.subscriptionId), [])
// A resource ID as the parts a resource-scoped assignment needs.
var frontDoors = map(topology.?stamps.?frontDoors ?? [], f => {
  subscriptionId: toLower(split(f.id, '/')[2])
  resourceGroup: split(f.id, '/')[4]
  provider: toLower(split(f.id, '/')[6])
  name: split(f.id, '/')[8]
})
var firewallPolicies = map(topology.?egress.?firewallPolicies ?? [], p => {
  subscriptionId: toLower(split(p.policyId, '/')[2])
  resourceGroup: split(p.policyId, '/')[4]
  name: split(p.policyId, '/')[8]
})
var firewallPolicySubscriptions = union(map(firewallPolicies, p => p.subscriptionId), [])
// The custom roles are defined in this subscription and assignable where the flows need them.
var assignableScopes = map(
  union([toLower(subscription().subscriptionId)], watchedSubscriptions, hubSubscriptions, map(frontDoors, f => f.subscriptionId), firewallPolicySubscriptions),
  s => '/subscriptions/${s}'
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-hubspoke-${resourceToken}', location: location, tags: tags }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'sthubspoke${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    principalId: identity.outputs.principalId
    durableOnStorage: durableBackend == 'AzureStorage'
    builtInRoles: needs.builtInRoles
    readerPrincipalId: principalId
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    name: resourceToken
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    builtInRoles: needs.builtInRoles
  }
}

// The operator's workbook and alert rules over the app's telemetry (README "Operating it").
module observability 'app/observability.bicep' = {
  name: 'observability'
  scope: rg
  params: {
    name: resourceToken
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.id
    notConvergedMinutes: alertNotConvergedMinutes
    approvalWaitHours: alertApprovalWaitHours
    functionFailureThreshold: alertFunctionFailures
    actionGroupId: alertActionGroupId
  }
}

module durable 'app/durable-task-scheduler.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  name: 'durable'
  scope: rg
  params: {
    name: 'dts-hubspoke-${resourceToken}'
    location: location
    tags: tags
    sku: durableTaskSchedulerSku
    taskHubName: taskHubName
    principalId: identity.outputs.principalId
    builtInRoles: needs.builtInRoles
  }
}

// Every app setting the code reads (shared/config CONFIG_SETTINGS and what the Azure SDK reads), each set here or
// left to its default on purpose (control-plane.json is not the place: the values are resources' properties). The consistency
// test reads the keys of this object.
var controlPlaneSettings = {
  CONTROL_PLANE_MODE: controlPlaneMode
  CONTROL_PLANE_TOPOLOGY: string(topology)
  TABLES_ACCOUNT_URL: storage.outputs.tableEndpoint
  CONTROL_PLANE_PRINCIPAL_IDS: '${identity.outputs.clientId},${identity.outputs.principalId}'
  AZURE_CLIENT_ID: identity.outputs.clientId
  AZURE_TENANT_ID: tenant().tenantId
  // The app's one token validator (egress API, the stamps' secure alert webhook): the tenant's issuers and keys, the
  // app registration's Application ID URI and client ID as audiences.
  AUTH_TENANT_ID: tenant().tenantId
  AUTH_AUDIENCE: authAudience
  AUTH_CLIENT_ID: authClientId
  AUTH_EASY_AUTH_ENABLED: enableAppServiceAuth ? 'true' : 'false'
  STAMP_ALERT_KEYS: stampAlertKeys
}

// The Functions host's own settings: identity-based AzureWebJobsStorage and Application Insights with Entra ID auth.
var hostSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
}

// The Durable backend. host.json names the scheduler's connection (storageProvider azureManaged); the Azure Storage
// backend overrides host.json's storage provider with the host's AzureFunctionsJobHost__ settings and uses
// AzureWebJobsStorage (unverified in Azure: that the leftover connectionStringName is ignored by that provider).
var durableTaskSchedulerSettings = {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: durableBackend == 'DurableTaskScheduler'
    ? 'Endpoint=${durable!.outputs.endpoint};Authentication=ManagedIdentity;ClientID=${identity.outputs.clientId}'
    : ''
}
var azureStorageDurableSettings = {
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'AzureStorage'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionName: 'AzureWebJobsStorage'
}
var durableSettings = durableBackend == 'DurableTaskScheduler' ? durableTaskSchedulerSettings : azureStorageDurableSettings

module app 'app/function-app.bicep' = {
  name: 'app'
  scope: rg
  params: {
    name: appName
    location: location
    tags: tags
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appSettings: union(controlPlaneSettings, hostSettings, durableSettings)
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    enableAppServiceAuth: enableAppServiceAuth
    authClientId: authClientId
    authAudience: authAudience
  }
}

// ---- The flows' roles (control-plane.json): custom roles, then one assignment per (role, scope) of every enabled entry. ----

var enabledAssignments = filter(flatten(map(needs.flows, f => map(f.roles, r => union(r, { flow: f.name })))), a => conditions[a.when])
var usedCustomRoles = filter(items(needs.customRoles), r => contains(map(enabledAssignments, a => a.role), r.key))

module customRoles 'app/custom-role.bicep' = [
  for role in usedCustomRoles: {
    name: 'role-${role.key}'
    params: {
      name: guid(subscription().id, environmentName, role.key)
      roleName: '${role.value.roleName} (${environmentName})'
      description: role.value.description
      actions: role.value.actions
      assignableScopes: assignableScopes
    }
  }
]

// A role named in control-plane.json: a custom role defined above, else a built-in role by its control-plane.json name.
// The role definition's name (a GUID); each assignment module makes it an ID in its own subscription.
var roleDefinitionNames = toObject(
  union(map(enabledAssignments, a => a.role), []),
  r => r,
  r => contains(needs.customRoles, r) ? guid(subscription().id, environmentName, r) : needs.builtInRoles[r]
)

var watchedAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'watchedSubscriptions'),
  a => map(watchedSubscriptions, s => { subscriptionId: s, role: a.role, flow: a.flow })
))
var hubAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'hubVirtualNetworks'),
  a => map(hubVnets, h => union(h, { role: a.role, flow: a.flow }))
))
var zonesAssignments = map(
  filter(enabledAssignments, a => a.scope == 'privateDnsZonesResourceGroup'),
  a => { subscriptionId: toLower(topology.privateDns.zonesSubscriptionId), resourceGroup: topology.privateDns.zonesResourceGroup, role: a.role, flow: a.flow }
)

var standardFrontDoorAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'standardFrontDoorProfiles'),
  a => map(filter(frontDoors, f => f.provider == 'microsoft.cdn'), f => union(f, { role: a.role, flow: a.flow }))
))
var classicFrontDoorAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'classicFrontDoors'),
  a => map(filter(frontDoors, f => f.provider == 'microsoft.network'), f => union(f, { role: a.role, flow: a.flow }))
))
var firewallPolicyAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'firewallPolicies'),
  a => map(firewallPolicies, p => union(p, { role: a.role, flow: a.flow }))
))
var fqdnTagAssignments = flatten(map(
  filter(enabledAssignments, a => a.scope == 'firewallPolicySubscriptions'),
  a => map(firewallPolicySubscriptions, s => { subscriptionId: s, role: a.role, flow: a.flow })
))

module watchedRoles 'app/subscription-role.bicep' = [
  for (a, i) in watchedAssignments: {
    name: 'watched-${a.flow}-${i}'
    scope: subscription(a.subscriptionId)
    params: {
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

module hubRoles 'app/vnet-role.bicep' = [
  for (a, i) in hubAssignments: {
    name: 'hub-${a.flow}-${i}'
    scope: resourceGroup(a.subscriptionId, a.resourceGroup)
    params: {
      vnetName: a.name
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

module zonesRoles 'app/resource-group-role.bicep' = [
  for (a, i) in zonesAssignments: {
    name: 'zones-${a.flow}-${i}'
    scope: resourceGroup(a.subscriptionId, a.resourceGroup)
    params: {
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

module standardFrontDoorRoles 'app/cdn-profile-role.bicep' = [
  for (a, i) in standardFrontDoorAssignments: {
    name: 'frontdoor-${a.flow}-${i}'
    scope: resourceGroup(a.subscriptionId, a.resourceGroup)
    params: {
      profileName: a.name
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

module classicFrontDoorRoles 'app/classic-front-door-role.bicep' = [
  for (a, i) in classicFrontDoorAssignments: {
    name: 'classic-frontdoor-${a.flow}-${i}'
    scope: resourceGroup(a.subscriptionId, a.resourceGroup)
    params: {
      frontDoorName: a.name
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

module firewallPolicyRoles 'app/firewall-policy-role.bicep' = [
  for (a, i) in firewallPolicyAssignments: {
    name: 'firewall-policy-${a.flow}-${i}'
    scope: resourceGroup(a.subscriptionId, a.resourceGroup)
    params: {
      policyName: a.name
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

// Listing Azure Firewall's FQDN tags is a subscription-level read (GET /subscriptions/{s}/providers/
// Microsoft.Network/azureFirewallFqdnTags): a custom role holding that one action, in the policies' subscriptions.
module fqdnTagRoles 'app/subscription-role.bicep' = [
  for (a, i) in fqdnTagAssignments: {
    name: 'fqdn-tags-${a.flow}-${i}'
    scope: subscription(a.subscriptionId)
    params: {
      principalId: identity.outputs.principalId
      roleDefinitionName: roleDefinitionNames[a.role]
    }
    dependsOn: [customRoles]
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output AZURE_FUNCTION_APP_ID string = app.outputs.id
output CONTROL_PLANE_WATCHED_SUBSCRIPTIONS string = join(watchedSubscriptions, ',')
output CONTROL_PLANE_HUB_SUBSCRIPTIONS string = join(filter(hubSubscriptions, s => !contains(watchedSubscriptions, s)), ',')
output CONTROL_PLANE_PRIVATE_DNS bool = conditions.privateDns
output CONTROL_PLANE_STAMPS bool = conditions.stamps
output CONTROL_PLANE_MODE string = controlPlaneMode
output AZURE_MONITOR_WORKBOOK_ID string = observability.outputs.workbookId
