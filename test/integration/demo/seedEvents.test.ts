import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { controlPlaneEventSubscriptions, demoTopology, seedTopology } from '../../../local/demo';
import { createEventGridPublisher, publishResourceEvents, type EventGridPublisher } from '../../../local/eventgrid';
import { startWebhookReceiver, type WebhookReceiver } from '../eventgrid/webhookReceiver';

describe('seeding the demo raises the events the control plane subscribes to', () => {
  let arm: ArmEmulator;
  let publisher: EventGridPublisher;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    arm = createArmEmulator({ timeScale: 0.0005, log: () => undefined });
    publisher = createEventGridPublisher({ timeScale: 0.001 });
    receiver = await startWebhookReceiver();
    publishResourceEvents(arm, publisher);
  });

  afterAll(async () => {
    await publisher.stop();
    await receiver.close();
    await arm.stop();
  });

  it('delivers one ResourceWriteSuccess per spoke VNet and private endpoint of the watched subscriptions, nothing else', async () => {
    const topology = demoTopology();
    const subscriptions = controlPlaneEventSubscriptions(topology, receiver.url);
    expect(subscriptions.map((s) => s.azureSubscriptionId)).toEqual(topology.workloads.map((w) => w.subscriptionId));
    for (const s of subscriptions) await publisher.subscribe(s);

    await seedTopology(topology, { endpoint: 'https://management.local', httpClient: arm.httpClient(), updateIntervalInMs: 5 });
    // Notifications reach the publisher on the next turns; wait until the expected count arrived, then for quiet.
    const expected = topology.workloads.flatMap((w) => [...w.spokes.map((s) => s.vnet.name), ...w.privateEndpoints.map((p) => p.name)]);
    const deadline = Date.now() + 10_000;
    while (receiver.notifications().length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await publisher.idle();

    const events = receiver.notifications().flatMap((r) => r.json as Array<{ eventType: string; subject: string; data: { operationName: string } }>);
    expect(events.every((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess')).toBe(true);
    expect(events.map((e) => e.subject.split('/').pop()).sort()).toEqual([...expected].sort());
    expect(new Set(events.map((e) => e.data.operationName))).toEqual(
      new Set(['Microsoft.Network/virtualNetworks/write', 'Microsoft.Network/privateEndpoints/write']),
    );
    const counts = publisher.deliveries().counts;
    expect(counts).toMatchObject({ delivered: expected.length, retried: 0, deadLettered: 0, dropped: 0 });
  });
});
