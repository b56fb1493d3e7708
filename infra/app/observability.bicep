// What an operator looks at: a workbook over the control plane's metrics and outcome log (per flow: health, latency,
// stuck resources, throttling, writer queues, approvals waiting, stamps out, the last drift run) and the alert rules
// (a resource not converged, approvals waiting, drift found, a stamp ejected, the function app failing). The queries
// live in observability/workbook.json and observability/alerts.json; the metric names they use are the app's own
// (shared/telemetry/metrics.ts), checked by test/unit/deploy/observability.test.ts.
param name string
param location string
param tags object
@description('The Application Insights resource the app sends its telemetry to (the queries read its tables).')
param appInsightsId string
@description('Alert when a resource has not converged for this many minutes.')
param notConvergedMinutes int
@description('Alert when an egress request has waited for approval this many hours.')
param approvalWaitHours int
@description('Alert when more function invocations than this fail within the window.')
param functionFailureThreshold int
@description('An action group to notify (its resource ID); empty: the alerts fire in the portal only.')
param actionGroupId string

var alerts = loadJsonContent('observability/alerts.json')
var thresholds = {
  notConvergedMinutes: string(notConvergedMinutes)
  approvalWaitHours: string(approvalWaitHours)
  functionFailureThreshold: string(functionFailureThreshold)
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, name, 'control-plane-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Hub-and-spoke control plane (${name})'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: loadTextContent('observability/workbook.json')
  }
}

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for alert in alerts: {
    name: 'alert-hubspoke-${alert.name}-${name}'
    location: location
    tags: tags
    properties: {
      displayName: 'Control plane: ${alert.name}'
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [appInsightsId]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      criteria: {
        allOf: [
          {
            query: replace(replace(replace(alert.query, '{notConvergedMinutes}', thresholds.notConvergedMinutes), '{approvalWaitHours}', thresholds.approvalWaitHours), '{functionFailureThreshold}', thresholds.functionFailureThreshold)
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      autoMitigate: true
      actions: { actionGroups: empty(actionGroupId) ? [] : [actionGroupId] }
    }
  }
]

output workbookId string = workbook.id
output alertRuleNames array = [for (alert, i) in alerts: rules[i].name]
