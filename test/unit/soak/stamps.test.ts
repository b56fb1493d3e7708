// The soak's stamp plan: every demo stamp gets one episode, one is pinned out and is last in its origin group
// (nothing of its group may follow a stamp that stays out), the same seed gives the same plan.
import { DEMO_STAMPS } from '../../../local/demo/stamps';
import { planStamps } from '../../soak/stamps';

describe('planStamps', () => {
  it.each([0, 1, 2, 3, 17, 12345])('seed %i: one episode per stamp, one pinned out last in its group, others ending Enabled', (seed) => {
    const plan = planStamps(seed);
    expect(plan.map((e) => e.stamp).sort()).toEqual(DEMO_STAMPS.map((s) => s.name).sort());
    const pinned = plan.filter((e) => e.signal === 'pin-out');
    expect(pinned).toHaveLength(1);
    expect(pinned[0]?.final).toBe('Disabled');
    expect(plan.filter((e) => e.signal !== 'pin-out').every((e) => e.final === 'Enabled')).toBe(true);
    const group = plan.filter((e) => e.group === pinned[0]?.group);
    expect(group[group.length - 1]).toBe(pinned[0]);
    expect(planStamps(seed)).toEqual(plan);
  });

  it('varies the signals and the pinned stamp with the seed', () => {
    const plans = Array.from({ length: 40 }, (_, seed) => planStamps(seed));
    expect(new Set(plans.map((p) => p.find((e) => e.signal === 'pin-out')?.stamp)).size).toBeGreaterThan(1);
    expect(new Set(plans.flatMap((p) => p.map((e) => e.signal))).size).toBe(6);
  });
});
