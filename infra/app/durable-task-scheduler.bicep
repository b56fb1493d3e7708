// Durable Task Scheduler: a scheduler and the task hub host.json names, with Durable Task Data Contributor for the
// app's identity on the task hub (managed identity is the scheduler's only authentication).
param name string
param location string
param tags object
@allowed(['Consumption', 'Dedicated'])
param sku string
param taskHubName string
param principalId string
param builtInRoles object

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: sku == 'Dedicated' ? { name: 'Dedicated', capacity: 1 } : { name: 'Consumption' }
    // An empty list reportedly denies every caller (unverified): allow all, access is by Entra ID role only.
    ipAllowlist: ['0.0.0.0/0']
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource dataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, principalId, builtInRoles['Durable Task Data Contributor'])
  scope: taskHub
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles['Durable Task Data Contributor'])
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
