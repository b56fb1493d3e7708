// One flow role on a resource group (the private DNS zones' resource group).
param principalId string
@description('The role definition\'s name (a GUID): a built-in role\'s, or a custom role of control-plane.json.')
param roleDefinitionName string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionName)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
  }
}
