import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_SETTINGS, ConfigError, ControlPlaneConfig, currentConfig, loadConfig } from '../../../shared/config';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const WL = '00000000-0000-0000-0000-0000000000a1';
const vnetId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
const HUB_WEU = vnetId(SUB, 'rg-hub', 'hub-weu');
const HUB_NEU = vnetId(SUB, 'rg-hub', 'hub-neu');
const TABLES = 'UseDevelopmentStorage=true';

type Doc = Record<string, unknown>;
const baseDoc = (): Doc => ({ watchedSubscriptions: [WL], hubs: [{ region: 'westeurope', vnetId: HUB_WEU }] });
const envWith = (doc: unknown, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  CONTROL_PLANE_TOPOLOGY: typeof doc === 'string' ? doc : JSON.stringify(doc),
  TABLES_CONNECTION_STRING: TABLES,
  ...extra,
});

/** The problems of the ConfigError `load` throws; fails the test when it does not throw one. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: topology source', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
  const file = path.join(dir, 'topology.json');
  fs.writeFileSync(file, JSON.stringify(baseDoc()));

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads an inline CONTROL_PLANE_TOPOLOGY', () => {
    // Prepare
    const env = envWith(baseDoc());
    // Act
    const config = loadConfig(env, '/nowhere');
    // Assess
    expect(config).toEqual<ControlPlaneConfig>({
      mode: 'enforce',
      local: false,
      arm: { retryDelayMs: 800 },
      tables: { connectionString: TABLES },
      watchedSubscriptions: [WL],
      hubs: [{ name: 'westeurope', region: 'westeurope', vnetId: HUB_WEU }],
      peering: { selection: 'opt-out', optOutTag: 'hubspoke-opt-out', optInTag: 'hubspoke-opt-in', hubTag: 'hubspoke-hub', useRemoteGateways: true },
      drift: { repair: { peering: true, dns: true, egress: false, stamps: false, orphans: false }, recentChangeMinutes: 5, repairWaitSeconds: 60 },
      ownPrincipalIds: [],
      auth: { issuers: [], audiences: ['api://hubspoke-control-plane'], easyAuth: false },
    });
  });

  it('reads the control plane\'s own principal IDs, trimmed and lower-cased', () => {
    const config = loadConfig(envWith(baseDoc(), { CONTROL_PLANE_PRINCIPAL_IDS: ' ABC-1 , def-2,, ' }), '/nowhere');
    expect(config.ownPrincipalIds).toEqual(['abc-1', 'def-2']);
  });

  it.each([
    ['an absolute path', () => file, '/nowhere'],
    ['a path relative to baseDir', () => 'topology.json', dir],
  ])('reads CONTROL_PLANE_TOPOLOGY_FILE given as %s', (_label, fileSetting, baseDir) => {
    // Prepare
    const env = { CONTROL_PLANE_TOPOLOGY_FILE: fileSetting(), TABLES_CONNECTION_STRING: TABLES };
    // Act
    const config = loadConfig(env, baseDir);
    // Assess
    expect(config.hubs).toEqual([{ name: 'westeurope', region: 'westeurope', vnetId: HUB_WEU }]);
    expect(config.watchedSubscriptions).toEqual([WL]);
  });

  it('names the file it cannot read', () => {
    const missing = path.join(dir, 'missing.json');
    const problems = problemsOf(() => loadConfig({ CONTROL_PLANE_TOPOLOGY_FILE: missing, TABLES_CONNECTION_STRING: TABLES }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^CONTROL_PLANE_TOPOLOGY_FILE \\(${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): cannot be read: .*ENOENT`));
  });

  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['both set', { CONTROL_PLANE_TOPOLOGY: '{}', CONTROL_PLANE_TOPOLOGY_FILE: 'x.json' }, 'CONTROL_PLANE_TOPOLOGY and CONTROL_PLANE_TOPOLOGY_FILE are both set; set one'],
    ['neither set', {}, 'CONTROL_PLANE_TOPOLOGY_FILE (a JSON file) or CONTROL_PLANE_TOPOLOGY (the JSON itself) must be set: it names the hubs and the watched subscriptions'],
    ['both empty', { CONTROL_PLANE_TOPOLOGY: '', CONTROL_PLANE_TOPOLOGY_FILE: '' }, 'CONTROL_PLANE_TOPOLOGY_FILE (a JSON file) or CONTROL_PLANE_TOPOLOGY (the JSON itself) must be set: it names the hubs and the watched subscriptions'],
  ])('rejects a topology with %s', (_label, topology, expected) => {
    const problems = problemsOf(() => loadConfig({ TABLES_CONNECTION_STRING: TABLES, ...topology }));
    expect(problems).toEqual([expected]);
  });

  it('names the setting holding bad JSON', () => {
    const problems = problemsOf(() => loadConfig(envWith('{"hubs": [')));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CONTROL_PLANE_TOPOLOGY: is not valid JSON: /);
  });

  it('names the file holding bad JSON', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, 'not json');
    const problems = problemsOf(() => loadConfig({ CONTROL_PLANE_TOPOLOGY_FILE: bad, TABLES_CONNECTION_STRING: TABLES }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(`CONTROL_PLANE_TOPOLOGY_FILE (${bad}): is not valid JSON: `)).toBe(true);
  });
});

describe('loadConfig: topology document', () => {
  it.each<[string, Doc, string]>([
    ['a hub VNet ID that is not an ARM ID', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: 'hub-weu' }] },
      'topology.hubs.0.vnetId: "hub-weu" is not a valid ARM resource ID: it must start with /subscriptions/{subscriptionId}.'],
    ['a hub ID that is not a VNet', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: `/subscriptions/${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/publicIPAddresses/pip` }] },
      'topology.hubs.0.vnetId: must be a virtual network ID (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name})'],
    ['a subnet ID as hub', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: `${HUB_WEU}/subnets/default` }] },
      'topology.hubs.0.vnetId: must be a virtual network ID (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name})'],
    ['two hubs in one region (spelled differently)', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: HUB_WEU }, { name: 'second', region: 'West Europe', vnetId: HUB_NEU }] },
      'topology.hubs.1: region westeurope already has hub 0; one hub per region'],
    ['one VNet as two hubs (IDs differ in case)', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: HUB_WEU }, { region: 'northeurope', vnetId: HUB_WEU.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/') }] },
      'topology.hubs.1: VNet is already hubs[0]'],
    ['two hubs with one name (case-insensitive)', { ...baseDoc(), hubs: [{ name: 'Core', region: 'westeurope', vnetId: HUB_WEU }, { name: 'core', region: 'northeurope', vnetId: HUB_NEU }] },
      'topology.hubs.1: name "core" is used by hubs[0] too'],
    ['a hub name clashing with a defaulted name', { ...baseDoc(), hubs: [{ region: 'westeurope', vnetId: HUB_WEU }, { name: 'westeurope', region: 'northeurope', vnetId: HUB_NEU }] },
      'topology.hubs.1: name "westeurope" is used by hubs[0] too'],
    ['a hub name with a space', { ...baseDoc(), hubs: [{ name: 'my hub', region: 'westeurope', vnetId: HUB_WEU }] },
      'topology.hubs.0.name: must be 1-80 letters, digits, ".", "_" or "-"'],
    ['a subscription that is not a GUID', { ...baseDoc(), watchedSubscriptions: [WL, 'my-subscription'] },
      'topology.watchedSubscriptions.1: must be a subscription GUID'],
    ['no watched subscription', { ...baseDoc(), watchedSubscriptions: [] },
      'topology.watchedSubscriptions: name at least one subscription to watch'],
    ['no hub', { ...baseDoc(), hubs: [] },
      'topology.hubs: configure at least one hub'],
    ['an opt-out tag with "/"', { ...baseDoc(), peering: { optOutTag: 'team/opt-out' } },
      'topology.peering.optOutTag: must not contain any of < > % & \\ ? /'],
    ['a hub tag with "?"', { ...baseDoc(), peering: { hubTag: 'hub?' } },
      'topology.peering.hubTag: must not contain any of < > % & \\ ? /'],
  ])('rejects %s, naming the field', (_label, doc, expected) => {
    const problems = problemsOf(() => loadConfig(envWith(doc)));
    expect(problems).toEqual([expected]);
  });

  it.each<[string, Doc, RegExp]>([
    ['an unknown top-level field', { ...baseDoc(), hub: [] }, /^topology: .*"hub"/],
    ['an unknown peering field', { ...baseDoc(), peering: { selecton: 'opt-in' } }, /^topology\.peering: .*"selecton"/],
    ['an unknown selection mode', { ...baseDoc(), peering: { selection: 'all' } }, /^topology\.peering\.selection: .*"opt-out".*"opt-in"/],
    ['a hub without region', { ...baseDoc(), hubs: [{ vnetId: HUB_WEU }] }, /^topology\.hubs\.0\.region: /],
    ['a document that is an array', [baseDoc()] as unknown as Doc, /^topology: /],
  ])('rejects %s with zod\'s message under the field path', (_label, doc, expected) => {
    const problems = problemsOf(() => loadConfig(envWith(doc)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('defaults peering when absent', () => {
    expect(loadConfig(envWith(baseDoc())).peering).toEqual({
      selection: 'opt-out', optOutTag: 'hubspoke-opt-out', optInTag: 'hubspoke-opt-in', hubTag: 'hubspoke-hub', useRemoteGateways: true,
    });
  });

  it('defaults the peering fields left out', () => {
    const config = loadConfig(envWith({ ...baseDoc(), peering: { selection: 'opt-in', hubTag: 'Hub' } }));
    expect(config.peering).toEqual({ selection: 'opt-in', optOutTag: 'hubspoke-opt-out', optInTag: 'hubspoke-opt-in', hubTag: 'Hub', useRemoteGateways: true });
  });

  it.each([
    ['no name, region as given', { region: 'westeurope', vnetId: HUB_WEU }, { name: 'westeurope', region: 'westeurope', vnetId: HUB_WEU }],
    ['no name, display region', { region: 'West Europe', vnetId: HUB_WEU }, { name: 'westeurope', region: 'westeurope', vnetId: HUB_WEU }],
    ['odd spacing and case', { region: ' North  EUROPE ', vnetId: HUB_NEU }, { name: 'northeurope', region: 'northeurope', vnetId: HUB_NEU }],
    ['an explicit name', { name: 'core-weu', region: 'West Europe', vnetId: HUB_WEU }, { name: 'core-weu', region: 'westeurope', vnetId: HUB_WEU }],
  ])('normalizes a hub with %s', (_label, hub, expected) => {
    expect(loadConfig(envWith({ ...baseDoc(), hubs: [hub] })).hubs).toEqual([expected]);
  });

  it('lower-cases watched subscriptions', () => {
    const upper = 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE';
    expect(loadConfig(envWith({ ...baseDoc(), watchedSubscriptions: [upper] })).watchedSubscriptions).toEqual([upper.toLowerCase()]);
  });
});

describe('loadConfig: app settings', () => {
  it.each<[string | undefined, 'enforce' | 'observe']>([
    [undefined, 'enforce'],
    ['', 'enforce'],
    ['enforce', 'enforce'],
    ['observe', 'observe'],
    [' Observe ', 'observe'],
    ['ENFORCE', 'enforce'],
  ])('CONTROL_PLANE_MODE=%j runs in %s mode', (mode, expected) => {
    const env = envWith(baseDoc(), mode === undefined ? {} : { CONTROL_PLANE_MODE: mode });
    expect(loadConfig(env).mode).toBe(expected);
  });

  it('rejects an unknown CONTROL_PLANE_MODE', () => {
    expect(problemsOf(() => loadConfig(envWith(baseDoc(), { CONTROL_PLANE_MODE: 'dry-run' })))).toEqual([
      'CONTROL_PLANE_MODE: must be "enforce" (write to ARM) or "observe" (record what would change, write nothing); got "dry-run"',
    ]);
  });

  it.each<[string, string]>([
    ['http://management.local', 'ARM_ENDPOINT: must be https (the SDK refuses to send tokens over http); got "http://management.local"'],
    ['management.azure.com', 'ARM_ENDPOINT: is not a URL: "management.azure.com"'],
  ])('rejects ARM_ENDPOINT=%s', (endpoint, expected) => {
    expect(problemsOf(() => loadConfig(envWith(baseDoc(), { ARM_ENDPOINT: endpoint })))).toEqual([expected]);
  });

  it('keeps an https ARM_ENDPOINT and its CA file', () => {
    const config = loadConfig(envWith(baseDoc(), { ARM_ENDPOINT: 'https://localhost:8443', ARM_CA_CERT_FILE: '/tmp/ca.pem' }));
    expect(config.arm).toEqual({ endpoint: 'https://localhost:8443', caCertFile: '/tmp/ca.pem', retryDelayMs: 800 });
  });

  it.each<[NodeJS.ProcessEnv, { lroPollIntervalMs?: number; retryDelayMs: number }]>([
    [{}, { retryDelayMs: 800 }],
    [{ ARM_RETRY_DELAY_MS: '', ARM_LRO_POLL_INTERVAL_MS: '  ' }, { retryDelayMs: 800 }],
    [{ ARM_RETRY_DELAY_MS: '25' }, { retryDelayMs: 25 }],
    [{ ARM_RETRY_DELAY_MS: '0', ARM_LRO_POLL_INTERVAL_MS: '0' }, { retryDelayMs: 0, lroPollIntervalMs: 0 }],
    [{ ARM_LRO_POLL_INTERVAL_MS: '1500' }, { retryDelayMs: 800, lroPollIntervalMs: 1500 }],
  ])('reads the ARM timings from %j', (settings, expected) => {
    expect(loadConfig(envWith(baseDoc(), settings)).arm).toEqual(expected);
  });

  it.each<[string, string]>([
    ['ARM_RETRY_DELAY_MS', '1.5'],
    ['ARM_RETRY_DELAY_MS', '-1'],
    ['ARM_RETRY_DELAY_MS', 'fast'],
    ['ARM_LRO_POLL_INTERVAL_MS', '10ms'],
    ['ARM_LRO_POLL_INTERVAL_MS', '-5'],
  ])('rejects %s=%j', (name, value) => {
    expect(problemsOf(() => loadConfig(envWith(baseDoc(), { [name]: value })))).toEqual([`${name}: must be a whole number of milliseconds (got "${value}")`]);
  });

  it.each<[NodeJS.ProcessEnv, ControlPlaneConfig['tables']]>([
    [{ TABLES_CONNECTION_STRING: TABLES }, { connectionString: TABLES }],
    [{ TABLES_ACCOUNT_URL: 'https://acct.table.core.windows.net' }, { accountUrl: 'https://acct.table.core.windows.net' }],
    [{ TABLES_CONNECTION_STRING: TABLES, TABLES_ACCOUNT_URL: 'https://acct.table.core.windows.net' }, { connectionString: TABLES }],
  ])('reads the tables setting from %j', (settings, expected) => {
    const env = { CONTROL_PLANE_TOPOLOGY: JSON.stringify(baseDoc()), ...settings };
    expect(loadConfig(env).tables).toEqual(expected);
  });

  it('requires a tables setting', () => {
    expect(problemsOf(() => loadConfig({ CONTROL_PLANE_TOPOLOGY: JSON.stringify(baseDoc()) }))).toEqual([
      'TABLES_CONNECTION_STRING or TABLES_ACCOUNT_URL (with the app\'s managed identity) must be set: audit and conditions are kept in Azure Tables',
    ]);
  });

  it('refuses TABLES_ACCOUNT_URL locally', () => {
    const env = { CONTROL_PLANE_TOPOLOGY: JSON.stringify(baseDoc()), CONTROL_PLANE_LOCAL: 'true', TABLES_ACCOUNT_URL: 'https://acct.table.core.windows.net' };
    expect(problemsOf(() => loadConfig(env))).toEqual(['TABLES_ACCOUNT_URL needs a managed identity; locally set TABLES_CONNECTION_STRING']);
  });

  it.each<[string | undefined, boolean]>([
    [undefined, false],
    ['true', true],
    ['TRUE', true],
    ['1', false],
  ])('CONTROL_PLANE_LOCAL=%j -> local %s', (value, expected) => {
    expect(loadConfig(envWith(baseDoc(), value === undefined ? {} : { CONTROL_PLANE_LOCAL: value })).local).toBe(expected);
  });

  it('passes AZURE_TENANT_ID through only when set', () => {
    expect(loadConfig(envWith(baseDoc(), { AZURE_TENANT_ID: 'tenant-1' })).tenantId).toBe('tenant-1');
    expect(loadConfig(envWith(baseDoc())).tenantId).toBeUndefined();
  });
});

describe('ConfigError', () => {
  it('lists every problem at once, settings and topology alike', () => {
    // Prepare
    const doc = {
      watchedSubscriptions: ['not-a-guid'],
      hubs: [{ region: 'westeurope', vnetId: 'nope' }],
      peering: { optInTag: 'a/b' },
    };
    const env: NodeJS.ProcessEnv = { CONTROL_PLANE_TOPOLOGY: JSON.stringify(doc), CONTROL_PLANE_MODE: 'maybe', ARM_ENDPOINT: 'http://arm', ARM_RETRY_DELAY_MS: 'x' };
    // Act
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'CONTROL_PLANE_MODE: must be "enforce" (write to ARM) or "observe" (record what would change, write nothing); got "maybe"',
      'ARM_RETRY_DELAY_MS: must be a whole number of milliseconds (got "x")',
      'ARM_ENDPOINT: must be https (the SDK refuses to send tokens over http); got "http://arm"',
      'TABLES_CONNECTION_STRING or TABLES_ACCOUNT_URL (with the app\'s managed identity) must be set: audit and conditions are kept in Azure Tables',
      'topology.watchedSubscriptions.0: must be a subscription GUID',
      'topology.hubs.0.vnetId: "nope" is not a valid ARM resource ID: it must start with /subscriptions/{subscriptionId}.',
      'topology.peering.optInTag: must not contain any of < > % & \\ ? /',
    ]);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message).toBe(`The control plane's configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  });
});

describe('currentConfig', () => {
  const saved = new Map<string, string | undefined>(CONFIG_SETTINGS.map((name) => [name, process.env[name]]));

  beforeEach(() => {
    for (const name of CONFIG_SETTINGS) delete process.env[name];
    process.env.CONTROL_PLANE_TOPOLOGY = JSON.stringify(baseDoc());
    process.env.TABLES_CONNECTION_STRING = TABLES;
  });

  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('keeps the configuration while the settings stay the same', () => {
    const first = currentConfig();
    expect(currentConfig()).toBe(first);
  });

  it('ignores settings it is not read from', () => {
    const first = currentConfig();
    const savedOther = process.env.SOME_UNRELATED_SETTING;
    process.env.SOME_UNRELATED_SETTING = 'changed';
    try {
      expect(currentConfig()).toBe(first);
    } finally {
      if (savedOther === undefined) delete process.env.SOME_UNRELATED_SETTING;
      else process.env.SOME_UNRELATED_SETTING = savedOther;
    }
  });

  it.each<[string, string, (c: ControlPlaneConfig) => unknown, unknown]>([
    ['CONTROL_PLANE_MODE', 'observe', (c) => c.mode, 'observe'],
    ['ARM_RETRY_DELAY_MS', '5', (c) => c.arm.retryDelayMs, 5],
    ['AZURE_TENANT_ID', 'tenant-2', (c) => c.tenantId, 'tenant-2'],
    ['CONTROL_PLANE_TOPOLOGY', JSON.stringify({ ...baseDoc(), hubs: [{ name: 'core', region: 'westeurope', vnetId: HUB_WEU }] }), (c) => c.hubs[0]?.name, 'core'],
  ])('reads again when %s changes', (name, value, pick, expected) => {
    // Prepare
    const before = currentConfig();
    // Act
    process.env[name] = value;
    const after = currentConfig();
    // Assess
    expect(after).not.toBe(before);
    expect(pick(after)).toEqual(expected);
  });

  it('throws the ConfigError of a bad change, and recovers when the setting is fixed', () => {
    currentConfig();
    process.env.CONTROL_PLANE_MODE = 'bogus';
    expect(() => currentConfig()).toThrow(ConfigError);
    process.env.CONTROL_PLANE_MODE = 'observe';
    expect(currentConfig().mode).toBe('observe');
  });
});

describe('loadConfig: hub regions', () => {
  it.each(['   ', 'west-europe!'])('rejects the region %j, naming the field', (region) => {
    const problems = problemsOf(() => loadConfig(envWith({ watchedSubscriptions: [WL], hubs: [{ region, vnetId: HUB_WEU }] })));
    expect(problems).toEqual(['topology.hubs.0.region: must be an Azure region name such as westeurope']);
  });
});

describe('loadConfig: privateDns', () => {
  const DNS_SUB = '0000000A-0000-0000-0000-00000000D115';
  const dnsDoc = (privateDns: unknown): Doc => ({ ...baseDoc(), privateDns });
  const minimal = () => ({ zonesSubscriptionId: DNS_SUB, zonesResourceGroup: 'rg-dns' });
  const RG_MESSAGE = 'must be a resource group name (1-90 letters, digits, "._()-", not ending in ".")';

  it('leaves privateDns out when the document has no block', () => {
    const config = loadConfig(envWith(baseDoc()));
    expect(config.privateDns).toBeUndefined();
    expect('privateDns' in config).toBe(false);
  });

  it('defaults every optional field and lower-cases the zones subscription', () => {
    // Prepare
    const env = envWith(dnsDoc(minimal()));
    // Act
    const config = loadConfig(env);
    // Assess
    expect(config.privateDns).toEqual<NonNullable<ControlPlaneConfig['privateDns']>>({
      zonesSubscriptionId: DNS_SUB.toLowerCase(),
      zonesResourceGroup: 'rg-dns',
      createMissingZones: false,
      zoneGroupName: 'default',
      foreignZoneGroups: 'report',
      conflicts: 'report',
    });
  });

  it('keeps every field given', () => {
    const given = { zonesSubscriptionId: DNS_SUB, zonesResourceGroup: 'RG-Connectivity.DNS(1)', createMissingZones: true, zoneGroupName: 'pe-dns_1', foreignZoneGroups: 'replace', conflicts: 'newest-wins' };
    expect(loadConfig(envWith(dnsDoc(given))).privateDns).toEqual({ ...given, zonesSubscriptionId: DNS_SUB.toLowerCase() });
  });

  it.each<[string, Record<string, unknown>, Partial<NonNullable<ControlPlaneConfig['privateDns']>>]>([
    ['createMissingZones', { createMissingZones: true }, { createMissingZones: true }],
    ['zoneGroupName', { zoneGroupName: 'Central.DNS' }, { zoneGroupName: 'Central.DNS' }],
    ['foreignZoneGroups', { foreignZoneGroups: 'replace' }, { foreignZoneGroups: 'replace' }],
    ['conflicts', { conflicts: 'newest-wins' }, { conflicts: 'newest-wins' }],
    ['a one-character resource group', { zonesResourceGroup: 'r' }, { zonesResourceGroup: 'r' }],
    ['a 90-character resource group', { zonesResourceGroup: 'r'.repeat(90) }, { zonesResourceGroup: 'r'.repeat(90) }],
  ])('takes %s alone, defaulting the rest', (_label, extra, expected) => {
    expect(loadConfig(envWith(dnsDoc({ ...minimal(), ...extra }))).privateDns).toEqual({
      zonesSubscriptionId: DNS_SUB.toLowerCase(), zonesResourceGroup: 'rg-dns', createMissingZones: false, zoneGroupName: 'default', foreignZoneGroups: 'report', conflicts: 'report', ...expected,
    });
  });

  it('leaves the watched subscriptions alone: the zones subscription need not be watched', () => {
    expect(loadConfig(envWith(dnsDoc(minimal()))).watchedSubscriptions).toEqual([WL]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a zones subscription that is not a GUID', { zonesSubscriptionId: 'connectivity' }, 'topology.privateDns.zonesSubscriptionId: must be a subscription GUID'],
    ['a zones subscription given as an ARM ID', { zonesSubscriptionId: `/subscriptions/${DNS_SUB}` }, 'topology.privateDns.zonesSubscriptionId: must be a subscription GUID'],
    ['a resource group ending in "."', { zonesResourceGroup: 'rg-dns.' }, `topology.privateDns.zonesResourceGroup: ${RG_MESSAGE}`],
    ['an empty resource group', { zonesResourceGroup: '' }, `topology.privateDns.zonesResourceGroup: ${RG_MESSAGE}`],
    ['a resource group with "/"', { zonesResourceGroup: 'rg/dns' }, `topology.privateDns.zonesResourceGroup: ${RG_MESSAGE}`],
    ['a 91-character resource group', { zonesResourceGroup: 'r'.repeat(91) }, `topology.privateDns.zonesResourceGroup: ${RG_MESSAGE}`],
    ['a zone group name with a space', { zoneGroupName: 'my group' }, 'topology.privateDns.zoneGroupName: must be 1-80 letters, digits, ".", "_" or "-"'],
    ['a zone group name starting with "-"', { zoneGroupName: '-dns' }, 'topology.privateDns.zoneGroupName: must be 1-80 letters, digits, ".", "_" or "-"'],
    ['an empty zone group name', { zoneGroupName: '' }, 'topology.privateDns.zoneGroupName: must be 1-80 letters, digits, ".", "_" or "-"'],
  ])('rejects %s, naming the field', (_label, extra, expected) => {
    expect(problemsOf(() => loadConfig(envWith(dnsDoc({ ...minimal(), ...extra }))))).toEqual([expected]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a block without zonesSubscriptionId', { zonesResourceGroup: 'rg-dns' }, /^topology\.privateDns\.zonesSubscriptionId: /],
    ['a block without zonesResourceGroup', { zonesSubscriptionId: DNS_SUB }, /^topology\.privateDns\.zonesResourceGroup: /],
    ['an empty block', {}, /^topology\.privateDns\.zonesSubscriptionId: /],
    ['an unknown field', { ...minimal(), zoneGroup: 'default' }, /^topology\.privateDns: .*"zoneGroup"/],
    ['a misspelt conflicts field', { ...minimal(), conflict: 'report' }, /^topology\.privateDns: .*"conflict"/],
    ['an unknown foreignZoneGroups policy', { ...minimal(), foreignZoneGroups: 'delete' }, /^topology\.privateDns\.foreignZoneGroups: .*"report".*"replace"/],
    ['an unknown conflicts policy', { ...minimal(), conflicts: 'oldest-wins' }, /^topology\.privateDns\.conflicts: .*"report".*"newest-wins"/],
    ['createMissingZones as a string', { ...minimal(), createMissingZones: 'true' }, /^topology\.privateDns\.createMissingZones: /],
    ['a block that is not an object', 'rg-dns', /^topology\.privateDns: /],
  ])('rejects %s', (_label, block, expected) => {
    const problems = problemsOf(() => loadConfig(envWith(dnsDoc(block))));
    expect(problems[0]).toMatch(expected);
    expect(problems.every((p) => p.startsWith('topology.privateDns'))).toBe(true);
  });

  it('reports a bad privateDns block together with the other topology problems', () => {
    const doc = { ...baseDoc(), watchedSubscriptions: ['nope'], privateDns: { zonesSubscriptionId: 'nope', zonesResourceGroup: 'rg-dns', conflicts: 'newest-wins' } };
    expect(problemsOf(() => loadConfig(envWith(doc)))).toEqual([
      'topology.watchedSubscriptions.0: must be a subscription GUID',
      'topology.privateDns.zonesSubscriptionId: must be a subscription GUID',
    ]);
  });
});

describe('loadConfig: egress block and token settings', () => {
  const TENANT = '7e0a0000-0000-4000-8000-00000000e0a1';
  const POLICY = `/subscriptions/${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwp-weu`;
  const egressDoc = (egress: Record<string, unknown>): Doc => ({ ...baseDoc(), egress });
  const direct = { applyMode: 'direct', firewallPolicies: [{ hub: 'westeurope', policyId: POLICY }] };

  it('fills the defaults of a minimal direct-mode block, and derives Entra v1 and v2 issuers and the JWKS from AUTH_TENANT_ID', () => {
    const config = loadConfig(envWith(egressDoc(direct), { AUTH_TENANT_ID: TENANT.toUpperCase(), AUTH_CLIENT_ID: '11111111-2222-3333-4444-555555555555' }), '/nowhere');
    expect(config.egress).toEqual({
      applyMode: 'direct',
      spokeTag: 'hubspoke-egress',
      defaultTtlDays: 90,
      approval: { reminderHours: 24, escalationHours: 72, expiryDays: 14 },
      ruleCollectionGroup: { name: 'rcg-hubspoke-egress', priority: 500 },
      firewallPolicies: [{ hub: 'westeurope', policyId: POLICY }],
    });
    expect(config.auth).toEqual({
      issuers: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
      tenantId: TENANT.toLowerCase(),
      audiences: ['api://hubspoke-control-plane', '11111111-2222-3333-4444-555555555555'],
      jwksUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      easyAuth: false,
    });
  });

  it('takes explicit issuers, audience, JWKS and Easy Auth from settings', () => {
    const config = loadConfig(
      envWith(egressDoc(direct), { AUTH_ISSUERS: 'http://127.0.0.1:7071/local/identity/t/v2.0', AUTH_AUDIENCE: 'api://mine', AUTH_JWKS_URL: 'http://127.0.0.1:7071/keys', AUTH_EASY_AUTH_ENABLED: 'true' }),
      '/nowhere',
    );
    expect(config.auth).toEqual({ issuers: ['http://127.0.0.1:7071/local/identity/t/v2.0'], audiences: ['api://mine'], jwksUrl: 'http://127.0.0.1:7071/keys', easyAuth: true });
  });

  it.each<[string, Record<string, unknown>, NodeJS.ProcessEnv, RegExp]>([
    ['platformApi without its API', { firewallPolicies: direct.firewallPolicies }, { AUTH_TENANT_ID: TENANT }, /topology\.egress\.platformApi: is required when applyMode is "platformApi"/],
    ['an unknown field', { ...direct, ttl: 3 }, { AUTH_TENANT_ID: TENANT }, /topology\.egress: Unrecognized key: "ttl"/],
    ['a policy of an unknown hub', { ...direct, firewallPolicies: [{ hub: 'mars', policyId: POLICY }] }, { AUTH_TENANT_ID: TENANT }, /topology\.egress\.firewallPolicies\.0\.hub: names no configured hub/],
    ['a VNet instead of a policy', { ...direct, firewallPolicies: [{ hub: 'westeurope', policyId: HUB_WEU }] }, { AUTH_TENANT_ID: TENANT }, /must be a firewall policy ID/],
    ['escalation before reminder', { ...direct, approval: { reminderHours: 48, escalationHours: 24, expiryDays: 14 } }, { AUTH_TENANT_ID: TENANT }, /approval\.escalationHours: must be later than reminderHours/],
    ['a TTL over a year', { ...direct, defaultTtlDays: 400 }, { AUTH_TENANT_ID: TENANT }, /defaultTtlDays/],
    ['a group priority out of range', { ...direct, ruleCollectionGroup: { name: 'g', priority: 70000 } }, { AUTH_TENANT_ID: TENANT }, /ruleCollectionGroup\.priority/],
    ['no tenant or issuers', direct, {}, /AUTH_TENANT_ID \(the Entra tenant\) or AUTH_ISSUERS must be set/],
    ['a tenant that is not a GUID', direct, { AUTH_TENANT_ID: 'contoso' }, /AUTH_TENANT_ID: must be the Entra tenant ID/],
    ['Easy Auth neither true nor false', direct, { AUTH_TENANT_ID: TENANT, AUTH_EASY_AUTH_ENABLED: 'yes' }, /AUTH_EASY_AUTH_ENABLED: must be "true" or "false"/],
  ])('refuses %s', (_label, egress, env, message) => {
    const problems = problemsOf(() => loadConfig(envWith(egressDoc(egress), env), '/nowhere'));
    expect(problems.join('\n')).toMatch(message);
  });
});
