// One flow role on a hub virtual network (the VNet itself, not its resource group or subscription).
param vnetName string
param principalId string
@description('The role definition\'s name (a GUID): a built-in role\'s, or a custom role of control-plane.json.')
param roleDefinitionName string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: vnetName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vnet.id, principalId, roleDefinitionName)
  scope: vnet
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)
  }
}
