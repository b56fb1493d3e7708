/**
 * The control plane's configuration, read once and validated with zod: scalars from app settings (environment) plus
 * a topology document (hubs, watched subscriptions, tags). A bad config fails with one line per problem, each naming
 * the setting or the document field, so the host refuses to run half-configured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { parseResourceId, resourceKey } from '../azure/resource-id';
import { StampsConfig, stampsSchema } from '../stamps/config';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Azure region names compare without case and spaces ("West Europe" = "westeurope"). */
export function normalizeRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

/** Tag names Azure accepts: 1-512 characters, none of `<>%&\?/`. */
const tagName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[^<>%&\\?/]+$/, 'must not contain any of < > % & \\ ? /');

const vnetId = z.string().superRefine((value, ctx) => {
  try {
    const id = parseResourceId(value);
    if (id.provider?.toLowerCase() !== 'microsoft.network' || id.types.length !== 1 || id.types[0]?.toLowerCase() !== 'virtualnetworks') {
      ctx.addIssue({ code: 'custom', message: 'must be a virtual network ID (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name})' });
    }
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const hubSchema = z.object({
  /** What the hub tag on a spoke names; defaults to the region. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be 1-80 letters, digits, ".", "_" or "-"').optional(),
  region: z.string().transform(normalizeRegion).pipe(z.string().regex(/^[a-z0-9]+$/, 'must be an Azure region name such as westeurope')),
  vnetId,
});

const peeringSchema = z
  .object({
    /** `opt-out`: every VNet of a watched subscription is a spoke unless tagged out; `opt-in`: only tagged VNets. */
    selection: z.enum(['opt-out', 'opt-in']).default('opt-out'),
    optOutTag: tagName.default('hubspoke-opt-out'),
    optInTag: tagName.default('hubspoke-opt-in'),
    /** A spoke carrying this tag is peered with the hub it names instead of its region's hub. */
    hubTag: tagName.default('hubspoke-hub'),
    /** Spokes use the hub's gateway (useRemoteGateways) when the hub has one. */
    useRemoteGateways: z.boolean().default(true),
  })
  .strict();

/** Azure resource group names: 1-90 letters, digits, `._()-`, not ending in a period. */
const resourceGroupName = z.string().regex(/^[-\w._()]{0,89}[-\w_()]$/u, 'must be a resource group name (1-90 letters, digits, "._()-", not ending in ".")');

const privateDnsSchema = z
  .object({
    /** The connectivity subscription and resource group that hold the central privatelink zones. */
    zonesSubscriptionId: z.string().regex(GUID, 'must be a subscription GUID'),
    zonesResourceGroup: resourceGroupName,
    /** A privatelink zone an endpoint needs but that does not exist is created (and linked to every hub VNet). */
    createMissingZones: z.boolean().default(false),
    /** The zone group the control plane writes on each endpoint (one per endpoint). */
    zoneGroupName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be 1-80 letters, digits, ".", "_" or "-"').default('default'),
    /** An existing zone group pointing at other zones (e.g. made by a policy): `report` it, or `replace` its zones. */
    foreignZoneGroups: z.enum(['report', 'replace']).default('report'),
    /**
     * A name already registered for another live endpoint: `report` the conflict and leave the record alone, or
     * let the newest endpoint (first seen later) take the name. Either way the decision is kept, never flip-flopped.
     */
    conflicts: z.enum(['report', 'newest-wins']).default('report'),
  })
  .strict();

const firewallPolicyId = z.string().superRefine((value, ctx) => {
  try {
    const id = parseResourceId(value);
    if (id.provider?.toLowerCase() !== 'microsoft.network' || id.types.length !== 1 || id.types[0]?.toLowerCase() !== 'firewallpolicies') {
      ctx.addIssue({ code: 'custom', message: 'must be a firewall policy ID (/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/firewallPolicies/{name})' });
    }
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** Durable timers of JavaScript apps are limited to six days; longer waits loop (durable-functions-timers.md). */
export const MAX_TIMER_HOURS = 6 * 24;

const egressSchema = z
  .object({
    /**
     * `platformApi`: the platform team's API owns the firewall; the control plane asks it to apply and revoke.
     * `direct`: the control plane writes the hubs' firewall policies itself (one writer per policy).
     */
    applyMode: z.enum(['platformApi', 'direct']).default('platformApi'),
    /** A spoke VNet tag listing destinations (`api.github.com,*.contoso.com:443,WindowsUpdate`). */
    spokeTag: tagName.default('hubspoke-egress'),
    /** Lifetime of an approved rule when the request names none. */
    defaultTtlDays: z.number().int().min(1).max(365).default(90),
    approval: z
      .object({
        /** The approvers are reminded after this long without a decision... */
        reminderHours: z.number().int().min(1).default(24),
        /** ...the request is escalated after this long... */
        escalationHours: z.number().int().min(1).default(72),
        /** ...and expires (Expired, nothing applied) after this many days. */
        expiryDays: z.number().int().min(1).max(90).default(14),
      })
      .strict()
      .default({ reminderHours: 24, escalationHours: 72, expiryDays: 14 })
      .superRefine((a, ctx) => {
        if (a.escalationHours <= a.reminderHours) ctx.addIssue({ code: 'custom', path: ['escalationHours'], message: 'must be later than reminderHours' });
        if (a.expiryDays * 24 <= a.escalationHours) ctx.addIssue({ code: 'custom', path: ['expiryDays'], message: 'must be later than escalationHours' });
      }),
    /** The control plane's own rule collection group in each policy (direct mode); shards are `{name}-2`, `-3`... */
    ruleCollectionGroup: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,70}$/, 'must be 1-71 letters, digits, ".", "_" or "-"').default('rcg-hubspoke-egress'),
        priority: z.number().int().min(100).max(65000).default(500),
      })
      .strict()
      .default({ name: 'rcg-hubspoke-egress', priority: 500 }),
    /** The firewall policy of each hub (by hub name): where rules are written (direct) and verified (both modes). */
    firewallPolicies: z
      .array(z.object({ hub: z.string().min(1), policyId: firewallPolicyId }).strict())
      .min(1, 'name the firewall policy of at least one hub')
      .max(50),
    /** The platform team's API (platformApi mode): base URL and the audience of the token the control plane sends. */
    platformApi: z
      .object({
        url: z.string().url('must be a URL such as https://platform.contoso.com'),
        audience: z.string().min(1).max(256),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.applyMode === 'platformApi' && !e.platformApi) {
      ctx.addIssue({ code: 'custom', path: ['platformApi'], message: 'is required when applyMode is "platformApi" (give its url and audience), or set applyMode "direct"' });
    }
  });

/**
 * Scheduled drift checks (the schedule itself is the app setting DRIFT_SCHEDULE). `repair` per flow: peering and DNS
 * repair by signalling the resource's own orchestration; orphans (peerings, records nothing claims) are only reported
 * unless `orphans` is on; egress and stamps are report-only unless switched on. Observe mode never repairs.
 */
const DRIFT_REPAIR_DEFAULTS = { peering: true, dns: true, egress: false, stamps: false, orphans: false };
export const driftSchema = z
  .object({
    repair: z
      .object({ peering: z.boolean().default(true), dns: z.boolean().default(true), egress: z.boolean().default(false), stamps: z.boolean().default(false), orphans: z.boolean().default(false) })
      .strict()
      .default(DRIFT_REPAIR_DEFAULTS),
    /** A resource whose record changed this recently (or whose orchestration runs) is skipped: skippedRecentChange. */
    recentChangeMinutes: z.number().int().min(0).max(24 * 60).default(5),
    /** How long a run waits for the repairs it started before it reports them as repairStarted rather than repaired. */
    repairWaitSeconds: z.number().int().min(0).max(3600).default(60),
  })
  .strict();

export type DriftConfig = z.infer<typeof driftSchema>;

export const topologyDocumentSchema = z
  .object({
    watchedSubscriptions: z.array(z.string().regex(GUID, 'must be a subscription GUID')).min(1, 'name at least one subscription to watch'),
    hubs: z.array(hubSchema).min(1, 'configure at least one hub'),
    peering: peeringSchema.default(() => peeringSchema.parse({})),
    /** Private endpoint DNS registration; without this block private endpoint events are ignored. */
    privateDns: privateDnsSchema.optional(),
    /** Front Door stamp health; without this block no stamp is monitored. */
    stamps: stampsSchema.optional(),
    /** Egress FQDN rules (request -> approve -> apply -> verify); without this block the egress API answers 404. */
    egress: egressSchema.optional(),
    /** Scheduled drift checks: what each flow's detector may repair, and what counts as a recent change. */
    drift: driftSchema.default(() => driftSchema.parse({})),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const hubNames = new Set(doc.hubs.map((h) => (h.name ?? h.region).toLowerCase()));
    const policyHubs = new Set<string>();
    doc.egress?.firewallPolicies.forEach((p, i) => {
      const hub = p.hub.toLowerCase();
      if (!hubNames.has(hub)) ctx.addIssue({ code: 'custom', path: ['egress', 'firewallPolicies', i, 'hub'], message: `names no configured hub (hubs: ${[...hubNames].join(', ')})` });
      if (policyHubs.has(hub)) ctx.addIssue({ code: 'custom', path: ['egress', 'firewallPolicies', i, 'hub'], message: `hub "${p.hub}" already has a firewall policy` });
      policyHubs.add(hub);
    });
    const seenRegion = new Map<string, number>();
    const seenName = new Map<string, number>();
    const seenVnet = new Map<string, number>();
    doc.hubs.forEach((hub, i) => {
      const checks: Array<[Map<string, number>, string, string]> = [
        [seenRegion, hub.region, `region ${hub.region} already has hub ${seenRegion.get(hub.region)}; one hub per region`],
        [seenName, (hub.name ?? hub.region).toLowerCase(), `name "${hub.name ?? hub.region}" is used by hubs[${seenName.get((hub.name ?? hub.region).toLowerCase())}] too`],
        [seenVnet, resourceKey(hub.vnetId), `VNet is already hubs[${seenVnet.get(resourceKey(hub.vnetId))}]`],
      ];
      for (const [seen, key, message] of checks) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['hubs', i], message });
        else seen.set(key, i);
      }
    });
  });

export type TopologyDocument = z.infer<typeof topologyDocumentSchema>;

export type PrivateDnsConfig = NonNullable<TopologyDocument['privateDns']>;

export type EgressConfig = NonNullable<TopologyDocument['egress']>;

/**
 * How bearer tokens of the egress API are validated: Entra ID v1 and v2 issuers of the tenant (or the issuers given),
 * the app's audiences, keys from the JWKS.
 */
export interface AuthSettings {
  issuers: string[];
  /** AUTH_TENANT_ID, lower case: a token's `tid` must name it (whatever issuers are trusted). */
  tenantId?: string;
  audiences: string[];
  /** Where the signing keys are (Entra: https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys). */
  jwksUrl?: string;
  /** Trust App Service Authentication's X-MS-CLIENT-PRINCIPAL header (only when Easy Auth is on in front of the app). */
  easyAuth: boolean;
}

export const DEFAULT_AUTH_AUDIENCE = 'api://hubspoke-control-plane';

export interface HubConfig {
  name: string;
  region: string;
  vnetId: string;
}

export type Mode = 'enforce' | 'observe';

export interface ArmSettings {
  /** ARM endpoint; Azure public cloud unless set (the local emulator sets its own). */
  endpoint?: string;
  /** PEM file of the CA to trust for `endpoint` (the local emulator's self-signed certificate). */
  caCertFile?: string;
  /** Long-running operation poll interval when ARM sends no Retry-After. */
  lroPollIntervalMs?: number;
  /** Base delay of the SDK's and the orchestrations' retries. */
  retryDelayMs: number;
}

export interface ControlPlaneConfig {
  mode: Mode;
  /** True when running on the embedded default: a static local credential, never DefaultAzureCredential. */
  local: boolean;
  arm: ArmSettings;
  tables: { connectionString: string } | { accountUrl: string };
  watchedSubscriptions: string[];
  hubs: HubConfig[];
  peering: TopologyDocument['peering'];
  /** Private endpoint DNS registration, when configured. */
  privateDns?: PrivateDnsConfig;
  /** Front Door stamp health, when configured. */
  stamps?: StampsConfig;
  /** Egress FQDN rules, when configured. */
  egress?: EgressConfig;
  /** Scheduled drift checks. */
  drift: DriftConfig;
  auth: AuthSettings;
  /** The control plane's own identity (app/client and object IDs, lower case): events of its own writes are skipped. */
  ownPrincipalIds: string[];
  tenantId?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The control plane's configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function formatIssues(where: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => `${where}${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    problems.push(`${name}: must be a whole number of milliseconds (got "${raw}")`);
    return undefined;
  }
  return value;
}

function readTopologyDocument(env: NodeJS.ProcessEnv, baseDir: string, problems: string[]): unknown {
  const inline = env.CONTROL_PLANE_TOPOLOGY;
  const file = env.CONTROL_PLANE_TOPOLOGY_FILE;
  if (inline && file) {
    problems.push('CONTROL_PLANE_TOPOLOGY and CONTROL_PLANE_TOPOLOGY_FILE are both set; set one');
    return undefined;
  }
  if (!inline && !file) {
    problems.push('CONTROL_PLANE_TOPOLOGY_FILE (a JSON file) or CONTROL_PLANE_TOPOLOGY (the JSON itself) must be set: it names the hubs and the watched subscriptions');
    return undefined;
  }
  let text = inline ?? '';
  const where = file ? `CONTROL_PLANE_TOPOLOGY_FILE (${path.resolve(baseDir, file)})` : 'CONTROL_PLANE_TOPOLOGY';
  if (file) {
    try {
      text = fs.readFileSync(path.resolve(baseDir, file), 'utf8');
    } catch (e) {
      problems.push(`${where}: cannot be read: ${(e as Error).message}`);
      return undefined;
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    problems.push(`${where}: is not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');

/** Bearer token settings: AUTH_TENANT_ID, AUTH_ISSUERS, AUTH_AUDIENCE, AUTH_CLIENT_ID, AUTH_JWKS_URL, AUTH_EASY_AUTH_ENABLED. */
function readAuthSettings(env: NodeJS.ProcessEnv, problems: string[]): AuthSettings {
  const tenant = env.AUTH_TENANT_ID?.trim();
  if (tenant && !GUID.test(tenant)) problems.push(`AUTH_TENANT_ID: must be the Entra tenant ID (a GUID); got "${tenant}"`);
  const validTenant = tenant && GUID.test(tenant) ? tenant.toLowerCase() : undefined;
  const issuers = list(env.AUTH_ISSUERS);
  for (const issuer of issuers) {
    try {
      new URL(issuer);
    } catch {
      problems.push(`AUTH_ISSUERS: "${issuer}" is not a URL`);
    }
  }
  // Entra issues v1 tokens (sts.windows.net, trailing slash) or v2 tokens (login.microsoftonline.com/.../v2.0),
  // as the API's app manifest says (requestedAccessTokenVersion); accept both.
  const tenantIssuers = validTenant ? [`https://login.microsoftonline.com/${validTenant}/v2.0`, `https://sts.windows.net/${validTenant}/`] : [];
  const audiences = [env.AUTH_AUDIENCE?.trim() || DEFAULT_AUTH_AUDIENCE, ...list(env.AUTH_CLIENT_ID)];
  const jwksUrl = env.AUTH_JWKS_URL?.trim() || (validTenant ? `https://login.microsoftonline.com/${validTenant}/discovery/v2.0/keys` : undefined);
  if (jwksUrl) {
    try {
      new URL(jwksUrl);
    } catch {
      problems.push(`AUTH_JWKS_URL: is not a URL: "${jwksUrl}"`);
    }
  }
  const easyAuthRaw = (env.AUTH_EASY_AUTH_ENABLED ?? '').trim().toLowerCase();
  if (!['', 'true', 'false'].includes(easyAuthRaw)) problems.push(`AUTH_EASY_AUTH_ENABLED: must be "true" or "false"; got "${env.AUTH_EASY_AUTH_ENABLED}"`);
  return {
    issuers: issuers.length > 0 ? issuers : tenantIssuers,
    ...(validTenant ? { tenantId: validTenant } : {}),
    audiences: [...new Set(audiences)],
    ...(jwksUrl ? { jwksUrl } : {}),
    easyAuth: easyAuthRaw === 'true',
  };
}

/**
 * Reads and validates the configuration from app settings. `baseDir` resolves a relative topology file (the
 * function app's folder). Throws ConfigError listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv, baseDir: string = process.cwd()): ControlPlaneConfig {
  const problems: string[] = [];
  const rawMode = (env.CONTROL_PLANE_MODE ?? 'enforce').trim().toLowerCase();
  const mode: Mode | undefined = rawMode === 'enforce' || rawMode === '' ? 'enforce' : rawMode === 'observe' ? 'observe' : undefined;
  if (!mode) problems.push(`CONTROL_PLANE_MODE: must be "enforce" (write to ARM) or "observe" (record what would change, write nothing); got "${env.CONTROL_PLANE_MODE}"`);
  const local = (env.CONTROL_PLANE_LOCAL ?? '').toLowerCase() === 'true';

  const arm: ArmSettings = { retryDelayMs: positiveInt(env, 'ARM_RETRY_DELAY_MS', problems) ?? 800 };
  if (env.ARM_ENDPOINT) {
    try {
      const url = new URL(env.ARM_ENDPOINT);
      if (url.protocol !== 'https:') problems.push(`ARM_ENDPOINT: must be https (the SDK refuses to send tokens over http); got "${env.ARM_ENDPOINT}"`);
      arm.endpoint = env.ARM_ENDPOINT;
    } catch {
      problems.push(`ARM_ENDPOINT: is not a URL: "${env.ARM_ENDPOINT}"`);
    }
  }
  if (env.ARM_CA_CERT_FILE) arm.caCertFile = env.ARM_CA_CERT_FILE;
  const poll = positiveInt(env, 'ARM_LRO_POLL_INTERVAL_MS', problems);
  if (poll !== undefined) arm.lroPollIntervalMs = poll;

  let tables: ControlPlaneConfig['tables'] | undefined;
  if (env.TABLES_CONNECTION_STRING) tables = { connectionString: env.TABLES_CONNECTION_STRING };
  else if (env.TABLES_ACCOUNT_URL) tables = { accountUrl: env.TABLES_ACCOUNT_URL };
  else problems.push('TABLES_CONNECTION_STRING or TABLES_ACCOUNT_URL (with the app\'s managed identity) must be set: audit and conditions are kept in Azure Tables');
  if (local && tables && 'accountUrl' in tables) problems.push('TABLES_ACCOUNT_URL needs a managed identity; locally set TABLES_CONNECTION_STRING');

  const auth = readAuthSettings(env, problems);
  const raw = readTopologyDocument(env, baseDir, problems);
  let doc: TopologyDocument | undefined;
  if (raw !== undefined) {
    const parsed = topologyDocumentSchema.safeParse(raw);
    if (parsed.success) doc = parsed.data;
    else problems.push(...formatIssues('topology', parsed.error));
  }
  // Locally the embedded default sets the local token issuer once its host has a URL (after the app started).
  if (doc?.egress && auth.issuers.length === 0 && !local) {
    problems.push('AUTH_TENANT_ID (the Entra tenant) or AUTH_ISSUERS must be set: the egress API validates bearer tokens against them');
  }
  if (problems.length || !doc || !mode || !tables) throw new ConfigError(problems);
  return {
    mode,
    local,
    arm,
    tables,
    watchedSubscriptions: doc.watchedSubscriptions.map((s) => s.toLowerCase()),
    hubs: doc.hubs.map((h) => ({ name: h.name ?? h.region, region: h.region, vnetId: h.vnetId })),
    peering: doc.peering,
    ...(doc.privateDns ? { privateDns: { ...doc.privateDns, zonesSubscriptionId: doc.privateDns.zonesSubscriptionId.toLowerCase() } } : {}),
    ...(doc.stamps ? { stamps: doc.stamps } : {}),
    ...(doc.egress ? { egress: doc.egress } : {}),
    drift: doc.drift,
    auth,
    ownPrincipalIds: (env.CONTROL_PLANE_PRINCIPAL_IDS ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== ''),
    ...(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {}),
  };
}

/** Settings the configuration is read from; a change to any of them is picked up on the next call. */
export const CONFIG_SETTINGS = [
  'CONTROL_PLANE_MODE',
  'CONTROL_PLANE_LOCAL',
  'CONTROL_PLANE_TOPOLOGY',
  'CONTROL_PLANE_TOPOLOGY_FILE',
  'ARM_ENDPOINT',
  'ARM_CA_CERT_FILE',
  'ARM_LRO_POLL_INTERVAL_MS',
  'ARM_RETRY_DELAY_MS',
  'TABLES_CONNECTION_STRING',
  'TABLES_ACCOUNT_URL',
  'AZURE_TENANT_ID',
  'CONTROL_PLANE_PRINCIPAL_IDS',
  'AUTH_TENANT_ID',
  'AUTH_ISSUERS',
  'AUTH_AUDIENCE',
  'AUTH_CLIENT_ID',
  'AUTH_JWKS_URL',
  'AUTH_EASY_AUTH_ENABLED',
] as const;

let cached: { fingerprint: string; config: ControlPlaneConfig } | undefined;

/**
 * The configuration of this process, read from process.env (app settings) at first use and kept while those
 * settings stay the same (in Azure they never change under a running worker; the local host may restart them).
 */
export function currentConfig(): ControlPlaneConfig {
  const fingerprint = JSON.stringify(CONFIG_SETTINGS.map((name) => process.env[name] ?? null));
  if (cached?.fingerprint !== fingerprint) cached = { fingerprint, config: loadConfig(process.env) };
  return cached.config;
}
