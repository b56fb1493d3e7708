// The Function App on Flex Consumption (Linux, Node 22) with the user-assigned identity; the package is deployed to
// a blob container read with that identity. Optionally App Service Authentication (Entra ID) in front of it.
param name string
param location string
param tags object
param identityId string
param storageBlobEndpoint string
param deploymentContainerName string
@secure()
@description('Secure: it carries STAMP_ALERT_KEYS, kept out of the deployment history.')
param appSettings object
param maximumInstanceCount int
param instanceMemoryMB int
param enableAppServiceAuth bool
param authClientId string
param authAudience string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
      runtime: { name: 'node', version: '22' }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

// App Service Authentication (Easy Auth on Flex Consumption: unverified GA). Unauthenticated requests get 401;
// Event Grid deliveries (/runtime/webhooks/eventgrid) carry the extension's system key and are excluded, as are the
// Durable extension's webhooks, which use their own keys. The stamps' alert webhook authenticates every call in code
// (the secure webhook's token, or a STAMP_ALERT_KEYS key an action group's plain webhook sends), so it is excluded too.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (enableAppServiceAuth) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      // The console's static assets (no data) load before sign-in, so the page can offer it (/.auth/login/aad).
      excludedPaths: ['/runtime/webhooks/eventgrid', '/runtime/webhooks/durabletask', '/api/stamps/alerts', '/api/console']
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: 'https://login.microsoftonline.com/${tenant().tenantId}/v2.0'
        }
        validation: { allowedAudiences: [authAudience, authClientId] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
