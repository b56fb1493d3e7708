import { createMemoryRecordStore } from '../../../shared/store/memory-store';
import { AuditEntry, Condition, ManagedRecord, nextCondition } from '../../../shared/store/records';
import { tableKey } from '../../../shared/store/tables-store';

const WL = '00000000-0000-0000-0000-0000000000a1';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const SPOKE_ID = vnetId(WL, 'rg-app', 'spoke-app');
const OTHER_ID = vnetId(WL, 'rg-app', 'spoke-other');

const T0 = '2026-11-20T10:00:00.000Z';
const T1 = '2026-11-20T10:05:00.000Z';

describe('nextCondition', () => {
  const previous: Condition = { type: 'Peered', status: 'False', reason: 'Overlap', message: 'overlaps the hub', lastTransitionTime: T0 };

  it.each<[string, Condition | undefined, Omit<Condition, 'lastTransitionTime'>, string]>([
    ['no previous condition', undefined, { type: 'Peered', status: 'True', reason: 'Converged', message: 'ok' }, T1],
    ['same status and reason, same message', previous, { type: 'Peered', status: 'False', reason: 'Overlap', message: 'overlaps the hub' }, T0],
    ['same status and reason, new message', previous, { type: 'Peered', status: 'False', reason: 'Overlap', message: 'overlaps another spoke' }, T0],
    ['new status', previous, { type: 'Peered', status: 'True', reason: 'Overlap', message: 'overlaps the hub' }, T1],
    ['new reason', previous, { type: 'Peered', status: 'False', reason: 'UnknownHub', message: 'overlaps the hub' }, T1],
    ['new status and reason', previous, { type: 'Peered', status: 'True', reason: 'Converged', message: 'peered' }, T1],
    ['new type', previous, { type: 'Linked', status: 'False', reason: 'Overlap', message: 'overlaps the hub' }, T1],
  ])('%s', (_label, prev, next, expectedTime) => {
    // Act
    const condition = nextCondition(prev, next, T1);
    // Assess
    expect(condition).toEqual({ ...next, lastTransitionTime: expectedTime });
  });
});

function entry(resourceId: string, at: string, action: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return { at, resourceId, kind: 'spoke', action, outcome: 'succeeded', reason: `${action} at ${at}`, mode: 'enforce', ...extra };
}
const minute = (n: number) => new Date(Date.parse(T0) + n * 60_000).toISOString();

describe('memory record store: audit', () => {
  it.each<[string, string, number | undefined, string[]]>([
    ['all of a resource, newest first', SPOKE_ID, undefined, ['update', 'sync', 'create']],
    ['with a limit, the newest ones', SPOKE_ID, 2, ['update', 'sync']],
    ['with a limit above the count', SPOKE_ID, 10, ['update', 'sync', 'create']],
    ['by a lower-cased ID', SPOKE_ID.toLowerCase(), undefined, ['update', 'sync', 'create']],
    ['by an upper-cased ID with a trailing slash', `${SPOKE_ID.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/`, undefined, ['update', 'sync', 'create']],
    ['of another resource', OTHER_ID, undefined, ['reject']],
    ['of a resource without entries', vnetId(WL, 'rg', 'none'), undefined, []],
  ])('lists %s', async (_label, id, limit, actions) => {
    // Prepare
    const store = createMemoryRecordStore();
    await store.appendAudit([entry(SPOKE_ID, minute(0), 'create'), entry(OTHER_ID, minute(1), 'reject', { outcome: 'rejected' })]);
    await store.appendAudit([entry(SPOKE_ID.toLowerCase(), minute(2), 'sync')]);
    await store.appendAudit([entry(SPOKE_ID, minute(3), 'update')]);
    // Act
    const listed = await store.listAudit(id, limit);
    // Assess
    expect(listed.map((e) => e.action)).toEqual(actions);
  });

  it('keeps at most 50 entries by default', async () => {
    const store = createMemoryRecordStore();
    await store.appendAudit(Array.from({ length: 60 }, (_, i) => entry(SPOKE_ID, minute(i), `a${i}`)));
    const listed = await store.listAudit(SPOKE_ID);
    expect(listed).toHaveLength(50);
    expect(listed[0]?.action).toBe('a59');
    expect(listed[49]?.action).toBe('a10');
  });

  it('keeps copies: changing an entry after appending or listing it changes nothing stored', async () => {
    const store = createMemoryRecordStore();
    const original = entry(SPOKE_ID, T0, 'create', { after: { flags: ['a'] } });
    await store.appendAudit([original]);
    original.reason = 'changed';
    const [listed] = await store.listAudit(SPOKE_ID);
    if (!listed) throw new Error('expected an entry');
    listed.action = 'changed';
    expect(await store.listAudit(SPOKE_ID)).toEqual([entry(SPOKE_ID, T0, 'create', { after: { flags: ['a'] } })]);
  });
});

describe('memory record store: records', () => {
  const record = (resourceId: string, reason: string, kind: ManagedRecord['kind'] = 'spoke'): ManagedRecord => ({
    kind, resourceId, condition: { type: 'Peered', status: 'True', reason, message: reason, lastTransitionTime: T0 }, details: { n: 1 }, updatedAt: T0,
  });

  it.each<[string, string, ManagedRecord['kind'], string | null]>([
    ['the ID as stored', SPOKE_ID, 'spoke', 'Converged'],
    ['a lower-cased ID', SPOKE_ID.toLowerCase(), 'spoke', 'Converged'],
    ['another kind', SPOKE_ID, 'endpoint', null],
    ['an unknown ID', OTHER_ID, 'spoke', null],
  ])('gets a record by %s', async (_label, id, kind, reason) => {
    const store = createMemoryRecordStore();
    await store.putRecord(record(SPOKE_ID, 'Converged'));
    const found = await store.getRecord(kind, id);
    expect(found?.condition.reason ?? null).toBe(reason);
  });

  it('replaces the record of the same resource, whatever the ID casing, and lists by kind', async () => {
    const store = createMemoryRecordStore();
    await store.putRecord(record(SPOKE_ID, 'Overlap'));
    await store.putRecord(record(SPOKE_ID.toLowerCase(), 'Converged'));
    await store.putRecord(record(OTHER_ID, 'OptedOut'));
    await store.putRecord(record(OTHER_ID, 'Linked', 'endpoint'));
    expect((await store.listRecords('spoke')).map((r) => `${r.resourceId}:${r.condition.reason}`)).toEqual([
      `${SPOKE_ID.toLowerCase()}:Converged`,
      `${OTHER_ID}:OptedOut`,
    ]);
    expect((await store.listRecords('endpoint')).map((r) => r.condition.reason)).toEqual(['Linked']);
  });
});

describe('tableKey', () => {
  it.each<[string, string, string]>([
    ['a VNet ID: lower case, "/" encoded', SPOKE_ID, `%2fsubscriptions%2f${WL}%2fresourcegroups%2frg-app%2fproviders%2fmicrosoft.network%2fvirtualnetworks%2fspoke-app`],
    ['a trailing slash dropped', '/Subscriptions/X/', '%2fsubscriptions%2fx'],
    ['a backslash', 'a\\b', 'a%5cb'],
    ['a number sign', 'a#b', 'a%23b'],
    ['a question mark', 'a?b', 'a%3fb'],
    ['a percent sign (so encoded keys cannot collide)', 'a%2fb', 'a%252fb'],
    ['a NUL', 'a\u0000b', 'a%00b'],
    ['a tab and a newline inside', 'a\tb\nc', 'a%09b%0ac'],
    ['the unit separator', 'a\u001fb', 'a%1fb'],
    ['DEL', 'a\u007fb', 'a%7fb'],
    ['other characters as they are (lower-cased)', 'Spoke_App.1-x ~!', 'spoke_app.1-x ~!'],
  ])('encodes %s', (_label, id, expected) => {
    expect(tableKey(id)).toBe(expected);
  });

  it('gives the same key to IDs differing only in case', () => {
    expect(tableKey(SPOKE_ID.toUpperCase())).toBe(tableKey(SPOKE_ID));
  });

  it('gives different keys to IDs that differ only in an encoded character', () => {
    expect(tableKey('a/b')).not.toBe(tableKey('a%2fb'));
  });
});

describe('ordering and key edge cases', () => {
  it('lists audit by time, newest first, even when entries were appended out of order', async () => {
    const store = createMemoryRecordStore();
    await store.appendAudit([entry(SPOKE_ID, minute(2), 'newer'), entry(SPOKE_ID, minute(1), 'older')]);
    expect((await store.listAudit(SPOKE_ID)).map((e) => e.action)).toEqual(['newer', 'older']);
  });

  it('percent-encodes the C1 control characters Tables forbids in keys', () => {
    expect(tableKey('a\u0085b\u009fc\u007f')).toBe('a%85b%9fc%7f');
  });
});
