/**
 * Microsoft.Network/privateDnsZones (api 2024-06-01): zones and virtual network links are long-running
 * (final-state-via location), A record sets are synchronous with plain-GUID etags honoured through If-Match /
 * If-None-Match. Record set names come back lower case and fqdn carries a trailing dot.
 */
import { randomUUID } from 'node:crypto';
import type { ArmResponse, EmulatorCore, RequestContext } from '../context';
import { lroRetryAfter, notify, pagedAnswer, parseJsonBody, record, requireResourceGroup, provisioningOutcome, startLro, statusUrl, tagsOf, bool } from '../context';
import {
  ArmError,
  childNotFound,
  invalidRequestContent,
  invalidResourceReference,
  preconditionFailedExists,
  preconditionFailedModified,
  resourceNotFound,
} from '../errors';
import type { OperationRecord } from '../operations';
import { idKey, networkId } from '../resourceId';
import type { PrivateDnsZoneRecord, RecordSetRecord, VirtualNetworkLinkRecord } from '../state';

const ZONE_TYPE = 'Microsoft.Network/privateDnsZones';
const LINK_TYPE = 'Microsoft.Network/privateDnsZones/virtualNetworkLinks';

/** Private DNS etags are bare GUIDs (no W/ prefix, no quotes), as in the official examples. */
const dnsEtag = (): string => randomUUID();

export function zoneWire(zone: PrivateDnsZoneRecord): Record<string, unknown> {
  const links = [...zone.links.values()];
  return {
    id: zone.id,
    name: zone.name,
    type: ZONE_TYPE,
    etag: zone.etag,
    location: 'global',
    ...(zone.tags ? { tags: zone.tags } : {}),
    properties: {
      maxNumberOfRecordSets: 25_000,
      maxNumberOfVirtualNetworkLinks: 1_000,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      // The SOA record set every zone has counts too.
      numberOfRecordSets: zone.recordSets.size + 1,
      numberOfVirtualNetworkLinks: links.length,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => l.registrationEnabled).length,
      provisioningState: zone.provisioningState,
      internalId: zone.internalId,
    },
  };
}

export function recordSetWire(zone: PrivateDnsZoneRecord, r: RecordSetRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    type: `${ZONE_TYPE}/${r.type}`,
    etag: r.etag,
    properties: {
      ...(r.metadata ? { metadata: r.metadata } : {}),
      ttl: r.ttl,
      fqdn: `${r.name === '@' ? '' : `${r.name}.`}${zone.name}.`,
      isAutoRegistered: false,
      aRecords: r.aRecords.map((a) => ({ ...a })),
    },
  };
}

function soaWire(zone: PrivateDnsZoneRecord): Record<string, unknown> {
  return {
    id: `${zone.id}/SOA/@`,
    name: '@',
    type: `${ZONE_TYPE}/SOA`,
    etag: zone.etag,
    properties: {
      ttl: 3600,
      fqdn: `${zone.name}.`,
      isAutoRegistered: false,
      soaRecord: {
        host: 'azureprivatedns.net',
        email: 'azureprivatedns-host.microsoft.com',
        serialNumber: 1,
        refreshTime: 3600,
        retryTime: 300,
        expireTime: 2_419_200,
        minimumTtl: 10,
      },
    },
  };
}

function linkWire(link: VirtualNetworkLinkRecord): Record<string, unknown> {
  return {
    id: link.id,
    name: link.name,
    type: LINK_TYPE,
    etag: link.etag,
    location: 'global',
    ...(link.tags ? { tags: link.tags } : {}),
    properties: {
      virtualNetwork: { id: link.virtualNetworkId },
      registrationEnabled: link.registrationEnabled,
      resolutionPolicy: link.resolutionPolicy,
      virtualNetworkLinkState: link.provisioningState === 'Succeeded' ? 'Completed' : 'InProgress',
      provisioningState: link.provisioningState,
    },
  };
}

/** Private DNS compares etags as given; a quoted value from a client is accepted too. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const wanted = header.replace(/^W\//, '').replace(/^"|"$/g, '');
  return wanted === '*' || wanted === etag;
}

function zoneKeyOf(ctx: RequestContext, rg: string, zoneName: string): string {
  return idKey(networkId(ctx.subscriptionId, rg, 'privateDnsZones', zoneName));
}

export function getZoneOr404(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): PrivateDnsZoneRecord {
  requireResourceGroup(core, ctx, rg);
  const zone = core.state.privateDnsZones.get(zoneKeyOf(ctx, rg, zoneName));
  if (!zone) throw resourceNotFound(ZONE_TYPE, zoneName, rg);
  return zone;
}

/**
 * The zone a record set or VNet link request names. A missing zone is ARM's nested-resource 404,
 * `ParentResourceNotFound` (Learn "Resolve errors for parent resources"; the same message for Private DNS A records
 * in terraform-provider-azurerm#21399), unlike a missing record set in an existing zone (`NotFound`).
 */
function getParentZoneOr404(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): PrivateDnsZoneRecord {
  requireResourceGroup(core, ctx, rg);
  const zone = core.state.privateDnsZones.get(zoneKeyOf(ctx, rg, zoneName));
  if (!zone) throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${zoneName}' not found.`);
  return zone;
}

/**
 * Private DNS asks clients to come back after 60 s (the 202 of every long-running example in the 2024-06-01 spec,
 * e.g. PrivateZonePut.json, VirtualNetworkLinkPut.json), where NRP says 10 s; scaled like every
 * other duration.
 */
export const PRIVATE_DNS_RETRY_AFTER_SECONDS = 60;

/** 202 + Location (operation result) + Azure-AsyncOperation (status) + Retry-After, as Private DNS answers. */
function acceptedDns(core: EmulatorCore, ctx: RequestContext, op: OperationRecord): ArmResponse {
  return {
    status: 202,
    headers: {
      'Azure-AsyncOperation': op.statusUrl,
      Location: statusUrl(ctx, 'privateDns', op.region, op.resourceGroup, op.id, 'result'),
      ...lroRetryAfter(core, PRIVATE_DNS_RETRY_AFTER_SECONDS),
    },
  };
}

export function newZone(subscriptionId: string, rg: string, name: string, tags?: Record<string, string>): PrivateDnsZoneRecord {
  return {
    id: networkId(subscriptionId, rg, 'privateDnsZones', name),
    subscriptionId,
    resourceGroup: rg,
    name,
    tags,
    etag: dnsEtag(),
    internalId: Buffer.from(randomUUID()).toString('base64'),
    recordSets: new Map(),
    links: new Map(),
    provisioningState: 'Succeeded',
  };
}

export function putZone(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): ArmResponse {
  requireResourceGroup(core, ctx, rg);
  const key = zoneKeyOf(ctx, rg, zoneName);
  const existing = core.state.privateDnsZones.get(key);
  core.operations.assertUnlocked([key]);
  if (existing && !etagMatches(ctx.request.headers['if-match'], existing.etag)) throw preconditionFailedModified('Zone', existing.name);
  if (!existing && ctx.request.headers['if-match'] !== undefined) throw preconditionFailedModified('Zone', zoneName);
  if (existing && ctx.request.headers['if-none-match'] === '*') throw preconditionFailedExists('Zone', existing.name);
  const body = parseJsonBody(ctx);
  const location = typeof body['location'] === 'string' ? body['location'].toLowerCase() : 'global';
  if (location !== 'global') {
    throw new ArmError(400, 'LocationNotAvailableForResourceType', `The provided location '${location}' is not available for resource type '${ZONE_TYPE}'. List of available regions for the resource type is 'global'.`);
  }
  const zone = existing ?? newZone(ctx.subscriptionId, rg, zoneName);
  zone.tags = tagsOf(body['tags']);
  zone.provisioningState = existing ? 'Updating' : 'Creating';
  core.state.privateDnsZones.set(key, zone);
  const op = startLro(core, ctx, {
    flavor: 'privateDns',
    kind: 'privateDnsZones',
    region: 'global',
    resourceGroup: rg,
    method: 'PUT',
    lockKeys: [key],
    resourceUri: zone.id,
    operationType: ZONE_TYPE,
    ...provisioningOutcome(zone, { etag: dnsEtag }),
    result: () => zoneWire(zone),
  });
  return acceptedDns(core, ctx, op);
}

export function getZone(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): ArmResponse {
  return { status: 200, headers: {}, body: zoneWire(getZoneOr404(core, ctx, rg, zoneName)) };
}

export function listZones(core: EmulatorCore, ctx: RequestContext, rg: string | undefined): ArmResponse {
  const prefix = rg ? `${idKey(requireResourceGroup(core, ctx, rg).id)}/` : `/subscriptions/${ctx.subscriptionId.toLowerCase()}/`;
  const zones = [...core.state.privateDnsZones.values()].filter((z) => idKey(z.id).startsWith(prefix));
  return pagedAnswer(core, ctx, zones.map(zoneWire));
}

export function deleteZone(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): ArmResponse {
  requireResourceGroup(core, ctx, rg);
  const key = zoneKeyOf(ctx, rg, zoneName);
  const zone = core.state.privateDnsZones.get(key);
  if (!zone) return { status: 204, headers: {} };
  if (!etagMatches(ctx.request.headers['if-match'], zone.etag)) throw preconditionFailedModified('Zone', zone.name);
  core.operations.assertUnlocked([key]);
  if (zone.links.size > 0) {
    // The rule is documented ("cannot be deleted unless all virtual network links to it are removed"); the code is unverified.
    throw new ArmError(
      409,
      'Conflict',
      `The Private DNS zone ${zone.name} cannot be deleted because it has ${zone.links.size} virtual network link(s). Remove all virtual network links before deleting the zone.`,
    );
  }
  const before = zone.provisioningState;
  zone.provisioningState = 'Deleting';
  const op = startLro(core, ctx, {
    flavor: 'privateDns',
    kind: 'privateDnsZones',
    region: 'global',
    resourceGroup: rg,
    method: 'DELETE',
    lockKeys: [key],
    resourceUri: zone.id,
    operationType: ZONE_TYPE,
    complete: () => {
      core.state.privateDnsZones.delete(key);
    },
    fail: () => {
      zone.provisioningState = before;
    },
  });
  return acceptedDns(core, ctx, op);
}

/** Writes an A record set (zone group and seeding); overwrites an existing one of the same name. */
export function upsertRecordSet(
  _core: EmulatorCore,
  zone: PrivateDnsZoneRecord,
  name: string,
  ttl: number,
  ips: readonly string[],
  metadata?: Record<string, string>,
): RecordSetRecord {
  const lower = name.toLowerCase();
  const recordSet: RecordSetRecord = {
    id: `${zone.id}/A/${lower}`,
    name: lower,
    type: 'A',
    etag: dnsEtag(),
    ttl,
    metadata,
    aRecords: ips.map((ipv4Address) => ({ ipv4Address })),
  };
  zone.recordSets.set(`a/${lower}`, recordSet);
  return recordSet;
}

export function removeRecordSet(core: EmulatorCore, zoneId: string, name: string): void {
  core.state.privateDnsZones.get(idKey(zoneId))?.recordSets.delete(`a/${name.toLowerCase()}`);
}

function requireARecordType(recordType: string): void {
  if (recordType.toLowerCase() !== 'a') {
    // Only A record sets are emulated; ARM would accept other types, the emulator refuses loudly.
    throw new ArmError(400, 'InvalidResourceType', `The record type '${recordType}' is not emulated by the local ARM emulator (only A).`);
  }
}

export function putRecordSet(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, recordType: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  requireARecordType(recordType);
  const lower = name.toLowerCase();
  const existing = zone.recordSets.get(`a/${lower}`);
  const ifMatch = ctx.request.headers['if-match'];
  if (ifMatch !== undefined && (!existing || !etagMatches(ifMatch, existing.etag))) throw preconditionFailedModified('Record set', lower);
  if (existing && ctx.request.headers['if-none-match'] === '*') throw preconditionFailedExists('Record set', lower);
  const props = record(parseJsonBody(ctx)['properties']);
  const ttl = props['ttl'] === undefined ? 3600 : props['ttl'];
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0) throw invalidRequestContent("'properties.ttl' must be a non-negative integer");
  const rawRecords = props['aRecords'] ?? [];
  if (!Array.isArray(rawRecords)) throw invalidRequestContent("'properties.aRecords' must be an array");
  const ips = rawRecords.map((r: unknown) => record(r)['ipv4Address']);
  if (ips.some((ip) => typeof ip !== 'string')) throw invalidRequestContent('every A record needs an ipv4Address');
  if (ips.length > 20) {
    throw new ArmError(400, 'BadRequest', `The record set ${lower} has ${ips.length} records; a record set can hold at most 20 records.`);
  }
  const metadata = record(props['metadata']);
  const recordSet = upsertRecordSet(core, zone, lower, ttl, ips as string[], Object.keys(metadata).length > 0 ? (metadata as Record<string, string>) : undefined);
  notify(core, ctx, {
    kind: 'write',
    status: 'Succeeded',
    resourceUri: recordSet.id,
    operationName: `${ZONE_TYPE}/A/write`,
    resourceGroup: zone.resourceGroup,
    resourceProvider: 'Microsoft.Network',
  });
  return { status: existing ? 200 : 201, headers: { ETag: recordSet.etag }, body: recordSetWire(zone, recordSet) };
}

export function getRecordSet(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, recordType: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  if (recordType.toLowerCase() === 'soa' && name === '@') return { status: 200, headers: {}, body: soaWire(zone) };
  requireARecordType(recordType);
  const recordSet = zone.recordSets.get(`a/${name.toLowerCase()}`);
  if (!recordSet) throw childNotFound(`${zone.id}/A/${name.toLowerCase()}`);
  return { status: 200, headers: { ETag: recordSet.etag }, body: recordSetWire(zone, recordSet) };
}

export function listRecordSets(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, recordType: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  const all = recordType.toLowerCase() === 'all';
  if (!all && recordType.toLowerCase() !== 'soa') requireARecordType(recordType);
  const items = [
    ...(all || recordType.toLowerCase() === 'soa' ? [soaWire(zone)] : []),
    ...(recordType.toLowerCase() === 'soa' ? [] : [...zone.recordSets.values()].map((r) => recordSetWire(zone, r))),
  ];
  return pagedAnswer(core, ctx, items);
}

export function deleteRecordSet(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, recordType: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  requireARecordType(recordType);
  const lower = name.toLowerCase();
  const existing = zone.recordSets.get(`a/${lower}`);
  if (!existing) return { status: 204, headers: {} };
  if (!etagMatches(ctx.request.headers['if-match'], existing.etag)) throw preconditionFailedModified('Record set', lower);
  zone.recordSets.delete(`a/${lower}`);
  notify(core, ctx, {
    kind: 'delete',
    status: 'Succeeded',
    resourceUri: existing.id,
    operationName: `${ZONE_TYPE}/A/delete`,
    resourceGroup: zone.resourceGroup,
    resourceProvider: 'Microsoft.Network',
  });
  return { status: 200, headers: {} };
}

export function putLink(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  const linkKey = name.toLowerCase();
  const existing = zone.links.get(linkKey);
  const ifMatch = ctx.request.headers['if-match'];
  if (ifMatch !== undefined && (!existing || !etagMatches(ifMatch, existing.etag))) throw preconditionFailedModified('Virtual network link', name);
  if (existing && ctx.request.headers['if-none-match'] === '*') throw preconditionFailedExists('Virtual network link', name);
  const body = parseJsonBody(ctx);
  const props = record(body['properties']);
  const vnetId = record(props['virtualNetwork'])['id'];
  const linkId = existing?.id ?? `${zone.id}/virtualNetworkLinks/${name}`;
  if (typeof vnetId !== 'string') throw invalidRequestContent("'properties.virtualNetwork.id' is required");
  const vnet = core.state.virtualNetworks.get(idKey(vnetId));
  if (!vnet) throw invalidResourceReference(vnetId, linkId);
  if ([...zone.links.values()].some((l) => l !== existing && idKey(l.virtualNetworkId) === idKey(vnetId))) {
    throw new ArmError(409, 'Conflict', `A virtual network link to ${vnet.id} already exists in Private DNS zone ${zone.name}.`);
  }
  const lockKey = `${idKey(zone.id)}/virtualnetworklinks/${linkKey}`;
  core.operations.assertUnlocked([lockKey]);
  const link: VirtualNetworkLinkRecord = existing ?? {
    id: linkId,
    name,
    etag: dnsEtag(),
    virtualNetworkId: vnet.id,
    registrationEnabled: false,
    resolutionPolicy: 'Default',
    provisioningState: 'Creating',
  };
  link.tags = tagsOf(body['tags']);
  link.registrationEnabled = bool(props['registrationEnabled'], false);
  link.resolutionPolicy = typeof props['resolutionPolicy'] === 'string' ? props['resolutionPolicy'] : 'Default';
  link.provisioningState = existing ? 'Updating' : 'Creating';
  zone.links.set(linkKey, link);
  const op = startLro(core, ctx, {
    flavor: 'privateDns',
    kind: 'virtualNetworkLinks',
    region: 'global',
    resourceGroup: rg,
    method: 'PUT',
    lockKeys: [lockKey],
    resourceUri: link.id,
    operationType: LINK_TYPE,
    ...provisioningOutcome(link, { etag: dnsEtag }),
    result: () => linkWire(link),
  });
  return acceptedDns(core, ctx, op);
}

export function getLink(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  const link = zone.links.get(name.toLowerCase());
  if (!link) throw childNotFound(`${zone.id}/virtualNetworkLinks/${name}`);
  return { status: 200, headers: {}, body: linkWire(link) };
}

export function listLinks(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  return pagedAnswer(core, ctx, [...zone.links.values()].map(linkWire));
}

export function deleteLink(core: EmulatorCore, ctx: RequestContext, rg: string, zoneName: string, name: string): ArmResponse {
  const zone = getParentZoneOr404(core, ctx, rg, zoneName);
  const linkKey = name.toLowerCase();
  const link = zone.links.get(linkKey);
  if (!link) return { status: 204, headers: {} };
  if (!etagMatches(ctx.request.headers['if-match'], link.etag)) throw preconditionFailedModified('Virtual network link', name);
  const lockKey = `${idKey(zone.id)}/virtualnetworklinks/${linkKey}`;
  core.operations.assertUnlocked([lockKey]);
  const before = link.provisioningState;
  link.provisioningState = 'Deleting';
  const op = startLro(core, ctx, {
    flavor: 'privateDns',
    kind: 'virtualNetworkLinks',
    region: 'global',
    resourceGroup: rg,
    method: 'DELETE',
    lockKeys: [lockKey],
    resourceUri: link.id,
    operationType: LINK_TYPE,
    complete: () => {
      zone.links.delete(linkKey);
    },
    fail: () => {
      link.provisioningState = before;
    },
  });
  return acceptedDns(core, ctx, op);
}
