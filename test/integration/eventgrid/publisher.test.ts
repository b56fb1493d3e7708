import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import { createVirtualClock, type VirtualClock } from '../../../local/clock';
import {
  createEventGridPublisher,
  EventSubscriptionValidationError,
  type EventGridPublisher,
  type ResourceNotification,
} from '../../../local/eventgrid';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const subA = '00000000-0000-0000-0000-00000000a001';
const subB = '00000000-0000-0000-0000-00000000b002';

let counter = 0;
function vnetWrite(subscriptionId = subA, name = `vnet-${++counter}`, kind: ResourceNotification['kind'] = 'write'): ResourceNotification {
  const resourceUri = `/subscriptions/${subscriptionId}/resourceGroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/${name}`;
  return {
    kind,
    status: 'Succeeded',
    resourceUri,
    subscriptionId,
    resourceGroup: 'rg-spokes',
    resourceProvider: 'Microsoft.Network',
    operationName: `Microsoft.Network/virtualNetworks/${kind}`,
    correlationId: `corr-${counter}`,
    clientRequestId: `client-${counter}`,
    httpMethod: kind === 'delete' ? 'DELETE' : 'PUT',
    url: `https://management.azure.com${resourceUri}?api-version=2025-05-01`,
    tenantId: 'tenant-1',
    claims: { oid: 'principal-1' },
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, counter)).toISOString(),
  };
}

function peWrite(subscriptionId = subA): ResourceNotification {
  const n = vnetWrite(subscriptionId);
  const resourceUri = `/subscriptions/${subscriptionId}/resourceGroups/rg-spokes/providers/Microsoft.Network/privateEndpoints/pe-${counter}`;
  return { ...n, resourceUri, operationName: 'Microsoft.Network/privateEndpoints/write', url: `https://management.azure.com${resourceUri}` };
}

/** Runs the manual clock until every delivery is finished. */
async function drive(publisher: EventGridPublisher, clock: VirtualClock): Promise<void> {
  for (;;) {
    await publisher.settled();
    if (!clock.advanceToNext()) break;
  }
  await publisher.idle();
}

describe('Event Grid publisher (system topic Microsoft.Resources.Subscriptions)', () => {
  let receiver: WebhookReceiver;
  let publisher: EventGridPublisher;
  let clock: VirtualClock;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    clock = createVirtualClock();
    publisher = createEventGridPublisher({ clock, timeScale: 0.001, random: () => 0.5 });
  });

  afterEach(async () => {
    await publisher.stop();
    await receiver.close();
  });

  describe('validation handshake', () => {
    it('Event Grid schema: POSTs a SubscriptionValidationEvent and accepts the echoed code', async () => {
      const sub = await publisher.subscribe({ azureSubscriptionId: subA, name: 'control-plane', endpointUrl: receiver.url });
      expect(receiver.requests).toHaveLength(1);
      const [req] = receiver.requests;
      expect(req?.method).toBe('POST');
      expect(req?.headers['aeg-event-type']).toBe('SubscriptionValidation');
      expect(req?.headers['aeg-subscription-name']).toBe('CONTROL-PLANE');
      const [event] = req?.json as Array<Record<string, unknown>>;
      expect(event).toMatchObject({
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        subject: '',
        topic: sub.systemTopicId,
        metadataVersion: '1',
        dataVersion: '2',
        data: { validationCode: expect.any(String), validationUrl: expect.stringContaining('/validate?id=') },
      });
      expect(sub).toMatchObject({
        provisioningState: 'Succeeded',
        id: `${sub.systemTopicId}/eventSubscriptions/control-plane`,
      });
      expect(sub.systemTopicId).toMatch(new RegExp(`^/subscriptions/${subA}/resourceGroups/.+/providers/Microsoft.EventGrid/systemTopics/`));
    });

    it('CloudEvents: sends OPTIONS with WebHook-Request-Origin and accepts WebHook-Allowed-Origin', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'ce-sub', endpointUrl: receiver.url, schema: 'CloudEventSchemaV1_0' });
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]?.method).toBe('OPTIONS');
      expect(receiver.requests[0]?.headers['webhook-request-origin']).toBe('eventgrid.azure.net');
    });

    it('a wrong validationResponse fails the creation, says why, and creates nothing', async () => {
      receiver.respondWith(() => ({ status: 200, body: JSON.stringify({ validationResponse: 'not-the-code' }) }));
      const attempt = publisher.subscribe({ azureSubscriptionId: subA, name: 'bad-endpoint', endpointUrl: receiver.url });
      await expect(attempt).rejects.toThrow(EventSubscriptionValidationError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`^Webhook validation handshake failed for ${receiver.url.replace(/[.?]/g, '\\$&')}: it answered HTTP 200 with body .*not-the-code.*expects HTTP 200 with body \\{"validationResponse":"[0-9A-F-]+"\\}`),
      );
      expect(publisher.subscriptions()).toEqual([]);
      expect(publisher.publish(vnetWrite()).matched).toEqual([]);
    });

    it('a CloudEvents endpoint without WebHook-Allowed-Origin is refused', async () => {
      receiver.respondWith((r) => (r.method === 'OPTIONS' ? { status: 200 } : undefined));
      await expect(
        publisher.subscribe({ azureSubscriptionId: subA, name: 'ce-bad', endpointUrl: receiver.url, schema: 'CloudEventSchemaV1_0' }),
      ).rejects.toThrow(/CloudEvents webhook validation failed for .*WebHook-Allowed-Origin \(absent\)/);
    });

    it('an unreachable endpoint fails the creation with the network error', async () => {
      const url = receiver.url;
      await receiver.close();
      receiver = await startWebhookReceiver();
      await expect(publisher.subscribe({ azureSubscriptionId: subA, name: 'gone', endpointUrl: url })).rejects.toThrow(
        /Webhook validation handshake failed for .*ECONNREFUSED/,
      );
    });
  });

  describe('delivery', () => {
    it('Event Grid schema: headers, an array body, and @azure/eventgrid deserializes it', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'control-plane', endpointUrl: receiver.url });
      const published = publisher.publish(vnetWrite());
      expect(published.matched).toEqual(['control-plane']);
      await publisher.idle();
      const [req] = receiver.notifications();
      expect(req?.headers).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'aeg-event-type': 'Notification',
        'aeg-subscription-name': 'CONTROL-PLANE',
        'aeg-delivery-count': '0',
        'aeg-data-version': '2',
        'aeg-metadata-version': '1',
        'aeg-output-event-id': published.eventId,
      });
      const events = await new EventGridDeserializer().deserializeEventGridEvents(req?.body ?? '');
      expect(events).toHaveLength(1);
      const [event] = events;
      if (event === undefined || !isSystemEvent('Microsoft.Resources.ResourceWriteSuccess', event)) {
        throw new Error(`expected a ResourceWriteSuccess, got ${req?.body}`);
      }
      expect(event.id).toBe(published.eventId);
      expect(event.topic).toBe(`/subscriptions/${subA}`);
      expect(event.subject).toMatch(new RegExp(`^/subscriptions/${subA}/resourcegroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/`));
      expect(event.data.operationName).toBe('Microsoft.Network/virtualNetworks/write');
      expect(publisher.deliveries({ name: 'control-plane' }).counts).toMatchObject({ delivered: 1, retried: 0, attempts: 1 });
    });

    it('CloudEvents: one event per request as application/cloudevents+json', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'ce-sub', endpointUrl: receiver.url, schema: 'CloudEventSchemaV1_0' });
      const published = publisher.publish(vnetWrite(subA, 'vnet-ce', 'delete'));
      await publisher.idle();
      const [req] = receiver.notifications();
      expect(req?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
      expect(req?.headers['aeg-metadata-version']).toBe('1.0');
      expect(req?.headers['aeg-data-version']).toBeUndefined();
      expect(Array.isArray(req?.json)).toBe(false);
      const [event] = await new EventGridDeserializer().deserializeCloudEvents(req?.body ?? '');
      expect(event && isSystemEvent('Microsoft.Resources.ResourceDeleteSuccess', event)).toBe(true);
      expect(event?.id).toBe(published.eventId);
      expect(event?.source).toBe(`/subscriptions/${subA}`);
    });

    it('CloudEvents batching: events published together arrive in one cloudevents-batch request', async () => {
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'ce-batch',
        endpointUrl: receiver.url,
        schema: 'CloudEventSchemaV1_0',
        maxEventsPerBatch: 3,
      });
      const ids = [vnetWrite(), vnetWrite(), vnetWrite(), vnetWrite()].map((n) => publisher.publish(n).eventId);
      await publisher.idle();
      const notifications = receiver.notifications();
      expect(notifications.map((r) => r.headers['content-type'])).toEqual([
        'application/cloudevents-batch+json; charset=utf-8',
        'application/cloudevents-batch+json; charset=utf-8',
      ]);
      expect(notifications.map((r) => (r.json as Array<{ id: string }>).map((e) => e.id))).toEqual([ids.slice(0, 3), ids.slice(3)]);
    });

    it('preferred batch size closes a batch before maxEventsPerBatch', async () => {
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'eg-small-batches',
        endpointUrl: receiver.url,
        maxEventsPerBatch: 10,
        preferredBatchSizeInKilobytes: 1, // one resource event is about 1 KB: each batch holds one or two
      });
      for (let i = 0; i < 4; i++) publisher.publish(vnetWrite());
      await publisher.idle();
      const sizes = receiver.notifications().map((r) => (r.json as unknown[]).length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
      expect(sizes.length).toBeGreaterThan(1);
      for (const r of receiver.notifications()) {
        expect(Buffer.byteLength(r.body) <= 1024 || (r.json as unknown[]).length === 1).toBe(true);
      }
    });

    it('filters: event types, subject and data.operationName, per watched Azure subscription', async () => {
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'vnets',
        endpointUrl: receiver.url,
        filter: {
          includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
          advancedFilters: [
            { operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Network/virtualNetworks/write', 'Microsoft.Network/virtualNetworks/delete'] },
          ],
        },
      });
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'endpoints',
        endpointUrl: receiver.url,
        filter: {
          subjectBeginsWith: `/subscriptions/${subA}/resourceGroups/RG-SPOKES/providers/Microsoft.Network/privateEndpoints/`,
          advancedFilters: [{ operatorType: 'StringBeginsWith', key: 'data.operationName', values: ['Microsoft.Network/privateEndpoints/'] }],
        },
      });
      await publisher.subscribe({ azureSubscriptionId: subB, name: 'vnets', endpointUrl: receiver.url });

      expect(publisher.publish(vnetWrite(subA)).matched).toEqual(['vnets']);
      expect(publisher.publish(peWrite(subA)).matched).toEqual(['endpoints']);
      expect(publisher.publish({ ...vnetWrite(subA), status: 'Failed' }).matched).toEqual([]);
      expect(publisher.publish(vnetWrite(subB)).matched).toEqual(['vnets']);
      await publisher.idle();
      const names = receiver.notifications().map((r) => r.headers['aeg-subscription-name']);
      expect(names.sort()).toEqual(['ENDPOINTS', 'VNETS', 'VNETS']);
      expect(publisher.deliveries({ name: 'vnets', azureSubscriptionId: subA }).counts.delivered).toBe(1);
      expect(publisher.deliveries({ name: 'vnets' }).counts.delivered).toBe(2);
    });

    it('preserves ARM casing in the subject when configured', async () => {
      await publisher.stop();
      publisher = createEventGridPublisher({ clock, events: { casing: { resourceGroupsSegment: 'preserve' } } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'cased', endpointUrl: receiver.url });
      const n = vnetWrite();
      publisher.publish(n);
      await publisher.idle();
      const [event] = receiver.notifications()[0]?.json as Array<{ subject: string }>;
      expect(event?.subject).toBe(n.resourceUri);
    });
  });

  describe('retries and dead-lettering', () => {
    it('retries on the time-scaled schedule until the endpoint recovers', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'flaky', endpointUrl: receiver.url });
      let failures = 0;
      const seenAt: number[] = [];
      receiver.respondWith((r) => {
        if (r.headers['aeg-event-type'] !== 'Notification') return undefined;
        seenAt.push(clock.now());
        return failures++ < 2 ? { status: 503 } : { status: 200 };
      });
      const start = clock.now();
      const { eventId } = publisher.publish(vnetWrite());
      await drive(publisher, clock);
      const attempts = receiver.notifications();
      expect(attempts.map((r) => r.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
      expect(attempts.every((r) => (r.json as Array<{ id: string }>)[0]?.id === eventId)).toBe(true);
      // 10 s then 30 s, scaled by 0.001.
      expect(seenAt.map((t) => t - start)).toEqual([0, 10, 40]);
      const log = publisher.deliveries({ name: 'flaky' });
      expect(log.counts).toMatchObject({ delivered: 1, retried: 2, deadLettered: 0, attempts: 3 });
      expect(log.records.map((r) => [r.outcome, r.attempt, r.httpStatus])).toEqual([
        ['retried', 1, 503],
        ['retried', 2, 503],
        ['delivered', 3, 200],
      ]);
    });

    it('does not retry a 400: the event goes to the dead-letter list at once', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'rejects', endpointUrl: receiver.url });
      receiver.respondWith((r) => (r.headers['aeg-event-type'] === 'Notification' ? { status: 400 } : undefined));
      const { eventId } = publisher.publish(vnetWrite());
      await drive(publisher, clock);
      expect(receiver.notifications()).toHaveLength(1);
      const log = publisher.deliveries({ name: 'rejects' });
      expect(log.counts).toMatchObject({ delivered: 0, retried: 0, deadLettered: 1 });
      expect(log.deadLetters).toEqual([
        expect.objectContaining({
          deadLetterReason: 'NonRetriableStatus',
          deliveryAttempts: 1,
          lastHttpStatusCode: 400,
          lastDeliveryOutcome: 'HTTP 400',
          event: expect.objectContaining({ id: eventId }),
        }),
      ]);
    });

    it('dead-letters after maxDeliveryAttempts, or drops when dead-lettering is off', async () => {
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'down',
        endpointUrl: receiver.url,
        retryPolicy: { maxDeliveryAttempts: 3 },
      });
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'down-no-dlq',
        endpointUrl: receiver.url,
        retryPolicy: { maxDeliveryAttempts: 2 },
        deadLetter: false,
      });
      receiver.respondWith((r) => (r.headers['aeg-event-type'] === 'Notification' ? { status: 500 } : undefined));
      publisher.publish(vnetWrite());
      await drive(publisher, clock);
      expect(publisher.deliveries({ name: 'down' }).counts).toMatchObject({ retried: 2, deadLettered: 1, attempts: 3 });
      expect(publisher.deliveries({ name: 'down' }).deadLetters[0]?.deadLetterReason).toBe('MaxDeliveryAttemptsExceeded');
      expect(publisher.deliveries({ name: 'down-no-dlq' }).counts).toMatchObject({ retried: 1, deadLettered: 0, dropped: 1 });
      expect(publisher.deliveries({ name: 'down-no-dlq' }).deadLetters).toEqual([]);
    });

    it('gives up at the time-to-live', async () => {
      await publisher.subscribe({
        azureSubscriptionId: subA,
        name: 'short-ttl',
        endpointUrl: receiver.url,
        retryPolicy: { eventTimeToLiveInMinutes: 2 },
      });
      receiver.respondWith((r) => (r.headers['aeg-event-type'] === 'Notification' ? { status: 500 } : undefined));
      publisher.publish(vnetWrite());
      await drive(publisher, clock);
      // 0, +10 s, +30 s, +1 min = 1m40s; the next wait (5 min) passes 2 min.
      expect(receiver.notifications()).toHaveLength(4);
      expect(publisher.deliveries({ name: 'short-ttl' }).deadLetters[0]?.deadLetterReason).toBe('TimeToLiveExceeded');
    });

    it('treats no answer within the timeout as a failure and retries', async () => {
      await publisher.stop();
      publisher = createEventGridPublisher({ clock, timeScale: 0.001, answerTimeoutInMs: 150 });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'slow', endpointUrl: receiver.url });
      let first = true;
      receiver.respondWith((r) => {
        if (r.headers['aeg-event-type'] !== 'Notification') return undefined;
        const hang = first;
        first = false;
        return hang ? { status: 200, hang: true } : { status: 200 };
      });
      publisher.publish(vnetWrite());
      await drive(publisher, clock);
      const log = publisher.deliveries({ name: 'slow' });
      expect(log.records.map((r) => r.outcome)).toEqual(['retried', 'delivered']);
      expect(log.records[0]?.error).toMatch(/did not answer within 150 ms/);
    });

    it('unsubscribe drops what is still waiting for a retry', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'leaving', endpointUrl: receiver.url });
      receiver.respondWith((r) => (r.headers['aeg-event-type'] === 'Notification' ? { status: 500 } : undefined));
      publisher.publish(vnetWrite());
      await publisher.settled();
      expect(clock.pending()).toBe(1);
      expect(publisher.unsubscribe({ azureSubscriptionId: subA, name: 'leaving' })).toBe(true);
      expect(clock.pending()).toBe(0);
      await publisher.idle();
      expect(publisher.deliveries({ name: 'leaving' }).records.map((r) => [r.outcome, r.reason ?? null])).toEqual([
        ['retried', null],
        ['dropped', 'SubscriptionDeleted'],
      ]);
      expect(publisher.unsubscribe({ azureSubscriptionId: subA, name: 'leaving' })).toBe(false);
    });
  });

  describe('injection', () => {
    it('duplicate: the next delivery arrives twice with the same event id', async () => {
      publisher.setInjection({ duplicate: { next: 1 } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'dups', endpointUrl: receiver.url });
      const first = publisher.publish(vnetWrite());
      const second = publisher.publish(vnetWrite());
      await publisher.idle();
      const ids = receiver.notifications().map((r) => (r.json as Array<{ id: string }>)[0]?.id);
      expect(ids).toEqual([first.eventId, first.eventId, second.eventId]);
      expect(publisher.deliveries({ name: 'dups' }).counts).toMatchObject({ delivered: 2, duplicated: 1, attempts: 3 });
    });

    it('duplicate by probability uses the random source', async () => {
      await publisher.stop();
      publisher = createEventGridPublisher({ clock, random: () => 0.1, injection: { duplicate: { probability: 0.2 } } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'always-dup', endpointUrl: receiver.url });
      publisher.publish(vnetWrite());
      await publisher.idle();
      expect(receiver.notifications()).toHaveLength(2);
    });

    it('reorder: a window of three is released in a different order; nothing is lost', async () => {
      publisher.setInjection({ reorder: { window: 3 } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'shuffled', endpointUrl: receiver.url });
      const published = [vnetWrite(), vnetWrite(), vnetWrite()].map((n) => publisher.publish(n).eventId);
      await publisher.idle();
      const received = receiver.notifications().map((r) => (r.json as Array<{ id: string }>)[0]?.id);
      expect(received).not.toEqual(published);
      expect([...received].sort()).toEqual([...published].sort());
    });

    it('reorder: a partial window is released after maxHoldInMs', async () => {
      publisher.setInjection({ reorder: { window: 5, maxHoldInMs: 500 } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'held', endpointUrl: receiver.url });
      publisher.publish(vnetWrite());
      publisher.publish(vnetWrite());
      await publisher.settled();
      expect(receiver.notifications()).toHaveLength(0);
      clock.advance(499);
      await publisher.settled();
      expect(receiver.notifications()).toHaveLength(0);
      clock.advance(1);
      await publisher.idle();
      expect(receiver.notifications()).toHaveLength(2);
    });

    it('delay: the first delivery waits on the clock', async () => {
      publisher.setInjection({ delay: { ms: 2000 } });
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'late', endpointUrl: receiver.url });
      publisher.publish(vnetWrite());
      await publisher.settled();
      clock.advance(1999);
      await publisher.settled();
      expect(receiver.notifications()).toHaveLength(0);
      clock.advance(1);
      await publisher.idle();
      expect(receiver.notifications()).toHaveLength(1);
    });
  });

  describe('lifecycle', () => {
    it('rejects malformed notifications and use after stop with actionable messages', async () => {
      expect(() => publisher.publish({ ...vnetWrite(), kind: 'patch' as never })).toThrow(
        /Invalid resource notification for \/subscriptions\/.*: kind: /,
      );
      await publisher.stop();
      expect(() => publisher.publish(vnetWrite())).toThrow('Event Grid publisher is stopped: publish() after stop()');
      await expect(publisher.idle()).resolves.toBeUndefined();
    });

    it('stop aborts a hanging delivery and cancels retries', async () => {
      await publisher.subscribe({ azureSubscriptionId: subA, name: 'hangs', endpointUrl: receiver.url });
      receiver.respondWith((r) => (r.headers['aeg-event-type'] === 'Notification' ? { status: 200, hang: true } : undefined));
      publisher.publish(vnetWrite());
      while (receiver.notifications().length === 0) await new Promise((r) => setTimeout(r, 5));
      await publisher.stop();
      expect(publisher.deliveries({ name: 'hangs' }).records.map((r) => [r.outcome, r.reason])).toEqual([
        ['dropped', 'PublisherStopped'],
      ]);
      expect(clock.pending()).toBe(0);
    });
  });
});
