import { parseResourceEvent } from '../../../shared/events/resource-event';

const SUB = '22222222-3333-4444-5555-666666666666';
const VNET = `/subscriptions/${SUB}/resourcegroups/rg-app/providers/Microsoft.Network/virtualNetworks/spoke1`;
const data = {
  tenantId: 't', subscriptionId: SUB, resourceGroup: 'rg-app', resourceProvider: 'Microsoft.Network', resourceUri: VNET,
  operationName: 'Microsoft.Network/virtualNetworks/write', status: 'Succeeded', correlationId: 'corr-1',
  claims: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'alice@contoso.com', appid: 'app-1' },
};
const gridEvent = { id: 'e1', topic: `/subscriptions/${SUB}`, subject: VNET, eventType: 'Microsoft.Resources.ResourceWriteSuccess', eventTime: '2026-11-20T10:00:00Z', data, dataVersion: '2', metadataVersion: '1' };
const cloudEvent = { specversion: '1.0', id: 'e2', type: 'Microsoft.Resources.ResourceDeleteSuccess', source: `/subscriptions/${SUB}`, subject: VNET, time: '2026-11-20T10:00:01Z', data: { ...data, operationName: 'Microsoft.Network/virtualNetworks/delete' } };

describe('parseResourceEvent', () => {
  it('reduces an Event Grid schema event', () => {
    expect(parseResourceEvent(gridEvent)).toEqual({
      ok: true,
      event: expect.objectContaining({
        eventId: 'e1', kind: 'write', outcome: 'Success', resourceId: VNET, subscriptionId: SUB,
        operationName: 'Microsoft.Network/virtualNetworks/write', correlationId: 'corr-1', principal: 'alice@contoso.com',
        eventTime: '2026-11-20T10:00:00Z',
      }),
    });
  });

  it('reduces a CloudEvents 1.0 event', () => {
    const parsed = parseResourceEvent(cloudEvent);
    expect(parsed.ok && parsed.event).toMatchObject({ eventId: 'e2', kind: 'delete', outcome: 'Success', eventTime: '2026-11-20T10:00:01Z' });
  });

  it('falls back to the app ID when there is no user principal', () => {
    const parsed = parseResourceEvent({ ...gridEvent, data: { ...data, claims: { appid: 'app-1' } } });
    expect(parsed.ok && parsed.event.principal).toBe('app-1');
  });

  it.each([
    [{ ...gridEvent, data: { ...data, operationName: undefined } }, 'not a resource event (Event Grid schema): data.operationName:'],
    [{ ...gridEvent, id: '' }, 'not a resource event (Event Grid schema): id:'],
    [{ ...cloudEvent, specversion: '0.3' }, 'not a resource event (CloudEvents 1.0): specversion:'],
    [{ ...gridEvent, eventType: 'Microsoft.Storage.BlobCreated' }, 'event type "Microsoft.Storage.BlobCreated" is not a Microsoft.Resources resource event'],
    [{ ...gridEvent, subject: '/subscriptions/nope/x' }, 'subject: "/subscriptions/nope/x" is not a valid ARM resource ID'],
    ['a string', 'not a resource event (Event Grid schema): (event):'],
  ])('rejects %j with a reason naming the field', (raw, reason) => {
    const parsed = parseResourceEvent(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});
