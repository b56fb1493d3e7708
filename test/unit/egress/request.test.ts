import type { Destination } from '../../../shared/egress/destinations';
import {
  bodyFingerprint,
  canMove,
  checkDecision,
  checkIdempotencyKey,
  EGRESS_STATES,
  FINAL_STATES,
  notYetAllowed,
  parseRequestBody,
  replayOrConflict,
  requestIdFor,
  verdictOf,
  type Decision,
  type EgressState,
} from '../../../shared/egress/request';

const TAGS = ['WindowsUpdate', 'AzureKubernetesService'];
const OPTIONS = { fqdnTags: TAGS, defaultTtlDays: 90 };
const SPOKE = '/subscriptions/a0000000-0000-4000-8000-0000000000a1/resourceGroups/rg-payments-weu/providers/Microsoft.Network/virtualNetworks/vnet-payments-weu';
const body = (extra: Record<string, unknown> = {}) => ({
  spokeVnetId: SPOKE,
  destinations: [{ fqdn: 'api.github.com', ports: ['Https:443'] }, { fqdnTag: 'WindowsUpdate' }],
  justification: 'CI pulls from GitHub',
  ttlDays: 30,
  ...extra,
});

describe('parseRequestBody', () => {
  it('accepts the issue example, normalized, with the default TTL when none is given', () => {
    const { ttlDays: _ttl, ...withoutTtl } = body();
    const parsed = parseRequestBody(withoutTtl, OPTIONS);
    expect(parsed).toEqual({
      ok: true,
      value: {
        spokeVnetId: SPOKE,
        destinations: [
          { kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: [{ protocol: 'Https', port: 443 }] },
          { kind: 'fqdnTag', tag: 'WindowsUpdate', ports: [{ protocol: 'Https', port: 443 }] },
        ],
        justification: 'CI pulls from GitHub',
        ttlDays: 90,
        approvalsRequired: 1,
        notes: [],
      },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1, 2], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
    ['an unknown field', body({ sourceCidrs: ['0.0.0.0/0'] }), /sourceCidrs: unknown field\(s\)/],
    ['a spoke that is not a VNet ID', body({ spokeVnetId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st' }), /spokeVnetId: must be a virtual network ID/],
    ['no justification', body({ justification: '  ' }), /justification: must say why/],
    ['a justification over 1000 characters', body({ justification: 'x'.repeat(1001) }), /justification: is 1001 characters; at most 1000/],
    ['ttlDays 0', body({ ttlDays: 0 }), /ttlDays: must be a whole number of days from 1 to 365/],
    ['ttlDays 366', body({ ttlDays: 366 }), /ttlDays/],
    ['ttlDays 1.5', body({ ttlDays: 1.5 }), /ttlDays/],
    ['ttlDays as text', body({ ttlDays: '30' }), /ttlDays/],
    ['no destinations', body({ destinations: [] }), /destinations: "destinations" must be a non-empty array/],
    ['51 destinations', body({ destinations: Array.from({ length: 51 }, (_, i) => ({ fqdn: `h${i}.contoso.com` })) }), /at most 50/],
  ])('400 for %s', (_label, input, detail) => {
    const parsed = parseRequestBody(input, OPTIONS);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem.status).toBe(400);
      expect(parsed.problem.detail).toMatch(detail);
    }
  });

  it('names each bad destination with its index, what was sent and why', () => {
    const parsed = parseRequestBody(body({ destinations: [{ fqdn: 'ok.contoso.com' }, { fqdn: '*.com' }, { fqdn: '10.0.0.1' }, { fqdnTag: 'Nope' }] }), OPTIONS);
    if (parsed.ok) throw new Error('expected a problem');
    expect(parsed.problem.invalidDestinations?.map((d) => [d.index, d.destination])).toEqual([
      [1, '*.com'],
      [2, '10.0.0.1'],
      [3, 'Nope'],
    ]);
    expect(parsed.problem.detail).toMatch(/destinations\[1\] \*\.com: is a wildcard over the public suffix "com"/);
  });

  it('asks for two approvers for a wildcard over a shared suffix, and says a wildcard does not cover its apex', () => {
    const parsed = parseRequestBody(body({ destinations: [{ fqdn: '*.blob.core.windows.net' }] }), OPTIONS);
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    expect(parsed.value.approvalsRequired).toBe(2);
    expect(parsed.value.notes.join(' ')).toMatch(/not blob\.core\.windows\.net itself/);
  });
});

describe('idempotency', () => {
  it('scopes keys to the caller and makes instance-safe IDs without dots', () => {
    const a = requestIdFor('OID-1', 'key-1');
    expect(a).toMatch(/^egr-[0-9a-f]{24}$/);
    expect(requestIdFor('oid-1', 'key-1')).toBe(a);
    expect(requestIdFor('oid-2', 'key-1')).not.toBe(a);
    expect(requestIdFor('oid-1', 'key-2')).not.toBe(a);
  });

  it('requires a bounded Idempotency-Key', () => {
    expect(checkIdempotencyKey(null)).toMatchObject({ ok: false, problem: { status: 400 } });
    expect(checkIdempotencyKey(' ')).toMatchObject({ ok: false });
    expect(checkIdempotencyKey('k'.repeat(201))).toMatchObject({ ok: false, problem: { detail: expect.stringMatching(/at most 200/) } });
    expect(checkIdempotencyKey(' abc ')).toEqual({ ok: true, key: 'abc' });
  });

  it('replays the same body (in any order or spelling) and conflicts on another one', () => {
    const first = parseRequestBody(body(), OPTIONS);
    const same = parseRequestBody(body({ destinations: [{ fqdnTag: 'windowsupdate' }, { fqdn: 'API.github.com' }] }), OPTIONS);
    const other = parseRequestBody(body({ ttlDays: 31 }), OPTIONS);
    if (!first.ok || !same.ok || !other.ok) throw new Error('bodies should parse');
    const stored = { fingerprint: bodyFingerprint(first.value) };
    expect(replayOrConflict(stored, bodyFingerprint(same.value))).toBe('replay');
    expect(replayOrConflict(stored, bodyFingerprint(other.value))).toBe('conflict');
  });
});

describe('states', () => {
  it.each<[EgressState, EgressState, boolean]>([
    ['PendingApproval', 'Approved', true],
    ['PendingApproval', 'Rejected', true],
    ['PendingApproval', 'Expired', true],
    ['PendingApproval', 'Active', false],
    ['Approved', 'Applying', true],
    ['Applying', 'Active', true],
    ['Active', 'Revoking', true],
    ['Active', 'Applying', true],
    ['Active', 'Approved', false],
    ['Revoking', 'Revoked', true],
    ['Revoked', 'Active', false],
    ['Rejected', 'Approved', false],
    ['Expired', 'Approved', false],
  ])('%s -> %s: %s', (from, to, allowed) => {
    expect(canMove(from, to)).toBe(allowed);
  });
  it('final states go nowhere', () => {
    for (const from of FINAL_STATES) for (const to of EGRESS_STATES) expect(canMove(from, to)).toBe(false);
  });
});

describe('decisions', () => {
  const decision = (by: string, verdict: Decision['verdict'] = 'approve'): Decision => ({ verdict, comment: '', by, at: '2026-01-01T00:00:00Z', fingerprint: 'f' });
  const pending = { status: 'PendingApproval' as EgressState, requestedBy: 'requester-oid', approvalsRequired: 1, decisions: [] as Decision[] };

  it.each<[string, Parameters<typeof checkDecision>[0], string, { ok: boolean; status?: number }]>([
    ['an approver of a pending request', pending, 'approver-1', { ok: true }],
    ['the requester (any casing)', pending, 'REQUESTER-OID', { ok: false, status: 403 }],
    ['a request no longer pending', { ...pending, status: 'Active' }, 'approver-1', { ok: false, status: 409 }],
    ['a second decision by the same approver', { ...pending, approvalsRequired: 2, decisions: [decision('approver-1')] }, 'approver-1', { ok: false, status: 409 }],
    ['a second approver when two are needed', { ...pending, approvalsRequired: 2, decisions: [decision('approver-1')] }, 'approver-2', { ok: true }],
  ])('%s', (_label, request, caller, expected) => {
    const result = checkDecision(request, caller);
    expect(result.ok).toBe(expected.ok);
    if (!result.ok) expect(result.status).toBe(expected.status);
  });

  it.each<[string, number, Decision[], 'approved' | 'rejected' | 'pending']>([
    ['one approval of one needed', 1, [decision('a')], 'approved'],
    ['no decision', 1, [], 'pending'],
    ['one approval of two needed', 2, [decision('a')], 'pending'],
    ['the same approver twice', 2, [decision('a'), decision('A')], 'pending'],
    ['two distinct approvers', 2, [decision('a'), decision('b')], 'approved'],
    ['a rejection after an approval', 2, [decision('a'), decision('b', 'reject')], 'rejected'],
  ])('%s -> %s', (_label, approvalsRequired, decisions, expected) => {
    expect(verdictOf({ approvalsRequired, decisions })).toBe(expected);
  });
});

describe('notYetAllowed', () => {
  const https = [{ protocol: 'Https' as const, port: 443 }];
  it('leaves only what the spoke\'s Active rules do not cover', () => {
    const allowed: Destination[] = [{ kind: 'fqdn', fqdn: '*.github.com', wildcard: true, ports: https }];
    const wanted: Destination[] = [
      { kind: 'fqdn', fqdn: 'api.github.com', wildcard: false, ports: https },
      { kind: 'fqdn', fqdn: 'github.com', wildcard: false, ports: https },
    ];
    expect(notYetAllowed(allowed, wanted)).toEqual([wanted[1]]);
    expect(notYetAllowed(allowed, [wanted[0] as Destination])).toEqual([]);
  });
});
