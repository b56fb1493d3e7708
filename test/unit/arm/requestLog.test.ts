// The ARM emulator's request log: per operation, per caller, and successful writes per resource path.
import { RequestLog } from '../../../local/arm/requestLog';

describe('RequestLog', () => {
  it('counts per operation and per caller, and successful writes per caller and lower-cased path', () => {
    const log = new RequestLog();
    const peering = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/Hub/virtualNetworkPeerings/P';
    log.record('PUT virtualNetworkPeerings', 201, 'control-plane', peering);
    log.record('PUT virtualNetworkPeerings', 429, 'control-plane', peering);
    log.record('PUT virtualNetworkPeerings', 200, 'control-plane', peering.toLowerCase());
    log.record('GET virtualNetworkPeerings', 200, 'control-plane', peering);
    log.record('DELETE virtualNetworks', 202, 'person', '/subscriptions/S/x');
    log.record('GET unknown', 401);
    const snapshot = log.snapshot();
    expect(snapshot.total).toBe(6);
    // Write requests whatever their answer (the 429 too): what an `ignoreReads` quiet wait counts.
    expect(snapshot.writeRequests).toBe(4);
    expect(snapshot.byOperation['PUT virtualNetworkPeerings']).toEqual({ total: 3, byStatus: { '201': 1, '429': 1, '200': 1 } });
    expect(snapshot.byPrincipal['control-plane']?.['PUT virtualNetworkPeerings']).toEqual({ total: 3, byStatus: { '201': 1, '429': 1, '200': 1 } });
    expect(snapshot.byPrincipal.person).toEqual({ 'DELETE virtualNetworks': { total: 1, byStatus: { '202': 1 } } });
    expect(snapshot.byPrincipal.anonymous).toEqual({ 'GET unknown': { total: 1, byStatus: { '401': 1 } } });
    expect(snapshot.writesByPrincipal).toEqual({ 'control-plane': { [peering.toLowerCase()]: 2 }, person: { '/subscriptions/s/x': 1 } });
    log.reset();
    expect(log.snapshot()).toEqual({ total: 0, writeRequests: 0, byOperation: {}, byPrincipal: {}, writesByPrincipal: {} });
  });
});
