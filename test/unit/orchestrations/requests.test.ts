/**
 * Whether a reconcile request names anything (orchestrations/common/requests.ts), on the in-memory RecordStore and
 * reads that answer as ARM does (null for a 404; RestError-shaped failures otherwise).
 */
import { checkReconcileRequest, readOrAbsent } from '../../../orchestrations/common/requests';
import { createMemoryRecordStore } from '../../../shared/store/memory-store';

const VNET = '/subscriptions/a0000000-0000-4000-8000-0000000000a1/resourceGroups/rg-app/providers/Microsoft.Network/virtualNetworks/v';
const TARGET = { kind: 'spoke' as const, conditionType: 'Peered', resourceId: VNET };
const armError = (statusCode: number, code: string) => Object.assign(new Error(`${code}: it failed`), { name: 'RestError', statusCode, code });
const failing = (e: Error) => () => Promise.reject(e);

describe('readOrAbsent', () => {
  it.each<[string, () => Promise<unknown>, unknown]>([
    ['the resource', () => Promise.resolve({ id: VNET }), { id: VNET }],
    ['null for a 404', () => Promise.resolve(null), null],
    ['null for ResourceGroupNotFound (a missing resource group holds nothing)', failing(armError(404, 'ResourceGroupNotFound')), null],
    ['null for SubscriptionNotFound', failing(armError(404, 'SubscriptionNotFound')), null],
  ])('answers %s', async (_label, read, expected) => {
    expect(await readOrAbsent(read)).toEqual(expected);
  });

  it.each([
    ['AuthorizationFailed', armError(403, 'AuthorizationFailed')],
    ['a throttled read', armError(429, 'TooManyRequests')],
  ])('throws %s: it says nothing about existence', async (_label, error) => {
    await expect(readOrAbsent(failing(error))).rejects.toBe(error);
  });
});

describe('checkReconcileRequest', () => {
  it('goes ahead for a recorded resource without reading ARM (a gone one is then recorded Deleted)', async () => {
    const store = createMemoryRecordStore();
    await store.putRecord({ kind: 'spoke', resourceId: VNET, condition: { type: 'Peered', status: 'True', reason: 'Converged', message: '', lastTransitionTime: '' }, details: {}, updatedAt: '' });
    let reads = 0;
    expect(await checkReconcileRequest(store, TARGET, async () => (reads++, null))).toEqual({ kind: 'go' });
    expect(reads).toBe(0);
  });

  it.each<[string, () => Promise<unknown>, 'go' | 'notFound']>([
    ['an existing resource never recorded', () => Promise.resolve({ id: VNET }), 'go'],
    ['a resource that does not exist (a typo)', () => Promise.resolve(null), 'notFound'],
    ['a resource in a missing resource group', failing(armError(404, 'ResourceGroupNotFound')), 'notFound'],
    ['a read ARM could not answer (the pass retries and records why)', failing(armError(503, 'ServiceUnavailable')), 'go'],
  ])('for %s: %s', async (_label, read, kind) => {
    expect(await checkReconcileRequest(createMemoryRecordStore(), TARGET, read)).toEqual({ kind });
  });
});
