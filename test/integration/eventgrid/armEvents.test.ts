import { NetworkManagementClient } from '@azure/arm-network';
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import { createArmEmulator, type ArmEmulator } from '../../../local/arm';
import { staticTokenCredential } from '../../../local/demo';
import { createEventGridPublisher, publishResourceEvents, type EventGridPublisher } from '../../../local/eventgrid';
import { startWebhookReceiver, type WebhookReceiver } from './webhookReceiver';

const sub = 'a0000000-0000-4000-8000-0000000000a1';
const tenantId = '7e0a0000-0000-4000-8000-00000000e0a1';

describe('ARM emulator -> Event Grid system topic -> webhook', () => {
  let arm: ArmEmulator;
  let publisher: EventGridPublisher;
  let receiver: WebhookReceiver;
  let detach: () => void;

  beforeEach(async () => {
    arm = createArmEmulator({ timeScale: 0.0005, log: () => undefined });
    publisher = createEventGridPublisher({ timeScale: 0.001 });
    receiver = await startWebhookReceiver('/runtime/webhooks/eventgrid?functionName=onResourceEvent');
    detach = publishResourceEvents(arm, publisher);
  });

  afterEach(async () => {
    detach();
    await publisher.stop();
    await receiver.close();
    await arm.stop();
  });

  it('a VNet written and deleted through the SDK arrives as ResourceWriteSuccess then ResourceDeleteSuccess', async () => {
    await publisher.subscribe({
      azureSubscriptionId: sub,
      name: 'control-plane-vnets',
      endpointUrl: receiver.url,
      filter: {
        includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'],
        advancedFilters: [
          {
            operatorType: 'StringIn',
            key: 'data.operationName',
            values: ['Microsoft.Network/virtualNetworks/write', 'Microsoft.Network/virtualNetworks/delete'],
          },
        ],
      },
    });
    arm.createResourceGroup(sub, 'rg-Spoke', 'westeurope');
    const network = new NetworkManagementClient(staticTokenCredential({ tenantId, objectId: 'oid-seeder' }), sub, {
      endpoint: 'https://management.local',
      httpClient: arm.httpClient(),
    });
    await network.virtualNetworks.createOrUpdate(
      'rg-Spoke',
      'vnet-spoke',
      { location: 'westeurope', addressSpace: { addressPrefixes: ['10.50.0.0/24'] } },
      { updateIntervalInMs: 5 },
    );
    await network.virtualNetworks.delete('rg-Spoke', 'vnet-spoke', { updateIntervalInMs: 5 });

    const deadline = Date.now() + 10_000;
    while (receiver.notifications().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await publisher.idle();

    const deserializer = new EventGridDeserializer();
    const events = (await Promise.all(receiver.notifications().map((r) => deserializer.deserializeEventGridEvents(r.body)))).flat();
    expect(events.map((e) => e.eventType)).toEqual([
      'Microsoft.Resources.ResourceWriteSuccess',
      'Microsoft.Resources.ResourceDeleteSuccess',
    ]);
    const [write] = events;
    if (write === undefined || !isSystemEvent('Microsoft.Resources.ResourceWriteSuccess', write)) throw new Error('no write event');
    expect(write.topic).toBe(`/subscriptions/${sub}`);
    expect(write.subject).toBe(`/subscriptions/${sub}/resourcegroups/rg-Spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke`);
    expect(write.data).toMatchObject({
      subscriptionId: sub,
      tenantId,
      resourceProvider: 'Microsoft.Network',
      operationName: 'Microsoft.Network/virtualNetworks/write',
      status: 'Succeeded',
      claims: expect.objectContaining({ oid: 'oid-seeder' }),
      httpRequest: expect.objectContaining({ method: 'PUT', url: expect.stringContaining('/virtualNetworks/vnet-spoke') }),
    });
    expect(write.data.authorization.evidence['principalId']).toBe('oid-seeder');
  });
});
