import { createLocalHost } from '../../../local/host';
import { eventually, fixtureEntry, loadedFixture, startTestHost, type HostFixture, type TestHost } from './harness';

const MASTER_KEY = 'master-key-789';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('local host: timers, admin API, logs and local/info', () => {
  let t: TestHost;
  let fixture: HostFixture;
  const env: NodeJS.ProcessEnv = { FROM_ENV: 'env wins' };

  beforeAll(async () => {
    t = await startTestHost(
      {
        IsEncrypted: false,
        // Mondays at 10:00; the virtual clock starts on Monday 2026-01-05 at 09:59:58 UTC.
        Values: { TICK_SCHEDULE: '0 0 10 * * Mon', LOCAL_MASTER_KEY: MASTER_KEY, FROM_ENV: 'file loses', LOCAL_LOG_LEVEL: 'debug' },
      },
      { env },
    );
    fixture = loadedFixture();
    t.host.addInfo('armEmulator', () => ({ endpoint: 'https://127.0.0.1:1234' }));
  });
  afterAll(async () => {
    fixture.slowGate.release();
    await t.stop();
  });

  const admin = (name: string, body: unknown, key: string | null = MASTER_KEY): Promise<Response> =>
    fetch(`${t.baseUrl}/admin/functions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
      body: JSON.stringify(body),
    });

  it('overlays local.settings.json with the environment and copies file values into it', () => {
    expect(t.host.settings.get('FROM_ENV')).toBe('env wins');
    expect(env.TICK_SCHEDULE).toBe('0 0 10 * * Mon');
    expect(env.FROM_ENV).toBe('env wins');
  });

  it('runs a runOnStartup timer at start with the timer object the host sends, then on its %SETTING% schedule', async () => {
    await eventually(() => expect(fixture.received.ticks).toHaveLength(1));
    // Nothing recorded yet: the listener's initial status (TimerListener.StartAsync).
    expect(fixture.received.ticks[0]?.value).toEqual({
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '0001-01-01T00:00:00', next: '2026-01-05T10:00:00.000Z', lastUpdated: '0001-01-01T00:00:00' },
      isPastDue: false,
    });

    t.clock.advance(2000); // 10:00:00 -> both timers fire
    await eventually(() => expect(fixture.received.ticks).toHaveLength(2));
    // The status as the previous run (at start) left it; this run then records Last 10:00, Next a week later.
    expect(fixture.received.ticks[1]?.value.scheduleStatus).toEqual({
      last: '2026-01-05T09:59:58.000Z',
      next: '2026-01-05T10:00:00.000Z',
      lastUpdated: '2026-01-05T09:59:58.000Z',
    });
    await eventually(() => expect(t.clock.scheduledTimes()).toContain(Date.UTC(2026, 0, 12, 10, 0, 0)));
    expect(t.lines.some((l) => new RegExp(`^${ISO} information tick ${GUID} tick #2$`).test(l))).toBe(true);
  });

  it('never overlaps runs of one timer; a run that overran its schedule is followed by one immediate run, then the schedule', async () => {
    await eventually(() => expect(fixture.received.slowTicks).toHaveLength(1));
    // Sub-minute schedules are not monitored: no schedule status, as in Azure.
    expect(fixture.received.slowTicks[0]?.value).toEqual({ schedule: { adjustForDST: true }, scheduleStatus: null, isPastDue: false });
    t.clock.advance(35_000); // three more occurrences pass while the first run is still going
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fixture.received.slowTicks).toHaveLength(1);

    fixture.slowGate.release();
    // Its Next (10:00:10) passed while it ran: one run at once (10:00:35), not one per missed occurrence.
    await eventually(() => expect(t.clock.scheduledTimes()).toContain(Date.UTC(2026, 0, 5, 10, 0, 35)));
    expect(t.clock.scheduledTimes().filter((at) => at < Date.UTC(2026, 0, 5, 10, 0, 40))).toEqual([Date.UTC(2026, 0, 5, 10, 0, 35)]);
    t.clock.advance(0);
    await eventually(() => expect(fixture.received.slowTicks).toHaveLength(2));
    fixture.slowGate.release();
    // Then the schedule again: the occurrence after that run.
    await eventually(() => expect(t.clock.scheduledTimes()).toContain(Date.UTC(2026, 0, 5, 10, 0, 40)));
  });

  it('runs a non-HTTP function on demand through POST /admin/functions/{name} (202)', async () => {
    const res = await admin('queueWork', { input: 'hello from admin' });
    expect(res.status).toBe(202);
    await eventually(() => expect(fixture.received.queueItems.map((r) => r.value)).toContain('hello from admin'));

    const before = fixture.received.ticks.length;
    expect((await admin('tick', {})).status).toBe(202);
    await eventually(() => expect(fixture.received.ticks).toHaveLength(before + 1));
    expect(fixture.received.ticks[before]?.value).toEqual({ schedule: { adjustForDST: true }, scheduleStatus: null, isPastDue: false });

    const event = { id: 'admin-1', subject: 's', eventType: 'Manual', data: {}, topic: 't', eventTime: '2026-01-05T10:00:00Z', dataVersion: '1', metadataVersion: '1' };
    expect((await admin('recordEvent', { input: JSON.stringify(event) })).status).toBe(202);
    await eventually(() => expect(fixture.received.events.map((r) => r.value)).toContainEqual(event));
  });

  it.each([
    ['a number', 42, 42],
    ['a boolean', true, true],
    ['an object', { vnet: 'v1' }, { vnet: 'v1' }],
    ['an array', [1, 2], [1, 2]],
    ['null', null, ''],
  ])('accepts %s as input: 202; the host sends its JSON text, which the library parses back for the function', async (_label, input, expected) => {
    const before = fixture.received.queueItems.length;
    expect((await admin('queueWork', { input })).status).toBe(202);
    await eventually(() => expect(fixture.received.queueItems).toHaveLength(before + 1));
    expect(fixture.received.queueItems[before]?.value).toEqual(expected);
  });

  it.each([
    ['without the master key', 'queueWork', { input: 'x' }, null, 401, 'Unauthorized', /requires a key \(admin level\)/],
    ['with a function name that is not registered', 'nope', { input: 'x' }, MASTER_KEY, 404, 'FunctionNotFound', /no function named 'nope'/],
    ['for an HTTP function', 'spokeGet', { input: 'x' }, MASTER_KEY, 400, 'BadRequest', /is an HTTP function/],
    ['for a Durable activity', 'durableActivity', { input: 'x' }, MASTER_KEY, 400, 'BadRequest', /only the Durable extension runs it/],
    ['with an empty body', 'queueWork', '', MASTER_KEY, 400, 'BadRequest', /^the body is empty/],
    ['with a body that is not an object', 'queueWork', '"x"', MASTER_KEY, 400, 'BadRequest', /must be a JSON object .*not string$/],
    ['with an Event Grid input that is not an event object', 'recordEvent', { input: '[1]' }, MASTER_KEY, 400, 'BadRequest', /must be the event, a JSON object/],
  ])('rejects an admin call %s', async (_label, name, body, key, status, code, message) => {
    const before = fixture.received.queueItems.length;
    const res = await fetch(`${t.baseUrl}/admin/functions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(fixture.received.queueItems).toHaveLength(before);
  });

  it('prints one line per function log call (time, level, function, invocation id, message) above the minimum level', async () => {
    t.lines.length = 0;
    expect((await fetch(`${t.baseUrl}/api/defaultRoute`)).status).toBe(204);
    const own = t.lines.filter((l) => l.includes(' defaultRoute ') && l.endsWith(' line'));
    expect(own.map((l) => l.split(' ')[1])).toEqual(['debug', 'information', 'warning']);
    for (const line of own) expect(line).toMatch(new RegExp(`^${ISO} (debug|information|warning) defaultRoute ${GUID} defaultRoute \\w+ line$`));
  });

  it('serves GET /api/local/info with functions, their triggers and URLs, and added sections', async () => {
    const res = await fetch(`${t.baseUrl}/api/local/info`);
    expect(res.status).toBe(200);
    const info = (await res.json()) as { host: Record<string, unknown>; functions: Record<string, unknown>[]; armEmulator: unknown };
    expect(info.host).toMatchObject({ kind: 'local', baseUrl: t.baseUrl, routePrefix: 'api', keys: { function: true, admin: true, eventGrid: false } });
    const byName = Object.fromEntries(info.functions.map((f) => [f.name, f]));
    expect(byName.spokeGet).toEqual({
      name: 'spokeGet',
      trigger: 'httpTrigger',
      methods: ['GET'],
      route: 'spokes/{subscription}/{resourceGroup}/{vnet}',
      authLevel: 'function',
      url: `${t.baseUrl}/api/spokes/{subscription}/{resourceGroup}/{vnet}`,
    });
    expect(byName.defaultRoute).toMatchObject({ methods: ['GET', 'POST'], route: 'defaultRoute', url: `${t.baseUrl}/api/defaultRoute` });
    // Only functions the admin API runs get an admin URL: not HTTP, Event Grid (its webhook) or Durable functions.
    expect(byName.recordEvent).toEqual({
      name: 'recordEvent',
      trigger: 'eventGridTrigger',
      webhookUrl: `${t.baseUrl}/runtime/webhooks/eventgrid?functionName=recordEvent`,
    });
    expect(byName.durableActivity).toEqual({ name: 'durableActivity', trigger: 'activityTrigger' });
    expect(byName.spokeGet).not.toHaveProperty('adminUrl');
    expect(byName.tick).toMatchObject({
      trigger: 'timerTrigger',
      schedule: '%TICK_SCHEDULE%',
      resolvedSchedule: '0 0 10 * * Mon',
      runOnStartup: true,
      nextRun: '2026-01-12T10:00:00.000Z',
      adminUrl: `${t.baseUrl}/admin/functions/tick`,
    });
    expect(byName.queueWork).toMatchObject({ trigger: 'queueTrigger', adminUrl: `${t.baseUrl}/admin/functions/queueWork` });
    expect(info.armEmulator).toEqual({ endpoint: 'https://127.0.0.1:1234' });
    expect(() => t.host.addInfo('functions', () => 1)).toThrow('info section "functions" is the host\'s own; pick another name.');
  });
});

describe('local host: start-up reporting and settings errors', () => {
  it('prints every function URL at start, filters by LOCAL_LOG_LEVEL, and reports a timer whose %SETTING% is missing', async () => {
    const t = await startTestHost({ Values: { LOCAL_LOG_LEVEL: 'Warning' } });
    try {
      // Warning level: the startup URL lines (information) are filtered out, the timer error is not.
      expect(t.lines.some((l) => l.includes('Local Functions host listening'))).toBe(false);
      expect(t.lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${ISO} error host - The 'tick' function is in error: the schedule "%TICK_SCHEDULE%" refers to app setting "TICK_SCHEDULE", which is not set`),
        ),
      );
      t.lines.length = 0;
      expect((await fetch(`${t.baseUrl}/api/defaultRoute`)).status).toBe(204);
      expect(t.lines.filter((l) => l.includes(' defaultRoute ')).map((l) => l.split(' ')[1])).toEqual(['warning']);
      const info = (await (await fetch(`${t.baseUrl}/api/local/info`)).json()) as { functions: { name: string; error?: string }[] };
      expect(info.functions.find((f) => f.name === 'tick')?.error).toContain('"TICK_SCHEDULE", which is not set');
    } finally {
      await t.stop();
    }

    const verbose = await startTestHost({ Values: { TICK_SCHEDULE: '00:05:00', LOCAL_APP_SERVICE_PLAN: 'true' } });
    try {
      expect(verbose.lines).toContainEqual(expect.stringMatching(new RegExp(`^${ISO} information host - Local Functions host listening on ${verbose.baseUrl}$`)));
      expect(verbose.lines).toContainEqual(
        expect.stringContaining(`information host -   spokeGet: [GET] ${verbose.baseUrl}/api/spokes/{subscription}/{resourceGroup}/{vnet}`),
      );
      expect(verbose.lines).toContainEqual(
        expect.stringContaining(`recordEvent: eventGridTrigger ${verbose.baseUrl}/runtime/webhooks/eventgrid?functionName=recordEvent`),
      );
      // A TimeSpan schedule: every five minutes from start (runOnStartup ran first).
      expect(verbose.lines).toContainEqual(expect.stringContaining('tick: timerTrigger (00:05:00, next 2026-01-05T10:04:58.000Z)'));
    } finally {
      await verbose.stop();
    }
  });

  it('refuses a LOCAL_APP_SERVICE_PLAN that is not true or false, naming the setting', () => {
    expect(() =>
      createLocalHost({ entries: [fixtureEntry], env: { LOCAL_APP_SERVICE_PLAN: 'yes' }, settingsFile: '/nonexistent/local.settings.json', port: 0 }),
    ).toThrow('App setting LOCAL_APP_SERVICE_PLAN is "yes"; use true (the app runs on an App Service plan) or false.');
  });

  it('refuses an unknown LOCAL_LOG_LEVEL naming the setting', () => {
    expect(() =>
      createLocalHost({ entries: [fixtureEntry], env: { LOCAL_LOG_LEVEL: 'loud' }, settingsFile: '/nonexistent/local.settings.json', port: 0 }),
    ).toThrow('App setting LOCAL_LOG_LEVEL is "loud"; use one of trace, debug, information, warning, error, critical or none.');
  });
});
