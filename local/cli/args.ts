/**
 * The CLI's command table and argument parsing (node's util.parseArgs), and the validation of every value a command
 * takes. Pure: no I/O, so it is table-tested (test/unit/cli).
 */
import { parseArgs } from 'node:util';
import { parsePrefix } from '../../shared/peering/address-space';
import { GUID, parseResourceId, RESOURCE_GROUP } from '../../shared/azure/resource-id';

export const PROGRAM = 'hubspoke-local';

/** A problem with the command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandSpec,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

interface OptionSpec {
  name: string;
  kind: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. `<prefix>`. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  /** e.g. `vnet create` */
  id: string;
  args: { name: string; help: string }[];
  options: OptionSpec[];
  summary: string;
  details?: string;
}

const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'url', kind: 'string', value: '<baseUrl>', help: 'The control plane, e.g. http://127.0.0.1:7071 (else HUBSPOKE_URL, the running instance, or PORT).' },
  { name: 'key', kind: 'string', value: '<key>', help: 'Function key, when the host enforces keys (else HUBSPOKE_FUNCTION_KEY).' },
  { name: 'json', kind: 'boolean', help: 'Print JSON instead of text.' },
  { name: 'help', kind: 'boolean', short: 'h', help: 'Show help.' },
];

const RESOURCE = (what: string) => ({ name: `<${what}>`, help: `<subscriptionId>/<resourceGroup>/<name>, or the ${what}'s ARM resource ID` });
const WAIT: OptionSpec = { name: 'wait', kind: 'string', value: '<reason>', help: 'Then poll the control plane until the condition\'s reason is this (e.g. Converged, Registered, Deleted).' };
const TIMEOUT: OptionSpec = { name: 'timeout', kind: 'string', value: '<seconds>', help: `How long --wait polls (default ${60}, at most 3600).` };
const FILTERS: OptionSpec[] = [
  { name: 'status', kind: 'string', value: 'True|False|Unknown', help: 'Only records with this condition status.' },
  { name: 'reason', kind: 'string', value: '<reason>', help: 'Only records with this reason.' },
];
const STAMP = { name: '<stamp>', help: 'The stamp\'s name, e.g. weu-1 (see stamp list).' };
/** The local user an egress command acts as (a token from the local issuer); default a fixed demo user per role. */
const AS_USER = (who: string): OptionSpec => ({ name: 'as', kind: 'string', value: '<oid>', help: `The object ID of ${who} (a GUID; default a demo user).` });
const SUBSCRIPTIONS: OptionSpec = { name: 'subscription', kind: 'string', multiple: true, value: '<guid>', help: 'A subscription (repeatable); default every watched one.' };

export const COMMANDS: CommandSpec[] = [
  { id: 'info', args: [], options: [], summary: 'Show the running environment: endpoints, subscriptions, hubs, zones, token issuer.' },
  {
    id: 'vnet create',
    args: [RESOURCE('vnet')],
    options: [
      { name: 'address-prefix', kind: 'string', multiple: true, value: '<cidr>', help: 'Address prefix (repeatable, at least one).' },
      { name: 'location', kind: 'string', value: '<region>', help: 'Region, e.g. westeurope (required).' },
      { name: 'subnet', kind: 'string', multiple: true, value: '<name>=<cidr>', help: 'A subnet (repeatable), e.g. snet-pe=10.200.0.128/26.' },
      { name: 'tag', kind: 'string', multiple: true, value: '<name>=<value>', help: 'A tag (repeatable), e.g. hubspoke-opt-out=true.' },
      WAIT,
      TIMEOUT,
    ],
    summary: 'Create a VNet in the ARM emulator (fails if it exists).',
  },
  {
    id: 'vnet update',
    args: [RESOURCE('vnet')],
    options: [
      { name: 'address-prefix', kind: 'string', multiple: true, value: '<cidr>', help: 'The new address space (repeatable; replaces the old one).' },
      { name: 'subnet', kind: 'string', multiple: true, value: '<name>=<cidr>', help: 'Add or change a subnet (repeatable).' },
      { name: 'tag', kind: 'string', multiple: true, value: '<name>=<value>', help: 'Set a tag (repeatable).' },
      { name: 'remove-tag', kind: 'string', multiple: true, value: '<name>', help: 'Remove a tag (repeatable).' },
      WAIT,
      TIMEOUT,
    ],
    summary: 'Change a VNet (read, change, write back, as the portal does).',
  },
  { id: 'vnet delete', args: [RESOURCE('vnet')], options: [WAIT, TIMEOUT], summary: 'Delete a VNet.' },
  { id: 'vnet show', args: [RESOURCE('vnet')], options: [], summary: 'Show a VNet: address space, subnets, tags, peerings.' },
  { id: 'vnet list', args: [], options: [SUBSCRIPTIONS], summary: 'List the VNets of the watched (or given) subscriptions and the hubs.' },
  {
    id: 'endpoint create',
    args: [RESOURCE('endpoint')],
    options: [
      { name: 'vnet', kind: 'string', value: '<name|vnet>', help: 'The VNet (a name in the endpoint\'s resource group, or <sub>/<rg>/<name>); required.' },
      { name: 'subnet', kind: 'string', value: '<name>', help: 'The VNet\'s subnet (default snet-pe).' },
      { name: 'target', kind: 'string', value: '<resourceId>', help: 'The target resource\'s ARM ID, e.g. a storage account (required).' },
      { name: 'group-id', kind: 'string', value: '<groupId>', help: 'The target sub-resource, e.g. blob, vault, Sql (required).' },
      { name: 'location', kind: 'string', value: '<region>', help: 'Region (default the VNet\'s).' },
      WAIT,
      TIMEOUT,
    ],
    summary: 'Create a private endpoint in the ARM emulator (fails if it exists).',
  },
  { id: 'endpoint delete', args: [RESOURCE('endpoint')], options: [WAIT, TIMEOUT], summary: 'Delete a private endpoint.' },
  { id: 'endpoint show', args: [RESOURCE('endpoint')], options: [], summary: 'Show a private endpoint: target, IPs, names, zone group.' },
  { id: 'endpoint list', args: [], options: [SUBSCRIPTIONS], summary: 'List the private endpoints of the watched (or given) subscriptions.' },
  { id: 'endpoint status', args: [RESOURCE('endpoint')], options: [WAIT, TIMEOUT], summary: 'Show what the control plane recorded for an endpoint (GET /api/endpoints/...).' },
  { id: 'spoke status', args: [RESOURCE('vnet')], options: [WAIT, TIMEOUT], summary: 'Show what the control plane recorded for a spoke (GET /api/spokes/...).' },
  { id: 'spokes', args: [], options: FILTERS, summary: 'List the spokes the control plane recorded (GET /api/spokes).' },
  { id: 'endpoints', args: [], options: FILTERS, summary: 'List the private endpoints the control plane recorded (GET /api/endpoints).' },
  { id: 'peerings', args: [RESOURCE('vnet')], options: [], summary: 'Show a VNet\'s peerings, both sides: state and sync level.' },
  { id: 'dns records', args: [], options: [{ name: 'zone', kind: 'string', value: '<zone>', help: 'Only this zone, e.g. privatelink.blob.core.windows.net.' }], summary: 'List the A records in the central Private DNS zones.' },
  { id: 'reconcile spoke', args: [RESOURCE('vnet')], options: [WAIT, TIMEOUT], summary: 'Reconcile one VNet now (POST /api/spokes/.../reconcile).' },
  { id: 'reconcile endpoint', args: [RESOURCE('endpoint')], options: [WAIT, TIMEOUT], summary: 'Reconcile one private endpoint now.' },
  { id: 'reconcile spokes', args: [], options: [SUBSCRIPTIONS, { name: 'wait', kind: 'boolean', help: 'Wait until the sweep has finished.' }, TIMEOUT], summary: 'Sweep: reconcile every VNet of the watched (or given) subscriptions.' },
  { id: 'reconcile endpoints', args: [], options: [SUBSCRIPTIONS, { name: 'wait', kind: 'boolean', help: 'Wait until the sweep has finished.' }, TIMEOUT], summary: 'Sweep: reconcile every private endpoint of the watched (or given) subscriptions.' },
  {
    id: 'drift run',
    args: [],
    options: [{ name: 'wait', kind: 'boolean', help: 'Wait until the run has ended, then print its report.' }, TIMEOUT],
    summary: 'Start a drift check now (POST /api/drift/runs); one run at a time.',
  },
  {
    id: 'drift report',
    args: [],
    options: [{ name: 'run', kind: 'string', value: '<runId>', help: 'The run (dr-...); default the latest.' }, { name: 'text', kind: 'boolean', help: 'The summary a person reads (?format=text): counts per flow and kind, then the items.' }],
    summary: 'Show a drift run\'s report (GET /api/drift/runs/{id|latest}).',
  },
  { id: 'drift list', args: [], options: [], summary: 'List recent drift runs (GET /api/drift/runs).' },
  { id: 'eventgrid pause', args: [], options: [], summary: 'Pause event delivery: resource events raised from now on are lost (POST /api/local/eventgrid/pause).' },
  { id: 'eventgrid resume', args: [], options: [], summary: 'Resume event delivery; events lost while paused are not replayed (POST /api/local/eventgrid/resume).' },
  { id: 'stamp list', args: [], options: [], summary: 'List the Front Door stamps: state, Front Door enabledState, pin, why (GET /api/stamps).' },
  { id: 'stamp show', args: [STAMP], options: [], summary: 'Show one stamp with its history and audit (GET /api/stamps/{name}).' },
  {
    id: 'stamp health',
    args: [STAMP, { name: '<answer>', help: 'What its local health endpoint answers from now on: an HTTP status (200, 503, ...), timeout or refuse.' }],
    options: [],
    summary: 'Switch a demo stamp\'s local health endpoint (PUT /api/local/stamps/{name}/health).',
  },
  {
    id: 'stamp pin',
    args: [STAMP],
    options: [
      { name: 'mode', kind: 'string', value: 'out|in|auto', help: 'out: drain it; in: keep it in whatever the signals say; auto: back to the signals (required).' },
      { name: 'reason', kind: 'string', value: '<text>', help: 'Why (required; audited).' },
      { name: 'until', kind: 'string', value: '<ISO 8601>', help: 'When an out/in pin lapses, e.g. 2026-11-28T18:00:00Z.' },
    ],
    summary: 'Pin a stamp out or in, or back to automatic (POST /api/stamps/{name}/pin).',
  },
  {
    id: 'stamp alert',
    args: [STAMP, { name: '<signal>', help: 'Fired or Resolved: an Azure Monitor metric alert (secure webhook); Unavailable, Available, Degraded or Unknown: a Health Resources event.' }],
    options: [],
    summary: 'Send an Azure Monitor alert or a Health Resources event for a demo stamp.',
  },
  {
    id: 'egress request',
    args: [RESOURCE('vnet')],
    options: [
      { name: 'fqdn', kind: 'string', multiple: true, value: '<name>', help: 'A destination FQDN (repeatable), e.g. api.github.com or *.contoso.com.' },
      { name: 'port', kind: 'string', multiple: true, value: '<Protocol:port>', help: 'Ports of the FQDNs (repeatable; default Https:443), e.g. Http:80.' },
      { name: 'fqdn-tag', kind: 'string', multiple: true, value: '<tag>', help: 'An Azure Firewall FQDN tag (repeatable), e.g. WindowsUpdate.' },
      { name: 'justification', kind: 'string', value: '<text>', help: 'Why the spoke needs it (required).' },
      { name: 'ttl-days', kind: 'string', value: '<days>', help: 'Lifetime of the rule, 1-365 (default from config).' },
      { name: 'idempotency-key', kind: 'string', value: '<key>', help: 'Idempotency-Key (default a new UUID: a new request).' },
      AS_USER('the requester'),
    ],
    summary: 'Request egress for a spoke (POST /api/egress-requests) as a local user with Egress.Requester.',
  },
  { id: 'egress list', args: [], options: [{ name: 'status', kind: 'string', value: '<state>', help: 'Only requests in this state, e.g. PendingApproval.' }, { name: 'spoke', kind: 'string', value: '<vnet>', help: 'Only requests of this spoke (<sub>/<rg>/<name> or its ID).' }, AS_USER('the reader')], summary: 'List egress requests (GET /api/egress-requests).' },
  { id: 'egress show', args: [{ name: '<id>', help: 'The request ID (egr-...).' }], options: [AS_USER('the reader')], summary: 'Show an egress request: status, destinations, decisions, history, rule.' },
  {
    id: 'egress decide',
    args: [{ name: '<id>', help: 'The request ID (egr-...).' }],
    options: [
      { name: 'verdict', kind: 'string', value: 'approve|reject', help: 'The decision (required).' },
      { name: 'comment', kind: 'string', value: '<text>', help: 'Why.' },
      AS_USER('the approver'),
    ],
    summary: 'Approve or reject an egress request as a local user with Egress.Approver.',
  },
  { id: 'egress revoke', args: [{ name: '<id>', help: 'The request ID (egr-...).' }], options: [AS_USER('the requester or an approver')], summary: 'Revoke an egress request (its rule is removed).' },
  {
    id: 'token',
    args: [],
    options: [
      { name: 'oid', kind: 'string', value: '<guid>', help: 'The object ID to act as (required).' },
      { name: 'app-id', kind: 'string', value: '<guid>', help: 'The calling application (azp), e.g. Azure Monitor\'s 461e8683-5575-4561-ac7f-899cc907d62a (default the CLI\'s).' },
      { name: 'name', kind: 'string', value: '<name>', help: 'Display name (required).' },
      { name: 'role', kind: 'string', multiple: true, value: '<role>', help: 'An app role (repeatable, at most 50).' },
      { name: 'audience', kind: 'string', value: '<aud>', help: 'Audience (default the issuer\'s, AUTH_AUDIENCE).' },
      { name: 'expires-in', kind: 'string', value: '<seconds>', help: 'Lifetime, 60 to 86400 (default 3600).' },
    ],
    summary: 'Mint a local access token (POST /api/local/token) and print it.',
  },
];

export interface GlobalOptions {
  url?: string;
  key?: string;
  json: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export type ParsedCommandLine =
  | { kind: 'help'; command?: CommandSpec; group?: string }
  | { kind: 'run'; command: CommandSpec; args: string[]; values: OptionValues; global: GlobalOptions };

/** The command named by the leading words of argv (the longest match), and the rest. */
function findCommand(argv: string[]): { command?: CommandSpec; rest: string[]; words: string[] } {
  const words: string[] = [];
  for (const token of argv) {
    if (token.startsWith('-')) break;
    words.push(token);
    if (words.length === 2) break;
  }
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(' ');
    const command = COMMANDS.find((c) => c.id === id);
    if (command) return { command, rest: argv.slice(n), words };
  }
  return { rest: argv, words };
}

/** Parses argv (without node and the script). Throws {@link UsageError} naming the problem. */
export function parseCommandLine(argv: string[]): ParsedCommandLine {
  const { command, rest, words } = findCommand(argv);
  if (!command) {
    const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
    const group = words[0] !== undefined && COMMANDS.some((c) => c.id.startsWith(`${words[0]} `)) ? words[0] : undefined;
    if (wantsHelp || (group && words.length === 1)) return { kind: 'help', ...(group ? { group } : {}) };
    const unknown = words.length ? words.join(' ') : argv[0] ?? '';
    throw new UsageError(`unknown command "${unknown}".`);
  }
  const specs = [...GLOBAL_OPTIONS, ...command.options];
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const o of specs) options[o.name] = { type: o.kind, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as { values: OptionValues; positionals: string[] };
  } catch (e) {
    // parseArgs' messages name the option ("Unknown option '--foo'", "Option '--location <value>' argument missing").
    throw new UsageError(`${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, command);
  }
  if (parsed.values.help === true) return { kind: 'help', command };
  if (parsed.positionals.length !== command.args.length) {
    const expected = command.args.length ? command.args.map((a) => a.name).join(' ') : 'no arguments';
    throw new UsageError(`"${command.id}" takes ${expected}; got ${parsed.positionals.length ? parsed.positionals.map((p) => `"${p}"`).join(' ') : 'none'}.`, command);
  }
  const { url, key, json, help: _help, ...values } = parsed.values;
  void _help;
  return {
    kind: 'run',
    command,
    args: parsed.positionals,
    values,
    global: { ...(typeof url === 'string' ? { url } : {}), ...(typeof key === 'string' ? { key } : {}), json: json === true },
  };
}

function optionLine(o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  return `  ${flag.padEnd(34)} ${o.help}`;
}

/** `--help` text: the command list, a group's commands, or one command's usage. */
export function helpText(target: { command?: CommandSpec; group?: string } = {}): string {
  const { command, group } = target;
  if (command) {
    const lines = [
      `Usage: ${PROGRAM} ${command.id}${command.args.map((a) => ` ${a.name}`).join('')}${command.options.length ? ' [options]' : ''}`,
      '',
      command.summary,
      ...(command.details ? ['', command.details] : []),
    ];
    if (command.args.length) lines.push('', 'Arguments:', ...command.args.map((a) => `  ${a.name.padEnd(34)} ${a.help}`));
    if (command.options.length) lines.push('', 'Options:', ...command.options.map(optionLine));
    lines.push('', 'Global options:', ...GLOBAL_OPTIONS.map(optionLine));
    return lines.join('\n');
  }
  const listed = COMMANDS.filter((c) => !group || c.id.startsWith(`${group} `));
  const usage = (c: CommandSpec): string => `${c.id}${c.args.map((a) => ` ${a.name}`).join('')}`;
  return [
    `Usage: ${PROGRAM} <command> [options]   (${PROGRAM} <command> --help for its options)`,
    '',
    'Talks to the control plane running on the embedded default (npm start): its HTTP API, its ARM emulator and its',
    'token issuer. It finds it through --url, HUBSPOKE_URL, LOCAL_DATA_DIR/instance.json, or http://127.0.0.1:$PORT.',
    '',
    'Commands:',
    ...listed.map((c) => `  ${usage(c).padEnd(38)} ${c.summary}`),
    '',
    'Global options:',
    ...GLOBAL_OPTIONS.map(optionLine),
  ].join('\n');
}

// ---- Values ----------------------------------------------------------------------------------------------------

const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const REGION = /^[a-z][a-z0-9]{1,39}$/;
/** Every list an argument can carry is bounded. */
export const MAX_LIST = 50;

export interface ResourceRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** `<sub>/<rg>/<name>` or a full ARM ID of `type` (e.g. `Microsoft.Network/virtualNetworks`). */
export function parseResourceRef(text: string, type: string, what: string): ResourceRef {
  if (text.startsWith('/')) {
    let id;
    try {
      id = parseResourceId(text);
    } catch (e) {
      throw new UsageError(`${what} ${(e as Error).message}`);
    }
    const actual = `${id.provider ?? ''}/${id.types.join('/')}`;
    if (actual.toLowerCase() !== type.toLowerCase() || !id.resourceGroup || !id.names[0]) {
      throw new UsageError(`${what} "${text}" is not a ${type} resource ID.`);
    }
    return checked({ subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: id.names[0] }, text, what);
  }
  const parts = text.split('/');
  if (parts.length !== 3) throw new UsageError(`${what} "${text}" must be <subscriptionId>/<resourceGroup>/<name> or an ARM resource ID.`);
  const [subscriptionId = '', resourceGroup = '', name = ''] = parts;
  return checked({ subscriptionId, resourceGroup, name }, text, what);
}

function checked(ref: ResourceRef, text: string, what: string): ResourceRef {
  const problems: string[] = [];
  if (!GUID.test(ref.subscriptionId)) problems.push(`"${ref.subscriptionId}" is not a subscription GUID`);
  if (!RESOURCE_GROUP.test(ref.resourceGroup)) problems.push(`"${ref.resourceGroup}" is not a valid resource group name`);
  if (!RESOURCE_NAME.test(ref.name)) problems.push(`"${ref.name}" is not a valid resource name (letters, digits, . _ -, at most 80)`);
  if (problems.length) throw new UsageError(`${what} "${text}": ${problems.join('; ')}.`);
  return { ...ref, subscriptionId: ref.subscriptionId.toLowerCase() };
}

export function resourceIdOf(ref: ResourceRef, type: string): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/${type}/${ref.name}`;
}

export const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
export const ENDPOINT_TYPE = 'Microsoft.Network/privateEndpoints';

function list(values: OptionValues, name: string): string[] {
  const value = values[name];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  if (items.length > MAX_LIST) throw new UsageError(`--${name} is given ${items.length} times; at most ${MAX_LIST}.`);
  return items;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(values: OptionValues, name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`"${command}" needs --${name}.`);
  return value.trim();
}

/** Address prefixes: each a valid CIDR with no host bits. */
export function prefixesOption(values: OptionValues, name = 'address-prefix'): string[] {
  return list(values, name).map((text) => {
    try {
      return parsePrefix(text).text.trim();
    } catch (e) {
      throw new UsageError(`--${name} ${(e as Error).message}`);
    }
  });
}

/** `name=value` pairs (tags, subnets), names unique without case. */
export function pairsOption(values: OptionValues, name: string, check?: (key: string, value: string) => string | undefined): [string, string][] {
  const seen = new Set<string>();
  return list(values, name).map((text) => {
    const at = text.indexOf('=');
    const key = at > 0 ? text.slice(0, at).trim() : '';
    const value = at > 0 ? text.slice(at + 1).trim() : '';
    if (!key) throw new UsageError(`--${name} "${text}" must be <name>=<value>.`);
    if (seen.has(key.toLowerCase())) throw new UsageError(`--${name} names "${key}" twice.`);
    seen.add(key.toLowerCase());
    const problem = check?.(key, value);
    if (problem) throw new UsageError(`--${name} "${text}": ${problem}.`);
    return [key, value];
  });
}

export function tagsOption(values: OptionValues): [string, string][] {
  return pairsOption(values, 'tag', (key, value) =>
    key.length > 512 ? 'a tag name is at most 512 characters' : /[<>%&\\?/]/.test(key) ? 'a tag name cannot contain < > % & \\ ? /' : value.length > 256 ? 'a tag value is at most 256 characters' : undefined,
  );
}

export function subnetsOption(values: OptionValues): { name: string; addressPrefix: string }[] {
  return pairsOption(values, 'subnet', (key, value) => {
    if (!RESOURCE_NAME.test(key)) return `"${key}" is not a valid subnet name`;
    try {
      parsePrefix(value);
      return undefined;
    } catch (e) {
      return (e as Error).message.replace(/\.$/, '');
    }
  }).map(([name, addressPrefix]) => ({ name, addressPrefix }));
}

export function stringsOption(values: OptionValues, name: string): string[] {
  return list(values, name).map((s) => s.trim());
}

export function subscriptionsOption(values: OptionValues): string[] {
  return list(values, 'subscription').map((s) => {
    if (!GUID.test(s)) throw new UsageError(`--subscription "${s}" is not a subscription GUID.`);
    return s.toLowerCase();
  });
}

export function regionOption(values: OptionValues, name = 'location'): string | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  const region = value.replace(/\s+/g, '').toLowerCase();
  if (!REGION.test(region)) throw new UsageError(`--${name} "${value}" is not an Azure region name such as westeurope.`);
  return region;
}

/** A whole number of seconds in [min, max]. */
export function secondsOption(values: OptionValues, name: string, range: { min: number; max: number; fallback: number }): number {
  const value = stringOption(values, name);
  if (value === undefined) return range.fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} "${value}" must be a whole number of seconds from ${range.min} to ${range.max}.`);
  }
  return n;
}

export const DEFAULT_WAIT_SECONDS = 60;

/** `--wait <reason>` and `--timeout <seconds>` of a write or status command. */
export function waitOption(values: OptionValues): { reason: string; timeoutSeconds: number } | undefined {
  const reason = stringOption(values, 'wait');
  const timeoutSeconds = secondsOption(values, 'timeout', { min: 1, max: 3600, fallback: DEFAULT_WAIT_SECONDS });
  if (reason === undefined) {
    if (values.timeout !== undefined) throw new UsageError('--timeout only applies with --wait.');
    return undefined;
  }
  if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(reason)) throw new UsageError(`--wait "${reason}" is not a condition reason such as Converged or Registered.`);
  return { reason, timeoutSeconds };
}

export function statusFilter(values: OptionValues): { status?: string; reason?: string } {
  const status = stringOption(values, 'status');
  const reason = stringOption(values, 'reason');
  if (status !== undefined && !['True', 'False', 'Unknown'].includes(status)) throw new UsageError(`--status "${status}" must be True, False or Unknown.`);
  return { ...(status !== undefined ? { status } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/** A private link target: a resource ID with a provider, type and name. */
export function targetOption(values: OptionValues): string {
  const text = requiredOption(values, 'target', 'endpoint create');
  try {
    const id = parseResourceId(text);
    if (!id.resourceGroup || !id.provider || id.names.length === 0) throw new Error('it must name a resource, e.g. /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}');
    return id.id;
  } catch (e) {
    throw new UsageError(`--target ${(e as Error).message}`);
  }
}

export function isGuid(text: string): boolean {
  return GUID.test(text);
}
