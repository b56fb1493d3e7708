// The second stage (azd postdeploy hook, infra/hooks/postdeploy.sh): Event Grid system topics
// (Microsoft.Resources.Subscriptions) on every watched subscription and on the hubs' subscriptions, each with one
// event subscription to the app's `resourceEvents` function, filtered to exactly the operations the flows' routers
// accept (control-plane.json). An AzureFunction destination must exist when the subscription is created, so this runs after
// the code is deployed.
targetScope = 'subscription'

@description('Resource ID of the Function App (main.bicep output AZURE_FUNCTION_APP_ID).')
param functionAppId string

@description('The same topology document main.bicep deployed.')
param topology object = loadJsonContent('topology.json')

@description('Resource group created in each subscription for its system topic (when it has none to reuse).')
param topicResourceGroupName string = 'rg-hubspoke-events'

@description('Region of that resource group (the topic itself is global).')
param location string

@description('A subscription has at most one Microsoft.Resources.Subscriptions system topic: reuse existing ones, { "<subscriptionId>": { "resourceGroup": "...", "name": "..." } }.')
param existingSystemTopics object = {}

param eventSubscriptionName string = 'hubspoke-control-plane'

var needs = loadJsonContent('control-plane.json')
var conditions = {
  always: true
  privateDns: contains(topology, 'privateDns')
  privateDnsCreatesZones: contains(topology, 'privateDns') && (topology.?privateDns.?createMissingZones ?? false)
  stamps: contains(topology, 'stamps')
  stampsStandard: !empty(filter(topology.?stamps.?frontDoors ?? [], f => toLower(split(f.id, '/')[6]) == 'microsoft.cdn'))
  stampsClassic: !empty(filter(topology.?stamps.?frontDoors ?? [], f => toLower(split(f.id, '/')[6]) == 'microsoft.network'))
  egress: contains(topology, 'egress')
  egressDirect: (topology.?egress.?applyMode ?? 'platformApi') == 'direct'
  egressPlatformApi: contains(topology, 'egress') && (topology.?egress.?applyMode ?? 'platformApi') == 'platformApi'
}
var enabledFlows = filter(needs.flows, f => conditions[f.when])
var watchedOperations = union(flatten(map(enabledFlows, f => f.events.watchedSubscriptions)), [])
var hubOperations = union(flatten(map(enabledFlows, f => f.events.hubSubscriptions)), [])

var watchedSubscriptions = map(topology.watchedSubscriptions, s => toLower(s))
var hubSubscriptions = union(map(topology.hubs, h => toLower(split(h.vnetId, '/')[2])), [])
// A subscription both watched and holding hubs gets both lists (one subscription, one filter).
var targets = union(
  map(watchedSubscriptions, s => { subscriptionId: s, operations: contains(hubSubscriptions, s) ? union(watchedOperations, hubOperations) : watchedOperations }),
  map(filter(hubSubscriptions, s => !contains(watchedSubscriptions, s)), s => { subscriptionId: s, operations: hubOperations })
)

module perSubscription 'app/events-subscription.bicep' = [
  for t in targets: {
    name: 'events-${t.subscriptionId}'
    scope: subscription(t.subscriptionId)
    params: {
      location: location
      createTopic: !contains(existingSystemTopics, t.subscriptionId)
      topicResourceGroupName: existingSystemTopics[?t.subscriptionId].?resourceGroup ?? topicResourceGroupName
      topicName: existingSystemTopics[?t.subscriptionId].?name ?? 'hubspoke-arm-${t.subscriptionId}'
      eventSubscriptionName: eventSubscriptionName
      functionResourceId: '${functionAppId}/functions/${needs.eventGrid.functionName}'
      includedEventTypes: needs.eventGrid.includedEventTypes
      filterKey: needs.eventGrid.advancedFilterKey
      operations: t.operations
    }
  }
]

// ---- The stamps flow (control-plane.json `subjectEvents`, `healthEvents`): per subscription holding stamp resources. ----

var stampsFlow = first(filter(needs.flows, f => f.name == 'stamps'))
var stampResourceIds = union(flatten(map(topology.?stamps.?stamps ?? [], s => map(s.?resourceIds ?? [], id => toLower(id)))), [])
// A stamp resource's ancestors whose deletion takes it along: its resource group and its parent resources.
var stampAncestors = union(flatten(map(stampResourceIds, id => concat(
  [join(take(split(id, '/'), 5), '/')],
  map(range(0, (length(split(id, '/')) - 9) / 2), i => join(take(split(id, '/'), 9 + 2 * i), '/'))
))), [])
var stampSubscriptions = union(map(stampResourceIds, id => split(id, '/')[2]), [])
// Event Grid: 25 advanced filter values per event subscription; longer lists are split over several.
var chunk = 25
var stampTargets = map(stampSubscriptions, s => {
  subscriptionId: s
  resources: filter(stampResourceIds, id => split(id, '/')[2] == s)
  ancestors: filter(stampAncestors, id => split(id, '/')[2] == s)
})

module stampEvents 'app/stamp-events.bicep' = [
  for t in stampTargets: {
    name: 'stamp-events-${t.subscriptionId}'
    scope: subscription(t.subscriptionId)
    params: {
      location: location
      // The subscription's Microsoft.Resources.Subscriptions system topic: the one perSubscription made or reuses.
      createTopic: !contains(existingSystemTopics, t.subscriptionId) && !contains(map(targets, x => x.subscriptionId), t.subscriptionId)
      createGroup: !contains(existingSystemTopics, t.subscriptionId)
      topicResourceGroupName: existingSystemTopics[?t.subscriptionId].?resourceGroup ?? topicResourceGroupName
      topicName: existingSystemTopics[?t.subscriptionId].?name ?? 'hubspoke-arm-${t.subscriptionId}'
      healthTopicName: 'hubspoke-health-${t.subscriptionId}'
      eventSubscriptionName: eventSubscriptionName
      functionResourceId: '${functionAppId}/functions/${needs.eventGrid.functionName}'
      subjectEvents: stampsFlow.subjectEvents
      healthEvents: stampsFlow.healthEvents
      resourceChunks: map(range(0, (length(t.resources) + chunk - 1) / chunk), i => take(skip(t.resources, i * chunk), chunk))
      ancestorChunks: map(range(0, (length(t.ancestors) + chunk - 1) / chunk), i => take(skip(t.ancestors, i * chunk), chunk))
    }
    dependsOn: [perSubscription]
  }
]
