/**
 * Observe-only mode (CONTROL_PLANE_MODE=observe) writes nothing and records what it would change; malformed events
 * are refused (an audited rejection, for a broken envelope as for a bad subscription event: the webhook accepts both) and
 * start nothing.
 */
import { ids } from '../../../local/demo';
import { createVnet, peeringWrites, postEvents, quiesce, resourceEvent, settledSpoke, startWorld, type PeeringWorld } from './support';
import { apiFetch } from '../operator-token';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';

describe('observe-only mode and malformed events', () => {
  let world: PeeringWorld;

  beforeAll(async () => {
    world = await startWorld({ CONTROL_PLANE_MODE: 'observe' });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const instances = (): number => world.embedded.engine.list({}).items.length;

  it('records what it would change and writes nothing', async () => {
    const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-observed');
    const before = peeringWrites(world);
    await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.80.0.0/24'] });

    const view = await settledSpoke(world, spoke, 'WouldChange');
    expect(view.condition?.status).toBe('False');
    expect(view.condition?.message).toMatch(/^observe-only: would create hub-side peering spoke-vnet-observed-[0-9a-f]{8} \(no peering from vnet-hub-weu to vnet-observed\); create spoke-side peering hub-vnet-hub-weu-[0-9a-f]{8} \(no peering from vnet-observed to vnet-hub-weu\)$/);
    expect(view.pendingChanges).toEqual([expect.objectContaining({ kind: 'create', side: 'hub' }), expect.objectContaining({ kind: 'create', side: 'spoke' })]);
    expect(view.audit.map((a) => `${a.action}:${a.outcome}`).sort()).toEqual(['create:observed', 'create:observed']);
    expect(peeringWrites(world) - before).toBe(0);
    expect(world.embedded.arm.getResource(`${world.hubWeu}/virtualNetworkPeerings/${String((view.pendingChanges as Array<{ name: string }>)[0]?.name)}`)).toBeUndefined();
  });

  it('accepts a broken envelope as the Event Grid extension does (202), and records its rejection naming the field', async () => {
    await quiesce(world);
    const count = instances();
    const { subject: _omitted, ...noSubject } = resourceEvent(ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-x'), 'Write', 'Microsoft.Network/virtualNetworks/write');
    const res = await postEvents(world, [noSubject]);
    expect(res.status).toBe(202);
    await quiesce(world);
    expect(instances()).toBe(count);
    const listed = (await (await apiFetch(`${world.embedded.baseUrl}/api/events/rejected?limit=5`)).json()) as { events: Array<{ reason: string; target: string; trigger: { eventId: string } }> };
    const rejection = listed.events.find((e) => e.trigger.eventId === noSubject.id);
    expect(rejection?.reason).toMatch(/subject/);
    expect(rejection?.target).toBe('(no subject)');
  });

  it.each([
    ['a subject (and resourceUri) that is not a resource ID', { subject: 'not-a-resource-id', data: { operationName: 'Microsoft.Network/virtualNetworks/write', resourceUri: 'not-a-resource-id' } }, /not-a-resource-id/],
    ['data without operationName', { data: { resourceUri: ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-bad') } }, /operationName/],
    ['a subject with a malformed subscription', { subject: '/subscriptions/nope/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v' }, /subscription GUID/],
    ['an event type that is not a subscription event', { eventType: 'Contoso.Custom.Thing' }, /Contoso\.Custom\.Thing/],
  ] as Array<[string, Record<string, unknown>, RegExp]>)('rejects %s with an audited reason, starting nothing', async (_label, change, reason) => {
    await quiesce(world);
    const count = instances();
    const event: Record<string, unknown> = { ...resourceEvent(ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-bad'), 'Write', 'Microsoft.Network/virtualNetworks/write'), ...change };
    // Accepted by the webhook (a retry could never make it valid), and recorded as a rejection.
    expect((await postEvents(world, [event])).status).toBe(202);
    await quiesce(world);
    expect(instances()).toBe(count);
    const listed = (await (await apiFetch(`${world.embedded.baseUrl}/api/events/rejected?limit=5`)).json()) as { events: Array<{ reason: string; target: string; trigger: { eventId: string } }> };
    const rejection = listed.events.find((e) => e.trigger.eventId === event.id);
    expect(rejection?.reason).toMatch(reason);
    expect(rejection?.target).toBe(event.subject);
  });

  it('refuses a bad limit on the rejected-events list', async () => {
    const res = await apiFetch(`${world.embedded.baseUrl}/api/events/rejected?limit=0`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'InvalidQuery', message: 'limit must be a whole number from 1 to 1000 (got "0")' } });
  });
});
