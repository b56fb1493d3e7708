// One flow role on a classic Front Door (the Front Door itself, not its resource group).
param frontDoorName string
param principalId string
@description('The role definition\'s name (a GUID): a built-in role\'s, or a custom role of control-plane.json.')
param roleDefinitionName string

resource target 'Microsoft.Network/frontDoors@2021-06-01' existing = {
  name: frontDoorName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(target.id, principalId, roleDefinitionName)
  scope: target
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
  }
}
