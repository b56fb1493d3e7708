// One flow role on a watched subscription (a custom role from control-plane.json: never a built-in role at this scope).
targetScope = 'subscription'

param principalId string
@description('The role definition\'s name (a GUID): a built-in role\'s, or a custom role of control-plane.json.')
param roleDefinitionName string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, roleDefinitionName)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
  }
}
