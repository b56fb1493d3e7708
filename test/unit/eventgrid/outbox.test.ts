// The Event Grid outbox: deliveries not over when the process dies are published again at the next start, with
// their event IDs. The publisher is a fake of our own port (publish), the delivery records are what it reports.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeliveryRecord } from '../../../local/eventgrid/deliveryLog';
import type { ResourceNotification } from '../../../local/eventgrid/notification';
import { createEventOutbox, openEvents } from '../../../local/eventgrid/outbox';

const SUB = 'a0000000-0000-4000-8000-0000000000a1';

const notification = (name: string): ResourceNotification => ({
  kind: 'write',
  status: 'Succeeded',
  resourceUri: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}`,
  subscriptionId: SUB,
  resourceGroup: 'rg',
  resourceProvider: 'Microsoft.Network',
  operationName: 'Microsoft.Network/virtualNetworks/write',
  correlationId: `c-${name}`,
  clientRequestId: '',
  httpMethod: 'PUT',
  url: '',
  tenantId: 't',
  claims: {},
  time: '2026-01-01T00:00:00.000Z',
});

/** A publisher that matches every event to the given subscriptions and remembers what it was asked. */
function fakePublisher(matched: string[]): { publish: (n: ResourceNotification, id?: string) => { eventId: string; eventType: string; matched: string[] }; calls: Array<{ name: string; eventId: string; given: boolean }> } {
  let next = 0;
  const calls: Array<{ name: string; eventId: string; given: boolean }> = [];
  return {
    calls,
    publish(n, id) {
      const eventId = id ?? `ev-${++next}`;
      calls.push({ name: n.resourceUri.split('/').pop() ?? '', eventId, given: id !== undefined });
      return { eventId, eventType: 'Microsoft.Resources.ResourceWriteSuccess', matched };
    },
  };
}

const record = (outcome: DeliveryRecord['outcome'], subscriptionName: string, eventIds: string[], reason?: DeliveryRecord['reason']): DeliveryRecord => ({
  azureSubscriptionId: SUB,
  subscriptionName,
  outcome,
  eventIds,
  attempt: 1,
  at: 0,
  ...(reason ? { reason } : {}),
});

describe('Event Grid outbox', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
    file = path.join(dir, 'eventgrid', 'outbox.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('publishes again, with the same event IDs, exactly the events whose deliveries were not all over', () => {
    const first = fakePublisher(['peering', 'dns']);
    const outbox = createEventOutbox(file, () => first);
    outbox.publish(notification('delivered')); // ev-1
    outbox.publish(notification('half')); // ev-2
    outbox.publish(notification('retrying')); // ev-3
    outbox.publish(notification('stopped')); // ev-4
    outbox.publish(notification('dead')); // ev-5
    outbox.onDeliveryRecord(record('delivered', 'peering', ['ev-1', 'ev-2']));
    outbox.onDeliveryRecord(record('delivered', 'dns', ['ev-1']));
    outbox.onDeliveryRecord(record('duplicated', 'dns', ['ev-2']));
    outbox.onDeliveryRecord(record('retried', 'peering', ['ev-3']));
    outbox.onDeliveryRecord(record('dropped', 'peering', ['ev-4'], 'PublisherStopped'));
    outbox.onDeliveryRecord(record('deadLettered', 'peering', ['ev-5']));
    outbox.onDeliveryRecord(record('dropped', 'dns', ['ev-5'], 'DeadLetteringDisabled'));
    // No close: the process dies here.

    const second = fakePublisher(['peering', 'dns']);
    const again = createEventOutbox(file, () => second);
    expect(second.calls).toEqual([]); // nothing before the subscriptions exist
    expect(again.redeliverOpen()).toBe(3);
    expect(second.calls).toEqual([
      { name: 'half', eventId: 'ev-2', given: true },
      { name: 'retrying', eventId: 'ev-3', given: true },
      { name: 'stopped', eventId: 'ev-4', given: true },
    ]);
    // Delivered this time: a third start has nothing left.
    for (const id of ['ev-2', 'ev-3', 'ev-4']) {
      again.onDeliveryRecord(record('delivered', 'peering', [id]));
      again.onDeliveryRecord(record('delivered', 'dns', [id]));
    }
    again.close();
    const third = fakePublisher(['peering']);
    expect(createEventOutbox(file, () => third).redeliverOpen()).toBe(0);
  });

  it('keeps a redelivered event open until it is delivered, across another restart', () => {
    const first = fakePublisher(['peering']);
    createEventOutbox(file, () => first).publish(notification('vnet'));
    const second = createEventOutbox(file, () => fakePublisher(['peering']));
    expect(second.redeliverOpen()).toBe(1);
    const third = fakePublisher(['peering']);
    expect(createEventOutbox(file, () => third).redeliverOpen()).toBe(1);
    expect(third.calls).toEqual([{ name: 'vnet', eventId: 'ev-1', given: true }]);
  });

  it('records nothing for an event no subscription took', () => {
    const outbox = createEventOutbox(file, () => fakePublisher([]));
    outbox.publish(notification('unwatched'));
    outbox.close();
    expect(openEvents(fs.readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('ignores a torn last line (kill -9 in the middle of an append)', () => {
    const text = `${JSON.stringify({ p: 'ev-1', n: notification('a') })}\n${JSON.stringify({ p: 'ev-2', n: notification('b') })}\n{"d":"ev-`;
    expect(openEvents(text).map((e) => e.eventId)).toEqual(['ev-1', 'ev-2']);
    expect(openEvents(`${text}1"}\n`).map((e) => e.eventId)).toEqual(['ev-2']);
  });
});
