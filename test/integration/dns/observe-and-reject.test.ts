/**
 * The DNS flow in observe-only mode writes nothing (no zone, no zone group) and records what it would do;
 * malformed private endpoint events are audited rejections; the control plane's own zone group writes start nothing.
 */
import { LOCAL_APP_ID } from '../../../shared/azure/local-credential';
import { postEvents, quiesce, resourceEvent, startWorld, type PeeringWorld } from '../peering/support';
import { PAYMENTS, PE_SUBNET_PAYMENTS, createEndpoint, settledEndpoint, target, zoneGroupWrites, zoneId } from './support';
import { apiFetch } from '../operator-token';

describe('private endpoint DNS: observe-only mode and malformed events', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    world = await startWorld({ CONTROL_PLANE_MODE: 'observe' });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const instances = (): number => world.embedded.engine.list({}).items.length;
  const spec = (name: string, type: string, groupIds: string[]) => ({ subscriptionId: PAYMENTS, resourceGroup: 'rg-payments-weu', name, subnetId: PE_SUBNET_PAYMENTS, targetId: target(PAYMENTS, 'rg-data', type, name), groupIds });

  it('records the zone group it would write, and writes nothing', async () => {
    const before = zoneGroupWrites(world);
    const { id } = await createEndpoint(world, spec('stobserved', 'Microsoft.Storage/storageAccounts', ['blob']));
    const view = await settledEndpoint(world, id, 'WouldChange');
    expect(view.condition?.message).toBe('observe-only: would create zone group default (privatelink.blob.core.windows.net): register the endpoint in privatelink.blob.core.windows.net');
    expect(view.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(['create:observed']);
    expect(zoneGroupWrites(world) - before).toBe(0);
    expect(view.names).toEqual([expect.objectContaining({ fqdn: 'stobserved.blob.core.windows.net', recordName: 'stobserved' })]);
  });

  it('says it would create a missing zone, and creates none', async () => {
    const { id } = await createEndpoint(world, spec('sqlobserved', 'Microsoft.Sql/servers', ['sqlServer']));
    const view = await settledEndpoint(world, id, 'WouldChange');
    expect(view.condition?.message).toMatch(/^observe-only: would create zone privatelink\.database\.windows\.net in resource group rg-privatedns/);
    expect(world.embedded.arm.getResource(zoneId('privatelink.database.windows.net'))).toBeUndefined();
  });

  it('rejects a private endpoint event whose subject is not a resource ID, with an audited reason', async () => {
    await quiesce(world);
    const count = instances();
    const event: Record<string, unknown> = { ...resourceEvent(`/subscriptions/${PAYMENTS}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-x`, 'Write', 'Microsoft.Network/privateEndpoints/write'), subject: 'privateEndpoints/pe-x', data: { operationName: 'Microsoft.Network/privateEndpoints/write', resourceUri: 'privateEndpoints/pe-x' } };
    expect((await postEvents(world, [event])).status).toBe(202);
    await quiesce(world);
    expect(instances()).toBe(count);
    const listed = (await (await apiFetch(`${world.embedded.baseUrl}/api/events/rejected?limit=5`)).json()) as { events: Array<{ reason: string; trigger: { eventId: string } }> };
    expect(listed.events.find((e) => e.trigger.eventId === event.id)?.reason).toMatch(/privateEndpoints\/pe-x/);
  });

  it('starts nothing for its own zone group writes, or for endpoints outside the watched subscriptions', async () => {
    await quiesce(world);
    const count = instances();
    const own = resourceEvent(`/subscriptions/${PAYMENTS}/resourceGroups/rg-payments-weu/providers/Microsoft.Network/privateEndpoints/pe-y/privateDnsZoneGroups/default`, 'Write', 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write');
    (own.data as Record<string, unknown>).claims = { appid: LOCAL_APP_ID };
    const foreign = resourceEvent('/subscriptions/d0000000-0000-4000-8000-0000000000d1/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-z', 'Write', 'Microsoft.Network/privateEndpoints/write');
    expect((await postEvents(world, [own, foreign])).status).toBe(202);
    await quiesce(world);
    expect(instances()).toBe(count);
  });
});
