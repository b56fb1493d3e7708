// The Microsoft.Resources.Subscriptions system topic of this subscription and an event subscription delivering the
// flows' operations to the app's Event Grid function, one event per delivery, Event Grid schema.
param createTopic bool
param topicName string
param eventSubscriptionName string
param functionResourceId string
param includedEventTypes array
param filterKey string
param operations array

resource newTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (createTopic) {
  name: topicName
  location: 'global'
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: topicName
}

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: eventSubscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: includedEventTypes
      advancedFilters: [
        { operatorType: 'StringIn', key: filterKey, values: operations }
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
  }
  dependsOn: [newTopic]
}
