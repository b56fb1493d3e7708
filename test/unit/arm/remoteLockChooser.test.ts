import { DEFAULT_REMOTE_LOCK_WEIGHTS, operationName, RemoteLockChooser, type RemoteLockAnswer } from '../../../local/arm/lockConflicts';

describe('RemoteLockChooser', () => {
  const draw = (chooser: RemoteLockChooser, n: number): RemoteLockAnswer[] => Array.from({ length: n }, () => chooser.next());

  it('is deterministic for a seed and follows the weights roughly', () => {
    const a = draw(new RemoteLockChooser({ seed: 7 }), 2000);
    expect(draw(new RemoteLockChooser({ seed: 7 }), 2000)).toEqual(a);
    expect(draw(new RemoteLockChooser({ seed: 8 }), 2000)).not.toEqual(a);
    for (const [answer, weight] of Object.entries(DEFAULT_REMOTE_LOCK_WEIGHTS)) {
      const share = a.filter((x) => x === answer).length / a.length;
      expect(Math.abs(share - weight)).toBeLessThan(0.05);
    }
  });

  it('honours weights, a forced answer, and counts what it gave', () => {
    const chooser = new RemoteLockChooser({ weights: { ReferencedResourceNotProvisioned: 1 } });
    expect(new Set(draw(chooser, 50))).toEqual(new Set(['ReferencedResourceNotProvisioned']));
    chooser.configure({ force: 'RetryableErrorDueToAnotherOperation' });
    expect(new Set(draw(chooser, 5))).toEqual(new Set(['RetryableErrorDueToAnotherOperation']));
    chooser.configure({ force: undefined });
    expect(chooser.next()).toBe('ReferencedResourceNotProvisioned');
    expect(chooser.counts).toEqual({ AnotherOperationInProgress: 0, RetryableErrorDueToAnotherOperation: 5, ReferencedResourceNotProvisioned: 51 });
  });

  it.each([
    [{ seed: 1.5 }, 'remote lock answers: seed must be an integer (got 1.5).'],
    [{ weights: { AnotherOperationInProgress: 0 } }, 'remote lock answers: weights must be finite, not negative, and not all 0.'],
    [{ weights: { AnotherOperationInProgress: -1, ReferencedResourceNotProvisioned: 2 } }, 'remote lock answers: weights must be finite, not negative, and not all 0.'],
    [{ weights: { Nope: 1 } as never }, 'remote lock answers: unknown answer "Nope"; use AnotherOperationInProgress, RetryableErrorDueToAnotherOperation, ReferencedResourceNotProvisioned.'],
    [{ force: 'Nope' as never }, 'remote lock answers: unknown answer "Nope"; use AnotherOperationInProgress, RetryableErrorDueToAnotherOperation, ReferencedResourceNotProvisioned.'],
  ])('refuses bad options %j', (options, message) => {
    expect(() => new RemoteLockChooser(options)).toThrow(message);
  });

  it.each([
    ['PUT', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings', 'PutVirtualNetworkPeeringOperation'],
    ['DELETE', 'Microsoft.Network/virtualNetworks', 'DeleteVirtualNetworkOperation'],
    ['PUT', 'Microsoft.Network/privateDnsZones', 'PutPrivateDnsZoneOperation'],
  ])('names %s %s as %s', (method, type, name) => {
    expect(operationName(method, type)).toBe(name);
  });
});
