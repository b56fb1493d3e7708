import { ConfigError, loadConfig } from '../../../shared/config';
import { DEFAULT_STAMP_POLICY, frontDoorKindOf, originGroups, stampsSchema } from '../../../shared/stamps/config';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const AFD = `/subscriptions/${SUB}/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/afd-payments`;
const CLASSIC = `/subscriptions/${SUB}/resourceGroups/rg-edge/providers/Microsoft.Network/frontDoors/fd-legacy`;
const APP = (n: string) => `/subscriptions/${SUB}/resourceGroups/rg-${n}/providers/Microsoft.Web/sites/app-${n}`;

const stamp = (name: string, origin: Record<string, string>) => ({ name, region: 'westeurope', origin, healthUrl: `http://127.0.0.1:1/${name}/health`, resourceIds: [APP(name)] });
const doc = () => ({
  frontDoors: [{ name: 'afd', id: AFD }, { name: 'classic', id: CLASSIC }],
  stamps: [
    stamp('weu-1', { frontDoor: 'afd', originGroup: 'og-api', origin: 'weu-1' }),
    stamp('weu-2', { frontDoor: 'afd', originGroup: 'og-api', origin: 'weu-2' }),
    stamp('old-1', { frontDoor: 'classic', backendPool: 'pool', backendAddress: 'old-1.contoso.net' }),
  ],
});

function problems(input: unknown): string[] {
  const r = stampsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('stamps config', () => {
  it('fills the policy defaults of the issue', () => {
    const parsed = stampsSchema.parse(doc());
    expect(parsed.policy).toEqual({
      probeIntervalSeconds: 30,
      probeTimeoutSeconds: 5,
      ejectAfterFailures: 3,
      readmitAfterSuccesses: 5,
      minEjectionSeconds: 300,
      maxEjectionSeconds: 3600,
      ejectionCountDecaySeconds: 86_400,
      maxEjectedFraction: 1 / 3,
      degradedIsUnhealthy: false,
      nonResolvingAlertHoldSeconds: 3600,
    });
    expect(DEFAULT_STAMP_POLICY).toEqual(parsed.policy);
  });

  it('groups stamps by origin group (classic: backend pool)', () => {
    expect(originGroups(stampsSchema.parse(doc())).map((g) => [g.key, g.kind, g.group, g.stamps.map((s) => s.name)])).toEqual([
      ['afd/og-api', 'standard', 'og-api', ['weu-1', 'weu-2']],
      ['classic/pool', 'classic', 'pool', ['old-1']],
    ]);
  });

  it.each([
    [AFD, 'standard'],
    [AFD.toLowerCase(), 'standard'],
    [CLASSIC, 'classic'],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`, undefined],
    [`${AFD}/originGroups/og`, undefined],
    ['nonsense', undefined],
  ])('frontDoorKindOf(%s) = %s', (id, kind) => {
    expect(frontDoorKindOf(id)).toBe(kind);
  });

  it.each<[string, (d: ReturnType<typeof doc>) => unknown, string]>([
    ['an unknown field', (d) => ({ ...d, extra: 1 }), ': Unrecognized key: "extra"'],
    ['an unknown policy field', (d) => ({ ...d, policy: { probeIntervalSecs: 3 } }), 'policy: Unrecognized key: "probeIntervalSecs"'],
    ['a Front Door that is not one', (d) => ({ ...d, frontDoors: [{ name: 'afd', id: APP('x') }] }), 'frontDoors.0.id: must be the ARM ID of a Front Door profile'],
    ['a stamp naming no Front Door', (d) => ({ ...d, stamps: [stamp('a', { frontDoor: 'nope', originGroup: 'og', origin: 'a' })] }), 'stamps.0.origin.frontDoor: no Front Door named "nope" in frontDoors'],
    ['a classic origin on a Standard profile', (d) => ({ ...d, stamps: [stamp('a', { frontDoor: 'afd', backendPool: 'p', backendAddress: 'a.net' })] }), 'stamps.0.origin: "afd" is a Standard/Premium profile: give originGroup and origin'],
    ['a Standard origin on a classic profile', (d) => ({ ...d, stamps: [stamp('a', { frontDoor: 'classic', originGroup: 'og', origin: 'a' })] }), 'stamps.0.origin: "classic" is a classic Front Door: give backendPool and backendAddress'],
    ['a stamp named twice', (d) => ({ ...d, stamps: [d.stamps[0], { ...d.stamps[1], name: 'WEU-1' }] }), 'stamps.1.name: stamp "WEU-1" is named twice'],
    ['two stamps on one origin', (d) => ({ ...d, stamps: [d.stamps[0], { ...d.stamps[0], name: 'other' }] }), 'stamps.1.origin: another stamp already uses this origin'],
    ['a health URL that is not http', (d) => ({ ...d, stamps: [{ ...d.stamps[0], healthUrl: 'ftp://x/health' }] }), 'stamps.0.healthUrl: must be an http or https URL'],
    ['too many resource IDs', (d) => ({ ...d, stamps: [{ ...d.stamps[0], resourceIds: Array.from({ length: 51 }, (_, i) => APP(`r${i}`)) }] }), 'stamps.0.resourceIds: at most 50 resource IDs per stamp'],
    ['a resource ID that is not one', (d) => ({ ...d, stamps: [{ ...d.stamps[0], resourceIds: ['app-weu-1'] }] }), 'stamps.0.resourceIds.0: "app-weu-1" is not a valid ARM resource ID'],
    ['a timeout longer than the interval', (d) => ({ ...d, policy: { probeIntervalSeconds: 2, probeTimeoutSeconds: 5 } }), 'policy.probeTimeoutSeconds: probeTimeoutSeconds must not exceed probeIntervalSeconds'],
    ['a fraction above 1', (d) => ({ ...d, policy: { maxEjectedFraction: 1.5 } }), 'policy.maxEjectedFraction: '],
    ['too many stamps', (d) => ({ ...d, stamps: Array.from({ length: 201 }, (_, i) => stamp(`s${i}`, { frontDoor: 'afd', originGroup: 'og', origin: `s${i}` })) }), 'stamps: at most 200 stamps'],
  ])('refuses %s', (_label, change, message) => {
    expect(problems(change(doc())).join('\n')).toContain(message);
  });

  it('is read from the topology document, and a bad block fails the whole configuration with its path', () => {
    const env = (stamps: unknown): NodeJS.ProcessEnv => ({
      CONTROL_PLANE_TOPOLOGY: JSON.stringify({ watchedSubscriptions: [SUB], hubs: [{ region: 'westeurope', vnetId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub` }], stamps }),
      TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    });
    expect(loadConfig(env(doc())).stamps?.stamps.map((s) => s.name)).toEqual(['weu-1', 'weu-2', 'old-1']);
    let error: unknown;
    try {
      loadConfig(env({ ...doc(), frontDoors: [] }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContain('topology.stamps.frontDoors: name at least one Front Door profile');
  });
});
