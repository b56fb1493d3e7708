// The stamps flow's events in one subscription holding stamp resources (control-plane.json `subjectEvents` and
// `healthEvents`): event subscriptions on the subscription's Microsoft.Resources.Subscriptions system topic filtered on
// the subject (a stamp resource or below it; a deleted ancestor), and the Health Resources system topic
// (AvailabilityStatusChanged, preview: VMs and scale sets) with its event subscriptions, all to `resourceEvents`.
targetScope = 'subscription'

param location string
param createTopic bool
@description('False when the topic group is an existing system topic\'s: its group exists, maybe in another region.')
param createGroup bool
param topicResourceGroupName string
param topicName string
param healthTopicName string
param eventSubscriptionName string
param functionResourceId string
param subjectEvents object
param healthEvents object
@description('Stamp resource IDs of this subscription, at most 25 per list (one event subscription each).')
param resourceChunks array
@description('Their resource groups and parent resources, at most 25 per list.')
param ancestorChunks array

// The same group events-subscription.bicep creates for a watched or hub subscription (a PUT with the same location
// changes nothing), or a new one.
resource topicGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (createGroup) {
  name: topicResourceGroupName
  location: location
}

module subscriptions 'stamp-event-subscriptions.bicep' = {
  name: 'hubspoke-stamp-events'
  scope: resourceGroup(topicResourceGroupName)
  params: {
    createTopic: createTopic
    topicName: topicName
    healthTopicName: healthTopicName
    eventSubscriptionName: eventSubscriptionName
    functionResourceId: functionResourceId
    subjectEvents: subjectEvents
    healthEvents: healthEvents
    resourceChunks: resourceChunks
    ancestorChunks: ancestorChunks
  }
  dependsOn: [topicGroup]
}
