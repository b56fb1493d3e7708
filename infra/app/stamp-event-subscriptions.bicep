// See stamp-events.bicep. Event Grid schema, one event per delivery, as the operation-filtered subscriptions.
param createTopic bool
param topicName string
param healthTopicName string
param eventSubscriptionName string
param functionResourceId string
param subjectEvents object
param healthEvents object
param resourceChunks array
param ancestorChunks array

var destination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: functionResourceId
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}
var retryPolicy = { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }

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

// A stamp resource or anything below it, written or deleted: the subject (the resource ID) begins with its ID.
resource resourceSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for (values, i) in resourceChunks: {
    parent: topic
    name: '${eventSubscriptionName}-stamps-${i}'
    properties: {
      destination: destination
      filter: {
        includedEventTypes: subjectEvents.resources.includedEventTypes
        advancedFilters: [{ operatorType: subjectEvents.resources.operatorType, key: subjectEvents.resources.key, values: values }]
      }
      eventDeliverySchema: 'EventGridSchema'
      retryPolicy: retryPolicy
    }
    dependsOn: [newTopic]
  }
]

// A stamp resource's resource group or parent resource deleted.
resource ancestorSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for (values, i) in ancestorChunks: {
    parent: topic
    name: '${eventSubscriptionName}-stamp-ancestors-${i}'
    properties: {
      destination: destination
      filter: {
        includedEventTypes: subjectEvents.ancestors.includedEventTypes
        advancedFilters: [{ operatorType: subjectEvents.ancestors.operatorType, key: subjectEvents.ancestors.key, values: values }]
      }
      eventDeliverySchema: 'EventGridSchema'
      retryPolicy: retryPolicy
    }
    dependsOn: [newTopic]
  }
]

// Health Resources: one system topic of this type per subscription (unverified whether an existing one must be reused,
// as for Microsoft.Resources.Subscriptions). Subscribing needs Microsoft.ResourceNotifications/systemTopics/
// subscribeToHealthResources/action for whoever runs the deployment.
resource healthTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: healthTopicName
  location: 'global'
  properties: {
    source: subscription().id
    topicType: healthEvents.topicType
  }
}

resource healthSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for (values, i) in resourceChunks: {
    parent: healthTopic
    name: '${eventSubscriptionName}-health-${i}'
    properties: {
      destination: destination
      filter: {
        includedEventTypes: healthEvents.includedEventTypes
        advancedFilters: [{ operatorType: healthEvents.operatorType, key: healthEvents.key, values: values }]
      }
      eventDeliverySchema: 'EventGridSchema'
      retryPolicy: retryPolicy
    }
  }
]
