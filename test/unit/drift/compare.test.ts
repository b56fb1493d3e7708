/** The drift detectors' pure comparisons and the run's decisions, table-tested. */
import type { ObservedEndpoint } from '../../../shared/dns/model';
import { compareDns, type ListedZone } from '../../../shared/drift/dns';
import { compareEgress, compareStamps, decidedState } from '../../../shared/drift/egress-stamps';
import { changedRecently, countItems, failureMessage, type ActionFacts, decideAction, formatRunText, lastChangeOf, newRunId, RUN_ID, runStart, shownRun, statusLink, type DriftCandidate, type DriftInstanceView, type DriftRun } from '../../../shared/drift/model';
import { comparePeering, type PeeringDriftConfig } from '../../../shared/drift/peering';
import { desiredGroups } from '../../../shared/egress/spec';
import type { ObservedPeering, ObservedVnet } from '../../../shared/peering/model';
import { peeringName } from '../../../shared/peering/spec';
import type { ManagedRecord } from '../../../shared/store/records';

const CONN = 'c0000000-0000-4000-8000-0000000000c1';
const WL = 'a0000000-0000-4000-8000-0000000000a1';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_WEU = vnetId(CONN, 'rg-hub', 'hub-weu');
const HUB_NEU = vnetId(CONN, 'rg-hub', 'hub-neu');
const SPOKE = vnetId(WL, 'rg-app', 'spoke-app');

const config: PeeringDriftConfig = {
  hubs: [
    { name: 'westeurope', region: 'westeurope', vnetId: HUB_WEU },
    { name: 'northeurope', region: 'northeurope', vnetId: HUB_NEU },
  ],
  watchedSubscriptions: [WL],
  peering: { selection: 'opt-out', optOutTag: 'hubspoke-opt-out', optInTag: 'hubspoke-opt-in', hubTag: 'hubspoke-hub', useRemoteGateways: true },
};

function vnet(id: string, name: string, prefixes: string[], extra: Partial<ObservedVnet> = {}): ObservedVnet {
  return { id, name, location: 'westeurope', addressPrefixes: prefixes, tags: {}, hasGateway: false, peerings: [], ...extra };
}
function peering(on: string, remote: ObservedVnet, prefix: string, flags: Partial<ObservedPeering> = {}): ObservedPeering {
  const name = peeringName(prefix, remote.id, remote.name);
  return {
    id: `${on}/virtualNetworkPeerings/${name}`, name, remoteVnetId: remote.id, remoteAddressPrefixes: remote.addressPrefixes,
    allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: false, useRemoteGateways: false,
    peeringState: 'Connected', peeringSyncLevel: 'FullyInSync', provisioningState: 'Succeeded', ...flags,
  };
}
const record = (kind: ManagedRecord['kind'], resourceId: string, reason = 'Converged', details: Record<string, unknown> = {}, status: 'True' | 'False' | 'Unknown' = 'True'): ManagedRecord => ({
  kind, resourceId, condition: { type: 'T', status, reason, message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }, details, updatedAt: '2026-01-01T00:00:00Z',
});

/** A converged pair: hub (no gateway) and spoke, both sides as the spec says. */
function pair(spokeExtra: Partial<ObservedVnet> = {}, hubSide: Partial<ObservedPeering> = {}, spokeSide: Partial<ObservedPeering> = {}) {
  const hub0 = vnet(HUB_WEU, 'hub-weu', ['10.0.0.0/16']);
  const spoke0 = vnet(SPOKE, 'spoke-app', ['10.1.0.0/24'], spokeExtra);
  const hub = { ...hub0, peerings: [peering(HUB_WEU, spoke0, 'spoke-', { allowGatewayTransit: false, ...hubSide })] };
  const spoke = { ...spoke0, peerings: [peering(SPOKE, hub0, 'hub-', spokeSide)] };
  return { hub, spoke };
}
const hubs = (...vs: ObservedVnet[]) => new Map([HUB_WEU, HUB_NEU].map((id) => [id.toLowerCase(), vs.find((v) => v.id === id) ?? vnet(id, id.split('/').pop() ?? '', ['10.9.0.0/16'])]));
const kinds = (cs: DriftCandidate[]) => cs.map((c) => `${c.kind}${c.orphan ? '(orphan)' : ''}:${c.resource.split('/').pop()}`).sort();

describe('comparePeering', () => {
  const listed = new Set([WL, CONN]);
  it.each<[string, () => { vnets: ObservedVnet[]; hubList: ObservedVnet[]; records: ManagedRecord[]; listedSubs?: Set<string> }, string[]]>([
    ['a converged pair is no drift', () => { const { hub, spoke } = pair(); return { vnets: [spoke], hubList: [hub], records: [record('spoke', SPOKE)] }; }, []],
    ['a missing spoke side', () => { const { hub, spoke } = pair(); return { vnets: [{ ...spoke, peerings: [] }], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['missingPeering:spoke-app']],
    ['wrong flags on the hub side', () => { const { hub, spoke } = pair({}, { allowForwardedTraffic: false }); return { vnets: [spoke], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['wrongPeering:spoke-app']],
    ['a Disconnected hub side', () => { const { hub, spoke } = pair({}, { peeringState: 'Disconnected' }); return { vnets: [spoke], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['peeringDisconnected:spoke-app']],
    ['an address space out of sync', () => { const { hub, spoke } = pair(); return { vnets: [{ ...spoke, addressPrefixes: ['10.1.0.0/23'] }], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['peeringNotInSync:spoke-app']],
    ['Initiated but flags right: not connected', () => { const { hub, spoke } = pair({}, {}, { peeringState: 'Initiated' }); return { vnets: [spoke], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['peeringNotConnected:spoke-app']],
    ['a spoke without a record', () => { const { hub, spoke } = pair(); return { vnets: [spoke], hubList: [hub], records: [] }; }, ['unrecordedSpoke:spoke-app']],
    ['a record whose VNet is gone, and the hub side left pointing at it', () => { const { hub } = pair(); return { vnets: [], hubList: [hub], records: [record('spoke', SPOKE)] }; }, ['goneResource:spoke-app', `orphanPeering(orphan):${peeringName('spoke-', SPOKE, 'spoke-app')}`]],
    ['a gone VNet in a subscription that was not listed is not judged', () => { const { hub } = pair(); return { vnets: [], hubList: [hub], records: [record('spoke', SPOKE)], listedSubs: new Set([CONN]) }; }, []],
    ['a record that says Deleted is no drift', () => ({ vnets: [], hubList: [vnet(HUB_WEU, 'hub-weu', ['10.0.0.0/16'])], records: [record('spoke', SPOKE, 'Deleted')] }), []],
    ['an opted-out VNet is left alone', () => { const { hub, spoke } = pair({ tags: { 'hubspoke-opt-out': 'true' } }); return { vnets: [{ ...spoke, peerings: [] }], hubList: [hub], records: [] }; }, ['orphanPeering(orphan):' + peeringName('spoke-', SPOKE, 'spoke-app')]],
    ['a spoke that moved hubs leaves an orphan on the old one and misses the new pair', () => {
      const { hub, spoke } = pair({ tags: { 'hubspoke-hub': 'northeurope' } });
      return { vnets: [spoke], hubList: [hub], records: [record('spoke', SPOKE)] };
    }, ['missingPeering:spoke-app', 'missingPeering:spoke-app', `orphanPeering(orphan):${peeringName('spoke-', SPOKE, 'spoke-app')}`]],
  ])('%s', (_name, facts, expected) => {
    const f = facts();
    expect(kinds(comparePeering(config, { vnets: f.vnets, listedSubscriptions: f.listedSubs ?? listed, hubs: hubs(...f.hubList), records: f.records }))).toEqual(expected.sort());
  });

  it('an orphan of a moved spoke is removed through the old hub\'s writer; one of a gone spoke is its own orchestration\'s', () => {
    const { hub, spoke } = pair({ tags: { 'hubspoke-hub': 'northeurope' } });
    const moved = comparePeering(config, { vnets: [spoke], listedSubscriptions: listed, hubs: hubs(hub), records: [record('spoke', SPOKE)] }).find((c) => c.kind === 'orphanPeering');
    expect(moved?.repair).toEqual({ kind: 'removeOrphan', removal: { target: 'hubPeering', hubVnetId: HUB_WEU, name: peeringName('spoke-', SPOKE, 'spoke-app'), remoteVnetId: SPOKE }, why: 'the spoke\'s orchestration manages its current hub only' });
    const gone = comparePeering(config, { vnets: [], listedSubscriptions: listed, hubs: hubs(hub), records: [] }).find((c) => c.kind === 'orphanPeering');
    expect(gone?.repair).toEqual({ kind: 'reconcile', owner: { kind: 'spoke', id: SPOKE } });
  });
});

describe('compareDns', () => {
  const ZONES_SUB = CONN;
  const privateDns = { zonesSubscriptionId: ZONES_SUB, zonesResourceGroup: 'rg-dns', createMissingZones: false, zoneGroupName: 'default', foreignZoneGroups: 'report' as const, conflicts: 'report' as const };
  const ZONE = `/subscriptions/${ZONES_SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net`;
  const PE = `/subscriptions/${WL}/resourceGroups/rg-app/providers/Microsoft.Network/privateEndpoints/pe-st1`;
  const endpoint: ObservedEndpoint = {
    id: PE, name: 'pe-st1', location: 'westeurope', provisioningState: 'Succeeded', subnetId: `${SPOKE}/subnets/pe`, networkInterfaceIds: ['nic'],
    connections: [{ name: 'c', targetId: `/subscriptions/${WL}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st1`, groupIds: ['blob'], manual: false }],
    dnsNames: [{ fqdn: 'st1.blob.core.windows.net', ipAddresses: ['10.1.0.5'] }],
  };
  const zone = (aRecords: ListedZone['aRecords'], links = [HUB_WEU, HUB_NEU]): ListedZone => ({ zoneId: ZONE, links, aRecords });
  const good = { zoneId: ZONE, name: 'st1', ipAddresses: ['10.1.0.5'] };
  const claim = record('dnsName', 'st1.blob.core.windows.net', 'Claimed', { ownerId: PE, zoneId: ZONE, recordName: 'st1' });
  const run = (f: { endpoints?: ObservedEndpoint[]; zones?: ListedZone[]; records?: ManagedRecord[]; claims?: ManagedRecord[]; all?: boolean }) =>
    kinds(compareDns({ hubs: config.hubs, privateDns }, {
      endpoints: f.endpoints ?? [endpoint], listedSubscriptions: new Set([WL]), allSubscriptionsListed: f.all ?? true,
      zones: f.zones ?? [zone([good])], records: f.records ?? [record('endpoint', PE, 'Registered')], claims: f.claims ?? [claim],
    }));

  it.each<[string, Parameters<typeof run>[0], string[]]>([
    ['a registered endpoint with its record is no drift', {}, []],
    ['a missing A record', { zones: [zone([])] }, ['missingRecord:pe-st1']],
    ['an A record with another IP (and that IP is no endpoint\'s: an orphan too)', { zones: [zone([{ ...good, ipAddresses: ['10.9.9.9'] }])] }, ['orphanRecord(orphan):st1', 'wrongRecord:pe-st1']],
    ['an endpoint whose record is not True is not compared', { zones: [zone([])], records: [record('endpoint', PE, 'Conflict', {}, 'False')] }, []],
    ['an endpoint without a record', { records: [] }, ['unrecordedEndpoint:pe-st1']],
    ['an endpoint gone: its record and its claim', { endpoints: [], zones: [zone([])] }, ['claimOfGoneEndpoint:st1.blob.core.windows.net', 'goneResource:pe-st1']],
    ['an orphan A record', { zones: [zone([good, { zoneId: ZONE, name: 'old', ipAddresses: ['10.1.9.9'] }])] }, ['orphanRecord(orphan):old']],
    ['no orphan judged while a subscription was not listed', { zones: [zone([good, { zoneId: ZONE, name: 'old', ipAddresses: ['10.1.9.9'] }])], all: false }, []],
    ['a zone missing a hub link', { zones: [zone([good], [HUB_WEU])] }, ['zoneMissingHubLink:privatelink.blob.core.windows.net']],
  ])('%s', (_name, facts, expected) => {
    expect(run(facts)).toEqual(expected.sort());
  });

  it('an orphan A record without a claim is removed through the DNS flow; one whose claim names a gone endpoint is that endpoint\'s', () => {
    const orphan = { zoneId: ZONE, name: 'old', ipAddresses: ['10.1.9.9'] };
    const facts = { endpoints: [endpoint], listedSubscriptions: new Set([WL]), allSubscriptionsListed: true, zones: [zone([good, orphan])], records: [record('endpoint', PE, 'Registered')] };
    const unclaimed = compareDns({ hubs: config.hubs, privateDns }, { ...facts, claims: [claim] }).find((c) => c.kind === 'orphanRecord');
    expect(unclaimed?.repair).toEqual({ kind: 'removeOrphan', removal: { target: 'dnsRecord', zoneId: ZONE, recordName: 'old', ipAddresses: ['10.1.9.9'] }, why: 'no claim names an endpoint whose orchestration would remove it' });
    const GONE = PE.replace('pe-st1', 'pe-gone');
    const claimed = compareDns({ hubs: config.hubs, privateDns }, { ...facts, claims: [claim, record('dnsName', 'old.blob.core.windows.net', 'Claimed', { ownerId: GONE, zoneId: ZONE, recordName: 'old' })] }).find((c) => c.kind === 'orphanRecord');
    expect(claimed?.repair).toEqual({ kind: 'reconcile', owner: { kind: 'endpoint', id: GONE } });
  });
});

describe('compareEgress', () => {
  const POLICY = `/subscriptions/${CONN}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fw-weu`;
  const destinations = [{ kind: 'fqdn' as const, fqdn: 'api.github.com', wildcard: false, ports: [{ protocol: 'Https' as const, port: 443 }] }];
  const req = (id: string, status: string, extra: Record<string, unknown> = {}) =>
    record('egressRequest', id, status, { status, request: { id, spokeVnetId: SPOKE, destinations }, rule: { firewallPolicyId: POLICY }, sourceAddresses: ['10.1.0.0/24'], ...extra });
  const groups = (ids: string[]) => desiredGroups(ids.map((requestId) => ({ requestId, spokeVnetId: SPOKE, sourceAddresses: ['10.1.0.0/24'], destinations })), { name: 'rcg-hubspoke-egress', priority: 500 });
  const now = Date.parse('2026-06-01T00:00:00Z');
  it.each<[string, ManagedRecord[], string[], string[]]>([
    ['an Active request with its rule is no drift', [req('eg-1', 'Active')], ['eg-1'], []],
    ['an Active request without its rule', [req('eg-1', 'Active')], [], ['missingRule:eg-1']],
    ['a rule of a request that no longer holds one (Revoked): an orphan', [req('eg-1', 'Revoked')], ['eg-1'], ['orphanRule(orphan):eg-1']],
    ['a rule of a request being applied is no orphan', [req('eg-1', 'Applying')], ['eg-1'], []],
    ['an Active request past its TTL', [req('eg-1', 'Active', { expiresAt: '2026-05-01T00:00:00Z' })], ['eg-1'], ['expiredNotRevoked:eg-1']],
  ])('%s', (_name, records, inPolicy, expected) => {
    expect(kinds(compareEgress({ policies: new Map([[POLICY, groups(inPolicy)]]), records, now }))).toEqual(expected.sort());
  });

  it('an orphan rule is removed through the policy\'s writer queue', () => {
    const orphan = compareEgress({ policies: new Map([[POLICY, groups(['eg-1'])]]), records: [req('eg-1', 'Revoked')], now }).find((c) => c.kind === 'orphanRule');
    expect(orphan?.repair).toEqual({ kind: 'removeOrphan', removal: { target: 'egressRule', policyId: POLICY, requestId: 'eg-1' }, why: 'no running orchestration owns this rule' });
  });

  it('a rule with another source is wrong', () => {
    const other = desiredGroups([{ requestId: 'eg-1', spokeVnetId: SPOKE, sourceAddresses: ['10.7.0.0/24'], destinations }], { name: 'rcg-hubspoke-egress', priority: 500 });
    expect(kinds(compareEgress({ policies: new Map([[POLICY, other]]), records: [req('eg-1', 'Active')], now }))).toEqual(['wrongRule:eg-1']);
  });
});

describe('compareStamps and decidedState', () => {
  const group = { key: 'afd/og', frontDoor: 'afd', frontDoorId: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Cdn/profiles/afd', kind: 'standard' as const, group: 'og', stamps: [{ name: 'weu-1', origin: { frontDoor: 'afd', originGroup: 'og', origin: 'weu-1' } }] as never };
  const origin = (enabledState: 'Enabled' | 'Disabled') => ({ originId: 'o', origin: 'weu-1', enabledState });
  const now = Date.parse('2026-06-01T00:00:00Z');
  it.each<[string, Record<string, unknown>, Array<ReturnType<typeof origin>>, string[]]>([
    ['as decided', { desired: 'Enabled' }, [origin('Enabled')], []],
    ['Front Door differs from the decision', { desired: 'Disabled' }, [origin('Enabled')], ['originStateDiffers:weu-1']],
    ['a pin out wins over the decision', { desired: 'Enabled', pin: { mode: 'out', reason: 'r', by: 'b', at: 'a' } }, [origin('Enabled')], ['originStateDiffers:weu-1']],
    ['an expired pin no longer counts', { desired: 'Enabled', pin: { mode: 'out', reason: 'r', by: 'b', at: 'a', until: '2026-05-01T00:00:00Z' } }, [origin('Enabled')], []],
    ['the origin is missing', { desired: 'Enabled' }, [], ['originMissing:weu-1']],
  ])('%s', (_name, details, origins, expected) => {
    expect(kinds(compareStamps({ groups: [{ group, origins }], records: [record('stamp', 'weu-1', 'InRotation', details)], now }))).toEqual(expected);
  });
  it('decidedState is undefined without a decision', () => {
    expect(decidedState({}, now)).toBeUndefined();
  });
});

describe('decideAction', () => {
  const c = (extra: Partial<DriftCandidate> = {}): DriftCandidate => ({ flow: 'peering', kind: 'missingPeering', resource: SPOKE, expected: '', actual: '', repair: { kind: 'reconcile', owner: { kind: 'spoke', id: SPOKE } }, ...extra });
  const facts: ActionFacts = { mode: 'enforce', repairFlow: true, repairOrphans: false };
  it.each<[string, DriftCandidate, Partial<ActionFacts>, string]>([
    ['repairs by default', c(), {}, 'repair'],
    ['skips what changed recently, before anything else', c(), { recent: 'its orchestration is Running', mode: 'observe' }, 'skippedRecentChange'],
    ['reports in observe mode', c(), { mode: 'observe' }, 'reported'],
    ['reports when the flow\'s repair is off', c(), { repairFlow: false }, 'reported'],
    ['reports an orphan while orphan removal is off', c({ orphan: true }), {}, 'reported'],
    ['repairs an orphan when orphan removal is on', c({ orphan: true }), { repairOrphans: true }, 'repair'],
    ['reports what no orchestration owns', c({ repair: { kind: 'none', why: 'by hand' } }), {}, 'reported'],
    ...((): Array<[string, DriftCandidate, Partial<ActionFacts>, string]> => {
      const removal = c({ kind: 'orphanPeering', orphan: true, repair: { kind: 'removeOrphan', removal: { target: 'hubPeering', hubVnetId: HUB_WEU, name: 'p', remoteVnetId: SPOKE }, why: 'no owner' } });
      return [
        ['reports an orphan removal while orphan removal is off', removal, {}, 'reported'],
        ['removes an orphan when orphan removal is on', removal, { repairOrphans: true }, 'repair'],
        ['never removes an orphan in observe mode', removal, { repairOrphans: true, mode: 'observe' }, 'reported'],
        ['never removes an orphan when the flow\'s repair is off', removal, { repairOrphans: true, repairFlow: false }, 'reported'],
        ['skips an orphan whose removal is running', removal, { repairOrphans: true, recent: 'its removal is Running' }, 'skippedRecentChange'],
      ];
    })(),
  ])('%s', (_name, candidate, f, expected) => {
    expect(decideAction(candidate, { ...facts, ...f }).action).toBe(expected);
  });
});

describe('run helpers', () => {
  it.each([
    ['an activity\'s RpcException', new Error(`Activity function 'driftDetect' failed: {"ClassName":"RpcException","Message":"Result: Failure\\nException: 0:The table specified does not exist.\\nRequestId:58f\\nStack: RestError"}`), 'Activity function \'driftDetect\' failed: 0:The table specified does not exist.'],
    ['a multi-line message', new Error('Result: Failure\nException: boom\nStack: at x'), 'boom'],
    ['a plain error', new Error('plain\nsecond line'), 'plain'],
    ['a string', 'as text', 'as text'],
  ])('failureMessage keeps the first line of %s', (_name, e, expected) => {
    expect(failureMessage(e)).toBe(expected);
  });

  it('run IDs sort by start and carry it', () => {
    const id = newRunId(new Date('2026-11-28T11:15:00.123Z'), 'ab12cd');
    expect(id).toBe('dr-20261128T111500123Z-ab12cd');
    expect(RUN_ID.test(id)).toBe(true);
    expect(runStart(id)).toBe('2026-11-28T11:15:00.123Z');
    expect(RUN_ID.test('latest')).toBe(false);
  });
  it('changedRecently counts the window, never a zero window', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(changedRecently('2026-01-01T00:06:00Z', now, 5)).toBe(true);
    expect(changedRecently('2026-01-01T00:04:00Z', now, 5)).toBe(false);
    expect(changedRecently('2026-01-01T00:09:59Z', now, 0)).toBe(false);
  });
  it.each<[string, Parameters<typeof lastChangeOf>[0], string]>([
    ['a spoke: its record\'s last write', { ...record('spoke', SPOKE), updatedAt: '2026-01-01T00:09:00Z' }, '2026-01-01T00:09:00Z'],
    ['a stamp recorded by a round just now, nothing changed for an hour: its condition\'s last transition', { ...record('stamp', 'weu-1', 'Healthy', { lastTransition: null, frontDoor: { lastWrite: null } }), updatedAt: '2026-01-01T01:00:00Z' }, '2026-01-01T00:00:00Z'],
    ['a stamp whose state changed later than its condition', { ...record('stamp', 'weu-1', 'Healthy', { lastTransition: { from: 'Probation', to: 'Healthy', at: '2026-01-01T00:20:00Z', why: 'x' }, frontDoor: { lastWrite: { enabledState: 'Enabled', ok: true, acceptedAt: '2026-01-01T00:10:00Z' } } }), updatedAt: '2026-01-01T01:00:00Z' }, '2026-01-01T00:20:00Z'],
    ['a stamp whose origin was written last', { ...record('stamp', 'weu-1', 'Healthy', { lastTransition: { from: 'Probation', to: 'Healthy', at: '2026-01-01T00:20:00Z', why: 'x' }, frontDoor: { lastWrite: { enabledState: 'Enabled', ok: true, acceptedAt: '2026-01-01T00:59:00Z' } } }), updatedAt: '2026-01-01T01:00:00Z' }, '2026-01-01T00:59:00Z'],
    ['a stamp record without parseable times: its last write', { ...record('stamp', 'weu-1'), condition: { type: 'InRotation', status: 'True', reason: 'Healthy', message: '', lastTransitionTime: '' }, updatedAt: '2026-01-01T01:00:00Z' }, '2026-01-01T01:00:00Z'],
  ])('lastChangeOf %s', (_name, rec, expected) => {
    expect(lastChangeOf(rec)).toBe(expected);
  });
  it('status links name the resource\'s own route', () => {
    expect(statusLink('spoke', SPOKE)).toBe(`/api/spokes/${WL}/rg-app/spoke-app`);
    expect(statusLink('egressRequest', 'eg-1')).toBe('/api/egress-requests/eg-1');
  });
  it('counts and the text summary: per flow and kind, what was not inspected, then the items', () => {
    const items = [
      { flow: 'peering' as const, kind: 'missingPeering', resource: SPOKE, expected: 'both sides', actual: 'no spoke side', action: 'repaired' as const, link: '/api/spokes/x' },
      { flow: 'dns' as const, kind: 'orphanRecord', resource: 'z/A/old', expected: 'none', actual: 'A old', action: 'reported' as const },
    ];
    const counted = countItems(items);
    expect(counted).toEqual({ counts: { peering: { missingPeering: 1 }, dns: { orphanRecord: 1 } }, actions: { repaired: 1, reported: 1 }, itemCount: 2 });
    const run: DriftRun = {
      runId: 'dr-20261128T111500123Z-ab12cd', status: 'Partial', trigger: 'http', mode: 'enforce', startedAt: '2026-11-28T11:15:00.123Z', endedAt: '2026-11-28T11:15:02.123Z', durationMs: 2000,
      flows: [
        { flow: 'peering', enabled: true, inspected: { vnets: 3 }, notInspected: [{ scope: WL, error: 'InternalServerError: broke' }], calls: {}, durationMs: 5 },
        { flow: 'egress', enabled: false, inspected: {}, notInspected: [], calls: {}, durationMs: 0 },
      ],
      ...counted,
    };
    const text = formatRunText(run, items);
    expect(text).toContain('Drift run dr-20261128T111500123Z-ab12cd: Partial (http, enforce)');
    expect(text).toContain('peering: inspected 3 vnets; missingPeering 1');
    expect(text).toContain(`NOT inspected ${WL}: InternalServerError: broke`);
    expect(text).toContain('egress: not configured');
    expect(text).toContain('- [peering] missingPeering');
    expect(text).toContain('action:   repaired; status: /api/spokes/x');
  });
});

describe('shownRun: the status every read route shows, from the stored report and the drift instance', () => {
  const runId = 'dr-20261128T111500123Z-ab12cd';
  const stored: DriftRun = { runId, status: 'Running', trigger: 'timer', mode: 'enforce', startedAt: '2026-11-28T11:15:00.123Z', flows: [], counts: {}, actions: {}, itemCount: 0 };
  const ended: DriftRun = { ...stored, status: 'Completed', endedAt: '2026-11-28T11:15:02.123Z', durationMs: 2000 };
  const dead = (why: string): DriftRun => ({ ...stored, status: 'Failed', error: `its orchestration ended without writing the report's end (${why}): what it did not inspect is unknown` });
  it.each<[string, DriftRun, DriftInstanceView | undefined, DriftRun]>([
    ['an ended report as stored, whatever the instance', ended, { runtimeStatus: 'Terminated', active: false, runId }, ended],
    ['an ended report as stored without an instance read', ended, undefined, ended],
    ['Running while its orchestration runs', stored, { runtimeStatus: 'Running', active: true, runId }, stored],
    ['Running while its orchestration is Pending', stored, { runtimeStatus: 'Pending', active: true, runId }, stored],
    ['Running while the instance runs a run whose input is unreadable', stored, { runtimeStatus: 'Running', active: true }, stored],
    ['Failed when its orchestration Failed', stored, { runtimeStatus: 'Failed', active: false, runId }, dead('its orchestration is Failed')],
    ['Failed when its orchestration was Terminated', stored, { runtimeStatus: 'Terminated', active: false, runId }, dead('its orchestration is Terminated')],
    ['Failed when its orchestration completed without an ended run', stored, { runtimeStatus: 'Completed', active: false, runId, output: null }, dead('its orchestration is Completed')],
    ['Failed when the instance is gone', stored, { active: false }, dead('its orchestration no longer exists')],
    ['Failed when the instance was not read (no instance)', stored, undefined, dead('its orchestration no longer exists')],
    ['Failed when the instance runs another run', stored, { runtimeStatus: 'Running', active: true, runId: 'dr-20261128T113000000Z-ffff' }, dead('the drift instance has since run dr-20261128T113000000Z-ffff')],
    ['Failed when the instance has since completed another run', stored, { runtimeStatus: 'Completed', active: false, runId: 'dr-20261128T113000000Z-ffff', output: { ...ended, runId: 'dr-20261128T113000000Z-ffff' } }, dead('the drift instance has since run dr-20261128T113000000Z-ffff')],
    ['the ended run when its orchestration completed after the report was read', stored, { runtimeStatus: 'Completed', active: false, runId, output: ended }, ended],
  ])('%s', (_name, run, instance, expected) => {
    expect(shownRun(run, instance)).toEqual(expected);
  });
});
