// A custom role of one flow (control-plane.json customRoles): exactly the actions listed there, no wildcards, no data actions.
targetScope = 'subscription'

param name string
param roleName string
param description string
param actions array
param assignableScopes array

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: name
  properties: {
    roleName: roleName
    description: description
    type: 'CustomRole'
    permissions: [{ actions: actions, notActions: [] }]
    assignableScopes: assignableScopes
  }
}

output id string = role.id
