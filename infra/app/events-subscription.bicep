// One subscription's system topic (created, or an existing one reused) and the control plane's event subscription.
targetScope = 'subscription'

param location string
param createTopic bool
param topicResourceGroupName string
param topicName string
param eventSubscriptionName string
param functionResourceId string
param includedEventTypes array
param filterKey string
@maxLength(25)
@description('Event Grid allows 25 advanced filter values per event subscription.')
param operations array

resource topicGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createTopic) {
  name: topicResourceGroupName
  location: location
}

module topic 'event-subscription.bicep' = {
  name: 'hubspoke-events'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    createTopic: createTopic
    topicName: topicName
    eventSubscriptionName: eventSubscriptionName
    functionResourceId: functionResourceId
    includedEventTypes: includedEventTypes
    filterKey: filterKey
    operations: operations
  }
  dependsOn: [topicGroup]
}
