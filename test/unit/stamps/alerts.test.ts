import { parseCommonAlert, StampAlert, stampsForAlert } from '../../../shared/stamps/alerts';
import { AVAILABILITY_STATUS_CHANGED, isAvailabilityStatusChanged, parseHealthEvent } from '../../../shared/stamps/events';
import { logAlertV2Fired, metricAlertFired, metricAlertResolved, resourceHealthAlert } from '../../fixtures/stamps/alertSamples';

const SUB = '11111111-1111-1111-1111-111111111111';
const APP = `/subscriptions/${SUB}/resourceGroups/rg-stamp-weu-1/providers/Microsoft.Web/sites/app-weu-1`;
const VM = `/subscriptions/${SUB}/resourceGroups/rg-stamp-neu-1/providers/Microsoft.Compute/virtualMachines/vm-neu-1`;
const stamps = [
  { name: 'weu-1', resourceIds: [APP] },
  { name: 'neu-1', resourceIds: [VM] },
];

function parsed(body: unknown): StampAlert {
  const result = parseCommonAlert(body);
  if (!result.ok) throw new Error(result.error);
  return result.alert;
}

describe('parseCommonAlert: the published samples', () => {
  it('a metric alert, Resolved', () => {
    const alert = parsed(metricAlertResolved(APP.toLowerCase()));
    expect(alert).toMatchObject({ condition: 'Resolved', kind: 'metric', severity: 'Sev3', rule: 'WCUS-R2-Gen2', resolvedAt: '2019-03-22T14:03:16.2246313Z' });
    expect(alert.detail).toBe('WCUS-R2-Gen2 Resolved (Sev3, Platform): Percentage CPU GreaterThan 25 (value 7.727)');
    expect(alert.stampId).toBeUndefined();
  });

  it('a metric alert, Fired, naming its stamp in customProperties', () => {
    expect(parsed(metricAlertFired(APP, { stampId: 'weu-1' }))).toMatchObject({ condition: 'Fired', kind: 'metric', stampId: 'weu-1' });
  });

  it('a log search v2 alert, Fired, naming its stamp in alertContext.properties', () => {
    const alert = parsed(logAlertV2Fired(`/subscriptions/${SUB}/resourcegroups/test-RG/providers/microsoft.operationalinsights/workspaces/ws`, { stampId: 'neu-1' }));
    expect(alert).toMatchObject({ condition: 'Fired', kind: 'log', stampId: 'neu-1', monitoringService: 'Log Alerts V2' });
    expect(alert.detail).toBe('test-logAlertRule-v2 Fired (Sev4, Log Alerts V2): Heartbeat GreaterThan 0 (value 3)');
  });

  it.each(['Unavailable', 'Available', 'Degraded'])('a Resource Health activity-log alert, %s', (state) => {
    const alert = parsed(resourceHealthAlert(VM, state, 'Available'));
    expect(alert).toMatchObject({ kind: 'resourceHealth', condition: 'Fired', healthStatus: state, signalType: 'Activity Log' });
  });

  it('a Resource Health alert spelled ResourceHealth is the same kind', () => {
    const body = resourceHealthAlert(VM, 'Unavailable', 'Available') as { data: { essentials: Record<string, unknown> } };
    body.data.essentials.monitoringService = 'ResourceHealth';
    expect(parsed(body).kind).toBe('resourceHealth');
  });
});

describe('parseCommonAlert: what it refuses, and why', () => {
  const withEssentials = (change: Record<string, unknown>) => {
    const body = metricAlertFired(APP) as { data: { essentials: Record<string, unknown> } };
    Object.assign(body.data.essentials, change);
    return body;
  };
  it.each<[string, unknown, string]>([
    ['not JSON object', 'hello', 'not an Azure Monitor common-schema alert: body: '],
    ['another schema', { schemaId: 'Microsoft.Insights/activityLogs', data: {} }, 'schemaId: schemaId must be "azureMonitorCommonAlertSchema": turn on the common alert schema in the action group'],
    ['no essentials', { schemaId: 'azureMonitorCommonAlertSchema', data: {} }, 'data.essentials: '],
    ['an unknown condition', withEssentials({ monitorCondition: 'Maybe' }), 'data.essentials.monitorCondition: '],
    ['a bad severity', withEssentials({ severity: 'Sev9' }), 'data.essentials.severity: must be Sev0 to Sev4'],
    ['too many targets', withEssentials({ alertTargetIDs: Array.from({ length: 101 }, (_, i) => `${APP}${i}`) }), 'data.essentials.alertTargetIDs: at most 100 alertTargetIDs'],
    ['a Resource Health alert without a status', resourceHealthAlert(VM, 'Sideways', 'Available'), 'a Resource Health alert needs data.alertContext.properties.currentHealthStatus (one of Available, Unavailable, Degraded, Unknown); got "Sideways"'],
  ])('%s', (_label, body, message) => {
    const result = parseCommonAlert(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});

describe('stampsForAlert', () => {
  it('finds the stamp by stampId first', () => {
    expect(stampsForAlert(parsed(metricAlertFired(VM, { stampId: 'WEU-1' })), stamps)).toEqual({ stamps: ['weu-1'], by: 'stampId' });
  });
  it('reports no stamp for a stampId that names none, without falling back', () => {
    expect(stampsForAlert(parsed(metricAlertFired(VM, { stampId: 'nope' })), stamps)).toEqual({ stamps: [], by: 'stampId' });
  });
  it('else by alertTargetIDs, case-insensitively (Azure lower-cases them)', () => {
    expect(stampsForAlert(parsed(metricAlertFired(APP.toLowerCase(), null)), stamps)).toEqual({ stamps: ['weu-1'], by: 'alertTargetIDs' });
    expect(stampsForAlert(parsed(resourceHealthAlert(VM.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), 'Unavailable', 'Available')), stamps).stamps).toEqual(['neu-1']);
  });
  it('no stamp for a resource no stamp owns', () => {
    expect(stampsForAlert(parsed(metricAlertFired(`/subscriptions/${SUB}/resourceGroups/x/providers/Microsoft.Web/sites/y`, null)), stamps).stamps).toEqual([]);
  });
});

describe('parseHealthEvent', () => {
  const egEvent = (state: string, extra: Record<string, unknown> = {}) => ({
    id: '1fb6fa94-d965-4306-abeq-4810f0774e97',
    topic: `/subscriptions/${SUB}`,
    subject: VM,
    data: {
      resourceInfo: {
        id: `${VM}/providers/Microsoft.ResourceHealth/availabilityStatuses/ev1`,
        name: 'ev1',
        type: 'Microsoft.ResourceHealth/availabilityStatuses',
        properties: { targetResourceId: VM, targetResourceType: 'Microsoft.Compute/virtualMachines', occurredTime: '2023-07-24T19:20:37.9245071Z', previousAvailabilityState: 'Available', availabilityState: state, ...extra },
      },
      operationalInfo: { resourceEventTime: '2023-07-24T19:20:37.9245071Z' },
      apiVersion: '2023-12-01',
    },
    eventType: AVAILABILITY_STATUS_CHANGED,
    dataVersion: '1',
    metadataVersion: '1',
    eventTime: '2023-07-24T19:20:37.9245071Z',
  });

  it('reads the documented Event Grid event', () => {
    expect(parseHealthEvent(egEvent('Unavailable'))).toEqual({ ok: true, eventId: '1fb6fa94-d965-4306-abeq-4810f0774e97', health: { resourceId: VM, availabilityState: 'Unavailable', occurredTime: '2023-07-24T19:20:37.9245071Z' } });
  });

  it('reads the CloudEvents form', () => {
    const eg = egEvent('Available');
    const ce = { specversion: '1.0', id: eg.id, source: eg.topic, subject: eg.subject, type: eg.eventType, time: eg.eventTime, data: eg.data };
    expect(isAvailabilityStatusChanged(ce)).toBe(true);
    expect(parseHealthEvent(ce)).toMatchObject({ ok: true, health: { availabilityState: 'Available' } });
  });

  it('refuses another event type and an unknown state', () => {
    expect(parseHealthEvent({ ...egEvent('Available'), eventType: 'Microsoft.ResourceNotifications.HealthResources.ResourceAnnotated' })).toEqual({ ok: false, reason: `not ${AVAILABILITY_STATUS_CHANGED}` });
    expect(parseHealthEvent(egEvent('Sideways'))).toEqual({ ok: false, reason: 'unknown availabilityState "Sideways"' });
  });
});
