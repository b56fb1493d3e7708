/**
 * Microsoft.Network/privateEndpoints and their privateDnsZoneGroups. Targets are accepted by ID (not emulated):
 * the names they publish come from ../privateLinkFqdns.ts, one IP from the subnet per required member. Every
 * endpoint has a NIC (./networkInterfaces.ts) carrying its names and IPs; `customDnsConfigs` carries them only while
 * the endpoint has no zone group, as in Azure. A zone group (one per endpoint, at most 5 zone configs) writes the A
 * records into the named Private DNS zones when its operation succeeds and removes them with the group or the
 * endpoint.
 */
import { randomUUID } from 'node:crypto';
import { allocateIpv4 } from '../addressSpace';
import type { EmulatorCore } from '../context';
import { newEtag, record, requireLocation, stringArray, tagsOf } from '../context';
import { ArmError, invalidRequestContent, invalidResourceReference } from '../errors';
import { declare } from '../resourceTypes';
import { publishedNames } from '../privateLinkFqdns';
import { idKey, networkId, parseResourceId } from '../resourceId';
import type { EndpointDnsEntry, PrivateEndpointRecord, PrivateLinkConnectionRecord, ZoneGroupRecord } from '../state';
import { removeRecordSet, upsertRecordSet } from './privateDns';

const PE_TYPE = 'Microsoft.Network/privateEndpoints';
const ZONE_GROUP_TYPE = 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups';
/** Azure writes private endpoint A records with a 10 s TTL. */
const RECORD_TTL = 10;
export const MAX_ZONE_CONFIGS = 5;

function connectionWire(pe: PrivateEndpointRecord, c: PrivateLinkConnectionRecord): Record<string, unknown> {
  const collection = c.manual ? 'manualPrivateLinkServiceConnections' : 'privateLinkServiceConnections';
  return {
    name: c.name,
    id: `${pe.id}/${collection}/${c.name}`,
    etag: pe.etag,
    type: `${PE_TYPE}/${collection}`,
    properties: {
      provisioningState: pe.provisioningState,
      privateLinkServiceId: c.privateLinkServiceId,
      groupIds: c.groupIds,
      ...(c.requestMessage !== undefined ? { requestMessage: c.requestMessage } : {}),
      privateLinkServiceConnectionState: c.manual
        ? { status: 'Pending', description: c.requestMessage ?? 'Awaiting approval', actionsRequired: 'None' }
        : { status: 'Approved', description: 'Auto-Approved', actionsRequired: 'None' },
    },
  };
}

export function privateEndpointWire(pe: PrivateEndpointRecord): Record<string, unknown> {
  return {
    name: pe.name,
    id: pe.id,
    etag: pe.etag,
    type: PE_TYPE,
    location: pe.location,
    ...(pe.tags ? { tags: pe.tags } : {}),
    properties: {
      provisioningState: pe.provisioningState,
      resourceGuid: pe.resourceGuid,
      privateLinkServiceConnections: pe.connections.filter((c) => !c.manual).map((c) => connectionWire(pe, c)),
      manualPrivateLinkServiceConnections: pe.connections.filter((c) => c.manual).map((c) => connectionWire(pe, c)),
      customNetworkInterfaceName: pe.customNetworkInterfaceName ?? '',
      subnet: { id: pe.subnetId },
      ipConfigurations: [],
      networkInterfaces: [{ id: pe.nicId }],
      // Azure empties customDnsConfigs while a zone group exists (the names stay on the NIC) and fills it again when
      // the group is removed. Observed behaviour, which the REST spec does not describe.
      customDnsConfigs: pe.zoneGroup ? [] : pe.dns.map((d) => ({ fqdn: d.fqdn, ipAddresses: [...d.ipAddresses] })),
    },
  };
}

function zoneGroupWire(pe: PrivateEndpointRecord, group: ZoneGroupRecord): Record<string, unknown> {
  return {
    name: group.name,
    id: group.id,
    etag: group.etag,
    type: ZONE_GROUP_TYPE,
    properties: {
      provisioningState: group.provisioningState,
      privateDnsZoneConfigs: group.configs.map((c) => ({
        name: c.name,
        id: `${pe.id}/privateDnsZoneGroups/${group.name}/privateDnsZoneConfigs/${c.name}`,
        properties: {
          privateDnsZoneId: c.privateDnsZoneId,
          recordSets: c.recordSets.map((r) => ({
            recordType: 'A',
            recordSetName: r.recordSetName,
            fqdn: r.fqdn,
            provisioningState: 'Succeeded',
            ttl: r.ttl,
            ipAddresses: [...r.ipAddresses],
          })),
        },
      })),
    },
  };
}

function parseConnections(raw: unknown, manual: boolean): PrivateLinkConnectionRecord[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidRequestContent('private link service connections must be an array');
  return raw.map((item: unknown) => {
    const c = record(item);
    const props = record(c['properties']);
    const target = props['privateLinkServiceId'];
    if (typeof target !== 'string' || !parseResourceId(target)) {
      throw invalidRequestContent("'privateLinkServiceId' must be a resource ID");
    }
    const requestMessage = props['requestMessage'];
    return {
      name: typeof c['name'] === 'string' ? c['name'] : 'connection',
      privateLinkServiceId: target,
      groupIds: stringArray(props['groupIds'], 'groupIds'),
      requestMessage: typeof requestMessage === 'string' ? requestMessage : undefined,
      manual,
    };
  });
}

export const privateEndpointDeclaration = declare<PrivateEndpointRecord>({
  type: PE_TYPE,
  path: ['privateEndpoints'],
  lro: 'privateEndpoints',
  listBySubscription: true,
  get: (core, key) => core.state.privateEndpoints.get(key),
  list: (core, { prefix }) => [...core.state.privateEndpoints.values()].filter((pe) => idKey(pe.id).startsWith(prefix)),
  save: (core, pe) => {
    core.state.privateEndpoints.set(idKey(pe.id), pe);
  },
  remove: (core, pe) => removePrivateEndpoint(core, pe),
  wire: (_core, pe) => privateEndpointWire(pe),
  put: ({ core, ctx, rg, id, name, existing, body }) => ({
    lock: { keys: [idKey(id)] },
    build: () => {
      const location = requireLocation(body);
      const props = record(body['properties']);
      const subnetId = record(props['subnet'])['id'];
      if (typeof subnetId !== 'string') throw invalidRequestContent("'properties.subnet.id' is required");
      const parsed = parseResourceId(subnetId);
      const vnetSegment = parsed?.segments[0];
      const subnetSegment = parsed?.segments[1];
      const vnet = parsed && vnetSegment
        ? core.state.virtualNetworks.get(idKey(networkId(parsed.subscriptionId, parsed.resourceGroup, 'virtualNetworks', vnetSegment[1])))
        : undefined;
      const subnet = subnetSegment ? vnet?.subnets.get(subnetSegment[1].toLowerCase()) : undefined;
      if (!vnet || !subnet) throw invalidResourceReference(subnetId, existing?.id ?? id);
      if (existing && idKey(existing.subnetId) !== idKey(subnet.id)) {
        throw new ArmError(400, 'CannotChangePrivateEndpointSubnet', `Subnet of private endpoint ${existing.id} cannot be changed.`);
      }
      const connections = [
        ...parseConnections(props['privateLinkServiceConnections'], false),
        ...parseConnections(props['manualPrivateLinkServiceConnections'], true),
      ];
      if (connections.length === 0) {
        throw invalidRequestContent('A private endpoint needs one privateLinkServiceConnection or manualPrivateLinkServiceConnection');
      }

      const pe: PrivateEndpointRecord = existing ?? {
        id,
        subscriptionId: ctx.subscriptionId,
        resourceGroup: rg,
        name,
        location,
        etag: newEtag(),
        resourceGuid: randomUUID(),
        subnetId: subnet.id,
        subnetKey: idKey(subnet.id),
        vnetKey: idKey(vnet.id),
        connections,
        nicId: '',
        nicResourceGuid: randomUUID(),
        dns: [],
        provisioningState: 'Updating',
      };
      const customNic = props['customNetworkInterfaceName'];
      if (!existing) {
        pe.customNetworkInterfaceName = typeof customNic === 'string' && customNic ? customNic : undefined;
        pe.nicId = networkId(ctx.subscriptionId, rg, 'networkInterfaces', pe.customNetworkInterfaceName ?? `${name}.nic.${randomUUID()}`);
      }
      pe.tags = tagsOf(body['tags']);
      pe.connections = connections;
      pe.dns = allocateNames(pe, subnet.allocations, subnet.addressPrefix ?? subnet.addressPrefixes?.[0] ?? '');
      return pe;
    },
  }),
});

/**
 * One IP (and one NIC IP configuration) per required member, shared by that member's names; kept across updates for
 * names that stay.
 */
function allocateNames(
  pe: PrivateEndpointRecord,
  allocations: Map<string, string>,
  prefix: string,
): EndpointDnsEntry[] {
  const previous = new Map(pe.dns.map((d) => [d.fqdn, d]));
  const names = pe.connections.flatMap((c) => publishedNames(c.privateLinkServiceId, c.groupIds, pe.location));
  const keptIps = new Set(names.flatMap((n) => previous.get(n.fqdn)?.ipAddresses ?? []));
  for (const d of pe.dns) for (const ip of d.ipAddresses) if (!keptIps.has(ip)) allocations.delete(ip);
  const members = new Map<string, Pick<EndpointDnsEntry, 'ipAddresses' | 'ipConfigName'>>();
  return names.map((n) => {
    const memberKey = `${n.groupId}/${n.memberName}`.toLowerCase();
    let member = members.get(memberKey);
    if (!member) {
      member = previous.get(n.fqdn) ?? { ipAddresses: [allocateIp(pe, allocations, prefix)], ipConfigName: `privateEndpointIpConfig.${randomUUID()}` };
      members.set(memberKey, member);
    }
    return { fqdn: n.fqdn, ipAddresses: [...member.ipAddresses], zoneName: n.zoneName, recordName: n.recordName, groupId: n.groupId, memberName: n.memberName, ipConfigName: member.ipConfigName };
  });
}

function allocateIp(pe: PrivateEndpointRecord, allocations: Map<string, string>, prefix: string): string {
  const ip = allocateIpv4(prefix, new Set(allocations.keys()));
  if (!ip) {
    throw new ArmError(400, 'SubnetIsFull', `Subnet ${pe.subnetId} with address prefix ${prefix} does not have enough capacity for 1 IP addresses.`);
  }
  allocations.set(ip, pe.nicId);
  return ip;
}

/** Removes the endpoint, its zone group's records and its IPs. */
export function removePrivateEndpoint(core: EmulatorCore, pe: PrivateEndpointRecord): void {
  if (pe.zoneGroup) removeZoneGroupRecords(core, pe.zoneGroup);
  const vnet = core.state.virtualNetworks.get(pe.vnetKey);
  const subnet = [...(vnet?.subnets.values() ?? [])].find((s) => idKey(s.id) === pe.subnetKey);
  for (const d of pe.dns) for (const ip of d.ipAddresses) subnet?.allocations.delete(ip);
  core.state.privateEndpoints.delete(idKey(pe.id));
}

function removeZoneGroupRecords(core: EmulatorCore, group: ZoneGroupRecord): void {
  removeConfigRecords(core, group.configs);
}

function removeConfigRecords(core: EmulatorCore, configs: ZoneGroupRecord['configs']): void {
  // Azure deletes the record set by name, even when another endpoint overwrote it since (a documented trap).
  for (const config of configs) for (const r of config.recordSets) removeRecordSet(core, config.privateDnsZoneId, r.recordSetName);
}

/** One zone group per endpoint; it writes the endpoint's A records into its zones when its operation succeeds. */
export const zoneGroupDeclaration = declare<ZoneGroupRecord>({
  type: ZONE_GROUP_TYPE,
  path: ['privateEndpoints', 'privateDnsZoneGroups'],
  parent: privateEndpointDeclaration,
  lro: 'privateDnsZoneGroups',
  get: (_core, key, parent) => {
    const group = (parent as PrivateEndpointRecord | undefined)?.zoneGroup;
    return group && idKey(group.id) === key ? group : undefined;
  },
  list: (_core, { parent }) => {
    const group = (parent as PrivateEndpointRecord | undefined)?.zoneGroup;
    return group ? [group] : [];
  },
  save: (_core, group, parent) => {
    (parent as PrivateEndpointRecord).zoneGroup = group;
  },
  remove: (core, group, parent) => {
    const pe = parent as PrivateEndpointRecord;
    removeZoneGroupRecords(core, group);
    if (pe.zoneGroup === group) pe.zoneGroup = undefined;
  },
  wire: (_core, group, parent) => zoneGroupWire(parent as PrivateEndpointRecord, group),
  deleteLock: (_core, _group, parent) => ({ keys: [idKey((parent as PrivateEndpointRecord).id)] }),
  put: ({ core, name, body, parents }) => {
    const pe = parents[0] as PrivateEndpointRecord;
    let previousConfigs: ZoneGroupRecord['configs'] = [];
    let configs: ZoneGroupRecord['configs'] = [];
    return {
      lock: { keys: [idKey(pe.id)] },
      build: () => {
        const groupId = `${pe.id}/privateDnsZoneGroups/${name}`;
        if (pe.zoneGroup && pe.zoneGroup.name.toLowerCase() !== name.toLowerCase()) {
          // Code unverified; Azure allows one zone group per endpoint.
          throw new ArmError(
            400,
            'OnlyOnePrivateDnsZoneGroupAllowedPerPrivateEndpoint',
            `Private endpoint ${pe.id} already has private DNS zone group ${pe.zoneGroup.name}. Only one private DNS zone group is allowed per private endpoint.`,
          );
        }
        const props = record(body['properties']);
        const rawConfigs = props['privateDnsZoneConfigs'];
        if (!Array.isArray(rawConfigs) || rawConfigs.length === 0) {
          throw invalidRequestContent("'properties.privateDnsZoneConfigs' needs at least one zone config");
        }
        if (rawConfigs.length > MAX_ZONE_CONFIGS) {
          // Code unverified; the limit of 5 zone configs per group is documented.
          throw new ArmError(
            400,
            'PrivateDnsZoneGroupHasTooManyZoneConfigs',
            `Private DNS zone group ${groupId} has ${rawConfigs.length} private DNS zone configs. A private DNS zone group supports up to ${MAX_ZONE_CONFIGS} private DNS zone configs.`,
          );
        }
        configs = rawConfigs.map((raw: unknown, i: number) => {
          const c = record(raw);
          const zoneId = record(c['properties'])['privateDnsZoneId'];
          if (typeof zoneId !== 'string') throw invalidRequestContent(`'privateDnsZoneConfigs[${i}].properties.privateDnsZoneId' is required`);
          const zone = core.state.privateDnsZones.get(idKey(zoneId));
          if (!zone) throw invalidResourceReference(zoneId, groupId);
          return { name: typeof c['name'] === 'string' ? c['name'] : zone.name, privateDnsZoneId: zone.id, recordSets: [] as ZoneGroupRecord['configs'][number]['recordSets'] };
        });
        const zoneNames = configs.map((c) => c.privateDnsZoneId.toLowerCase());
        if (new Set(zoneNames).size !== zoneNames.length) {
          throw new ArmError(400, 'DuplicatePrivateDnsZoneIds', `Private DNS zone group ${groupId} references the same private DNS zone more than once.`);
        }
        const existing = pe.zoneGroup;
        // The answer (and a GET meanwhile) shows the requested configs at once; their record sets are (re)written when the
        // operation succeeds, and records of the configs they replace are removed then.
        previousConfigs = existing?.configs ?? [];
        const group: ZoneGroupRecord = {
          id: existing?.id ?? groupId,
          name: existing?.name ?? name,
          etag: newEtag(),
          configs: configs.map((c) => ({ ...c, recordSets: previousConfigs.find((p) => idKey(p.privateDnsZoneId) === idKey(c.privateDnsZoneId))?.recordSets ?? [] })),
          provisioningState: 'Updating',
        };
        return group;
      },
      stillCurrent: (group) => pe.zoneGroup === group,
      effects: (group) => {
        // Records of the replaced configs go; the new configs' records are (re)written.
        removeConfigRecords(core, previousConfigs);
        group.configs = configs.map((c) => ({ ...c, recordSets: writeZoneRecords(core, pe, c.privateDnsZoneId) }));
      },
    };
  },
});

/** Writes the endpoint's A records that belong in zone `zoneId`; returns what was written. */
function writeZoneRecords(core: EmulatorCore, pe: PrivateEndpointRecord, zoneId: string): ZoneGroupRecord['configs'][number]['recordSets'] {
  const zone = core.state.privateDnsZones.get(idKey(zoneId));
  if (!zone) throw invalidResourceReference(zoneId, pe.id);
  const zoneName = zone.name.toLowerCase();
  const publicSuffix = zoneName.startsWith('privatelink.') ? zoneName.slice('privatelink.'.length) : zoneName;
  const written: ZoneGroupRecord['configs'][number]['recordSets'] = [];
  for (const d of pe.dns) {
    let recordName: string | undefined;
    if (d.zoneName.toLowerCase() === zoneName) recordName = d.recordName;
    else if (d.fqdn.toLowerCase().endsWith(`.${publicSuffix}`)) recordName = d.fqdn.slice(0, -(publicSuffix.length + 1));
    if (!recordName) continue;
    upsertRecordSet(core, zone, recordName.toLowerCase(), RECORD_TTL, d.ipAddresses, {
      creator: `created by private endpoint ${pe.name} with resource guid ${pe.resourceGuid}`,
    });
    written.push({ recordSetName: recordName.toLowerCase(), fqdn: `${recordName.toLowerCase()}.${zoneName}`, ttl: RECORD_TTL, ipAddresses: [...d.ipAddresses] });
  }
  return written;
}
