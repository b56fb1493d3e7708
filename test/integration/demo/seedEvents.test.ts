import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { controlPlaneEventSubscriptions, eventScopeOf, demoTopology, seedTopology } from '../../../local/demo';
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

  it('delivers one ResourceWriteSuccess per VNet, peering, private endpoint and zone group write of the watched and hub subscriptions, nothing else', async () => {
    const topology = demoTopology();
    const subscriptions = controlPlaneEventSubscriptions(eventScopeOf(topology), receiver.url);
    // Every watched workload subscription, plus the hubs' subscription (hub VNet and hub-side peering changes).
    expect(subscriptions.map((s) => s.azureSubscriptionId)).toEqual([...topology.workloads.map((w) => w.subscriptionId), topology.connectivity.subscriptionId]);
    for (const s of subscriptions) await publisher.subscribe(s);

    await seedTopology(topology, { endpoint: 'https://management.local', httpClient: arm.httpClient(), updateIntervalInMs: 5 });
    // Writes the subscriptions cover: every VNet (hubs and spokes), every peering, every private endpoint and zone
    // group; not the gateway, the zones or the links.
    const log = arm.requestLog;
    const expectedCount =
      log.count('PUT virtualNetworks', 201) + log.count('PUT virtualNetworkPeerings', 201) + log.count('PUT privateEndpoints', 201) + log.count('PUT privateDnsZoneGroups', 201);
    const deadline = Date.now() + 10_000;
    while (receiver.notifications().length < expectedCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await publisher.idle();

    const events = receiver.notifications().flatMap((r) => r.json as Array<{ eventType: string; subject: string; data: { operationName: string } }>);
    expect(events).toHaveLength(expectedCount);
    expect(events.every((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess')).toBe(true);
    const names = new Set(events.map((e) => e.subject.split('/').pop()));
    for (const w of topology.workloads) for (const n of [...w.spokes.map((s) => s.vnet.name), ...w.privateEndpoints.map((p) => p.name)]) expect(names).toContain(n);
    for (const hub of topology.connectivity.hubs) expect(names).toContain(hub.vnet.name);
    expect(new Set(events.map((e) => e.data.operationName))).toEqual(
      new Set(['Microsoft.Network/virtualNetworks/write', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', 'Microsoft.Network/privateEndpoints/write', 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write']),
    );
    const counts = publisher.deliveries().counts;
    expect(counts).toMatchObject({ delivered: expectedCount, retried: 0, deadLettered: 0, dropped: 0 });
  });
});
