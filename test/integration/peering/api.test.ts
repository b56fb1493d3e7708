/**
 * The spokes' HTTP API answers consistently, boundedly and truthfully (issue 10 items 1, 3, 4, 5; issue 19): the
 * real app on the embedded default, VNets made with the real SDK, records planted in Azurite where a test needs a
 * record whose resource went away without an event.
 */
import { ids } from '../../../local/demo';
import { createTablesRecordStore } from '../../../shared/store/tables-store';
import type { RecordStore } from '../../../shared/store/records';
import { createVnet, getSpoke, postEvents, quiesce, resourceEvent, settledSpoke, spokePath, startWorld, until, POLL, type PeeringWorld } from './support';
import { apiFetch, localToken } from '../operator-token';

const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';
const ANALYTICS = 'b0000000-0000-4000-8000-0000000000b1';
const UNWATCHED = 'd0000000-0000-4000-8000-0000000000d1';
const WATCHED = `${PAYMENTS}, ${ANALYTICS}`;

interface Problem {
  error: { code: string; message: string };
}

describe('the spokes API: consistent, bounded and truthful answers', () => {
  let world: PeeringWorld;
  let store: RecordStore;
  const url = (path: string) => `${world.embedded.baseUrl}${path}`;
  const post = (path: string, body?: string) => apiFetch(url(path), { method: 'POST', ...(body !== undefined ? { body } : {}) });
  const del = (vnetId: string) => apiFetch(url(spokePath(vnetId)), { method: 'DELETE' });
  const sweep = async (body?: string) => {
    const res = await post('/api/spokes/reconcile', body);
    expect(res.status).toBe(202);
    const { statusQueryGetUri } = (await res.json()) as { statusQueryGetUri: string };
    return until('the sweep to finish', async () => {
      const s = (await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string; customStatus: unknown; output: { subscriptions: Array<{ subscriptionId: string }>; gone: number } };
      return s.runtimeStatus === 'Completed' ? s : undefined;
    }, 60_000);
  };
  const listed = async () => ((await (await apiFetch(url('/api/spokes'))).json()) as { spokes: Array<{ vnetId: string }> }).spokes.map((s) => s.vnetId.toLowerCase());
  /** A record whose VNet went away while no event reached the control plane (or one an older version left behind). */
  const plant = (vnetId: string, reason: string, status: 'True' | 'False' | 'Unknown') =>
    store.putRecord({
      kind: 'spoke',
      resourceId: vnetId,
      condition: { type: 'Peered', status, reason, message: 'planted by the test', lastTransitionTime: new Date().toISOString() },
      details: { vnetId },
      updatedAt: new Date().toISOString(),
    });

  beforeAll(async () => {
    world = await startWorld();
    store = createTablesRecordStore({ connectionString: process.env.TABLES_CONNECTION_STRING ?? '' });
  });
  afterEach(async () => {
    world.embedded.arm.faults.clear();
    await quiesce(world);
  });
  afterAll(async () => {
    await world?.stop();
  });

  describe('sweep requests are bounded', () => {
    it('refuses more than 100 subscription IDs, naming the limit', async () => {
      const res = await post('/api/spokes/reconcile', JSON.stringify({ subscriptions: Array.from({ length: 101 }, () => PAYMENTS) }));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'TooManySubscriptions', message: 'subscriptions: 101 entries, at most 100 are accepted (omit the list to sweep every watched subscription)' } });
    });

    it('refuses a body of 40,000 copies of one ID by its size, without starting anything', async () => {
      const res = await post('/api/spokes/reconcile', JSON.stringify({ subscriptions: Array.from({ length: 40_000 }, () => PAYMENTS) }));
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: { code: 'BodyTooLarge', message: 'the body is larger than 65536 bytes, the most this route reads' } });
    });

    it('collapses duplicate IDs, in any casing, into one subscription', async () => {
      const done = await sweep(JSON.stringify({ subscriptions: [PAYMENTS, PAYMENTS.toUpperCase(), PAYMENTS] }));
      expect(done.output.subscriptions.map((s) => s.subscriptionId)).toEqual([PAYMENTS]);
    });

    it('names each unwatched subscription once', async () => {
      const res = await post('/api/spokes/reconcile', JSON.stringify({ subscriptions: [PAYMENTS, UNWATCHED, UNWATCHED.toUpperCase()] }));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'NotWatched', message: `subscription ${UNWATCHED} is not watched (watched: ${WATCHED})` } });
    });

    it('keeps the sweep custom status to counts, however many subscriptions it lists', async () => {
      const saved = process.env.CONTROL_PLANE_TOPOLOGY ?? '';
      const doc = JSON.parse(saved) as { watchedSubscriptions: string[] };
      const many = Array.from({ length: 300 }, (_, i) => `e0000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify({ ...doc, watchedSubscriptions: [...doc.watchedSubscriptions, ...many] });
      try {
        const done = await sweep();
        expect(done.output.subscriptions).toHaveLength(302);
        // Azure fails an orchestration whose custom status exceeds 16 KB of UTF-16.
        expect(JSON.stringify(done.customStatus).length * 2).toBeLessThan(16 * 1024);
        expect(done.customStatus).toMatchObject({ phase: 'requesting', subscriptions: 302 });
      } finally {
        process.env.CONTROL_PLANE_TOPOLOGY = saved;
      }
    });
  });

  describe('the operator routes want a bearer token with a ControlPlane role (issue 16)', () => {
    const as = async (roles: string[]) => ({ authorization: `Bearer ${await localToken(world.embedded.baseUrl, { oid: 'a11ce000-0000-4000-8000-000000000001', name: 'someone', roles })}` });

    it('answers 401 with WWW-Authenticate without a token, 403 naming the role without it, and lets each role do what it may', async () => {
      const none = await fetch(url('/api/spokes'));
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toContain('application/problem+json');
      expect(none.headers.get('www-authenticate')).toContain('error="invalid_request"');
      const forged = await fetch(url('/api/events/rejected'), { headers: { authorization: 'Bearer not.a.token' } });
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');

      const requester = await as(['Egress.Requester']);
      const refused = await fetch(url('/api/spokes'), { headers: requester });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { detail: string }).detail).toContain('ControlPlane.Reader or ControlPlane.Operator or Egress.Approver');

      for (const roles of [['ControlPlane.Reader'], ['ControlPlane.Operator'], ['Egress.Approver']]) {
        expect((await fetch(url('/api/spokes'), { headers: await as(roles) })).status).toBe(200);
      }
      for (const roles of [['ControlPlane.Reader'], ['Egress.Approver']]) {
        const write = await fetch(url('/api/spokes/reconcile'), { method: 'POST', headers: await as(roles) });
        expect(write.status).toBe(403);
        expect(((await write.json()) as { detail: string }).detail).toContain('lacks the app role ControlPlane.Operator');
        expect((await fetch(url(spokePath(world.hubWeu)), { method: 'DELETE', headers: await as(roles) })).status).toBe(403);
      }
    });
  });

  describe('the same question gets the same answer on every route', () => {
    const unwatched = ids.vnet(UNWATCHED, 'rg-x', 'vnet-x');
    const notWatched = { error: { code: 'NotWatched', message: `subscription ${UNWATCHED} is not watched (watched: ${WATCHED})` } };

    it('answers 400 NotWatched for a VNet of an unwatched subscription, as the endpoint route does, and records nothing', async () => {
      const res = await post(`${spokePath(unwatched)}/reconcile`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(notWatched);
      const endpoint = await post(`/api/endpoints/${UNWATCHED}/rg-x/pe-x/reconcile`);
      expect(endpoint.status).toBe(400);
      expect(await endpoint.json()).toEqual(notWatched);
      const get = await apiFetch(url(spokePath(unwatched)));
      expect(get.status).toBe(400);
      expect(await get.json()).toEqual(notWatched);
      expect(await listed()).not.toContain(unwatched.toLowerCase());
    });

    it('answers 400 IsHub for a hub on every route', async () => {
      const isHub = { error: { code: 'IsHub', message: `${world.hubWeu} is the configured hub "westeurope": a hub is never a spoke` } };
      for (const res of [await post(`${spokePath(world.hubWeu)}/reconcile`), await apiFetch(url(spokePath(world.hubWeu))), await del(world.hubWeu)]) {
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual(isHub);
      }
    });

    it('shows Reconciling, never a null condition, while the first pass runs', async () => {
      // The hub writer meets two throttled peering writes, each with Retry-After 400 s scaled by the emulator's time
      // scale (0.005) to 2 s: the first pass lasts seconds, ample for the polls below to see it.
      world.embedded.arm.faults.failNext(2, 'PUT', '*/virtualNetworkPeerings/*', { kind: 'http', status: 429, code: 'SubscriptionRequestsThrottled', retryAfterSeconds: 400 });
      const spoke = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-first-pass');
      await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.80.0.0/24'] });
      const during = await until('the first pass to show', () => getSpoke(world, spoke));
      expect(during.condition).toMatchObject({ type: 'Peered', status: 'Unknown', reason: 'Reconciling' });
      expect(await listed()).toContain(spoke.toLowerCase());
      await settledSpoke(world, spoke, 'Converged', 60_000);
    });
  });

  describe('a typo leaves no record; DELETE forgets the record of a VNet that is gone', () => {
    it('answers 404 for a VNet that never existed, in an existing or a missing resource group, and records nothing', async () => {
      for (const typo of [ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-typo'), ids.vnet(PAYMENTS, 'rg-typo', 'vnet-typo')]) {
        const res = await post(`${spokePath(typo)}/reconcile`);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: { code: 'SpokeNotFound', message: `${typo} does not exist and the control plane has no record of it: nothing to reconcile (check the subscription, resource group and name)` } });
        expect((await apiFetch(url(spokePath(typo)))).status).toBe(404);
      }
      expect((await listed()).filter((id) => id.includes('vnet-typo'))).toEqual([]);
    });

    it('records nothing for an event about a VNet that never existed', async () => {
      const ghost = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-ghost');
      expect((await postEvents(world, [resourceEvent(ghost, 'Write', 'Microsoft.Network/virtualNetworks/write')])).status).toBe(202);
      await until('its orchestration to finish', async () => {
        const res = await fetch(url(`/runtime/webhooks/durabletask/instances?createdTimeFrom=${encodeURIComponent(new Date(0).toISOString())}`));
        const all = (await res.json()) as Array<{ name: string; runtimeStatus: string; output: unknown }>;
        return all.some((i) => i.name === 'spokePeering' && i.runtimeStatus === 'Completed' && JSON.stringify(i.output).includes('vnet-ghost')) ? true : undefined;
      });
      await quiesce(world);
      expect(await getSpoke(world, ghost)).toBeUndefined();
      expect(await listed()).not.toContain(ghost.toLowerCase());
    });

    it('refuses to forget a VNet that exists (409), forgets it once deleted (200), then knows nothing of it (404)', async () => {
      const spoke = ids.vnet(ANALYTICS, 'rg-analytics-weu', 'vnet-forget-me');
      await createVnet(world, spoke, { location: 'westeurope', prefixes: ['10.81.0.0/24'] });
      await settledSpoke(world, spoke, 'Converged');
      const exists = await del(spoke);
      expect(exists.status).toBe(409);
      expect(await exists.json()).toEqual({ error: { code: 'StillExists', message: `${spoke} still exists: the control plane keeps its record while it does (delete the VNet first)` } });

      await world.network(ANALYTICS).virtualNetworks.delete('rg-analytics-weu', 'vnet-forget-me', POLL);
      await settledSpoke(world, spoke, 'Deleted');
      const forgotten = await del(spoke);
      expect(forgotten.status).toBe(200);
      expect(await forgotten.json()).toMatchObject({ vnetId: spoke, deleted: true, lastCondition: { reason: 'Deleted' } });
      expect(await getSpoke(world, spoke)).toBeUndefined();
      expect(await listed()).not.toContain(spoke.toLowerCase());
      expect((await store.listAudit(spoke, 50)).length).toBeGreaterThan(0);
      expect((await del(spoke)).status).toBe(404);
    });

    it('marks a recorded VNet the sweep no longer finds Deleted (its cleanup first), after which DELETE forgets it', async () => {
      const vanished = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-vanished');
      await plant(vanished, 'Converged', 'True');
      const pending = await del(vanished);
      expect(pending.status).toBe(409);
      expect(((await pending.json()) as Problem).error).toEqual({
        code: 'CleanupPending',
        message: `${vanished} no longer exists but its record says Converged, not Deleted: the cleanup after it has not run yet; POST .../reconcile (it records Deleted once done), then DELETE again`,
      });

      const done = await sweep(JSON.stringify({ subscriptions: [PAYMENTS] }));
      expect(done.output.gone).toBeGreaterThanOrEqual(1);
      const view = await settledSpoke(world, vanished, 'Deleted');
      expect(view.condition).toMatchObject({ status: 'False', reason: 'Deleted' });
      expect((await del(vanished)).status).toBe(200);
    });

    it('forgets a record left in a subscription no longer watched, whatever it says', async () => {
      const old = ids.vnet(UNWATCHED, 'rg-x', 'vnet-old');
      await plant(old, 'ArmError', 'Unknown');
      const res = await del(old);
      expect(res.status).toBe(200);
      expect(await getSpoke(world, old).catch((e: unknown) => String(e))).toMatch(/-> 400: .*NotWatched/);
      expect(await listed()).not.toContain(old.toLowerCase());
    });
  });
});
