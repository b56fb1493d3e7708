/**
 * The generators of the fuzz tests (fast-check): path segments, query strings, bodies and headers for every HTTP
 * route, Event Grid deliveries in both schemas (Event Grid and CloudEvents 1.0, handshakes included), Azure Monitor
 * common-schema alerts, and settings with topology documents. Each mixes plain garbage with values that are almost
 * right (the real subscription, a real name, a near-valid body), so that inputs reach the checks behind the first one.
 *
 * Runs and seed: FUZZ_RUNS (default: `ciRuns` of each property) and FUZZ_SEED (default 17) - `npm run fuzz` raises
 * the runs; a failure prints its seed and path to replay it.
 */
import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? '17');

/** A fuzz test's Jest timeout: the CI budget's runs end well within 5 minutes; FUZZ_RUNS may take up to an hour. */
export const FUZZ_TIMEOUT_MS = process.env.FUZZ_RUNS ? 3_600_000 : 300_000;

/** fast-check parameters: the fixed seed, and FUZZ_RUNS or the property's CI budget. */
export function fuzzParameters<T>(ciRuns: number, examples: T[] = []): fc.Parameters<T> {
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : ciRuns;
  return { seed: FUZZ_SEED, numRuns: runs, examples, endOnFailure: true, verbose: 1 };
}

/** What the generators may mix in to look real: the world's own IDs and names. */
export interface Known {
  subscriptions: string[];
  resourceGroups: string[];
  names: string[];
  vnetIds: string[];
  stamps: string[];
  /** Egress requests that exist (PendingApproval when the fuzzing starts). */
  requestIds: string[];
}

const hostile = fc.constantFrom('', ' ', '..', '.', '%', '%00', '\u0000', '\u202e', '../../admin', '<script>', "'; DROP TABLE x;--", '${jndi:x}', 'null', 'undefined', '[]', '{}', '0', '-1', '1e309', 'NaN', '🦄', 'a'.repeat(300), 'Ä'.repeat(70));

export const guid = fc.uuid();

/** Any string worth putting in a path segment, a query value or a field. */
export function text(known: Known): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 2, arbitrary: hostile },
    { weight: 1, arbitrary: guid },
    { weight: 2, arbitrary: fc.constantFrom(...known.subscriptions, ...known.resourceGroups, ...known.names, ...known.stamps) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^egr-[0-9a-f]{24}$/) },
  );
}

/**
 * A route parameter's value, by the parameter's name: mostly one that passes the route's own checks (a known
 * subscription, resource group, name, stamp or request ID), so that the other parameters and the body are reached.
 */
export function routeParam(known: Known, name: string): fc.Arbitrary<string> {
  const t = text(known);
  const pick = (plausible: fc.Arbitrary<string>) => fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: t });
  switch (name) {
    case 'subscriptionId':
      return pick(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known.subscriptions) }, { weight: 1, arbitrary: guid }));
    case 'resourceGroup':
      return pick(fc.oneof(fc.constantFrom(...known.resourceGroups), fc.stringMatching(/^[-\w._()]{1,89}[-\w_()]$/)));
    case 'name':
      return pick(fc.constantFrom(...known.stamps));
    case 'id':
      return pick(fc.oneof(fc.constantFrom(...known.requestIds), fc.stringMatching(/^egr-[0-9a-f]{24}$/)));
    default:
      return pick(fc.oneof(fc.constantFrom(...known.names), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/)));
  }
}

/** A JSON value of any shape, deep or wide within bounds. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** A query string's pairs: the routes' own parameter names and random ones, any values. */
export function query(known: Known): fc.Arbitrary<Array<[string, string]>> {
  const name = fc.oneof(fc.constantFrom('status', 'reason', 'limit', 'top', 'skip', 'spoke', 'mode'), fc.string({ maxLength: 10 }));
  const value = fc.oneof(text(known), fc.constantFrom('True', 'False', 'Unknown', 'PendingApproval', '0', '1', '50', '100', '101', '1000', '1001', '-5', '1.5', '9007199254740993'), fc.integer().map(String));
  return fc.array(fc.tuple(name, value), { maxLength: 4 });
}

/** Bodies the routes read: JSON near what they expect, any JSON, or no JSON at all. */
export function body(known: Known): fc.Arbitrary<string | undefined> {
  const t = text(known);
  const nearValid = fc.oneof(
    fc.record({ subscriptions: fc.oneof(fc.array(fc.oneof(guid, fc.constantFrom(...known.subscriptions), t), { maxLength: 5 }), anyJson) }, { requiredKeys: [] }),
    fc.record({ mode: fc.oneof(fc.constantFrom('out', 'in', 'auto'), t, anyJson), reason: fc.oneof(t, anyJson), until: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), t, anyJson) }, { requiredKeys: [] }),
    fc.record({ verdict: fc.oneof(fc.constantFrom('approve', 'reject'), t), comment: fc.oneof(t, anyJson) }, { requiredKeys: [] }),
    fc.record(
      {
        spokeVnetId: fc.oneof(fc.constantFrom(...known.vnetIds), t),
        destinations: fc.oneof(
          fc.array(
            fc.record(
              {
                fqdn: fc.oneof(fc.constantFrom('api.github.com', '*.contoso.com', 'login.microsoftonline.com', '*.blob.core.windows.net', 'localhost', '10.0.0.1', '*'), fc.domain(), t),
                ports: fc.oneof(fc.array(fc.oneof(fc.constantFrom('Https:443', 'Http:80', 'Mssql:1433', 'Https:0', 'Https:65536', 'Ftp:21', 'Https'), fc.integer({ min: -1, max: 70000 }), t), { maxLength: 3 }), anyJson),
                fqdnTag: fc.oneof(fc.constantFrom('WindowsUpdate', 'AzureBackup', 'NoSuchTag'), t),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
          anyJson,
        ),
        justification: fc.oneof(t, anyJson),
        ttlDays: fc.oneof(fc.integer({ min: -5, max: 400 }), anyJson),
      },
      { requiredKeys: [] },
    ),
  ).map((v) => JSON.stringify(v));
  return fc.oneof(
    { weight: 4, arbitrary: nearValid },
    { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('{', '[1,2', '{"a":1}{"b":2}', 'null', '"x"', '\ufeff{}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}') },
  );
}

/** An ARM resource ID that names nothing that exists (a random name), in a known or random subscription. */
export function strangerResourceId(known: Known): fc.Arbitrary<string> {
  const type = fc.constantFrom('Microsoft.Network/virtualNetworks', 'Microsoft.Network/privateEndpoints', 'Microsoft.Network/azureFirewalls', 'Microsoft.Compute/virtualMachineScaleSets', 'Microsoft.Cdn/profiles', 'Microsoft.Storage/storageAccounts');
  const name = fc.stringMatching(/^fz[a-z0-9-]{1,20}$/);
  return fc.tuple(fc.oneof(fc.constantFrom(...known.subscriptions), guid), fc.oneof(fc.constantFrom(...known.resourceGroups), name), type, name).map(([s, rg, t, n]) => `/subscriptions/${s}/resourceGroups/${rg}/providers/${t}/${n}`);
}

const RESOURCE_EVENT_TYPES = [
  'Microsoft.Resources.ResourceWriteSuccess',
  'Microsoft.Resources.ResourceDeleteSuccess',
  'Microsoft.Resources.ResourceActionSuccess',
  'Microsoft.Resources.ResourceWriteFailure',
  'Microsoft.ResourceNotifications.HealthResources.AvailabilityStatusChanged',
  'Microsoft.ResourceNotifications.Resources.CreatedOrUpdated',
];

/** A field's value: usually plausible, sometimes any JSON (or missing, via the record's optional keys). */
const or = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: anyJson });

function eventData(known: Known, subject: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      operationName: or(fc.constantFrom('Microsoft.Network/virtualNetworks/write', 'Microsoft.Network/virtualNetworks/delete', 'Microsoft.Network/privateEndpoints/write', 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write', 'Microsoft.Resources/tags/write')),
      status: or(fc.constantFrom('Succeeded', 'Failed', 'Started')),
      resourceUri: or(subject),
      resourceProvider: or(fc.constantFrom('Microsoft.Network', 'Microsoft.Compute')),
      subscriptionId: or(fc.constantFrom(...known.subscriptions)),
      tenantId: or(guid),
      correlationId: or(guid),
      claims: or(fc.record({ appid: or(guid), 'http://schemas.microsoft.com/identity/claims/objectidentifier': or(guid) }, { requiredKeys: [] })),
      authorization: or(fc.record({ action: or(fc.string()), scope: or(subject) }, { requiredKeys: [] })),
      resourceInfo: or(fc.record({ id: or(subject), properties: or(fc.record({ availabilityState: or(fc.constantFrom('Available', 'Unavailable', 'Degraded', 'Unknown')), targetResourceId: or(subject) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  );
}

/** An event in the Event Grid schema; `subject` mostly a stranger's ID (never a managed resource that exists). */
export function eventGridEvent(known: Known): fc.Arbitrary<Record<string, unknown>> {
  const subject = strangerResourceId(known);
  return fc.record(
    {
      id: or(guid),
      topic: or(fc.constantFrom(...known.subscriptions).map((s) => `/subscriptions/${s}`)),
      subject: or(subject),
      eventType: or(fc.constantFrom(...RESOURCE_EVENT_TYPES)),
      eventTime: or(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      data: or(eventData(known, subject)),
      dataVersion: or(fc.constantFrom('', '1')),
      metadataVersion: or(fc.constant('1')),
    },
    { requiredKeys: [] },
  );
}

/** An event in the CloudEvents 1.0 schema (data as an object or, double-encoded, as a string). */
export function cloudEvent(known: Known): fc.Arbitrary<Record<string, unknown>> {
  const subject = strangerResourceId(known);
  return fc.record(
    {
      specversion: or(fc.constant('1.0')),
      id: or(guid),
      source: or(fc.constantFrom(...known.subscriptions).map((s) => `/subscriptions/${s}`)),
      subject: or(subject),
      type: or(fc.constantFrom(...RESOURCE_EVENT_TYPES)),
      time: or(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      datacontenttype: or(fc.constant('application/json')),
      data: fc.oneof(eventData(known, subject), eventData(known, subject).map((d) => JSON.stringify(d)), anyJson),
    },
    { requiredKeys: [] },
  );
}

/** A subscription validation request of either schema, with its code (any string Event Grid could send). */
export const validationCode = fc.oneof(guid, fc.string({ minLength: 1, maxLength: 80 }));

/** An Azure Monitor common-schema alert, almost valid, whose targets and stampId name no configured stamp. */
export function commonAlert(known: Known): fc.Arbitrary<unknown> {
  const t = text(known);
  const essentials = fc.record(
    {
      alertId: or(guid.map((g) => `/subscriptions/${known.subscriptions[0] ?? g}/providers/Microsoft.AlertsManagement/alerts/${g}`)),
      alertRule: or(t),
      severity: or(fc.constantFrom('Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4')),
      signalType: or(fc.constantFrom('Metric', 'Log', 'Activity Log')),
      monitorCondition: or(fc.constantFrom('Fired', 'Resolved')),
      monitoringService: or(fc.constantFrom('Platform', 'Resource Health', 'Log Alerts V2', 'Application Insights')),
      alertTargetIDs: or(fc.array(strangerResourceId(known), { maxLength: 3 })),
      configurationItems: or(fc.array(t, { maxLength: 2 })),
      originAlertId: or(t),
      firedDateTime: or(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      description: or(t),
      essentialsVersion: or(fc.constant('1.0')),
      alertContextVersion: or(fc.constant('1.0')),
    },
    { requiredKeys: [] },
  );
  const alertContext = fc.record(
    {
      properties: or(fc.record({ currentHealthStatus: or(fc.constantFrom('Available', 'Unavailable', 'Degraded', 'Unknown')), previousHealthStatus: or(t), stampId: or(fc.stringMatching(/^fz[a-z0-9-]{1,10}$/)) }, { requiredKeys: [] })),
      condition: or(fc.record({ windowSize: or(t), allOf: or(fc.array(fc.record({ metricName: or(t), operator: or(t), threshold: or(fc.double()), metricValue: or(fc.double()), searchQuery: or(t) }, { requiredKeys: [] }), { maxLength: 2 })) }, { requiredKeys: [] })),
      eventSource: or(fc.constantFrom('ResourceHealth', 'Administrative', 'ServiceHealth')),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ schemaId: or(fc.constant('azureMonitorCommonAlertSchema')), data: or(fc.record({ essentials, alertContext: or(alertContext), customProperties: or(fc.dictionary(fc.constantFrom('stampId', 'team', 'x'), fc.stringMatching(/^fz[a-z0-9-]{1,10}$/))) }, { requiredKeys: [] })) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: anyJson },
  );
}

/**
 * A settings environment: a working one (the topology document, a Tables connection, the tenant) with up to four
 * settings - any that the configuration reads - set to a plausible or a garbage value, or removed.
 */
export function settingsEnv(topologyDocument: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, string>> {
  const garbage = fc.oneof(fc.string({ maxLength: 30 }), hostile);
  const plausible: Record<string, fc.Arbitrary<string>> = {
    CONTROL_PLANE_MODE: fc.constantFrom('enforce', 'observe', 'Enforce', ' OBSERVE ', ''),
    CONTROL_PLANE_LOCAL: fc.constantFrom('true', 'false'),
    CONTROL_PLANE_TOPOLOGY_FILE: fc.constantFrom('no-such-topology.json', '/dev/null', '.'),
    ARM_ENDPOINT: fc.constantFrom('https://management.azure.com', 'http://localhost:1', 'https://[::1]:8443/'),
    ARM_CA_CERT_FILE: fc.constantFrom('no-such-ca.pem'),
    ARM_LRO_POLL_INTERVAL_MS: fc.integer({ min: -10, max: 100000 }).map(String),
    ARM_RETRY_DELAY_MS: fc.integer({ min: -10, max: 100000 }).map(String),
    TABLES_CONNECTION_STRING: fc.constant('UseDevelopmentStorage=true'),
    TABLES_ACCOUNT_URL: fc.constant('https://acct.table.core.windows.net'),
    AZURE_TENANT_ID: fc.uuid(),
    CONTROL_PLANE_PRINCIPAL_IDS: fc.array(fc.uuid(), { maxLength: 3 }).map((a) => a.join(',')),
    AUTH_TENANT_ID: fc.uuid(),
    AUTH_ISSUERS: fc.constantFrom('https://login.microsoftonline.com/x/v2.0', 'not a url,https://a.example'),
    AUTH_AUDIENCE: fc.constant('api://x'),
    AUTH_CLIENT_ID: fc.uuid(),
    AUTH_JWKS_URL: fc.constantFrom('https://login.microsoftonline.com/common/discovery/v2.0/keys', '::'),
    AUTH_EASY_AUTH_ENABLED: fc.constantFrom('true', 'false', 'yes'),
  };
  const change = fc.constantFrom(...Object.keys(plausible)).chain((name) =>
    fc.tuple(fc.constant(name), fc.oneof({ weight: 3, arbitrary: plausible[name] ?? garbage }, { weight: 1, arbitrary: garbage }, { weight: 1, arbitrary: fc.constant(undefined) })),
  );
  const topology = fc.oneof({ weight: 6, arbitrary: topologyDocument.map((d) => JSON.stringify(d)) }, { weight: 1, arbitrary: garbage });
  return fc.tuple(topology, fc.array(change, { maxLength: 4 })).map(([doc, changes]) => {
    const env: Record<string, string | undefined> = { CONTROL_PLANE_TOPOLOGY: doc, TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_TENANT_ID: '00000000-0000-4000-8000-000000000001' };
    for (const [name, value] of changes) env[name] = value;
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  });
}

/**
 * A topology document: a valid one (`base`) with up to three of its fields - at any depth - replaced (by any JSON or
 * a hostile string), removed, or given a sibling that is not in the schema; or any JSON at all.
 */
export function topologyDocument(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: Array<Array<string | number>> = [];
  const walk = (value: unknown, at: Array<string | number>): void => {
    if (at.length) paths.push(at);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, i]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
  };
  walk(base, []);
  type Change = { path: Array<string | number>; kind: 'replace' | 'remove' | 'extra'; value: unknown };
  const change: fc.Arbitrary<Change> = fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom<Change['kind']>('replace', 'replace', 'remove', 'extra'),
    value: fc.oneof(anyJson, hostile, fc.integer(), fc.constant(null)),
  });
  const apply = (changes: Change[]): unknown => {
    const doc = structuredClone(base) as Record<string | number, unknown>;
    for (const { path, kind, value } of changes) {
      let parent: unknown = doc;
      for (const key of path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[key] : undefined;
      const last = path[path.length - 1];
      if (parent === null || typeof parent !== 'object' || last === undefined) continue;
      const container = parent as Record<string | number, unknown>;
      if (kind === 'replace') container[last] = value;
      else if (kind === 'remove') {
        if (Array.isArray(container) && typeof last === 'number') container.splice(last, 1);
        else delete container[last];
      } else if (!Array.isArray(container)) container[`${String(last)}X`] = value;
    }
    return doc;
  };
  return fc.oneof({ weight: 8, arbitrary: fc.array(change, { maxLength: 3 }).map(apply) }, { weight: 1, arbitrary: anyJson });
}
