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

  it('journals writes and answers other than 2xx in order, with injected faults and status polls attributed to the write', () => {
    let now = 1000;
    const log = new RequestLog(() => now++);
    const peering = '/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/Hub/virtualNetworkPeerings/P';
    const poll = '/subscriptions/S/providers/Microsoft.Network/locations/westeurope/operations/OP-1';
    log.record('GET virtualNetworkPeerings', 200, 'cp', peering);
    log.record('PUT virtualNetworkPeerings', 503, 'cp', peering, { injected: 'http' });
    log.record('PUT virtualNetworkPeerings', 201, 'cp', peering, { injected: 'lroFailure', operationUrl: `https://arm.local${poll}?api-version=2024-05-01` });
    log.record('GET operations', 200, 'cp', poll);
    log.record('GET operations', 429, 'cp', poll, { injected: 'http' });
    log.record('GET virtualNetworkPeerings', 500, 'cp', peering, { injected: 'http' });
    log.record('GET virtualNetworkPeerings', 404, 'cp', `${peering}2`);
    const p = peering.toLowerCase();
    expect(log.journalEntries()).toEqual([
      { seq: 1, at: 1000, method: 'PUT', path: p, status: 503, principal: 'cp', injected: 'http' },
      { seq: 2, at: 1001, method: 'PUT', path: p, status: 201, principal: 'cp', injected: 'lroFailure' },
      { seq: 3, at: 1002, method: 'GET', path: poll.toLowerCase(), status: 429, principal: 'cp', injected: 'http', resource: p },
      { seq: 4, at: 1003, method: 'GET', path: p, status: 500, principal: 'cp', injected: 'http' },
      { seq: 5, at: 1004, method: 'GET', path: `${p}2`, status: 404, principal: 'cp' },
    ]);
    expect(log.journalEntries(3).map((e) => e.seq)).toEqual([4, 5]);
    log.reset();
    expect(log.journalEntries()).toEqual([]);
  });
});
