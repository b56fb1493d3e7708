import { loadedFixture, startTestHost, type HostFixture, type TestHost } from './harness';

const EG_KEY = 'eg-system-key';

function gridEvent(id: string, subject = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v1') {
  return {
    id,
    topic: '/subscriptions/s1',
    subject,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-01-05T10:00:00Z',
    data: { operationName: 'Microsoft.Network/virtualNetworks/write', resourceUri: subject },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

function cloudEvent(id: string) {
  return {
    specversion: '1.0',
    type: 'Microsoft.Resources.ResourceDeleteSuccess',
    source: '/subscriptions/s1',
    subject: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe1',
    id,
    time: '2026-01-05T10:00:00Z',
    data: { operationName: 'Microsoft.Network/privateEndpoints/delete' },
  };
}

describe('local host: Event Grid webhook', () => {
  let t: TestHost;
  let webhook: string;
  let fixture: HostFixture;

  beforeAll(async () => {
    t = await startTestHost({ Values: { LOCAL_EVENTGRID_KEY: EG_KEY, TICK_SCHEDULE: '0 0 * * * *' } });
    fixture = loadedFixture();
    webhook = `${t.baseUrl}/runtime/webhooks/eventgrid?functionName=recordEvent&code=${EG_KEY}`;
  });
  afterAll(async () => {
    await t.stop();
  });
  beforeEach(() => {
    fixture.received.events.length = 0;
  });

  const post = (body: unknown, headers: Record<string, string> = {}, url = webhook): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('invokes the function once per event of an Event Grid schema array, with the event as its input', async () => {
    const res = await post([gridEvent('e1'), gridEvent('e2')]);
    expect(res.status).toBe(202);
    const got = fixture.received.events.map((r) => r.value).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(got).toEqual([gridEvent('e1'), gridEvent('e2')]);
    const first = fixture.received.events.find((r) => r.value.id === 'e1');
    expect(first?.functionName).toBe('recordEvent');
    expect(first?.triggerMetadata).toEqual({ data: gridEvent('e1').data });
  });

  it('accepts a single CloudEvent and a CloudEvents batch', async () => {
    const single = await post(cloudEvent('c1'), { 'content-type': 'application/cloudevents+json; charset=utf-8' });
    expect(single.status).toBe(202);
    const batch = await post([cloudEvent('c2'), cloudEvent('c3')], { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' });
    expect(batch.status).toBe(202);
    expect(fixture.received.events.map((r) => r.value.id).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(fixture.received.events.find((r) => r.value.id === 'c1')?.value).toEqual(cloudEvent('c1'));
  });

  it('answers 500 when any invocation fails, so Event Grid retries the delivery', async () => {
    const res = await post([gridEvent('ok-1'), gridEvent('bad-1', 'fail')]);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "function 'recordEvent' failed on event[1] (id bad-1): refusing event bad-1 on purpose",
    );
    expect(fixture.received.events).toHaveLength(2);
  });

  it('answers the SubscriptionValidation handshake with the validation code', async () => {
    const res = await post(
      [{ id: 'v1', topic: '/subscriptions/s1', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: '2026-01-05T10:00:00Z', data: { validationCode: 'ABC-123', validationUrl: 'https://example.invalid/validate' }, dataVersion: '2' }],
      { 'aeg-event-type': 'SubscriptionValidation' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'ABC-123' });
    expect(fixture.received.events).toHaveLength(0);
  });

  it('answers the CloudEvents OPTIONS handshake', async () => {
    const res = await fetch(webhook, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
  });

  it.each([
    ['a body that is not JSON', 'not json', /^the request body is not valid JSON/],
    ['a JSON scalar', '42', /^the request body should be a JSON object or array, but was number$/],
  ])('answers 500 for %s, as the extension (it throws), so Event Grid retries; nothing is invoked', async (_label, body, reason) => {
    const res = await post(body);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(reason);
    expect(fixture.received.events).toHaveLength(0);
  });

  it('answers 202 for an empty array: every event (none) was handled', async () => {
    const res = await post([]);
    expect(res.status).toBe(202);
    expect(fixture.received.events).toHaveLength(0);
  });

  it('passes events with missing fields to the function, as the extension does (it validates nothing)', async () => {
    const { subject: _noSubject, ...withoutSubject } = gridEvent('m1');
    const { data: _noData, ...withoutData } = gridEvent('m2');
    const { source: _noSource, ...cloudWithoutSource } = cloudEvent('m3');
    const res = await post([withoutSubject, withoutData, { ...gridEvent('m4'), eventType: '' }]);
    expect(res.status).toBe(202);
    expect((await post(cloudWithoutSource)).status).toBe(202);
    const byId = Object.fromEntries(fixture.received.events.map((r) => [String(r.value.id), r]));
    expect(Object.keys(byId).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(byId.m1?.value).toEqual(withoutSubject);
    expect(byId.m2?.value).toEqual(withoutData);
    expect(byId.m2?.triggerMetadata).toEqual({ data: null });
    expect(byId.m3?.value).toEqual(cloudWithoutSource);
  });

  it('answers 500 when an array element is not an event object (the binding fails for it), after running the others', async () => {
    const res = await post([gridEvent('ok-2'), 7]);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "function 'recordEvent' failed on event[1] (id undefined): Unable to bind 7 to an event: it is not a JSON object",
    );
    expect(fixture.received.events.map((r) => r.value.id)).toEqual(['ok-2']);
  });

  it('answers 400 for a missing aeg-event-type header, as the extension does', async () => {
    const res = await post([gridEvent('a')], { 'aeg-event-type': '' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^header aeg-event-type is missing/);
    expect(fixture.received.events).toHaveLength(0);
  });

  it.each([
    ['an unknown function', 'nope'],
    ['a function that is not an Event Grid trigger', 'spokeGet'],
    ['a missing functionName', ''],
  ])('answers 404 for %s', async (_label, name) => {
    const url = `${t.baseUrl}/runtime/webhooks/eventgrid?code=${EG_KEY}${name ? `&functionName=${name}` : ''}`;
    const res = await post([gridEvent('x')], {}, url);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Event Grid functions: [recordEvent]');
  });

  it.each([
    ['without the system key', `functionName=recordEvent`],
    ['with a wrong system key', `functionName=recordEvent&code=wrong`],
  ])('answers 401 %s', async (_label, query) => {
    const res = await post([gridEvent('x')], {}, `${t.baseUrl}/runtime/webhooks/eventgrid?${query}`);
    expect(res.status).toBe(401);
    expect(fixture.received.events).toHaveLength(0);
  });
});
