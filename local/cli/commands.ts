/**
 * The CLI's commands. Each returns what it found as data (printed with --json) and as text for a person.
 * ARM reads and writes go to the emulator through the real SDK clients; status comes from the control plane's API.
 */
import { randomUUID } from 'node:crypto';
import type { PrivateEndpoint, Subnet, VirtualNetwork, VirtualNetworkPeering } from '@azure/arm-network';
import { parseResourceId, resourceKey } from '../../shared/azure/resource-id';
import {
  ENDPOINT_TYPE,
  isGuid,
  parseResourceRef,
  prefixesOption,
  regionOption,
  requiredOption,
  resourceIdOf,
  secondsOption,
  statusFilter,
  stringOption,
  stringsOption,
  subnetsOption,
  subscriptionsOption,
  tagsOption,
  targetOption,
  UsageError,
  VNET_TYPE,
  waitOption,
  type OptionValues,
  type ResourceRef,
} from './args';
import { armErrorMessage, CliError, isNotFound, type ArmClients, type ControlPlaneApi, type LocalInfo } from './environment';

export interface Output {
  data: unknown;
  text: string;
}

export interface Connection {
  info: LocalInfo;
  api: ControlPlaneApi;
}

export interface CommandContext {
  /** Finds the control plane (once): commands check their arguments first, so a bad command line never waits on it. */
  connect: () => Promise<Connection>;
  arm: () => Promise<ArmClients>;
  args: string[];
  values: OptionValues;
  /** Progress lines (stderr), so stdout stays the answer. */
  progress: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

const WAIT_POLL_MS = 250;

async function arm<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new CliError(`${what} failed: ${armErrorMessage(e)}`);
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const table = (rows: string[][]): string => {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
};

const short = (id: string | undefined): string => {
  if (!id) return '-';
  try {
    const p = parseResourceId(id);
    return [p.subscriptionId, p.resourceGroup, ...p.names].filter(Boolean).join('/');
  } catch {
    return id;
  }
};

const vnetRef = (ctx: CommandContext): ResourceRef => parseResourceRef(ctx.args[0] ?? '', VNET_TYPE, 'VNet');
const endpointRef = (ctx: CommandContext): ResourceRef => parseResourceRef(ctx.args[0] ?? '', ENDPOINT_TYPE, 'private endpoint');

// ---- info --------------------------------------------------------------------------------------------------------

export async function info(ctx: CommandContext): Promise<Output> {
  const { info: i, api } = await ctx.connect();
  const lines = [
    `Control plane:          ${api.baseUrl} (${i.controlPlane?.problems ? 'configuration invalid' : `mode ${i.controlPlane?.mode ?? 'enforce'}`})`,
    `ARM emulator:           ${i.arm.endpoint} (CA certificate ${i.arm.caCertFile}, time scale ${i.arm.timeScale})`,
    `Watched subscriptions:  ${i.subscriptions.watched.join(', ')}`,
    `Connectivity:           ${i.subscriptions.connectivity}`,
    ...(Array.isArray(i.hubs)
      ? i.hubs.map((h) => `Hub ${h.region.padEnd(19)} ${short(h.vnetId)} ${h.addressPrefixes.join(', ')}${h.hasGateway ? ' (gateway)' : ''}`)
      : [`Hubs:                   unknown: ${i.hubs.error}:`, ...i.hubs.problems.map((p) => `  - ${p}`)]),
    `Private DNS zones:      ${short(i.privateDns.resourceGroupId)}: ${i.privateDns.zones.join(', ')}`,
    ...(i.auth ? [`Token issuer:           ${i.auth.issuer} (audience ${i.auth.audience}; tokens from ${i.auth.tokenUrl})`] : []),
  ];
  return { data: i, text: lines.join('\n') };
}

// ---- VNets -------------------------------------------------------------------------------------------------------

function vnetView(vnet: VirtualNetwork): Record<string, unknown> {
  return {
    id: vnet.id,
    location: vnet.location,
    addressPrefixes: vnet.addressSpace?.addressPrefixes ?? [],
    subnets: (vnet.subnets ?? []).map((s) => ({ name: s.name, addressPrefix: s.addressPrefix })),
    tags: vnet.tags ?? {},
    peerings: (vnet.virtualNetworkPeerings ?? []).map(peeringView),
    provisioningState: vnet.provisioningState,
  };
}

function peeringView(p: VirtualNetworkPeering): { name?: string; remoteVirtualNetwork?: string; peeringState?: string; peeringSyncLevel?: string } {
  return { name: p.name, remoteVirtualNetwork: p.remoteVirtualNetwork?.id, peeringState: p.peeringState, peeringSyncLevel: p.peeringSyncLevel };
}

function vnetText(vnet: VirtualNetwork): string {
  const v = vnetView(vnet);
  const tags = Object.entries(vnet.tags ?? {});
  return [
    `${short(vnet.id)} (${vnet.location ?? '?'})`,
    `  address space: ${(v.addressPrefixes as string[]).join(', ') || '-'}`,
    `  subnets:       ${(vnet.subnets ?? []).map((s) => `${s.name ?? '?'} ${s.addressPrefix ?? ''}`).join(', ') || '-'}`,
    `  tags:          ${tags.map(([k, val]) => `${k}=${val}`).join(', ') || '-'}`,
    `  peerings:      ${(vnet.virtualNetworkPeerings ?? []).map((p) => `${p.name ?? '?'} -> ${short(p.remoteVirtualNetwork?.id)} ${p.peeringState ?? '?'}/${p.peeringSyncLevel ?? '?'}`).join('; ') || '-'}`,
  ].join('\n');
}

async function getVnet(ctx: CommandContext, ref: ResourceRef): Promise<VirtualNetwork | undefined> {
  try {
    return await (await ctx.arm()).networkClient(ref.subscriptionId).virtualNetworks.get(ref.resourceGroup, ref.name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new CliError(`reading VNet ${resourceIdOf(ref, VNET_TYPE)} failed: ${armErrorMessage(e)}`);
  }
}

async function mustGetVnet(ctx: CommandContext, ref: ResourceRef): Promise<VirtualNetwork> {
  const vnet = await getVnet(ctx, ref);
  if (!vnet) throw new CliError(`VNet ${resourceIdOf(ref, VNET_TYPE)} does not exist.`);
  return vnet;
}

function mergeSubnets(existing: Subnet[], changes: { name: string; addressPrefix: string }[]): Subnet[] {
  const out = existing.map((s) => ({ ...s }));
  for (const change of changes) {
    const found = out.find((s) => s.name?.toLowerCase() === change.name.toLowerCase());
    if (found) found.addressPrefix = change.addressPrefix;
    else out.push({ name: change.name, addressPrefix: change.addressPrefix });
  }
  return out;
}

async function writeVnet(ctx: CommandContext, ref: ResourceRef, vnet: VirtualNetwork, verb: string): Promise<VirtualNetwork> {
  const clients = (await ctx.arm());
  return arm(`${verb} VNet ${resourceIdOf(ref, VNET_TYPE)}`, async () =>
    clients.networkClient(ref.subscriptionId).virtualNetworks.beginCreateOrUpdateAndWait(ref.resourceGroup, ref.name, vnet, clients.lro),
  );
}

export async function vnetCreate(ctx: CommandContext): Promise<Output> {
  const ref = vnetRef(ctx);
  const prefixes = prefixesOption(ctx.values);
  if (prefixes.length === 0) throw new UsageError('"vnet create" needs at least one --address-prefix.');
  const location = regionOption(ctx.values);
  if (!location) throw new UsageError('"vnet create" needs --location, e.g. --location westeurope.');
  const subnets = subnetsOption(ctx.values);
  const tags = Object.fromEntries(tagsOption(ctx.values));
  const wait = waitOption(ctx.values);
  if (await getVnet(ctx, ref)) throw new CliError(`VNet ${resourceIdOf(ref, VNET_TYPE)} already exists; change it with "vnet update".`);
  const since = ctx.now();
  const vnet = await writeVnet(ctx, ref, { location, addressSpace: { addressPrefixes: prefixes }, subnets, tags }, 'creating');
  const text = `Created VNet ${short(vnet.id)} in ${location}: ${prefixes.join(', ')}`;
  return withWait(ctx, { data: vnetView(vnet), text }, wait && { ...wait, kind: 'spoke', ref, since });
}

export async function vnetUpdate(ctx: CommandContext): Promise<Output> {
  const ref = vnetRef(ctx);
  const prefixes = prefixesOption(ctx.values);
  const subnets = subnetsOption(ctx.values);
  const tags = tagsOption(ctx.values);
  const removeTags = stringsOption(ctx.values, 'remove-tag');
  const wait = waitOption(ctx.values);
  if (!prefixes.length && !subnets.length && !tags.length && !removeTags.length) {
    throw new UsageError('"vnet update" needs a change: --address-prefix, --subnet, --tag or --remove-tag.');
  }
  const vnet = await mustGetVnet(ctx, ref);
  const nextTags: Record<string, string> = {};
  for (const [k, v] of Object.entries(vnet.tags ?? {})) {
    // Tag names compare without case, as Azure's do: a new value replaces the old name's.
    if (!removeTags.some((r) => r.toLowerCase() === k.toLowerCase()) && !tags.some(([t]) => t.toLowerCase() === k.toLowerCase())) nextTags[k] = v;
  }
  for (const [k, v] of tags) nextTags[k] = v;
  const next: VirtualNetwork = {
    ...vnet,
    addressSpace: { ...vnet.addressSpace, addressPrefixes: prefixes.length ? prefixes : vnet.addressSpace?.addressPrefixes ?? [] },
    subnets: mergeSubnets(vnet.subnets ?? [], subnets),
    tags: nextTags,
  };
  const since = ctx.now();
  const written = await writeVnet(ctx, ref, next, 'updating');
  const changes = [
    prefixes.length ? `address space ${prefixes.join(', ')}` : '',
    subnets.length ? `subnets ${subnets.map((s) => `${s.name}=${s.addressPrefix}`).join(', ')}` : '',
    tags.length ? `tags ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}` : '',
    removeTags.length ? `removed tags ${removeTags.join(', ')}` : '',
  ].filter(Boolean);
  return withWait(ctx, { data: vnetView(written), text: `Updated VNet ${short(written.id)}: ${changes.join('; ')}` }, wait && { ...wait, kind: 'spoke', ref, since });
}

export async function vnetDelete(ctx: CommandContext): Promise<Output> {
  const ref = vnetRef(ctx);
  const wait = waitOption(ctx.values);
  await mustGetVnet(ctx, ref);
  const clients = (await ctx.arm());
  const since = ctx.now();
  await arm(`deleting VNet ${resourceIdOf(ref, VNET_TYPE)}`, async () =>
    clients.networkClient(ref.subscriptionId).virtualNetworks.beginDeleteAndWait(ref.resourceGroup, ref.name, clients.lro),
  );
  const id = resourceIdOf(ref, VNET_TYPE);
  return withWait(ctx, { data: { deleted: id }, text: `Deleted VNet ${short(id)}` }, wait && { ...wait, kind: 'spoke', ref, since });
}

export async function vnetShow(ctx: CommandContext): Promise<Output> {
  const vnet = await mustGetVnet(ctx, vnetRef(ctx));
  return { data: vnetView(vnet), text: vnetText(vnet) };
}

async function listedSubscriptions(ctx: CommandContext, withConnectivity: boolean): Promise<string[]> {
  const given = subscriptionsOption(ctx.values);
  if (given.length) return given;
  const { subscriptions } = (await ctx.connect()).info;
  const all = [...subscriptions.watched, ...(withConnectivity ? [subscriptions.connectivity] : [])];
  return [...new Set(all.map((s) => s.toLowerCase()))];
}

export async function vnetList(ctx: CommandContext): Promise<Output> {
  const vnets: VirtualNetwork[] = [];
  for (const sub of await listedSubscriptions(ctx, true)) {
    vnets.push(...(await arm(`listing the VNets of ${sub}`, async () => collect((await ctx.arm()).networkClient(sub).virtualNetworks.listAll()))));
  }
  vnets.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
  const rows = [['VNET', 'LOCATION', 'ADDRESS SPACE', 'PEERINGS'], ...vnets.map((v) => [short(v.id), v.location ?? '-', (v.addressSpace?.addressPrefixes ?? []).join(','), String(v.virtualNetworkPeerings?.length ?? 0)])];
  return { data: vnets.map(vnetView), text: table(rows) };
}

// ---- Peerings ----------------------------------------------------------------------------------------------------

export async function peerings(ctx: CommandContext): Promise<Output> {
  const ref = vnetRef(ctx);
  const vnet = await mustGetVnet(ctx, ref);
  const localId = vnet.id ?? resourceIdOf(ref, VNET_TYPE);
  const pairs: { local: ReturnType<typeof peeringView>; remote: ReturnType<typeof peeringView> | null; remoteVnet: string }[] = [];
  for (const peering of vnet.virtualNetworkPeerings ?? []) {
    const remoteId = peering.remoteVirtualNetwork?.id ?? '';
    let remote: VirtualNetworkPeering | undefined;
    try {
      const r = parseResourceId(remoteId);
      const remoteVnet = await getVnet(ctx, { subscriptionId: r.subscriptionId, resourceGroup: r.resourceGroup ?? '', name: r.names[0] ?? '' });
      remote = remoteVnet?.virtualNetworkPeerings?.find((p) => resourceKey(p.remoteVirtualNetwork?.id ?? '') === resourceKey(localId));
    } catch (e) {
      if (e instanceof CliError) throw e;
      // an unparsable remote ID: show this side only
    }
    pairs.push({ local: peeringView(peering), remote: remote ? peeringView(remote) : null, remoteVnet: remoteId });
  }
  const rows = [['SIDE', 'VNET', 'PEERING', 'STATE', 'SYNC']];
  for (const p of pairs) {
    rows.push(['this', short(localId), p.local.name ?? '-', p.local.peeringState ?? '-', p.local.peeringSyncLevel ?? '-']);
    rows.push(['remote', short(p.remoteVnet), p.remote?.name ?? '(missing)', p.remote?.peeringState ?? '-', p.remote?.peeringSyncLevel ?? '-']);
  }
  return { data: { vnetId: localId, peerings: pairs }, text: pairs.length ? table(rows) : `${short(localId)} has no peerings.` };
}

// ---- Private endpoints -------------------------------------------------------------------------------------------

function endpointView(pe: PrivateEndpoint, zoneGroups: string[] = []): Record<string, unknown> {
  const connections = [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])];
  return {
    id: pe.id,
    location: pe.location,
    subnet: pe.subnet?.id,
    connections: connections.map((c) => ({ name: c.name, target: c.privateLinkServiceId, groupIds: c.groupIds ?? [] })),
    names: (pe.customDnsConfigs ?? []).map((d) => ({ fqdn: d.fqdn, ipAddresses: d.ipAddresses ?? [] })),
    zoneGroups,
    provisioningState: pe.provisioningState,
  };
}

function endpointText(pe: PrivateEndpoint, zoneGroups: string[]): string {
  const connections = [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])];
  return [
    `${short(pe.id)} (${pe.location ?? '?'})`,
    `  subnet:      ${short(pe.subnet?.id)}`,
    `  target:      ${connections.map((c) => `${short(c.privateLinkServiceId)} [${(c.groupIds ?? []).join(',')}]`).join('; ') || '-'}`,
    `  names:       ${(pe.customDnsConfigs ?? []).map((d) => `${d.fqdn ?? '?'} ${(d.ipAddresses ?? []).join(',')}`).join('; ') || '-'}`,
    `  zone groups: ${zoneGroups.join(', ') || '-'}`,
  ].join('\n');
}

async function getEndpoint(ctx: CommandContext, ref: ResourceRef): Promise<PrivateEndpoint | undefined> {
  try {
    return await (await ctx.arm()).networkClient(ref.subscriptionId).privateEndpoints.get(ref.resourceGroup, ref.name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new CliError(`reading private endpoint ${resourceIdOf(ref, ENDPOINT_TYPE)} failed: ${armErrorMessage(e)}`);
  }
}

export async function endpointCreate(ctx: CommandContext): Promise<Output> {
  const ref = endpointRef(ctx);
  const vnetText = requiredOption(ctx.values, 'vnet', 'endpoint create');
  const vnetOf: ResourceRef = vnetText.includes('/') ? parseResourceRef(vnetText, VNET_TYPE, '--vnet') : parseResourceRef(`${ref.subscriptionId}/${ref.resourceGroup}/${vnetText}`, VNET_TYPE, '--vnet');
  const subnetName = stringOption(ctx.values, 'subnet') ?? 'snet-pe';
  const target = targetOption(ctx.values);
  const groupId = requiredOption(ctx.values, 'group-id', 'endpoint create');
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(groupId)) throw new UsageError(`--group-id "${groupId}" is not a private link sub-resource name such as blob, vault or Sql.`);
  const location = regionOption(ctx.values);
  const wait = waitOption(ctx.values);
  if (vnetOf.subscriptionId !== ref.subscriptionId) throw new UsageError(`--vnet must be in the endpoint's subscription ${ref.subscriptionId}.`);

  const vnet = await mustGetVnet(ctx, vnetOf);
  const subnet = (vnet.subnets ?? []).find((s) => s.name?.toLowerCase() === subnetName.toLowerCase());
  if (!subnet?.id) {
    throw new CliError(`VNet ${short(vnet.id)} has no subnet "${subnetName}" (it has: ${(vnet.subnets ?? []).map((s) => s.name).join(', ') || 'none'}); pass --subnet or add one with "vnet update --subnet ${subnetName}=<cidr>".`);
  }
  if (await getEndpoint(ctx, ref)) throw new CliError(`private endpoint ${resourceIdOf(ref, ENDPOINT_TYPE)} already exists.`);
  const clients = (await ctx.arm());
  const since = ctx.now();
  const pe = await arm(`creating private endpoint ${resourceIdOf(ref, ENDPOINT_TYPE)}`, async () =>
    clients.networkClient(ref.subscriptionId).privateEndpoints.beginCreateOrUpdateAndWait(
      ref.resourceGroup,
      ref.name,
      {
        location: location ?? vnet.location ?? '',
        subnet: { id: subnet.id },
        privateLinkServiceConnections: [{ name: `${ref.name}-${groupId}`.slice(0, 80), privateLinkServiceId: target, groupIds: [groupId] }],
      },
      clients.lro,
    ),
  );
  const names = (pe.customDnsConfigs ?? []).map((d) => `${d.fqdn ?? '?'} -> ${(d.ipAddresses ?? []).join(',')}`);
  const text = `Created private endpoint ${short(pe.id)} in ${short(subnet.id)}${names.length ? `: ${names.join('; ')}` : ''}`;
  return withWait(ctx, { data: endpointView(pe), text }, wait && { ...wait, kind: 'endpoint', ref, since });
}

export async function endpointDelete(ctx: CommandContext): Promise<Output> {
  const ref = endpointRef(ctx);
  const wait = waitOption(ctx.values);
  const id = resourceIdOf(ref, ENDPOINT_TYPE);
  if (!(await getEndpoint(ctx, ref))) throw new CliError(`private endpoint ${id} does not exist.`);
  const clients = (await ctx.arm());
  const since = ctx.now();
  await arm(`deleting private endpoint ${id}`, async () => clients.networkClient(ref.subscriptionId).privateEndpoints.beginDeleteAndWait(ref.resourceGroup, ref.name, clients.lro));
  return withWait(ctx, { data: { deleted: id }, text: `Deleted private endpoint ${short(id)}` }, wait && { ...wait, kind: 'endpoint', ref, since });
}

export async function endpointShow(ctx: CommandContext): Promise<Output> {
  const ref = endpointRef(ctx);
  const pe = await getEndpoint(ctx, ref);
  if (!pe) throw new CliError(`private endpoint ${resourceIdOf(ref, ENDPOINT_TYPE)} does not exist.`);
  const groups = await arm('listing its zone groups', async () => collect((await ctx.arm()).networkClient(ref.subscriptionId).privateDnsZoneGroups.list(ref.resourceGroup, ref.name)));
  const names = groups.map((g) => `${g.name ?? '?'} (${(g.privateDnsZoneConfigs ?? []).map((c) => c.name ?? short(c.privateDnsZoneId)).join(', ')})`);
  return { data: endpointView(pe, groups.map((g) => g.name ?? '')), text: endpointText(pe, names) };
}

export async function endpointList(ctx: CommandContext): Promise<Output> {
  const endpoints: PrivateEndpoint[] = [];
  for (const sub of await listedSubscriptions(ctx, false)) {
    endpoints.push(...(await arm(`listing the private endpoints of ${sub}`, async () => collect((await ctx.arm()).networkClient(sub).privateEndpoints.listBySubscription()))));
  }
  endpoints.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
  const rows = [
    ['ENDPOINT', 'TARGET', 'GROUP', 'NAMES'],
    ...endpoints.map((pe) => {
      const c = [...(pe.privateLinkServiceConnections ?? []), ...(pe.manualPrivateLinkServiceConnections ?? [])][0];
      return [short(pe.id), short(c?.privateLinkServiceId), (c?.groupIds ?? []).join(','), (pe.customDnsConfigs ?? []).map((d) => d.fqdn ?? '?').join(',')];
    }),
  ];
  return { data: endpoints.map((pe) => endpointView(pe)), text: table(rows) };
}

// ---- DNS ---------------------------------------------------------------------------------------------------------

export async function dnsRecords(ctx: CommandContext): Promise<Output> {
  const zoneFilter = stringOption(ctx.values, 'zone')?.toLowerCase().replace(/\.$/, '');
  const { resourceGroupId } = (await ctx.connect()).info.privateDns;
  const rg = parseResourceId(resourceGroupId);
  const client = (await ctx.arm()).dnsClient(rg.subscriptionId);
  const group = rg.resourceGroup ?? '';
  const zones = (await arm(`listing the zones of ${resourceGroupId}`, async () => collect(client.privateZones.listByResourceGroup(group))))
    .map((z) => z.name ?? '')
    .filter((name) => name && (!zoneFilter || name.toLowerCase() === zoneFilter))
    .sort();
  if (zoneFilter && zones.length === 0) throw new CliError(`no zone ${zoneFilter} in ${resourceGroupId}.`);
  const records: { zone: string; name: string; fqdn: string; ipAddresses: string[] }[] = [];
  for (const zone of zones) {
    for (const set of await arm(`listing the A records of ${zone}`, async () => collect(client.recordSets.listByType(group, zone, 'A')))) {
      records.push({
        zone,
        name: set.name ?? '',
        fqdn: (set.fqdn ?? `${set.name ?? ''}.${zone}`).replace(/\.$/, ''),
        ipAddresses: (set.aRecords ?? []).map((a) => a.ipv4Address ?? '').filter(Boolean),
      });
    }
  }
  const rows = [['FQDN', 'A', 'ZONE'], ...records.map((r) => [r.fqdn, r.ipAddresses.join(','), r.zone])];
  return { data: records, text: records.length ? table(rows) : `No A records in ${zones.length} zone(s).` };
}

// ---- The control plane's records ---------------------------------------------------------------------------------

interface ConditionView {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface StatusBody {
  condition?: ConditionView | null;
  updatedAt?: string;
  orchestration?: { instanceId?: string; runtimeStatus?: string | null };
  audit?: { at?: string; action?: string; target?: string; outcome?: string; reason?: string }[];
  [detail: string]: unknown;
}

type Kind = 'spoke' | 'endpoint';
const routeOf = (kind: Kind, ref: ResourceRef): string =>
  `/api/${kind === 'spoke' ? 'spokes' : 'endpoints'}/${ref.subscriptionId}/${encodeURIComponent(ref.resourceGroup)}/${encodeURIComponent(ref.name)}`;

function conditionLine(c: ConditionView | null | undefined): string {
  return c ? `${c.type ?? '?'} ${c.status ?? '?'} ${c.reason ?? '?'}: ${c.message ?? ''}` : 'no condition recorded yet';
}

function statusText(kind: Kind, ref: ResourceRef, body: StatusBody): string {
  const lines = [`${kind} ${ref.subscriptionId}/${ref.resourceGroup}/${ref.name}`, `  ${conditionLine(body.condition)}`];
  const detail = (label: string, value: unknown): void => {
    if (value !== undefined && value !== null && value !== '') lines.push(`  ${label.padEnd(14)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  };
  if (kind === 'spoke') {
    const hub = body.hubVnetId ?? body.hub;
    detail('hub:', typeof hub === 'string' ? short(hub) : hub);
    detail('hub peering:', body.hubPeeringName);
    detail('spoke peering:', body.spokePeeringName);
  } else {
    detail('zone group:', body.zoneGroup);
    const names = Array.isArray(body.names) ? (body.names as { fqdn?: string; ipAddresses?: string[] }[]) : [];
    for (const n of names) detail('name:', `${n.fqdn ?? '?'} -> ${(n.ipAddresses ?? []).join(',')}`);
    const conflicts = Array.isArray(body.conflicts) ? body.conflicts : [];
    for (const c of conflicts) detail('conflict:', c);
  }
  detail('updated:', body.updatedAt);
  detail('orchestration:', body.orchestration ? `${body.orchestration.instanceId ?? '?'} ${body.orchestration.runtimeStatus ?? 'none'}` : undefined);
  for (const a of (body.audit ?? []).slice(0, 3)) detail('audit:', `${a.at ?? ''} ${a.action ?? ''} ${a.outcome ?? ''}: ${a.reason ?? ''}`);
  return lines.join('\n');
}

async function readStatus(ctx: CommandContext, kind: Kind, ref: ResourceRef): Promise<StatusBody | undefined> {
  const answer = await (await ctx.connect()).api.get(routeOf(kind, ref), [404]);
  return answer.status === 404 ? undefined : (answer.body as StatusBody);
}

interface WaitFor {
  kind: Kind;
  ref: ResourceRef;
  reason: string;
  timeoutSeconds: number;
  /** Only a record written at or after this time (ms) counts: a write command's own outcome, not an older one. */
  since?: number;
}

/** Polls the resource's GET route until its condition's reason is `reason` (without case), or the timeout. */
async function waitFor(ctx: CommandContext, wait: WaitFor): Promise<StatusBody> {
  const deadline = ctx.now() + wait.timeoutSeconds * 1000;
  let last: StatusBody | undefined;
  for (;;) {
    last = await readStatus(ctx, wait.kind, wait.ref);
    const fresh = wait.since === undefined || (last?.updatedAt !== undefined && Date.parse(last.updatedAt) >= wait.since);
    if (last && fresh && last.condition?.reason?.toLowerCase() === wait.reason.toLowerCase()) return last;
    if (ctx.now() >= deadline) {
      throw new CliError(
        `timed out after ${wait.timeoutSeconds} s waiting for ${wait.kind} ${wait.ref.name} to be ${wait.reason}; last seen: ${last ? `${conditionLine(last.condition)}${fresh ? '' : ' (recorded before this command)'}` : 'not recorded yet'}`,
      );
    }
    await ctx.sleep(WAIT_POLL_MS);
  }
}

async function withWait(ctx: CommandContext, done: Output, wait: WaitFor | undefined): Promise<Output> {
  if (!wait) return done;
  ctx.progress(done.text);
  ctx.progress(`Waiting for the control plane to record ${wait.reason} (up to ${wait.timeoutSeconds} s)...`);
  const status = await waitFor(ctx, wait);
  // The write's own line went to stderr already; stdout is the status it led to.
  return { data: { result: done.data, status }, text: statusText(wait.kind, wait.ref, status) };
}

async function status(ctx: CommandContext, kind: Kind): Promise<Output> {
  const ref = kind === 'spoke' ? vnetRef(ctx) : endpointRef(ctx);
  const wait = waitOption(ctx.values);
  const body = wait ? await waitFor(ctx, { ...wait, kind, ref }) : await readStatus(ctx, kind, ref);
  if (!body) throw new CliError(`the control plane has no record of ${kind} ${resourceIdOf(ref, kind === 'spoke' ? VNET_TYPE : ENDPOINT_TYPE)} (run "reconcile ${kind}" to look at it now).`);
  return { data: body, text: statusText(kind, ref, body) };
}

export const spokeStatus = (ctx: CommandContext): Promise<Output> => status(ctx, 'spoke');
export const endpointStatus = (ctx: CommandContext): Promise<Output> => status(ctx, 'endpoint');

async function listRecords(ctx: CommandContext, kind: Kind): Promise<Output> {
  const filter = statusFilter(ctx.values);
  const query = new URLSearchParams(filter).toString();
  const plural = kind === 'spoke' ? 'spokes' : 'endpoints';
  const { api } = await ctx.connect();
  // Every page (the route answers at most `top` a time; its nextLink carries the filters and the continuation token).
  const items: { vnetId?: string; endpointId?: string; condition?: ConditionView; updatedAt?: string }[] = [];
  let next: string | undefined = `/api/${plural}?${new URLSearchParams({ ...filter, top: '1000' }).toString()}`;
  let count = 0;
  while (next) {
    const page = (await api.get(next)).body as Record<string, unknown>;
    items.push(...((Array.isArray(page[plural]) ? page[plural] : []) as typeof items));
    count = typeof page.count === 'number' ? page.count : items.length;
    next = typeof page.nextLink === 'string' ? page.nextLink : undefined;
  }
  const body = { count, [plural]: items };
  const rows = [
    [kind.toUpperCase(), 'STATUS', 'REASON', 'UPDATED'],
    ...items.map((r) => [short(r.vnetId ?? r.endpointId), r.condition?.status ?? '-', r.condition?.reason ?? '-', r.updatedAt ?? '-']),
  ];
  return { data: body, text: items.length ? table(rows) : `No ${plural} recorded${query ? ` matching ${query}` : ''}.` };
}

export const spokes = (ctx: CommandContext): Promise<Output> => listRecords(ctx, 'spoke');
export const endpoints = (ctx: CommandContext): Promise<Output> => listRecords(ctx, 'endpoint');

async function reconcileOne(ctx: CommandContext, kind: Kind): Promise<Output> {
  const ref = kind === 'spoke' ? vnetRef(ctx) : endpointRef(ctx);
  const wait = waitOption(ctx.values);
  const since = ctx.now();
  const body = (await (await ctx.connect()).api.post(`${routeOf(kind, ref)}/reconcile`)).body as { instanceId?: string; outcome?: string };
  const done = { data: body, text: `Reconcile ${body.outcome ?? 'requested'}: ${body.instanceId ?? ''}` };
  return withWait(ctx, done, wait && { ...wait, kind, ref, since });
}

async function sweep(ctx: CommandContext, kind: Kind): Promise<Output> {
  const subscriptions = subscriptionsOption(ctx.values);
  const wait = ctx.values.wait === true;
  const timeoutSeconds = secondsOption(ctx.values, 'timeout', { min: 1, max: 3600, fallback: 60 });
  if (!wait && ctx.values.timeout !== undefined) throw new UsageError('--timeout only applies with --wait.');
  const plural = kind === 'spoke' ? 'spokes' : 'endpoints';
  const body = (await (await ctx.connect()).api.post(`/api/${plural}/reconcile`, subscriptions.length ? { subscriptions } : undefined)).body as { id?: string; statusQueryGetUri?: string };
  if (!wait || !body.statusQueryGetUri) return { data: body, text: `Sweep started: ${body.id ?? '?'}` };
  const statusPath = new URL(body.statusQueryGetUri).pathname + new URL(body.statusQueryGetUri).search;
  const deadline = ctx.now() + timeoutSeconds * 1000;
  for (;;) {
    const answer = await (await ctx.connect()).api.get(statusPath, [202]);
    const s = answer.body as { runtimeStatus?: string; output?: unknown };
    if (s.runtimeStatus === 'Completed') return { data: s, text: `Sweep ${body.id ?? ''} completed: ${JSON.stringify(s.output)}` };
    if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') throw new CliError(`sweep ${body.id ?? ''} ${s.runtimeStatus}: ${JSON.stringify(s.output)}`);
    if (ctx.now() >= deadline) throw new CliError(`timed out after ${timeoutSeconds} s waiting for sweep ${body.id ?? ''} (last status ${s.runtimeStatus ?? '?'}).`);
    await ctx.sleep(WAIT_POLL_MS);
  }
}

export const reconcileSpoke = (ctx: CommandContext): Promise<Output> => reconcileOne(ctx, 'spoke');
export const reconcileEndpoint = (ctx: CommandContext): Promise<Output> => reconcileOne(ctx, 'endpoint');
export const reconcileSpokes = (ctx: CommandContext): Promise<Output> => sweep(ctx, 'spoke');
export const reconcileEndpoints = (ctx: CommandContext): Promise<Output> => sweep(ctx, 'endpoint');

// ---- Drift checks and event delivery -----------------------------------------------------------------------------

const RUN_ID_ARG = /^dr-\d{8}T\d{9}Z-[a-z0-9]{4,12}$/;

interface DriftRunView {
  runId: string;
  status: string;
  trigger?: string;
  startedAt?: string;
  itemCount?: number;
  actions?: Record<string, number>;
}

async function driftText(ctx: CommandContext, runId: string): Promise<string> {
  const answer = await (await ctx.connect()).api.get(`/api/drift/runs/${runId}?format=text`);
  return typeof answer.body === 'string' ? answer.body.replace(/\n$/, '') : JSON.stringify(answer.body);
}

export async function driftRun(ctx: CommandContext): Promise<Output> {
  const wait = ctx.values.wait === true;
  const timeoutSeconds = secondsOption(ctx.values, 'timeout', { min: 1, max: 3600, fallback: 60 });
  if (!wait && ctx.values.timeout !== undefined) throw new UsageError('--timeout only applies with --wait.');
  const { api } = await ctx.connect();
  const answer = await api.request('POST', '/api/drift/runs', undefined, [409]);
  const body = answer.body as { runId?: string; url?: string; error?: { message?: string } };
  if (answer.status === 409) throw new CliError(`${body.error?.message ?? 'a drift run is running'}${body.url ? `: ${body.url}` : ''}`);
  const runId = body.runId ?? '';
  if (!wait) return { data: body, text: `Drift run ${runId} started: ${body.url ?? ''}` };
  const deadline = ctx.now() + timeoutSeconds * 1000;
  for (;;) {
    const run = (await (await ctx.connect()).api.get(`/api/drift/runs/${runId}`)).body as DriftRunView;
    if (run.status !== 'Running') return { data: run, text: await driftText(ctx, runId) };
    if (ctx.now() >= deadline) throw new CliError(`timed out after ${timeoutSeconds} s waiting for drift run ${runId}.`);
    await ctx.sleep(WAIT_POLL_MS);
  }
}

export async function driftReport(ctx: CommandContext): Promise<Output> {
  const runId = stringOption(ctx.values, 'run') ?? 'latest';
  if (runId !== 'latest' && !RUN_ID_ARG.test(runId)) throw new UsageError(`"${runId}" is not a drift run ID (dr-...) or "latest".`);
  const body = (await (await ctx.connect()).api.get(`/api/drift/runs/${runId}`)).body as DriftRunView & { items?: unknown[] };
  if (ctx.values.text === true) return { data: body, text: await driftText(ctx, body.runId) };
  return { data: body, text: JSON.stringify(body, null, 2) };
}

export async function driftList(ctx: CommandContext): Promise<Output> {
  const body = (await (await ctx.connect()).api.get('/api/drift/runs')).body as { runs?: DriftRunView[] };
  const runs = body.runs ?? [];
  const rows = [['RUN', 'STATUS', 'TRIGGER', 'STARTED', 'ITEMS', 'ACTIONS'], ...runs.map((r) => [r.runId, r.status, r.trigger ?? '-', r.startedAt ?? '-', String(r.itemCount ?? 0), Object.entries(r.actions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ') || '-'])];
  return { data: body, text: runs.length ? table(rows) : 'No drift run recorded yet.' };
}

async function eventGrid(ctx: CommandContext, action: 'pause' | 'resume'): Promise<Output> {
  const body = (await (await ctx.connect()).api.post(`/api/local/eventgrid/${action}`)).body as { paused?: boolean; lostWhilePaused?: number };
  return { data: body, text: body.paused ? 'Event delivery paused: resource events raised from now on are lost.' : `Event delivery resumed (${body.lostWhilePaused ?? 0} event(s) were lost while paused).` };
}

export const eventGridPause = (ctx: CommandContext): Promise<Output> => eventGrid(ctx, 'pause');
export const eventGridResume = (ctx: CommandContext): Promise<Output> => eventGrid(ctx, 'resume');

// ---- Token -------------------------------------------------------------------------------------------------------

export async function token(ctx: CommandContext): Promise<Output> {
  const oid = requiredOption(ctx.values, 'oid', 'token');
  const name = requiredOption(ctx.values, 'name', 'token');
  const roles = stringsOption(ctx.values, 'role');
  const audience = stringOption(ctx.values, 'audience');
  const expires = stringOption(ctx.values, 'expires-in');
  const expiresInSeconds = expires === undefined ? undefined : secondsOption(ctx.values, 'expires-in', { min: 60, max: 86_400, fallback: 3600 });
  if (!isGuid(oid)) throw new UsageError(`--oid "${oid}" must be a GUID (the object ID to act as).`);
  const { info, api } = await ctx.connect();
  if (!info.auth) throw new CliError('this control plane publishes no token issuer (no "auth" in /api/local/info).');
  // The issuer validates the rest of the body (a 400 naming the problem, shown as is).
  const appId = stringOption(ctx.values, 'app-id');
  if (appId !== undefined && !isGuid(appId)) throw new UsageError(`--app-id "${appId}" must be a GUID (the calling application's ID).`);
  const body = { oid, name, roles, ...(audience !== undefined ? { audience } : {}), ...(appId !== undefined ? { appId } : {}), ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}) };
  const answer = (await api.post(new URL(info.auth.tokenUrl).pathname, body)).body as { access_token?: string };
  if (typeof answer.access_token !== 'string') throw new CliError('the token issuer answered without an access_token.');
  return { data: answer, text: answer.access_token };
}

// ---- stamps ------------------------------------------------------------------------------------------------------

const STAMP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function stampName(ctx: CommandContext): string {
  const name = ctx.args[0] ?? '';
  if (!STAMP_NAME.test(name)) throw new UsageError(`"${name}" is not a stamp name (1-63 letters, digits, ".", "_" or "-").`);
  return name;
}

interface StampView {
  name: string;
  state: string;
  why: string;
  pin: { mode: string; reason: string } | null;
  ejectionCount: number;
  frontDoor: { enabledState: string | null; lastWrite?: { enabledState: string; acceptedAt?: string } | null };
  originId?: string;
  backendAddress?: string;
  condition?: { reason: string };
}

export async function stampList(ctx: CommandContext): Promise<Output> {
  const { api } = await ctx.connect();
  const body = (await api.get('/api/stamps')).body as { stamps: StampView[] };
  const rows = [['STAMP', 'STATE', 'FRONT DOOR', 'PIN', 'EJECTIONS', 'WHY']];
  for (const s of body.stamps) rows.push([s.name, s.condition?.reason ?? s.state, s.frontDoor.enabledState ?? '-', s.pin ? s.pin.mode : '-', String(s.ejectionCount), s.why]);
  return { data: body, text: table(rows) };
}

export async function stampShow(ctx: CommandContext): Promise<Output> {
  const name = stampName(ctx);
  const { api } = await ctx.connect();
  const s = (await api.get(`/api/stamps/${encodeURIComponent(name)}`)).body as StampView & { history: Array<{ at: string; from: string; to: string; why: string }>; audit: Array<{ at: string; action: string; outcome: string; reason: string }> };
  const lines = [
    `stamp ${s.name}`,
    `  ${s.condition?.reason ?? s.state}: ${s.why}`,
    `  origin:        ${s.originId ?? '-'}${s.backendAddress ? ` (backend ${s.backendAddress})` : ''}`,
    `  front door:    ${s.frontDoor.enabledState ?? '-'} as last read${s.frontDoor.lastWrite ? `; last write ${s.frontDoor.lastWrite.enabledState}${s.frontDoor.lastWrite.acceptedAt ? ` accepted ${s.frontDoor.lastWrite.acceptedAt} (Front Door propagates it over minutes)` : ''}` : ''}`,
    `  pin:           ${s.pin ? `${s.pin.mode} (${s.pin.reason})` : 'none'}`,
    `  ejections:     ${s.ejectionCount}`,
    ...s.history.slice(-10).map((h) => `  history:       ${h.at} ${h.from} -> ${h.to}: ${h.why}`),
    ...s.audit.slice(0, 10).map((a) => `  audit:         ${a.at} ${a.action} ${a.outcome}: ${a.reason}`),
  ];
  return { data: s, text: lines.join('\n') };
}

export async function stampHealth(ctx: CommandContext): Promise<Output> {
  const name = stampName(ctx);
  const raw = ctx.args[1] ?? '';
  const status = raw === 'timeout' || raw === 'refuse' ? raw : /^[1-5][0-9][0-9]$/.test(raw) ? Number(raw) : undefined;
  if (status === undefined) throw new UsageError(`"${raw}" is not an answer: give an HTTP status (200, 503, ...), timeout or refuse.`);
  const { api } = await ctx.connect();
  const answer = (await api.put(`/api/local/stamps/${encodeURIComponent(name)}/health`, { status })).body as { healthUrl: string };
  return { data: answer, text: `Stamp ${name}: its health endpoint (${answer.healthUrl}) now answers ${status}` };
}

export async function stampPin(ctx: CommandContext): Promise<Output> {
  const name = stampName(ctx);
  const mode = requiredOption(ctx.values, 'mode', 'stamp pin');
  if (!['out', 'in', 'auto'].includes(mode)) throw new UsageError(`--mode "${mode}" must be out, in or auto.`);
  const reason = requiredOption(ctx.values, 'reason', 'stamp pin');
  const until = stringOption(ctx.values, 'until');
  const { api } = await ctx.connect();
  const answer = (await api.post(`/api/stamps/${encodeURIComponent(name)}/pin`, { mode, reason, ...(until !== undefined ? { until } : {}) })).body;
  return { data: answer, text: `Stamp ${name}: pinned ${mode} (${reason})${until ? ` until ${until}` : ''}; its monitor applies it now` };
}

export async function stampAlert(ctx: CommandContext): Promise<Output> {
  const name = stampName(ctx);
  const signal = ctx.args[1] ?? '';
  const path = `/api/local/stamps/${encodeURIComponent(name)}`;
  if (['Unavailable', 'Available', 'Degraded', 'Unknown'].includes(signal)) {
    const { api } = await ctx.connect();
    const answer = (await api.post(`${path}/health-event`, { availabilityState: signal })).body;
    return { data: answer, text: `Stamp ${name}: Health Resources event ${signal} delivered` };
  }
  if (signal !== 'Fired' && signal !== 'Resolved') throw new UsageError(`"${signal}" is not a signal: Fired or Resolved (an alert), or Unavailable, Available, Degraded or Unknown (a Health Resources event).`);
  const { api } = await ctx.connect();
  const answer = (await api.post(`${path}/alert`, { condition: signal })).body as { delivered: number };
  return { data: answer, text: `Stamp ${name}: alert ${signal} delivered (the webhook answered ${answer.delivered})` };
}

// --- Egress requests, as a local user with a token from the local issuer -------------------------------------------

const DEMO_REQUESTER = 'e9e55000-0000-4000-8000-00000000e001';
const DEMO_APPROVER = 'e9e55000-0000-4000-8000-00000000e002';

/** Bearer header for a local user with these roles (the --as object ID, else the demo user). */
async function actAs(ctx: CommandContext, connection: Connection, fallback: string, roles: string[]): Promise<Record<string, string>> {
  const oid = stringOption(ctx.values, 'as') ?? fallback;
  if (!isGuid(oid)) throw new UsageError(`--as "${oid}" must be a GUID (the object ID to act as).`);
  if (!connection.info.auth) throw new CliError('this control plane publishes no token issuer (no "auth" in /api/local/info).');
  const answer = (await connection.api.post(new URL(connection.info.auth.tokenUrl).pathname, { oid, name: `local user ${oid.slice(0, 8)}`, roles })).body as { access_token?: string };
  if (typeof answer.access_token !== 'string') throw new CliError('the token issuer answered without an access_token.');
  return { authorization: `Bearer ${answer.access_token}` };
}

interface EgressView {
  id: string;
  status: string;
  spokeVnetId: string;
  destinations: Array<{ kind: string; fqdn?: string; tag?: string; ports: Array<{ protocol: string; port: number }> }>;
  decisions?: Array<{ verdict: string; by: string; comment: string }>;
  history?: Array<{ at: string; status: string; message: string }>;
  rule?: { firewallPolicyId: string; ruleCollectionGroup: string; ruleCollection: string; name: string };
  expiresAt?: string;
}

const destinationText = (d: EgressView['destinations'][number]): string => `${d.fqdn ?? `tag:${d.tag ?? ''}`} (${d.ports.map((p) => `${p.protocol}:${p.port}`).join(', ')})`;

function egressText(v: EgressView): string {
  const lines = [`${v.id}: ${v.status}`, `  spoke: ${v.spokeVnetId}`, `  destinations: ${v.destinations.map(destinationText).join('; ')}`];
  for (const d of v.decisions ?? []) lines.push(`  decision: ${d.verdict} by ${d.by}${d.comment ? ` (${d.comment})` : ''}`);
  if (v.rule) lines.push(`  rule: ${v.rule.name} in ${v.rule.ruleCollectionGroup}/${v.rule.ruleCollection} of ${v.rule.firewallPolicyId}`);
  if (v.expiresAt) lines.push(`  expires: ${v.expiresAt}`);
  const last = v.history?.[v.history.length - 1];
  if (last) lines.push(`  last: ${last.at} ${last.message}`);
  return lines.join('\n');
}

const REQUEST_ID = /^egr-[0-9a-f]{24}$/;

function requestIdArg(ctx: CommandContext, command: string): string {
  const id = ctx.args[0] ?? '';
  if (!REQUEST_ID.test(id)) throw new UsageError(`"${command}" needs a request ID such as egr-0123456789abcdef01234567 (got "${id}").`);
  return id;
}

export async function egressRequest(ctx: CommandContext): Promise<Output> {
  const vnetId = resourceIdOf(parseResourceRef(ctx.args[0] ?? '', VNET_TYPE, 'vnet'), VNET_TYPE);
  const fqdns = stringsOption(ctx.values, 'fqdn');
  const tags = stringsOption(ctx.values, 'fqdn-tag');
  const ports = stringsOption(ctx.values, 'port');
  const justification = requiredOption(ctx.values, 'justification', 'egress request');
  if (fqdns.length + tags.length === 0) throw new UsageError('"egress request" needs at least one --fqdn or --fqdn-tag.');
  const ttl = stringOption(ctx.values, 'ttl-days');
  const ttlDays = ttl === undefined ? undefined : Number(ttl);
  if (ttlDays !== undefined && (!Number.isInteger(ttlDays) || ttlDays < 1 || ttlDays > 365)) throw new UsageError(`--ttl-days "${ttl}" must be a whole number from 1 to 365.`);
  const connection = await ctx.connect();
  const auth = await actAs(ctx, connection, DEMO_REQUESTER, ['Egress.Requester']);
  // The API validates destinations and ports (a 400 naming each bad one, shown as is).
  const body = {
    spokeVnetId: vnetId,
    destinations: [...fqdns.map((fqdn) => ({ fqdn, ...(ports.length ? { ports } : {}) })), ...tags.map((fqdnTag) => ({ fqdnTag }))],
    justification,
    ...(ttlDays !== undefined ? { ttlDays } : {}),
  };
  const key = stringOption(ctx.values, 'idempotency-key') ?? randomUUID();
  const answer = (await connection.api.request('POST', '/api/egress-requests', body, [], { ...auth, 'idempotency-key': key })).body as { id: string; status: string };
  return { data: answer, text: `${answer.id}: ${answer.status}` };
}

export async function egressList(ctx: CommandContext): Promise<Output> {
  const status = stringOption(ctx.values, 'status');
  const spoke = stringOption(ctx.values, 'spoke');
  const spokeId = spoke === undefined ? undefined : resourceIdOf(parseResourceRef(spoke, VNET_TYPE, 'vnet'), VNET_TYPE);
  const connection = await ctx.connect();
  const auth = await actAs(ctx, connection, DEMO_APPROVER, ['Egress.Approver']);
  const items: EgressView[] = [];
  let next: string | undefined = `/api/egress-requests?${new URLSearchParams({ ...(status ? { status } : {}), ...(spokeId ? { spoke: spokeId } : {}), top: '100' }).toString()}`;
  // Bounded: at most 50 pages of 100.
  for (let page = 0; next && page < 50; page++) {
    const answer = (await connection.api.request('GET', next, undefined, [], auth)).body as { value: EgressView[]; nextLink?: string };
    items.push(...answer.value);
    next = answer.nextLink;
  }
  return { data: items, text: items.length === 0 ? 'no egress requests' : items.map((v) => `${v.id}  ${v.status.padEnd(16)} ${v.spokeVnetId.split('/').pop() ?? ''}  ${v.destinations.map(destinationText).join('; ')}`).join('\n') };
}

export async function egressShow(ctx: CommandContext): Promise<Output> {
  const id = requestIdArg(ctx, 'egress show');
  const connection = await ctx.connect();
  const auth = await actAs(ctx, connection, DEMO_APPROVER, ['Egress.Approver']);
  const view = (await connection.api.request('GET', `/api/egress-requests/${id}`, undefined, [], auth)).body as EgressView;
  return { data: view, text: egressText(view) };
}

export async function egressDecide(ctx: CommandContext): Promise<Output> {
  const id = requestIdArg(ctx, 'egress decide');
  const verdict = requiredOption(ctx.values, 'verdict', 'egress decide');
  if (verdict !== 'approve' && verdict !== 'reject') throw new UsageError(`--verdict must be approve or reject (got "${verdict}").`);
  const comment = stringOption(ctx.values, 'comment') ?? '';
  const connection = await ctx.connect();
  const auth = await actAs(ctx, connection, DEMO_APPROVER, ['Egress.Approver']);
  const answer = (await connection.api.request('POST', `/api/egress-requests/${id}/decision`, { verdict, comment }, [], auth)).body;
  return { data: answer, text: `${id}: ${verdict} recorded` };
}

export async function egressRevoke(ctx: CommandContext): Promise<Output> {
  const id = requestIdArg(ctx, 'egress revoke');
  const connection = await ctx.connect();
  const auth = await actAs(ctx, connection, DEMO_APPROVER, ['Egress.Approver']);
  const answer = (await connection.api.request('POST', `/api/egress-requests/${id}/revoke`, undefined, [], auth)).body;
  return { data: answer, text: `${id}: revoke asked` };
}
