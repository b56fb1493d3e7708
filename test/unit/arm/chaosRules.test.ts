// The chaos fault mix (LOCAL_ARM_FAULT_RATE): about `rate` of requests fail, in the documented shares.
import { chaosRules, FaultInjector } from '../../../local/arm/faults';
import { seeded } from '../../../local/arm/lockConflicts';

describe('chaosRules', () => {
  it('is empty at rate 0 and refuses rates outside 0..0.5', () => {
    expect(chaosRules(0)).toEqual([]);
    expect(() => chaosRules(0.6)).toThrow('chaos fault rate must be between 0 and 0.5 (got 0.6).');
    expect(() => chaosRules(-0.1)).toThrow('between 0 and 0.5');
    expect(() => chaosRules(Number.NaN)).toThrow('between 0 and 0.5');
  });

  it.each([0.05, 0.2])('fails about %s of requests: 429 with Retry-After, 500, 503 and failed operations in 4:2:2:2', (rate) => {
    const faults = new FaultInjector(seeded(7));
    for (const rule of chaosRules(rate)) faults.add(rule);
    const counts: Record<string, number> = {};
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const http = faults.takeHttp('PUT', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v');
      const key = http ? String(http.status) : faults.takeLroFailure('PUT', '/x') ? 'lro' : 'ok';
      counts[key] = (counts[key] ?? 0) + 1;
      if (http?.status === 429) expect(http.retryAfterSeconds).toBe(1);
    }
    const share = (key: string): number => (counts[key] ?? 0) / n;
    expect(1 - share('ok')).toBeCloseTo(rate, 2);
    expect(share('429')).toBeCloseTo(0.4 * rate, 2);
    expect(share('500')).toBeCloseTo(0.2 * rate, 2);
    expect(share('503')).toBeCloseTo(0.2 * rate, 2);
    expect(share('lro')).toBeCloseTo(0.2 * rate, 2);
    expect(faults.lroFailuresByPath()).toEqual({ '/x': counts.lro });
  });
});
