/**
 * The deployment (infra/) and the code must agree, checked offline (no Bicep compiler here; CI's Azure workflow
 * compiles the templates). infra/control-plane.json says what each flow needs; infra/main.bicep and infra/events.bicep
 * deploy it. This test fails when:
 * - a setting the code reads is neither set by main.bicep nor deliberately defaulted (or the template sets a setting
 *   no code reads);
 * - an operation a flow router acts on is not delivered by the event subscriptions, or one is delivered that no
 *   router acts on (each router is asked about every operation of every resource type it could meet);
 * - a role is broader than the table below (the issue's least-privilege table), or a role definition ID is not the
 *   built-in role it claims to be.
 * - the stamps flow's subject-filtered event subscriptions (one set per subscription holding stamp resources) miss an
 *   event its router or its Health Resources handler acts on, or deliver one neither acts on.
 * A new flow: its router in FLOW_ROUTERS, its entry in infra/control-plane.json, its row in ALLOWED_ROLES below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import needs from '../../../infra/control-plane.json';
import { CONFIG_SETTINGS, loadConfig, topologyDocumentSchema, type ControlPlaneConfig } from '../../../shared/config';
import { parseResourceEvent, type ResourceEvent } from '../../../shared/events/resource-event';
import { AVAILABILITY_STATUS_CHANGED } from '../../../shared/stamps/events';
import { stampsOwning } from '../../../shared/stamps/routing';
import { loadFunctionApp } from '../../../local/host/app-loader';
import { controlPlaneEventSubscriptions, eventScopeOf, demoTopology } from '../../../local/demo';
import { blankStringsAndComments, objectVariableKeys, resourceBlocks } from './bicep';

const root = path.resolve(__dirname, '../../..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');
const mainBicep = read('infra/main.bicep');
const eventsBicep = read('infra/events.bicep');
const bicepFiles = ['infra/main.bicep', 'infra/events.bicep', ...fs.readdirSync(path.join(root, 'infra/app')).filter((f) => f.endsWith('.bicep')).map((f) => `infra/app/${f}`)];

// The app, loaded as the host loads it (functions/index.ts registers everything), then its flow router table.
const app = loadFunctionApp({ entries: [path.join(root, 'functions/index.ts')] });
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the app registered its functions
const { FLOW_ROUTERS } = require('../../../functions/resourceEvents') as typeof import('../../../functions/resourceEvents');

type Flow = (typeof needs.flows)[number];
type RoleEntry = Flow['roles'][number];

/**
 * Built-in role definition IDs, each checked against the built-in roles reference
 * (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles) and the templates that use it.
 */
const BUILT_IN_ROLES: Record<string, string> = {
  'Private DNS Zone Contributor': 'b12aa53e-6015-4669-85d0-8515ebb3ae7f',
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Storage Table Data Reader': '76199698-9eea-4c19-bc75-cec21354c6b6',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  // Durable Task Scheduler samples (Azure-Samples) and .NET Aspire; not the 5f6a3c3e-... some generated docs give.
  'Durable Task Data Contributor': '0ad04412-c4d5-4796-b79c-f76d14c8d402',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
};

/** Never given to the control plane: too broad for any flow. */
const FORBIDDEN_ROLES: Record<string, string> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42dd-9559-c57a13dd5b2c',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'Network Contributor': '4d97b98b-1d4f-4787-a291-c67834d212e7',
};

/**
 * The least privilege each flow may have (issue 13): the scopes its roles may land on, the built-in roles allowed
 * there, and the actions its custom roles may hold. Subscription scope never takes a built-in role.
 */
const ALLOWED_ROLES: Record<string, { scopes: Record<string, { builtIn: string[] }>; actions: string[] }> = {
  peering: {
    scopes: { watchedSubscriptions: { builtIn: [] }, hubVirtualNetworks: { builtIn: [] } },
    actions: [
      'Microsoft.Network/virtualNetworks/read',
      'Microsoft.Network/virtualNetworks/peer/action',
      'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read',
      'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write',
      'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete',
    ],
  },
  dns: {
    scopes: {
      watchedSubscriptions: { builtIn: [] },
      privateDnsZonesResourceGroup: { builtIn: ['Private DNS Zone Contributor'] },
      // Linking a zone it created to the hubs (createMissingZones) joins the hub VNets.
      hubVirtualNetworks: { builtIn: [] },
    },
    actions: [
      'Microsoft.Network/privateEndpoints/read',
      'Microsoft.Network/networkInterfaces/read',
      'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read',
      'Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write',
      'Microsoft.Network/virtualNetworks/read',
      'Microsoft.Network/virtualNetworks/join/action',
    ],
  },
  stamps: {
    // Each configured profile itself (issue 13: origin read/write on the Front Door profiles).
    scopes: { standardFrontDoorProfiles: { builtIn: [] }, classicFrontDoors: { builtIn: [] } },
    actions: [
      'Microsoft.Cdn/profiles/originGroups/origins/read',
      'Microsoft.Cdn/profiles/originGroups/origins/write',
      // Polling the origin PATCH (a long-running operation); unverified in Azure that the poll needs it.
      'Microsoft.Cdn/operationresults/read',
      'Microsoft.Network/frontDoors/read',
      'Microsoft.Network/frontDoors/write',
    ],
  },
  egress: {
    // Each configured Firewall Policy itself: rule collection groups in direct mode, Reader in platformApi mode; the
    // FQDN tag list is a subscription-level read (a custom role with that one action).
    scopes: { firewallPolicies: { builtIn: ['Reader'] }, firewallPolicySubscriptions: { builtIn: [] } },
    actions: [
      'Microsoft.Network/firewallPolicies/read',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/write',
      'Microsoft.Network/firewallPolicies/ruleCollectionGroups/delete',
      'Microsoft.Network/azureFirewallFqdnTags/read',
    ],
  },
};

// ---- The world the routers are asked about: a watched subscription, and a hub in a subscription of its own. ----

const WATCHED = 'a0000000-0000-4000-8000-0000000000a1';
const HUB_SUB = 'c0000000-0000-4000-8000-0000000000c1';
const HUB = { resourceGroup: 'rg-hub', vnet: 'vnet-hub' };
// Stamps in a subscription of their own: a scale set, and a child resource (an App Service slot) with a parent.
const STAMP_SUB = 'd0000000-0000-4000-8000-0000000000d1';
const STAMP_RG = `/subscriptions/${STAMP_SUB}/resourceGroups/rg-stamp-weu`;
const STAMP_VMSS = `${STAMP_RG}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-weu`;
const STAMP_SLOT = `${STAMP_RG}/providers/Microsoft.Web/sites/app-weu/slots/blue`;
const topology = {
  watchedSubscriptions: [WATCHED],
  hubs: [{ name: 'weu', region: 'westeurope', vnetId: `/subscriptions/${HUB_SUB}/resourceGroups/${HUB.resourceGroup}/providers/Microsoft.Network/virtualNetworks/${HUB.vnet}` }],
  privateDns: { zonesSubscriptionId: HUB_SUB, zonesResourceGroup: 'rg-privatedns', createMissingZones: true },
  stamps: {
    frontDoors: [
      { name: 'afd', id: `/subscriptions/${STAMP_SUB}/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/afd` },
      { name: 'fd', id: `/subscriptions/${STAMP_SUB}/resourceGroups/rg-edge/providers/Microsoft.Network/frontDoors/fd` },
    ],
    stamps: [
      { name: 'weu-1', region: 'westeurope', origin: { frontDoor: 'afd', originGroup: 'og', origin: 'weu-1' }, healthUrl: 'https://weu-1.example/health', resourceIds: [STAMP_VMSS, STAMP_SLOT] },
      { name: 'weu-2', region: 'westeurope', origin: { frontDoor: 'fd', backendPool: 'pool', backendAddress: 'weu-2.example' }, healthUrl: 'https://weu-2.example/health' },
    ],
  },
  egress: { applyMode: 'direct', firewallPolicies: [{ hub: 'weu', policyId: `/subscriptions/${HUB_SUB}/resourceGroups/${HUB.resourceGroup}/providers/Microsoft.Network/firewallPolicies/fwp-hub` }] },
};
const config: ControlPlaneConfig = loadConfig({ CONTROL_PLANE_TOPOLOGY: JSON.stringify(topology), TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true', CONTROL_PLANE_LOCAL: 'true' });

/** How to make a resource of a type in each kind of subscription a flow lists events for (control-plane.json). */
const SCENARIOS: Record<string, (type: string) => string> = {
  watchedSubscriptions: (type) => resourceId(WATCHED, 'rg-spoke', type, []),
  // In the hubs' subscription, under the hub VNet when the type is a VNet or one of its children.
  hubSubscriptions: (type) => resourceId(HUB_SUB, HUB.resourceGroup, type, /^Microsoft\.Network\/virtualNetworks(\/|$)/i.test(type) ? [HUB.vnet] : []),
};

function resourceId(subscriptionId: string, resourceGroup: string, type: string, names: string[]): string {
  const [namespace, ...types] = type.split('/');
  const path = types.map((t, i) => `${t}/${names[i] ?? `name${i}`}`).join('/');
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${namespace}/${path}`;
}

const KINDS = [
  { suffix: 'write', eventType: 'Microsoft.Resources.ResourceWriteSuccess' },
  { suffix: 'delete', eventType: 'Microsoft.Resources.ResourceDeleteSuccess' },
  { suffix: 'action', eventType: 'Microsoft.Resources.ResourceActionSuccess' },
];

function event(id: string, type: string, kind: (typeof KINDS)[number]): ResourceEvent {
  const parsed = parseResourceEvent({
    id: `evt-${type}-${kind.suffix}`,
    eventType: kind.eventType,
    subject: id,
    eventTime: '2026-01-01T00:00:00Z',
    data: { operationName: `${type}/${kind.suffix}`, subscriptionId: id.split('/')[2], resourceUri: id, correlationId: 'c' },
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

/** Files of the app that run in Azure (package.json main and what it loads). */
function runtimeSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) out.push(rel);
    }
  };
  ['functions', 'orchestrations', 'shared'].forEach(walk);
  return out;
}

/** Every resource type the routers could be asked about: control-plane.json's, their parents, the code's, and common ones. */
function candidateTypes(): string[] {
  const types = new Set<string>([
    'Microsoft.Network/virtualNetworks/subnets',
    'Microsoft.Network/networkInterfaces',
    'Microsoft.Network/privateDnsZones',
    'Microsoft.Network/privateDnsZones/A',
    'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
    'Microsoft.Network/virtualNetworkGateways',
    'Microsoft.Network/azureFirewalls',
    'Microsoft.Network/firewallPolicies',
    'Microsoft.Network/firewallPolicies/ruleCollectionGroups',
    'Microsoft.Network/frontDoors',
    'Microsoft.Network/routeTables',
    'Microsoft.Network/networkSecurityGroups',
    'Microsoft.Cdn/profiles',
    'Microsoft.Cdn/profiles/originGroups',
    'Microsoft.Cdn/profiles/originGroups/origins',
    'Microsoft.Storage/storageAccounts',
  ]);
  for (const flow of needs.flows) for (const ops of Object.values(flow.events)) for (const op of ops) types.add(op.slice(0, op.lastIndexOf('/')));
  for (const file of runtimeSources()) for (const m of read(file).matchAll(/'(Microsoft\.[A-Za-z]+(?:\/[A-Za-z]+)+)'/g)) if (m[1]) types.add(m[1]);
  for (const type of [...types]) for (let t = type; t.split('/').length > 2; t = t.slice(0, t.lastIndexOf('/'))) types.add(t.slice(0, t.lastIndexOf('/')));
  return [...types].filter((t) => t.split('/').length >= 2);
}

/** What each flow router acts on in each scenario: operation names and the event types they came as. */
function accepted(): Map<string, Map<string, { operations: Set<string>; eventTypes: Set<string> }>> {
  const result = new Map<string, Map<string, { operations: Set<string>; eventTypes: Set<string> }>>();
  for (const router of FLOW_ROUTERS) {
    const perScenario = new Map<string, { operations: Set<string>; eventTypes: Set<string> }>();
    for (const [scenario, idOf] of Object.entries(SCENARIOS)) {
      const found = { operations: new Set<string>(), eventTypes: new Set<string>() };
      for (const type of candidateTypes()) {
        for (const kind of KINDS) {
          if (router.route(config, event(idOf(type), type, kind)).kind === 'act') {
            found.operations.add(`${type}/${kind.suffix}`.toLowerCase());
            found.eventTypes.add(kind.eventType);
          }
        }
      }
      perScenario.set(scenario, found);
    }
    result.set(router.flow, perScenario);
  }
  return result;
}

const lower = (values: readonly string[]): string[] => values.map((v) => v.toLowerCase()).sort();
const flowNamed = (name: string): Flow | undefined => needs.flows.find((f) => f.name === name);

describe('infra/control-plane.json and the flow routers', () => {
  const acts = accepted();

  it('has one entry per flow router and no other', () => {
    expect(needs.flows.map((f) => f.name).sort()).toEqual(FLOW_ROUTERS.map((r) => r.flow).sort());
  });

  it('lists, per kind of subscription, exactly the operations each router acts on', () => {
    for (const router of FLOW_ROUTERS) {
      const flow = flowNamed(router.flow);
      for (const [scenario, found] of acts.get(router.flow) ?? []) {
        const listed = (flow?.events as Record<string, string[]> | undefined)?.[scenario] ?? [];
        expect({ flow: router.flow, scenario, operations: lower(listed) }).toEqual({ flow: router.flow, scenario, operations: [...found.operations].sort() });
      }
    }
    // The routers act on something at all (a broken probe would make every list look stale).
    expect([...(acts.get('peering')?.get('watchedSubscriptions')?.operations ?? [])]).toContain('microsoft.network/virtualnetworks/write');
  });

  it('knows how to probe every kind of subscription a flow lists, and events.bicep delivers each kind', () => {
    for (const flow of needs.flows) {
      for (const kind of Object.keys(flow.events)) {
        expect({ flow: flow.name, kind, scenario: kind in SCENARIOS }).toEqual({ flow: flow.name, kind, scenario: true });
        expect(eventsBicep).toContain(`f.events.${kind}`);
      }
    }
  });

  it('delivers exactly the event types the routers act on', () => {
    const used = new Set<string>();
    for (const perScenario of acts.values()) for (const found of perScenario.values()) found.eventTypes.forEach((t) => used.add(t));
    expect([...needs.eventGrid.includedEventTypes].sort()).toEqual([...used].sort());
  });

  it('stays within 25 advanced filter values on every event subscription, even one both watched and holding hubs', () => {
    // Event Grid: 25 advanced filter values across all advanced filters of one subscription (event-filtering.md#limitations).
    expect(needs.eventGrid.maxFilterValues).toBe(25);
    const all = new Set(needs.flows.flatMap((f) => Object.values(f.events).flat().map((op) => op.toLowerCase())));
    expect(all.size).toBeLessThanOrEqual(needs.eventGrid.maxFilterValues);
    expect(read('infra/app/events-subscription.bicep')).toMatch(/@maxLength\(25\)\s*\n(?:@description\([^\n]*\)\s*\n)?param operations array/);
  });

  it('sends the events to an Event Grid function the app registers', () => {
    const fn = app.get(needs.eventGrid.functionName);
    expect(fn?.trigger.type).toBe('eventGridTrigger');
    expect(eventsBicep).toContain('/functions/${needs.eventGrid.functionName}');
  });

  it('is what the embedded default subscribes its local system topics with', () => {
    const demo = demoTopology();
    const subscriptions = controlPlaneEventSubscriptions(eventScopeOf(demo), 'http://127.0.0.1:1/runtime/webhooks/eventgrid');
    const listed = (kind: 'watchedSubscriptions' | 'hubSubscriptions'): string[] => [...new Set(needs.flows.flatMap((f) => f.events[kind]))].sort();
    for (const s of subscriptions) {
      expect(s.filter?.includedEventTypes).toEqual(needs.eventGrid.includedEventTypes);
      const kind = s.azureSubscriptionId === demo.connectivity.subscriptionId ? 'hubSubscriptions' : 'watchedSubscriptions';
      expect({ subscription: s.azureSubscriptionId, values: [...(s.filter?.advancedFilters?.[0]?.values ?? [])].sort() }).toEqual({ subscription: s.azureSubscriptionId, values: listed(kind) });
    }
    expect(subscriptions.map((s) => s.azureSubscriptionId)).toContain(demo.connectivity.subscriptionId);
  });

  it('names only conditions main.bicep and events.bicep both define', () => {
    const mainConditions = objectVariableKeys(mainBicep, 'conditions').sort();
    expect(objectVariableKeys(eventsBicep, 'conditions').sort()).toEqual(mainConditions);
    for (const flow of needs.flows) {
      expect(mainConditions).toContain(flow.when);
      for (const role of flow.roles) expect(mainConditions).toContain(role.when);
    }
  });
});

describe('app settings: every setting the code reads is set by infra/main.bicep or deliberately defaulted', () => {
  const scanned = new Set<string>();
  for (const file of runtimeSources()) {
    const text = read(file);
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)) scanned.add((m[1] ?? m[2]) as string);
  }
  // Read by @azure/identity's DefaultAzureCredential (shared/azure/clients.ts): the user-assigned identity to use.
  const sdkSettings = read('shared/azure/clients.ts').includes('new DefaultAzureCredential(') ? ['AZURE_CLIENT_ID'] : [];
  const codeSettings = new Set<string>([...CONFIG_SETTINGS, ...scanned, ...sdkSettings]);
  const templateSettings = objectVariableKeys(mainBicep, 'controlPlaneSettings');
  // The host's own settings that the app reads too (Application Insights: the telemetry module starts Azure Monitor).
  const hostSettings = objectVariableKeys(mainBicep, 'hostSettings');
  const defaulted = needs.appSettings.defaulted as Record<string, string>;

  it('finds the settings in the code (the scan works)', () => {
    expect([...scanned]).toEqual(expect.arrayContaining(['CONTROL_PLANE_MODE', 'TABLES_ACCOUNT_URL', 'CONTROL_PLANE_PRINCIPAL_IDS']));
  });

  it('sets or defaults each, never both, and sets none the code does not read', () => {
    const missing = [...codeSettings].filter((s) => !templateSettings.includes(s) && !hostSettings.includes(s) && !(s in defaulted));
    expect({ missing }).toEqual({ missing: [] });
    expect(templateSettings.filter((s) => s in defaulted)).toEqual([]);
    expect(templateSettings.filter((s) => !codeSettings.has(s))).toEqual([]);
    expect(Object.keys(defaulted).filter((s) => !codeSettings.has(s))).toEqual([]);
    for (const [name, why] of Object.entries(defaulted)) expect({ name, why: why.length > 10 }).toEqual({ name, why: true });
  });

  it('runs the host on identity-based storage and Entra ID telemetry, with none of the settings Flex Consumption dropped', () => {
    const host = objectVariableKeys(mainBicep, 'hostSettings');
    expect(host).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'APPLICATIONINSIGHTS_CONNECTION_STRING']));
    const all = [...templateSettings, ...host, ...objectVariableKeys(mainBicep, 'durableTaskSchedulerSettings'), ...objectVariableKeys(mainBicep, 'azureStorageDurableSettings')];
    // A shared-key connection string, and the settings Flex Consumption no longer takes (functions-app-settings.md).
    for (const forbidden of ['AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_NODE_DEFAULT_VERSION', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING']) {
      expect(all).not.toContain(forbidden);
    }
    expect(read('infra/app/storage.bicep')).toMatch(/allowSharedKeyAccess: false/);
  });

  it('matches host.json: the Durable Task Scheduler connection it names, the Azure Storage override, the task hub', () => {
    const hostJson = JSON.parse(read('host.json')) as { extensions: { durableTask: { hubName: string; storageProvider: { type: string; connectionStringName: string } } } };
    const durable = hostJson.extensions.durableTask;
    expect(durable.storageProvider.type).toBe('azureManaged');
    expect(objectVariableKeys(mainBicep, 'durableTaskSchedulerSettings')).toEqual([durable.storageProvider.connectionStringName]);
    expect(objectVariableKeys(mainBicep, 'azureStorageDurableSettings')).toContain('AzureFunctionsJobHost__extensions__durableTask__storageProvider__type');
    expect(durable.hubName).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
    expect(mainBicep).toContain("loadJsonContent('../host.json')");
    expect(mainBicep).toContain('hostJson.extensions.durableTask.hubName');
  });

  it('keeps the stamps\' alert webhook reachable behind App Service Authentication (it takes keys, checked in code)', () => {
    const route = (app.get('stampAlerts')?.trigger as { route?: string } | undefined)?.route;
    expect(route).toBe('stamps/alerts');
    const excluded = /excludedPaths: \[([^\]]*)\]/.exec(read('infra/app/function-app.bicep'))?.[1] ?? '';
    expect(excluded).toContain(`'/api/${route ?? ''}'`);
  });

  it('deploys a topology document the control plane accepts', () => {
    const parsed = topologyDocumentSchema.safeParse(JSON.parse(read('infra/topology.json')));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });
});

describe('roles: least privilege, and role definition IDs that are the built-in roles they claim', () => {
  const entries: Array<RoleEntry & { flow: string }> = needs.flows.flatMap((f) => f.roles.map((r) => ({ ...r, flow: f.name })));
  const customRoles = needs.customRoles as Record<string, { roleName: string; description: string; actions: string[] }>;
  const builtIns = needs.builtInRoles as Record<string, string>;

  it('claims every built-in role by its real ID', () => {
    for (const [name, id] of Object.entries(builtIns)) expect({ name, id }).toEqual({ name, id: BUILT_IN_ROLES[name] });
  });

  it('never names Owner, Contributor, User Access Administrator or Network Contributor, and no role ID outside control-plane.json', () => {
    const infra = [...bicepFiles, 'infra/control-plane.json'].map(read).join('\n').toLowerCase();
    for (const [name, id] of Object.entries(FORBIDDEN_ROLES)) expect({ name, found: infra.includes(id) }).toEqual({ name, found: false });
    for (const file of bicepFiles) {
      expect({ file, guids: read(file).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [] }).toEqual({ file, guids: [] });
      for (const m of read(file).matchAll(/builtInRoles\['([^']+)'\]/g)) expect(Object.keys(builtIns)).toContain(m[1]);
    }
  });

  it('gives each flow only the scopes and built-in roles its row allows, and only custom roles at subscription scope', () => {
    for (const entry of entries) {
      const allowed = ALLOWED_ROLES[entry.flow];
      expect({ flow: entry.flow, hasRow: allowed !== undefined }).toEqual({ flow: entry.flow, hasRow: true });
      const scope = allowed?.scopes[entry.scope];
      expect({ entry, scopeAllowed: scope !== undefined }).toEqual({ entry, scopeAllowed: true });
      const isCustom = entry.role in customRoles;
      if (!isCustom) expect({ entry, builtInAllowed: scope?.builtIn.includes(entry.role) }).toEqual({ entry, builtInAllowed: true });
      expect(mainBicep).toContain(`a.scope == '${entry.scope}'`);
    }
  });

  it('defines custom roles with exact actions of their flows only: no wildcard, no data actions', () => {
    for (const [key, role] of Object.entries(customRoles)) {
      const users = entries.filter((e) => e.role === key);
      expect({ key, used: users.length > 0 }).toEqual({ key, used: true });
      expect(Object.keys(role).sort()).toEqual(['actions', 'description', 'roleName']);
      for (const action of role.actions) {
        expect(action).not.toContain('*');
        for (const user of users) expect({ role: key, flow: user.flow, action, allowed: ALLOWED_ROLES[user.flow]?.actions.includes(action) }).toEqual({ role: key, flow: user.flow, action, allowed: true });
      }
    }
    expect(read('infra/app/custom-role.bicep')).toMatch(/permissions: \[\{ actions: actions, notActions: \[\] \}\]/);
  });

  it('scopes every other role assignment to one resource (storage, Application Insights, the task hub)', () => {
    const moduleScoped = ['infra/app/subscription-role.bicep', 'infra/app/resource-group-role.bicep'];
    let assignments = 0;
    for (const file of bicepFiles) {
      for (const block of resourceBlocks(read(file), 'Microsoft.Authorization/roleAssignments')) {
        assignments++;
        if (moduleScoped.includes(file)) continue;
        expect({ file, scoped: /\n\s*scope: \w+\s*\n/.test(blankStringsAndComments(block)) }).toEqual({ file, scoped: true });
      }
    }
    expect(assignments).toBeGreaterThanOrEqual(6);
    // Subscription scope only ever receives the watched-subscription and FQDN-tag entries (custom roles, checked above).
    const subscriptionLoops = [...mainBicep.matchAll(/'app\/subscription-role\.bicep' = \[\s*for \(a, i\) in (\w+):/g)].map((m) => m[1]);
    expect(subscriptionLoops.sort()).toEqual(['fqdnTagAssignments', 'watchedAssignments']);
    expect(mainBicep).toMatch(/var watchedAssignments = flatten\(map\(\s*filter\(enabledAssignments, a => a\.scope == 'watchedSubscriptions'\)/);
    expect(mainBicep).toMatch(/var fqdnTagAssignments = flatten\(map\(\s*filter\(enabledAssignments, a => a\.scope == 'firewallPolicySubscriptions'\)/);
    for (const scope of ['watchedSubscriptions', 'firewallPolicySubscriptions']) {
      for (const row of Object.values(ALLOWED_ROLES)) expect({ scope, builtIn: row.scopes[scope]?.builtIn ?? [] }).toEqual({ scope, builtIn: [] });
    }
  });
});

describe('the stamps flow: subject-filtered events where its resources are, and Health Resources', () => {
  const stampsFlow = needs.flows.find((f) => f.name === 'stamps') as Flow & {
    subjectEvents: { scope: string; resources: { operatorType: string; key: string; includedEventTypes: string[] }; ancestors: { operatorType: string; key: string; includedEventTypes: string[] } };
    healthEvents: { scope: string; topicType: string; includedEventTypes: string[]; operatorType: string; key: string };
  };
  const router = FLOW_ROUTERS.find((r) => r.flow === 'stamps');
  const stampIds = (config.stamps?.stamps ?? []).flatMap((s) => s.resourceIds);
  /** What events.bicep derives from one stamp resource ID: its resource group and its parent resources. */
  const ancestorsOf = (id: string): string[] => {
    const parts = id.toLowerCase().split('/');
    return [parts.slice(0, 5).join('/'), ...Array.from({ length: (parts.length - 9) / 2 }, (_, i) => parts.slice(0, 9 + 2 * i).join('/'))];
  };
  const ancestors = [...new Set(stampIds.flatMap(ancestorsOf))];
  const matches = (filter: { operatorType: string; key: string }, values: string[], subject: string): boolean => {
    expect(filter.key).toBe('subject');
    // Event Grid compares strings case-insensitively (event-filtering.md).
    if (filter.operatorType === 'StringBeginsWith') return values.some((v) => subject.toLowerCase().startsWith(v.toLowerCase()));
    if (filter.operatorType === 'StringIn') return values.some((v) => subject.toLowerCase() === v.toLowerCase());
    throw new Error(`no model of ${filter.operatorType}`);
  };
  const delivered = (subject: string, eventType: string): boolean => {
    const { resources, ancestors: up } = stampsFlow.subjectEvents;
    return (resources.includedEventTypes.includes(eventType) && matches(resources, stampIds, subject)) || (up.includedEventTypes.includes(eventType) && matches(up, ancestors, subject));
  };
  /** Resources the stamps own, hold, neighbour or sit under: [resource ID, resource type]. */
  const probes: Array<[string, string]> = [
    [STAMP_VMSS, 'Microsoft.Compute/virtualMachineScaleSets'],
    [`${STAMP_VMSS}/virtualMachines/0`, 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines'],
    [`${STAMP_VMSS}/virtualMachines/0/networkInterfaces/nic`, 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces'],
    [`${STAMP_RG}/providers/Microsoft.Compute/virtualMachineScaleSets/other`, 'Microsoft.Compute/virtualMachineScaleSets'],
    [STAMP_SLOT, 'Microsoft.Web/sites/slots'],
    [`${STAMP_SLOT}/config/web`, 'Microsoft.Web/sites/slots/config'],
    [`${STAMP_RG}/providers/Microsoft.Web/sites/app-weu`, 'Microsoft.Web/sites'],
    [`${STAMP_RG}/providers/Microsoft.Web/sites/app-weu/slots/green`, 'Microsoft.Web/sites/slots'],
    [`${STAMP_RG}/providers/Microsoft.Storage/storageAccounts/st`, 'Microsoft.Storage/storageAccounts'],
    [STAMP_RG, 'Microsoft.Resources/subscriptions/resourceGroups'],
    [`/subscriptions/${STAMP_SUB}/resourceGroups/rg-other`, 'Microsoft.Resources/subscriptions/resourceGroups'],
  ];

  it('has a stamps router, stamps in the world, and ancestors as events.bicep derives them', () => {
    expect(router).toBeDefined();
    expect(stampIds).toEqual([STAMP_VMSS, STAMP_SLOT]);
    expect(ancestors.sort()).toEqual([STAMP_RG.toLowerCase(), `${STAMP_RG}/providers/Microsoft.Web/sites/app-weu`.toLowerCase()].sort());
    expect(eventsBicep).toContain("[join(take(split(id, '/'), 5), '/')]");
    expect(eventsBicep).toContain("map(range(0, (length(split(id, '/')) - 9) / 2), i => join(take(split(id, '/'), 9 + 2 * i), '/'))");
    expect(eventsBicep).toContain('subjectEvents: stampsFlow.subjectEvents');
    expect(eventsBicep).toContain('healthEvents: stampsFlow.healthEvents');
    expect(stampsFlow.subjectEvents.scope).toBe('stampSubscriptions');
  });

  it('delivers exactly the resource events the stamps router acts on', () => {
    for (const [id, type] of probes) {
      for (const kind of KINDS) {
        const acts = router?.route(config, event(id, type, kind)).kind === 'act';
        expect({ id, kind: kind.suffix, delivered: delivered(id, kind.eventType) }).toEqual({ id, kind: kind.suffix, delivered: acts });
      }
    }
    // The probe works: the router acts on a stamp's own resource, below it and on a deleted resource group.
    expect(router?.route(config, event(STAMP_RG, 'Microsoft.Resources/subscriptions/resourceGroups', KINDS[1] as (typeof KINDS)[number])).kind).toBe('act');
  });

  it('subscribes Health Resources to exactly the resources a stamp owns', () => {
    const health = stampsFlow.healthEvents;
    expect({ topicType: health.topicType, eventTypes: health.includedEventTypes, scope: health.scope }).toEqual({ topicType: 'Microsoft.ResourceNotifications.HealthResources', eventTypes: [AVAILABILITY_STATUS_CHANGED], scope: 'stampSubscriptions' });
    for (const [id] of probes) expect({ id, delivered: matches(health, stampIds, id) }).toEqual({ id, delivered: stampsOwning(config.stamps, id).length > 0 });
  });

  it('splits the filter values into event subscriptions of at most 25', () => {
    expect(eventsBicep).toMatch(/var chunk = 25\n/);
    expect(eventsBicep).toContain('take(skip(t.resources, i * chunk), chunk)');
    expect(eventsBicep).toContain('take(skip(t.ancestors, i * chunk), chunk)');
  });
});
