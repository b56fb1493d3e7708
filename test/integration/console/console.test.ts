/**
 * The console end to end (issue 16) in a real headless browser (Debian's chromium through playwright-core) against
 * the embedded default running the real app: sign in as a requester and as an approver, request egress, approve it and
 * see it become Active, self-approval refused with the API's reason, a spoke in AddressSpaceOverlap with its reason on
 * the overview and the topology, a stamp pinned out from its page, and the drift page. Screenshots of every page go to
 * test-output/console/ for a reviewer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NetworkManagementClient } from '@azure/arm-network';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { demoTopology, ids, staticTokenCredential } from '../../../local/demo';
import { apiFetch } from '../operator-token';
import { startStampWorld, type StampWorld } from '../stamps/support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.resolve(__dirname, '..', '..', '..', 'test-output', 'console');
const PAYMENTS = 'a0000000-0000-4000-8000-0000000000a1';
const OVERLAP = ids.vnet(PAYMENTS, 'rg-payments-weu', 'vnet-console-overlap');
const WAIT = 90_000;

describe('the console in a headless browser', () => {
  let world: StampWorld;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let spoke: string;
  const consoleUrl = () => `${world.embedded.baseUrl}/api/console/`;

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  };

  /** Signs in on the local sign-in page with a preset, optionally changing the roles and object ID. */
  const signIn = async (preset: string, change: { oid?: string; name?: string; roles?: string[] } = {}) => {
    await page.goto(`${consoleUrl()}#/signin`);
    await page.getByRole('button', { name: preset, exact: true }).click();
    if (change.oid) await page.getByLabel('Object ID').fill(change.oid);
    if (change.name) await page.getByLabel('Name', { exact: true }).fill(change.name);
    if (change.roles) {
      for (const role of ['Egress.Requester', 'Egress.Approver', 'ControlPlane.Reader', 'ControlPlane.Operator']) await page.getByLabel(role).setChecked(change.roles.includes(role));
    }
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  };

  /** Reloads the current page until `probe` finds what it waits for (the flows settle in the background). */
  const untilShown = async (what: string, probe: () => Promise<boolean>) => {
    const deadline = Date.now() + WAIT;
    for (;;) {
      if (await probe()) return;
      if (Date.now() > deadline) throw new Error(`the console never showed ${what}`);
      await page.waitForTimeout(500);
      await page.reload();
    }
  };

  const requestEgress = async (fqdn: string) => {
    await page.goto(`${consoleUrl()}#/egress`);
    await page.getByLabel('Spoke VNet ID').fill(spoke);
    await page.getByLabel('Destinations').fill(`${fqdn} Https:443`);
    await page.getByLabel('Justification').fill('the build needs it');
    await page.getByRole('button', { name: 'Request', exact: true }).click();
    await page.getByRole('heading', { name: /^Egress request egr-/ }).waitFor();
    const id = /#\/egress\/(egr-[0-9a-f]+)/.exec(page.url())?.[1];
    if (!id) throw new Error(`no request ID in ${page.url()}`);
    return id;
  };

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    world = await startStampWorld();
    const topology = demoTopology();
    const payments = topology.workloads.find((w) => w.name === 'payments');
    const weu = payments?.spokes.find((s) => s.region === 'westeurope' && s.peering === 'connected');
    if (!payments || !weu) throw new Error('the demo topology lost its westeurope payments spoke');
    spoke = ids.vnet(payments.subscriptionId, weu.resourceGroup, weu.vnet.name);
    // A spoke overlapping its hub's address space: the peering flow refuses it with AddressSpaceOverlap.
    const network = new NetworkManagementClient(staticTokenCredential({ tenantId: topology.tenantId, objectId: 'oid-console-tests', appId: 'a11ce000-0000-4000-8000-00000000a11c' }), PAYMENTS, {
      endpoint: world.embedded.armEndpoint,
      tlsOptions: { ca: fs.readFileSync(world.embedded.caCertFile, 'utf8') },
    });
    await network.virtualNetworks.beginCreateOrUpdateAndWait('rg-payments-weu', 'vnet-console-overlap', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.0.2.0/24'] } }, { updateIntervalInMs: 5 });
    // A sweep records the demo's spokes too, so the pages show a landing zone rather than one spoke.
    const sweep = await apiFetch(`${world.embedded.baseUrl}/api/spokes/reconcile`, { method: 'POST' });
    const { statusQueryGetUri } = (await sweep.json()) as { statusQueryGetUri: string };
    const overlapPath = `/api/spokes/${PAYMENTS}/rg-payments-weu/vnet-console-overlap`;
    const deadline = Date.now() + WAIT;
    for (;;) {
      const res = await apiFetch(`${world.embedded.baseUrl}${overlapPath}`);
      const swept = ((await (await fetch(statusQueryGetUri)).json()) as { runtimeStatus: string }).runtimeStatus === 'Completed';
      if (swept && res.status === 200 && ((await res.json()) as { condition?: { reason?: string } }).condition?.reason === 'AddressSpaceOverlap') break;
      if (Date.now() > deadline) throw new Error(`the sweep never completed or ${OVERLAP} never became AddressSpaceOverlap`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'console-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1366, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await world?.stop();
  });

  it('serves its assets with their content types and a strict Content-Security-Policy', async () => {
    const index = await fetch(consoleUrl());
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await fetch(`${consoleUrl()}app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${consoleUrl()}style.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${consoleUrl()}%2e%2e%2fhost.json`)).status).toBe(404); // only the served files, never a path on disk
    const bare = await fetch(`${world.embedded.baseUrl}/api/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/api/console/');
  });

  it('GET /api/me answers the caller as the API sees them, and 401 without credentials', async () => {
    const none = await fetch(`${world.embedded.baseUrl}/api/me`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const me = await apiFetch(`${world.embedded.baseUrl}/api/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ oid: '0e7a0000-0000-4000-8000-0000000000a1', name: 'test operator', roles: ['ControlPlane.Operator'], via: 'bearer' });
  });

  it('keeps its header on one line at 1366 px for a long name with every role (the whole text in the tooltip)', async () => {
    const headerHeight = async () => (await page.locator('header.top').boundingBox())?.height ?? 0;
    await signIn('Requester');
    const oneLine = await headerHeight();
    const roles = ['Egress.Requester', 'Egress.Approver', 'ControlPlane.Reader', 'ControlPlane.Operator'];
    const name = 'Maximiliane Alexandra von Hohenberg-Schwarzenfels (Platform Networking, EMEA)';
    await signIn('Requester', { name, roles });
    await expect(page.getByTestId('who').getAttribute('title')).resolves.toBe(`${name} (${roles.join(', ')})`);
    expect(await headerHeight()).toBe(oneLine);
    await shot('header-long-name');
  });

  let requestId: string;

  it('signs in a requester, who requests egress (and may not read the operator pages: the API says why)', async () => {
    await signIn('Requester');
    await shot('signed-in-requester-overview');
    await expect(page.getByTestId('who').textContent()).resolves.toContain('Rita Requester (Egress.Requester)');
    await expect(page.getByRole('region', { name: 'Spokes' }).getByRole('alert').textContent()).resolves.toContain('lacks the app role ControlPlane.Reader or ControlPlane.Operator or Egress.Approver');
    requestId = await requestEgress('api.github.com');
    await expect(page.getByTestId('egress-status').textContent()).resolves.toBe('PendingApproval');
    await shot('egress-request');
  });

  it('shows self-approval as refused, in the API\'s words', async () => {
    await signIn('Requester', { oid: 'e9e55000-0000-4000-8000-00000000e0f1', name: 'Both Roles', roles: ['Egress.Requester', 'Egress.Approver'] });
    const own = await requestEgress('registry.npmjs.org');
    expect(own).not.toBe(requestId);
    await page.getByLabel('Comment').fill('looks fine to me');
    await page.getByRole('button', { name: 'Approve' }).click();
    const refusal = page.getByTestId('decision-problem').getByRole('alert');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toBe('403 Self approval: the requester cannot decide on their own request');
    await expect(page.getByTestId('egress-status').textContent()).resolves.toBe('PendingApproval');
    await shot('egress-self-approval-refused');
  });

  it('signs in an approver, who approves the pending request and sees it become Active', async () => {
    await signIn('Approver');
    await page.goto(`${consoleUrl()}#/egress`);
    const pending = page.getByRole('table', { name: 'Pending egress requests (oldest first)' });
    await pending.getByRole('link', { name: requestId }).waitFor();
    await shot('egress-list');
    await pending.getByRole('link', { name: requestId }).click();
    await page.getByLabel('Comment').fill('approved for the build');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded: approve' }).waitFor();
    await untilShown(`${requestId} Active`, async () => (await page.getByTestId('egress-status').textContent()) === 'Active');
    await expect(page.getByRole('table', { name: 'Decisions' }).textContent()).resolves.toContain('approved for the build');
    await shot('egress-active');
  });

  it('an elevated request (a wildcard over a shared suffix) needs a second, different approver', async () => {
    await signIn('Requester');
    const elevated = await requestEgress('*.blob.core.windows.net');
    await expect(page.getByTestId('egress-approvals').textContent()).resolves.toBe('0 of 2 required (elevated: a second approver decides too)');

    await signIn('Approver');
    await page.goto(`${consoleUrl()}#/egress/${elevated}`);
    await page.getByLabel('Comment').fill('first look: fine');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded: approve' }).waitFor();
    await untilShown(`${elevated} with 1 of 2 approvals`, async () => ((await page.getByTestId('egress-approvals').textContent()) ?? '').startsWith('1 of 2'));
    await expect(page.getByTestId('egress-status').textContent()).resolves.toBe('PendingApproval');
    await shot('egress-elevated-1-of-2');

    // The same approver again: the API refuses (one approval per approver), the page shows its reason.
    await page.getByLabel('Comment').fill('approving twice');
    await page.getByRole('button', { name: 'Approve' }).click();
    const refusal = page.getByTestId('decision-problem').getByRole('alert');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toBe('409 Already decided: this approver has already decided on the request; another approver must decide');
    await expect(page.getByTestId('egress-approvals').textContent()).resolves.toMatch(/^1 of 2/);
    await shot('egress-elevated-same-approver-refused');

    await signIn('Second approver');
    await page.goto(`${consoleUrl()}#/egress/${elevated}`);
    await page.getByLabel('Comment').fill('second approver: agreed');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded: approve' }).waitFor();
    await untilShown(`${elevated} Active`, async () => (await page.getByTestId('egress-status').textContent()) === 'Active');
    await expect(page.getByTestId('egress-approvals').textContent()).resolves.toMatch(/^2 of 2/);
    const decisions = (await page.getByRole('table', { name: 'Decisions' }).textContent()) ?? '';
    expect(decisions).toContain('Alex Approver');
    expect(decisions).toContain('Sam Second');
    await shot('egress-elevated-active');
  });

  it('shows the spoke in AddressSpaceOverlap with its reason on the overview and the topology', async () => {
    await page.goto(`${consoleUrl()}#/overview`);
    const spokes = page.getByRole('region', { name: 'Spokes' });
    const row = spokes.getByRole('row').filter({ hasText: 'vnet-console-overlap' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('AddressSpaceOverlap');
    await expect(row.textContent()).resolves.toContain("the spoke's address space overlaps");
    await page.getByRole('region', { name: 'Stamps' }).getByRole('table').first().waitFor();
    await shot('overview');

    await page.goto(`${consoleUrl()}#/topology`);
    const drawn = page.locator('svg.topology g.spoke[data-spoke="vnet-console-overlap"]');
    await drawn.waitFor();
    await expect(drawn.getAttribute('class')).resolves.toBe('spoke sp-bad');
    await expect(drawn.textContent()).resolves.toContain('AddressSpaceOverlap');
    await expect(page.locator('svg.topology g.stamp').count()).resolves.toBeGreaterThan(0);
    // Every configured hub is drawn, with or without spokes (GET /api/hubs serves them).
    const hubs = ((await (await apiFetch(`${world.embedded.baseUrl}/api/hubs`)).json()) as { hubs: Array<{ name: string; region: string; vnetId: string }> }).hubs;
    expect(hubs.map((h) => h.region).sort()).toEqual(demoTopology().connectivity.hubs.map((h) => h.region).sort());
    for (const hub of hubs) {
      const box = page.locator(`svg.topology g.hub[data-hub="${hub.name}"]`);
      await expect(box.getAttribute('class')).resolves.toBe('hub');
      await expect(box.textContent()).resolves.toContain(hub.region);
    }
    await expect(page.locator('svg.topology g.hub').count()).resolves.toBe(hubs.length);
    await expect(page.getByRole('table', { name: 'Hubs' }).getByRole('row').count()).resolves.toBe(hubs.length + 1);
    const tableRow = page.getByRole('table', { name: 'Spokes by hub' }).getByRole('row').filter({ hasText: 'vnet-console-overlap' });
    await expect(tableRow.textContent()).resolves.toContain('overlaps');
    await shot('topology');
    // The drawing with its heading and legend, without the tables (the README shows this one).
    await page.screenshot({ path: path.join(OUT, 'topology-drawing.png'), clip: { x: 0, y: 0, width: 1366, height: ((await page.locator('.svg-wrap').boundingBox())?.height ?? 600) + 160 } });

    await page.goto(`${consoleUrl()}#/spokes`);
    await page.getByRole('table', { name: 'Spokes' }).waitFor();
    await shot('spokes');
    await page.goto(`${consoleUrl()}#/spokes/${encodeURIComponent(OVERLAP)}`);
    await page.getByRole('button', { name: 'Reconcile now' }).waitFor();
    await shot('spoke');
    await page.goto(`${consoleUrl()}#/endpoints`);
    await page.getByRole('table', { name: 'Endpoints' }).or(page.getByText('Nothing to show.')).waitFor();
    await shot('endpoints');
  });

  it('an approver may not reconcile (the API refuses, the page says why); an operator pins a stamp out from its page', async () => {
    await page.goto(`${consoleUrl()}#/spokes/${encodeURIComponent(OVERLAP)}`);
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('lacks the app role ControlPlane.Operator');

    await signIn('Operator');
    await page.goto(`${consoleUrl()}#/stamps`);
    await page.getByRole('table', { name: 'Stamps' }).waitFor();
    await shot('stamps');
    const first = page.getByRole('table', { name: 'Stamps' }).getByRole('link').first();
    const name = (await first.textContent()) ?? '';
    await first.click();
    await page.getByRole('heading', { name: `Stamp ${name}` }).waitFor();
    await page.getByLabel('Mode').selectOption('out');
    await page.getByLabel('Reason (audited)').fill('patching the region');
    await page.getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Pinned out' }).waitFor();
    await untilShown(`${name} pinned out and disabled in Front Door`, async () => {
      const pin = (await page.getByTestId('stamp-pin').textContent()) ?? '';
      const frontDoor = (await page.getByTestId('stamp-frontdoor').textContent()) ?? '';
      return pin.startsWith('out by Olga Operator') && frontDoor.startsWith('Disabled');
    });
    await expect(page.getByTestId('stamp-pin').textContent()).resolves.toContain('patching the region');
    await shot('stamp-pinned-out');
  });

  it('runs a drift check from the drift page and reads its report (an operator)', async () => {
    await page.goto(`${consoleUrl()}#/drift`);
    await page.getByRole('heading', { name: 'Drift', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Drift run started \(202\)|A drift run is already running/ }).waitFor();
    await untilShown('a finished drift run with its text summary', async () => {
      // Let the reloaded page finish drawing (it asks the API first) before judging it: on a loaded machine a reload
      // every half second would otherwise never see the report drawn.
      const latest = page.getByRole('heading', { name: /^Latest run dr-/ });
      await latest.or(page.getByText('No drift run yet.')).waitFor({ timeout: WAIT });
      if ((await latest.count()) === 0) return false;
      const status = (await page.getByTestId('drift-status').textContent({ timeout: WAIT })) ?? '';
      return status === 'Completed' || status === 'Partial';
    });
    // The report as the API gives it: the differences table (or its empty message) and the text summary.
    await page.getByRole('table', { name: 'Drift items' }).or(page.getByText('No differences found.')).waitFor();
    await expect(page.getByTestId('drift-text').textContent()).resolves.toMatch(/Drift run dr-/);
    await page.getByRole('table', { name: 'Drift differences by flow' }).getByRole('row').filter({ hasText: 'peering' }).waitFor();
    // Each item's resource links to its page in the console where there is one (its status route says which).
    const links = page.getByRole('table', { name: 'Drift items' }).getByRole('link');
    for (let i = 0; i < (await links.count()); i++) await expect(links.nth(i).getAttribute('href')).resolves.toMatch(/^#\/(spokes|endpoints|egress|stamps)\//);
    // consoleLink itself, in the browser, for every kind of status route (a string: ts-jest would turn import() into require()).
    const samples = ['/api/spokes/s1/rg-a/vnet-a', '/api/endpoints/s1/rg-a/pe-a', '/api/egress-requests/egr-00ff', '/api/stamps/weu-1', '/api/events/rejected'];
    const routes = (await page.evaluate(`import(new URL('pages/drift.js', document.baseURI).href).then((m) => Object.fromEntries(${JSON.stringify(samples)}.map((l) => [l, m.consoleLink(l) ?? null])))`)) as Record<string, string | null>;
    expect(routes).toEqual({
      '/api/spokes/s1/rg-a/vnet-a': `#/spokes/${encodeURIComponent('/subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a')}`,
      '/api/endpoints/s1/rg-a/pe-a': `#/endpoints/${encodeURIComponent('/subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.Network/privateEndpoints/pe-a')}`,
      '/api/egress-requests/egr-00ff': '#/egress/egr-00ff',
      '/api/stamps/weu-1': '#/stamps/weu-1',
      '/api/events/rejected': null,
    });
    await shot('drift');
    // This world never swept its private endpoints, so the run finds them unrecorded: follow one item to its page.
    const itemRows = page.getByRole('table', { name: 'Drift items' }).getByRole('row').filter({ hasText: '/api/' });
    await expect(links.count()).resolves.toBe(await itemRows.count());
    if ((await links.count()) > 0) {
      const resource = (await links.first().textContent()) ?? '';
      await links.first().click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^(spoke|endpoint) ${resource.split('/').pop() ?? ''}$`) }).or(page.getByRole('heading', { level: 1, name: /^(Egress request|Stamp) / })).waitFor();
    }

    // The overview's last drift run (signed in with an approver's role too, so every card has something to show): its counts per flow and a link to the drift page.
    await signIn('Operator', { roles: ['ControlPlane.Operator', 'Egress.Approver'] });
    const card = page.getByRole('region', { name: 'Last drift run' });
    await card.getByTestId('overview-drift-run').waitFor();
    const runId = /Run (dr-\S+):/.exec((await card.getByTestId('overview-drift-run').textContent()) ?? '')?.[1];
    expect(runId).toMatch(/^dr-/);
    const flows = card.getByRole('table', { name: 'Drift differences by flow' });
    await expect(flows.getByRole('row').filter({ hasText: 'peering' }).count()).resolves.toBe(1);
    await expect(card.getByRole('link', { name: 'See the report' }).getAttribute('href')).resolves.toBe('#/drift');
    await page.getByRole('region', { name: 'Spokes' }).getByRole('row').filter({ hasText: 'vnet-console-overlap' }).waitFor();
    await page.getByRole('region', { name: 'Stamps' }).getByRole('table').first().waitFor();
    await shot('overview-with-drift');
  }, 2 * WAIT); // a run waits for the repairs it started (drift.repairWaitSeconds), longer on a loaded machine
});
