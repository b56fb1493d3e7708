import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import type { ResourceNotification } from '../../../local/eventgrid/notification';
import {
  caseResourceId,
  defaultResourceIdCasing,
  resourceEventType,
  toResourceEvents,
} from '../../../local/eventgrid/resourceEvents';

const sub = '00000000-0000-0000-0000-00000000a001';
const vnetId = `/subscriptions/${sub}/resourceGroups/RG-Spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1`;

function notification(overrides: Partial<ResourceNotification> = {}): ResourceNotification {
  return {
    kind: 'write',
    status: 'Succeeded',
    resourceUri: vnetId,
    subscriptionId: sub,
    resourceGroup: 'RG-Spoke1',
    resourceProvider: 'Microsoft.Network',
    operationName: 'Microsoft.Network/virtualNetworks/write',
    correlationId: 'c0ffee00-0000-0000-0000-000000000001',
    clientRequestId: 'c1e00000-0000-0000-0000-000000000002',
    httpMethod: 'PUT',
    url: `https://management.azure.com${vnetId}?api-version=2025-05-01`,
    tenantId: '72f988bf-0000-0000-0000-000000000000',
    claims: { oid: '11111111-2222-3333-4444-555555555555', appid: 'app-1' },
    time: '2025-03-01T10:00:00.000Z',
    ...overrides,
  };
}

describe('resourceEventType', () => {
  it.each([
    ['write', 'Succeeded', 'Microsoft.Resources.ResourceWriteSuccess'],
    ['write', 'Failed', 'Microsoft.Resources.ResourceWriteFailure'],
    ['delete', 'Succeeded', 'Microsoft.Resources.ResourceDeleteSuccess'],
    ['delete', 'Failed', 'Microsoft.Resources.ResourceDeleteFailure'],
    ['action', 'Succeeded', 'Microsoft.Resources.ResourceActionSuccess'],
    ['action', 'Failed', 'Microsoft.Resources.ResourceActionFailure'],
    ['write', 'Canceled', 'Microsoft.Resources.ResourceWriteCancel'],
  ] as const)('%s + %s -> %s', (kind, status, expected) => {
    expect(resourceEventType(kind, status)).toBe(expected);
  });
});

describe('caseResourceId', () => {
  it('lower-cases the resourceGroups segment by default and keeps everything else', () => {
    expect(caseResourceId(vnetId, defaultResourceIdCasing)).toBe(
      `/subscriptions/${sub}/resourcegroups/RG-Spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1`,
    );
  });

  it('can preserve ARM casing', () => {
    expect(caseResourceId(vnetId, { ...defaultResourceIdCasing, resourceGroupsSegment: 'preserve' })).toBe(vnetId);
  });

  it('can lower-case provider namespaces (also nested extension providers) and re-case the group name', () => {
    const id = `${vnetId}/providers/Microsoft.Authorization/locks/l1`;
    expect(
      caseResourceId(id, { resourceGroupsSegment: 'lower', providerNamespace: 'lower', resourceGroupName: 'upper' }),
    ).toBe(
      `/subscriptions/${sub}/resourcegroups/RG-SPOKE1/providers/microsoft.network/virtualNetworks/vnet-spoke1/providers/microsoft.authorization/locks/l1`,
    );
  });

  it('leaves a child named "resourceGroups" deeper in the ID alone', () => {
    const odd = `${vnetId}/subnets/resourceGroups`;
    expect(caseResourceId(odd, defaultResourceIdCasing).endsWith('/subnets/resourceGroups')).toBe(true);
  });
});

describe('toResourceEvents', () => {
  it('builds the Event Grid schema event of a subscription system topic', () => {
    const { eventGrid } = toResourceEvents(notification(), 'e-1');
    expect(eventGrid).toEqual({
      id: 'e-1',
      topic: `/subscriptions/${sub}`,
      subject: `/subscriptions/${sub}/resourcegroups/RG-Spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1`,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      eventTime: '2025-03-01T10:00:00.000Z',
      dataVersion: '2',
      metadataVersion: '1',
      data: {
        tenantId: '72f988bf-0000-0000-0000-000000000000',
        subscriptionId: sub,
        resourceGroup: 'RG-Spoke1',
        resourceProvider: 'Microsoft.Network',
        resourceUri: `/subscriptions/${sub}/resourcegroups/RG-Spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1`,
        operationName: 'Microsoft.Network/virtualNetworks/write',
        status: 'Succeeded',
        authorization: {
          scope: `/subscriptions/${sub}/resourcegroups/RG-Spoke1/providers/Microsoft.Network/virtualNetworks/vnet-spoke1`,
          action: 'Microsoft.Network/virtualNetworks/write',
          evidence: {
            role: 'Contributor',
            roleAssignmentScope: `/subscriptions/${sub}`,
            principalId: '11111111-2222-3333-4444-555555555555',
            principalType: 'ServicePrincipal',
          },
        },
        claims: { oid: '11111111-2222-3333-4444-555555555555', appid: 'app-1' },
        correlationId: 'c0ffee00-0000-0000-0000-000000000001',
        httpRequest: {
          clientRequestId: 'c1e00000-0000-0000-0000-000000000002',
          clientIpAddress: '127.0.0.1',
          method: 'PUT',
          url: `https://management.azure.com${vnetId}?api-version=2025-05-01`,
        },
      },
    });
  });

  it('builds the CloudEvents 1.0 form with the same id, time and data', () => {
    const { eventGrid, cloudEvent } = toResourceEvents(notification({ kind: 'delete', httpMethod: 'delete' }), 'e-2');
    expect(cloudEvent).toEqual({
      specversion: '1.0',
      id: 'e-2',
      source: `/subscriptions/${sub}`,
      type: 'Microsoft.Resources.ResourceDeleteSuccess',
      subject: eventGrid.subject,
      time: eventGrid.eventTime,
      datacontenttype: 'application/json',
      data: eventGrid.data,
    });
    expect(cloudEvent.data.httpRequest.method).toBe('DELETE');
  });

  it('accepts epoch milliseconds and Dates for time, and rejects garbage with the bad value in the message', () => {
    const at = Date.UTC(2025, 5, 1, 12);
    expect(toResourceEvents(notification({ time: at }), 'x').eventGrid.eventTime).toBe('2025-06-01T12:00:00.000Z');
    expect(toResourceEvents(notification({ time: new Date(at) }), 'x').cloudEvent.time).toBe('2025-06-01T12:00:00.000Z');
    expect(() => toResourceEvents(notification({ time: 'yesterday' }), 'x')).toThrow(
      'ResourceNotification.time "yesterday" is not a valid date',
    );
  });

  it('marks a user principal from a upn claim', () => {
    const { eventGrid } = toResourceEvents(notification({ claims: { upn: 'ops@contoso.com', oid: 'u-1' } }), 'x');
    expect(eventGrid.data.authorization.evidence).toMatchObject({ principalType: 'User', principalId: 'u-1' });
  });
});

describe('@azure/eventgrid accepts what we produce', () => {
  const deserializer = new EventGridDeserializer();

  it('deserializes the Event Grid schema form as a Microsoft.Resources system event', async () => {
    const { eventGrid } = toResourceEvents(notification(), 'e-3');
    const [event] = await deserializer.deserializeEventGridEvents(JSON.stringify([eventGrid]));
    expect(event).toBeDefined();
    if (event === undefined) return;
    expect(isSystemEvent('Microsoft.Resources.ResourceWriteSuccess', event)).toBe(true);
    if (isSystemEvent('Microsoft.Resources.ResourceWriteSuccess', event)) {
      expect(event.data.operationName).toBe('Microsoft.Network/virtualNetworks/write');
      expect(event.data.resourceUri).toBe(eventGrid.subject);
      expect(event.data.httpRequest.method).toBe('PUT');
    }
    expect(event.eventTime).toEqual(new Date('2025-03-01T10:00:00.000Z'));
  });

  it('deserializes the CloudEvents form', async () => {
    const { cloudEvent } = toResourceEvents(notification({ kind: 'delete' }), 'e-4');
    const [event] = await deserializer.deserializeCloudEvents(JSON.stringify(cloudEvent));
    expect(event).toBeDefined();
    if (event === undefined) return;
    expect(isSystemEvent('Microsoft.Resources.ResourceDeleteSuccess', event)).toBe(true);
    expect(event.source).toBe(`/subscriptions/${sub}`);
    expect(event.subject).toBe(cloudEvent.subject);
    expect(event.extensionAttributes).toBeUndefined();
  });
});
