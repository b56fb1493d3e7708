// The soak's attribution of writes beyond the baseline: each write of a resource with what came before it on the
// same resource (injected faults on its requests and polls, a failed operation, the kill) and its audit entry.
import { attributeWrites, causeTotals, type AuditSeen, type Journaled } from '../../soak/attribution';

const P = '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/hub/virtualnetworkpeerings/spoke-vnet-soak-1-abc';
const POLL = '/subscriptions/s/providers/microsoft.network/locations/weu/operations/op-2';
let seq = 0;
const j = (at: number, method: string, status: number, extra: Partial<Journaled> = {}): Journaled => ({ seq: ++seq, at, method, path: P, status, principal: 'cp', ...extra });
const audit = (at: number, action: string, eventId: string, target = P): AuditSeen => ({ at: new Date(at).toISOString(), action, target, outcome: 'succeeded', reason: 'r', trigger: { source: 'event', eventId } });

describe('attributeWrites', () => {
  it('names the failed operation, the injected faults (poll included), the kill and a repeated event before each write', () => {
    const journal: Journaled[] = [
      j(1000, 'PUT', 201, { injected: 'lroFailure' }),
      j(5000, 'PUT', 201),
      j(6000, 'GET', 503, { path: POLL, resource: P, injected: 'http' }),
      j(9000, 'PUT', 200),
      j(20000, 'PUT', 200),
      j(30000, 'PUT', 200),
      j(30500, 'GET', 500, { path: `${P}-other`, injected: 'http' }),
    ];
    const audits = [audit(2000, 'create', 'e1'), audit(7000, 'create', 'e1'), audit(10000, 'sync', 'e2'), audit(21000, 'sync', 'e3'), audit(21000, 'sync', 'e9', `${P}-other`)];
    const writes = attributeWrites(P, journal, audits, [15000]);
    expect(writes.map((w) => w.causes)).toEqual([
      ['unexplained'],
      ['redo-after-injected-lro-failure', 'same-event-as-earlier-write'],
      ['after-injected-fault'],
      ['after-kill'],
      ['no-audit-entry'],
    ]);
    expect(writes[2]?.faults.map((f) => f.status)).toEqual([503]);
    expect(writes[2]?.audit?.action).toBe('sync');
    expect(causeTotals([{ path: P, flow: 'peering', baseline: 2, run: 5, writes, baselineAudit: [] }])).toEqual({
      'redo-after-injected-lro-failure+same-event-as-earlier-write': 1,
      'after-injected-fault': 1,
      'after-kill': 1,
    });
  });

  it('tells a write that changed nothing from one that follows a new intent (the VNet written since)', () => {
    const peering = { remoteVnetId: '/x/vnet-soak-1', allowVirtualNetworkAccess: true, allowForwardedTraffic: true, allowGatewayTransit: true, useRemoteGateways: false, remoteAddressPrefixes: ['10.0.0.0/24'], provisioningState: 'Succeeded', peeringState: 'Connected' };
    const journal = [j(1000, 'PUT', 201), j(5000, 'PUT', 200), j(9000, 'PUT', 200)];
    const audits: AuditSeen[] = [
      { ...audit(2000, 'create', 'a'), after: peering },
      { ...audit(6000, 'sync', 'b'), before: peering, after: { ...peering, remoteAddressPrefixes: ['10.0.0.0/24', '172.16.0.0/24'] } },
      { ...audit(10000, 'sync', 'c'), before: { ...peering, remoteAddressPrefixes: ['172.16.0.0/24', '10.0.0.0/24'] }, after: { ...peering, remoteAddressPrefixes: ['10.0.0.0/24', '172.16.0.0/24'], peeringState: 'Initiated' } },
    ];
    const vnet = [j(3000, 'PUT', 200, { path: '/x/vnet-soak-1', principal: 'driver' }), j(3500, 'PUT', 429, { path: '/x/vnet-soak-1', principal: 'driver' })];
    const writes = attributeWrites(P, journal, audits, [], vnet);
    expect(writes.map((w) => [w.causes, w.vnetWrites])).toEqual([
      [['unexplained'], 0],
      [['vnet-written-since'], 1],
      [['rewrote-same-state'], 0],
    ]);
  });
});
