// One flow role on a Firewall Policy (the policy itself, not its resource group).
param policyName string
param principalId string
@description('The role definition\'s name (a GUID): a built-in role\'s, or a custom role of control-plane.json.')
param roleDefinitionName string

resource target 'Microsoft.Network/firewallPolicies@2024-05-01' existing = {
  name: policyName
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
