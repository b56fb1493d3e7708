import { runCli } from '../../../local/cli/main';
import { startStampWorld, until, type StampWorld } from './support';

/** These tests share one world: each leaves every demo stamp healthy and back in rotation. */
describe('stamp health on the embedded default (real app, local health endpoints, Front Door in the ARM emulator)', () => {
  let world: StampWorld;

  beforeAll(async () => {
    world = await startStampWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  // A test that fails must not leave a stamp out for the next one: every test ends with all of them back.
  afterEach(async () => {
    await world.api('/api/stamps/neu-1/pin', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'auto', reason: 'test cleanup' }) });
    await inRotation(['weu-1', 'weu-2', 'neu-1', 'legacy-weu', 'legacy-neu']);
  });

  const inRotation = async (names: string[]): Promise<void> => {
    for (const name of names) await world.setHealth(name, 200);
    await until('every stamp back in rotation', async () => {
      for (const name of ['weu-1', 'weu-2', 'neu-1']) if ((await world.origin(name)) !== 'Enabled') return undefined;
      for (const address of ['legacy-weu.payments.example', 'legacy-neu.payments.example']) if ((await world.backend(address)) !== 'Enabled') return undefined;
      const list = (await world.api('/api/stamps')).body as { stamps: Array<{ state: string }> };
      return list.stamps.every((s) => s.state === 'Healthy') ? true : undefined;
    });
  };

  it('ejects a failing stamp from its origin group (PATCH of enabledState), and readmits it after it recovers', async () => {
    await world.setHealth('weu-1', 503);
    await until('weu-1 disabled in Front Door', async () => ((await world.origin('weu-1')) === 'Disabled' ? true : undefined));
    const ejected = await until('weu-1 recorded Ejected with Front Door read back', async () => {
      const s = await world.stamp('weu-1');
      return s.state === 'Ejected' && (s.frontDoor as { enabledState?: string }).enabledState === 'Disabled' ? s : undefined;
    });
    expect(ejected).toMatchObject({
      name: 'weu-1',
      originId: expect.stringMatching(/\/resourcegroups\/rg-payments-edge\/providers\/Microsoft\.Cdn\/profiles\/afd-payments\/origingroups\/og-payments\/origins\/weu-1$/),
      ejectionCount: 1,
      pin: null,
      why: '3 consecutive failed probes (503)',
      lastTransition: expect.objectContaining({ to: 'Ejected' }),
      frontDoor: expect.objectContaining({ lastWrite: expect.objectContaining({ enabledState: 'Disabled', ok: true, acceptedAt: expect.any(String), propagation: expect.stringContaining('minutes') }) }),
    });
    expect((ejected.audit as Array<{ action: string; outcome: string }>).map((a) => `${a.action}:${a.outcome}`)).toEqual(expect.arrayContaining(['disable:succeeded', 'Eject:succeeded']));
    // Only weu-1: a third of three.
    expect(await world.origin('weu-2')).toBe('Enabled');
    expect(await world.origin('neu-1')).toBe('Enabled');

    await world.setHealth('weu-1', 200);
    await until('weu-1 enabled again', async () => ((await world.origin('weu-1')) === 'Enabled' ? true : undefined));
    const back = await until('weu-1 recorded Healthy', async () => {
      const s = await world.stamp('weu-1');
      return s.state === 'Healthy' ? s : undefined;
    });
    expect((back.history as Array<{ to: string }>).map((h) => h.to)).toEqual(expect.arrayContaining(['Suspect', 'Ejected', 'Probation', 'Healthy']));
  });

  it('never takes out more than a third: with two stamps failing, the second is held in with a reason', async () => {
    await world.setHealth('weu-2', 'timeout');
    await until('weu-2 out', async () => ((await world.origin('weu-2')) === 'Disabled' ? true : undefined));
    await world.setHealth('neu-1', 'refuse');
    const held = await until('neu-1 held in', async () => {
      const s = await world.stamp('neu-1');
      return typeof s.why === 'string' && s.why.startsWith('held in: 1 of 3 stamps are out already (at most 1)') ? s : undefined;
    });
    expect(held).toMatchObject({ state: 'Suspect', frontDoor: expect.objectContaining({ enabledState: 'Enabled' }) });
    expect(await world.origin('neu-1')).toBe('Enabled');
    await inRotation(['weu-2', 'neu-1']);
  });

  it('classic Front Door: a refused connection ejects its backend (GET, edit, PUT the whole profile); the last backend fails open', async () => {
    await world.setHealth('legacy-weu', 'refuse');
    await until('legacy-weu backend disabled', async () => ((await world.backend('legacy-weu.payments.example')) === 'Disabled' ? true : undefined));
    expect(await world.backend('legacy-neu.payments.example')).toBe('Enabled');
    await world.setHealth('legacy-neu', 503);
    const failOpen = await until('legacy-neu kept in, fail open', async () => {
      const s = await world.stamp('legacy-neu');
      return typeof s.why === 'string' && s.why.includes('fail open') ? s : undefined;
    });
    expect(failOpen.frontDoor).toMatchObject({ enabledState: 'Enabled', kind: 'classic' });
    expect(failOpen).toMatchObject({ backendAddress: 'legacy-neu.payments.example', originId: expect.stringMatching(/\/Microsoft\.Network\/frontDoors\/fd-payments-legacy$/i) });
    expect((failOpen.audit as Array<{ action: string }>).map((a) => a.action)).toContain('FailOpen');
    await inRotation(['legacy-weu', 'legacy-neu']);
  });

  it('pins: out drains a healthy stamp, auto hands it back; bad pins get a 400 naming the field', async () => {
    const pin = (name: string, body: unknown) => world.api(`/api/stamps/${name}/pin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await pin('neu-1', { mode: 'sideways', reason: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'InvalidPin', message: expect.stringContaining('mode: must be "out" (drain), "in" (force in) or "auto"') } } });
    expect(await pin('neu-1', { mode: 'out' })).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('reason') } } });
    expect(await pin('neu-1', { mode: 'out', reason: 'x', until: '2001-01-01T00:00:00Z' })).toMatchObject({ status: 400, body: { error: { message: 'until: 2001-01-01T00:00:00Z is in the past' } } });
    expect(await pin('nope', { mode: 'out', reason: 'x' })).toMatchObject({ status: 404, body: { error: { code: 'StampNotFound' } } });
    expect(await pin('neu-1', { mode: 'out', reason: 'patching the region' })).toMatchObject({ status: 202 });
    await until('neu-1 drained', async () => ((await world.origin('neu-1')) === 'Disabled' ? true : undefined));
    const pinned = await until('neu-1 recorded pinned out', async () => {
      const s = await world.stamp('neu-1');
      return (s.condition as { reason?: string } | undefined)?.reason === 'PinnedOut' ? s : undefined;
    });
    expect(pinned).toMatchObject({ pin: expect.objectContaining({ mode: 'out', reason: 'patching the region', by: 'test operator (0e7a0000-0000-4000-8000-0000000000a1)' }), why: 'pinned out by test operator (0e7a0000-0000-4000-8000-0000000000a1): patching the region' });
    expect((pinned.audit as Array<{ action: string }>).map((a) => a.action)).toEqual(expect.arrayContaining(['pin:out', 'signal:pin', 'Eject', 'disable']));
    expect(await pin('neu-1', { mode: 'auto', reason: 'done' })).toMatchObject({ status: 202 });
    await until('neu-1 back', async () => ((await world.origin('neu-1')) === 'Enabled' ? true : undefined));
  });

  it('alerts: the webhook refuses anonymous callers and malformed alerts; Fired ejects at once, Resolved lets it back', async () => {
    const anonymous = await world.api('/api/stamps/alerts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: 'Unauthorized' } } });
    const forged = await world.api('/api/stamps/alerts', { method: 'POST', headers: { authorization: 'Bearer not-a-token' }, body: '{}' });
    expect(forged.status).toBe(401);
    // A token of the local issuer, but for another application: refused.
    const token = (await world.api('/api/local/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid: '00000000-0000-4000-8000-000000000001', name: 'someone', roles: ['ActionGroupsSecureWebhook'] }) })).body as { access_token: string };
    const wrongApp = await world.api('/api/stamps/alerts', { method: 'POST', headers: { authorization: `Bearer ${token.access_token}` }, body: '{}' });
    expect(wrongApp).toMatchObject({ status: 401, body: { error: { message: expect.stringContaining("is not Azure Monitor's action groups") } } });
    const monitorToken = (await world.api('/api/local/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ oid: '00000000-0000-4000-8000-000000000002', name: 'AzNS AAD Webhook', roles: ['ActionGroupsSecureWebhook'], appId: '461e8683-5575-4561-ac7f-899cc907d62a' }) })).body as { access_token: string };
    const malformed = await world.api('/api/stamps/alerts', { method: 'POST', headers: { authorization: `Bearer ${monitorToken.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { alertId: 'x' } } }) });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'InvalidAlert', message: expect.stringContaining('data.essentials.') } } });

    const fired = await world.local('weu-2', 'alert', { condition: 'Fired' });
    expect(fired).toMatchObject({ status: 200, body: { delivered: 202, answer: { stamps: ['weu-2'], matchedBy: 'stampId' } } });
    await until('weu-2 out on the alert', async () => ((await world.origin('weu-2')) === 'Disabled' ? true : undefined));
    // The same delivery again (Azure Monitor retries) changes nothing.
    expect((await world.local('weu-2', 'alert', { condition: 'Fired' })).status).toBe(200);
    await world.local('weu-2', 'alert', { condition: 'Resolved' });
    await until('weu-2 back after Resolved', async () => ((await world.origin('weu-2')) === 'Enabled' ? true : undefined));
    const audit = (await world.stamp('weu-2')).audit as Array<{ action: string; reason: string }>;
    expect(audit.filter((a) => a.action === 'signal:alert').map((a) => a.reason).sort()).toEqual(['applied', 'applied', 'duplicate']);
  });

  it('a Health Resources event (Unavailable) for a stamp VM scale set ejects it; Available clears it', async () => {
    const sent = await world.local('neu-1', 'health-event', { availabilityState: 'Unavailable' });
    expect(sent).toMatchObject({ status: 200 });
    await until('neu-1 out on Unavailable', async () => ((await world.origin('neu-1')) === 'Disabled' ? true : undefined));
    await world.local('neu-1', 'health-event', { availabilityState: 'Available' });
    await until('neu-1 back on Available', async () => ((await world.origin('neu-1')) === 'Enabled' ? true : undefined));
  });

  it('the CLI: stamp list, health, show, pin and alert, with usage errors for bad values', async () => {
    const cli = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const code = await runCli({ argv: [...argv, '--url', world.embedded.baseUrl], env: {}, cwd: process.cwd(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    };
    const list = await cli('stamp', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^STAMP\s+STATE\s+FRONT DOOR\s+PIN\s+EJECTIONS\s+WHY$/);
    expect(list.stdout).toMatch(/\nweu-1\s+Healthy\s+Enabled\s+-\s+\d+/);
    expect(await cli('stamp', 'health', 'weu-1', 'sideways')).toMatchObject({ code: 2, stderr: expect.stringContaining('"sideways" is not an answer') });
    expect(await cli('stamp', 'pin', 'weu-1', '--mode', 'out')).toMatchObject({ code: 2 });
    expect(await cli('stamp', 'alert', 'weu-1', 'Maybe')).toMatchObject({ code: 2, stderr: expect.stringContaining('"Maybe" is not a signal') });
    expect(await cli('stamp', 'show', 'nope')).toMatchObject({ code: 1, stderr: expect.stringContaining('StampNotFound') });
    expect((await cli('stamp', 'health', 'weu-1', '503')).stdout).toMatch(/^Stamp weu-1: its health endpoint \(http:\/\/127\.0\.0\.1:\d+\/health\) now answers 503\n$/);
    await until('weu-1 out', async () => ((await world.origin('weu-1')) === 'Disabled' ? true : undefined));
    const shown = await until('stamp show says Ejected', async () => {
      const r = await cli('stamp', 'show', 'weu-1');
      return r.stdout.startsWith('stamp weu-1\n  Ejected: ') && r.stdout.includes('front door:    Disabled') ? r : undefined;
    });
    expect(shown.stdout).toContain('front door:    Disabled as last read; last write Disabled accepted');
    expect((await cli('stamp', 'alert', 'neu-1', 'Unavailable')).stdout).toBe('Stamp neu-1: Health Resources event Unavailable delivered\n');
    expect((await cli('stamp', 'alert', 'neu-1', 'Available')).code).toBe(0);
    expect((await cli('stamp', 'pin', 'weu-2', '--mode', 'in', '--reason', 'keep it')).stdout).toContain('Stamp weu-2: pinned in (keep it)');
    expect((await cli('stamp', 'pin', 'weu-2', '--mode', 'auto', '--reason', 'done')).code).toBe(0);
  });

  it('GET /api/stamps lists every stamp with its state, origin, Front Door state and pin', async () => {
    const list = (await world.api('/api/stamps')).body as { count: number; stamps: Array<Record<string, unknown>> };
    expect(list.count).toBe(5);
    expect(list.stamps.map((s) => s.name)).toEqual(['weu-1', 'weu-2', 'neu-1', 'legacy-weu', 'legacy-neu']);
    // Paged in the configuration's order, filtered by region; a bad state is a 400 naming the states.
    const first = (await world.api('/api/stamps?region=westeurope&top=2')).body as { count: number; stamps: Array<{ name: string }>; nextLink?: string };
    expect({ count: first.count, names: first.stamps.map((s) => s.name) }).toEqual({ count: 3, names: ['weu-1', 'weu-2'] });
    const rest = (await world.api(first.nextLink ?? '')).body as { stamps: Array<{ name: string }>; nextLink?: string };
    expect({ names: rest.stamps.map((s) => s.name), next: rest.nextLink }).toEqual({ names: ['legacy-weu'], next: undefined });
    const bad = await world.api('/api/stamps?state=Sleepy');
    expect(bad).toEqual({ status: 400, body: { error: { code: 'InvalidQuery', message: 'state must be one of Healthy, Suspect, Ejected, Probation (got "Sleepy")' } } });
    for (const s of list.stamps) {
      expect(s).toEqual(expect.objectContaining({ state: expect.any(String), originId: expect.any(String), frontDoor: expect.objectContaining({ enabledState: 'Enabled' }), pin: null, ejectionCount: expect.any(Number), why: expect.any(String), lastSignals: expect.any(Object) }));
    }
    expect((await world.api('/api/stamps/nope')).status).toBe(404);
  });
});
