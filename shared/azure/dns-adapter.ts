/**
 * The DnsPort over the real SDK clients: @azure/arm-network for private endpoints, their NICs and zone groups,
 * @azure/arm-privatedns for zones, VNet links and A records. One client per subscription and package.
 *
 * An endpoint's names are read from its NIC (an endpoint with a zone group has an empty `customDnsConfigs` in Azure),
 * then from its zone group's record sets, then from `customDnsConfigs` (shared/dns/spec.ts `publishedNames`).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { NetworkInterface, PrivateDnsZoneGroup, PrivateEndpoint, PrivateLinkServiceConnection } from '@azure/arm-network';
import { PrivateDnsManagementClient, type RecordSet } from '@azure/arm-privatedns';
import type { EndpointDnsName, ObservedEndpoint, ObservedRecordSet, ObservedZoneGroup, PrivateLinkConnection, RecordRead } from '../dns/model';
import type { DnsPort } from '../dns/ports';
import { publishedNames } from '../dns/spec';
import { classifyArmError } from './errors';
import { perSubscription, type ArmClientOptions } from './clients';
import { LroPacer } from './lro';
import { networkClients } from './network-adapter';
import { parseResourceId, resourceKey, resourceName } from './resource-id';

function connection(c: PrivateLinkServiceConnection, manual: boolean): PrivateLinkConnection {
  const status = c.privateLinkServiceConnectionState?.status;
  return { name: c.name ?? '', targetId: c.privateLinkServiceId ?? '', groupIds: c.groupIds ?? [], manual, ...(status ? { status } : {}) };
}

const customDnsConfigsOf = (pe: PrivateEndpoint): EndpointDnsName[] =>
  (pe.customDnsConfigs ?? []).filter((d) => d.fqdn).map((d) => ({ fqdn: d.fqdn ?? '', ipAddresses: d.ipAddresses ?? [] }));

/**
 * The names on a private endpoint's NIC: each IP configuration's `privateLinkConnectionProperties.fqdns` with its
 * `privateIPAddress`. IPv6 configurations are left out: the zones hold A records only.
 */
export function networkInterfaceNames(nic: NetworkInterface): EndpointDnsName[] {
  return (nic.ipConfigurations ?? [])
    .filter((c) => c.privateIPAddress && c.privateIPAddressVersion !== 'IPv6')
    .flatMap((c) => (c.privateLinkConnectionProperties?.fqdns ?? []).map((fqdn) => ({ fqdn, ipAddresses: [c.privateIPAddress ?? ''] })));
}

const nicIdsOf = (pe: PrivateEndpoint): string[] => (pe.networkInterfaces ?? []).map((n) => n.id ?? '').filter((id) => id !== '');

/** The endpoint as the DNS flow sees it, its names from its NICs, else its zone groups (when read), else customDnsConfigs. */
export function observedEndpoint(pe: PrivateEndpoint, nics: readonly NetworkInterface[] = [], zoneGroups: readonly ObservedZoneGroup[] = []): ObservedEndpoint {
  const names = publishedNames({ networkInterface: nics.flatMap(networkInterfaceNames), zoneGroups: [...zoneGroups], customDnsConfigs: customDnsConfigsOf(pe) });
  return {
    id: pe.id ?? '',
    name: pe.name ?? '',
    location: pe.location ?? '',
    ...(pe.provisioningState ? { provisioningState: pe.provisioningState } : {}),
    subnetId: pe.subnet?.id ?? '',
    connections: [
      ...(pe.privateLinkServiceConnections ?? []).map((c) => connection(c, false)),
      ...(pe.manualPrivateLinkServiceConnections ?? []).map((c) => connection(c, true)),
    ],
    networkInterfaceIds: nicIdsOf(pe),
    dnsNames: names.names,
    ...(names.from ? { namesFrom: names.from } : {}),
  };
}

export function observedZoneGroup(g: PrivateDnsZoneGroup): ObservedZoneGroup {
  return {
    id: g.id ?? '',
    name: g.name ?? '',
    ...(g.provisioningState ? { provisioningState: g.provisioningState } : {}),
    configs: (g.privateDnsZoneConfigs ?? []).map((c) => ({
      name: c.name ?? '',
      zoneId: c.privateDnsZoneId ?? '',
      recordSets: (c.recordSets ?? []).map((r) => ({ recordSetName: r.recordSetName ?? '', fqdn: r.fqdn ?? '', ipAddresses: r.ipAddresses ?? [] })),
    })),
  };
}

function parts(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const parsed = parseResourceId(id);
  if (!parsed.resourceGroup) throw new Error(`${id} names no resource group.`);
  return { subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: resourceName(parsed) };
}

const isNotFound = (e: unknown): boolean => classifyArmError(e).class === 'notFound';

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

function observedRecordSet(zoneId: string, r: RecordSet, name: string): ObservedRecordSet {
  const creator = r.metadata?.['creator'];
  return {
    zoneId,
    name: (r.name ?? name).toLowerCase(),
    ipAddresses: (r.aRecords ?? []).map((a) => a.ipv4Address ?? '').filter((ip) => ip !== ''),
    ...(creator ? { creator } : {}),
    ...(r.etag ? { etag: r.etag } : {}),
  };
}

/**
 * What a record set GET's 404 says of the zone, by its code (lower case). Azure answers `NotFound` ("The resource
 * record '...' does not exist in resource group ...") for a record missing from an existing zone, and ARM's
 * nested-resource `ParentResourceNotFound` when the zone itself is missing. Any other 404 code proves nothing: the
 * zone is then read. Edit these two lists, not the callers, if Azure is found to answer otherwise.
 */
const RECORD_ABSENT_CODES: ReadonlySet<string> = new Set(['notfound']);
const ZONE_ABSENT_CODES: ReadonlySet<string> = new Set(['parentresourcenotfound']);

export function zoneOfRecordNotFound(code: string): RecordRead['zone'] {
  const lower = code.toLowerCase();
  if (RECORD_ABSENT_CODES.has(lower)) return 'exists';
  if (ZONE_ABSENT_CODES.has(lower)) return 'missing';
  return 'unknown';
}

/** A zone config's name: the zone name with dots made dashes (what the portal writes). */
export const zoneConfigName = (zoneId: string): string => (zoneId.split('/').pop() ?? 'zone').replace(/\./g, '-');

export interface DnsAdapterOptions {
  credential: TokenCredential;
  clientOptions: ArmClientOptions;
  lro: { updateIntervalInMs?: number };
}

export function createDnsAdapter(options: DnsAdapterOptions): DnsPort {
  const network = networkClients(options);
  const dns = perSubscription((subscriptionId) => new PrivateDnsManagementClient(options.credential, subscriptionId, options.clientOptions));
  const lro = new LroPacer(options.lro);
  const listZoneGroups = async (endpointId: string): Promise<ObservedZoneGroup[]> => {
    const p = parts(endpointId);
    const out: ObservedZoneGroup[] = [];
    try {
      for await (const g of network(p.subscriptionId).privateDnsZoneGroups.list(p.resourceGroup, p.name)) out.push(observedZoneGroup(g));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return out;
  };
  const readARecord = async (zoneId: string, name: string): Promise<RecordRead> => {
    const p = parts(zoneId);
    try {
      return { record: observedRecordSet(zoneId, await dns(p.subscriptionId).recordSets.get(p.resourceGroup, p.name, 'A', name), name), zone: 'exists' };
    } catch (e) {
      const error = classifyArmError(e);
      if (error.class !== 'notFound') throw e;
      return { record: null, zone: zoneOfRecordNotFound(error.code) };
    }
  };
  /** A NIC that is not there (yet, or any more) carries no names. */
  const getNic = async (nicId: string): Promise<NetworkInterface | null> => {
    const p = parts(nicId);
    return orNull(network(p.subscriptionId).networkInterfaces.get(p.resourceGroup, p.name));
  };
  /**
   * Joins the endpoint with its NICs; its zone groups are read only when neither the NICs nor customDnsConfigs name
   * anything (Azure fills customDnsConfigs only while there is no group, so a group is worth a read only then).
   */
  const withNames = async (pe: PrivateEndpoint, nics: NetworkInterface[]): Promise<ObservedEndpoint> => {
    const endpoint = observedEndpoint(pe, nics);
    if (endpoint.dnsNames.length > 0 || !pe.id) return endpoint;
    return observedEndpoint(pe, nics, await listZoneGroups(pe.id));
  };
  return {
    async getEndpoint(endpointId) {
      const p = parts(endpointId);
      const pe = await orNull(network(p.subscriptionId).privateEndpoints.get(p.resourceGroup, p.name));
      if (!pe) return null;
      const nics = await Promise.all(nicIdsOf(pe).map(getNic));
      return withNames(pe, nics.filter((n): n is NetworkInterface => n !== null));
    },
    async listEndpoints(subscriptionId) {
      // Two paged lists per subscription, joined here, rather than a NIC GET per endpoint. Only endpoint NICs are kept.
      const client = network(subscriptionId);
      const collectEndpoints = async (): Promise<PrivateEndpoint[]> => {
        const out: PrivateEndpoint[] = [];
        for await (const pe of client.privateEndpoints.listBySubscription()) out.push(pe);
        return out;
      };
      const collectNics = async (): Promise<Map<string, NetworkInterface>> => {
        const out = new Map<string, NetworkInterface>();
        for await (const nic of client.networkInterfaces.listAll()) if (nic.id && nic.privateEndpoint?.id) out.set(resourceKey(nic.id), nic);
        return out;
      };
      const [endpoints, nics] = await Promise.all([collectEndpoints(), collectNics()]);
      const out: ObservedEndpoint[] = [];
      // One at a time: an endpoint without names costs a zone group read, which a large sweep must not burst.
      for (const pe of endpoints) out.push(await withNames(pe, nicIdsOf(pe).map((id) => nics.get(resourceKey(id))).filter((n): n is NetworkInterface => n !== undefined)));
      return out;
    },
    listZoneGroups,
    async putZoneGroup(endpointId, name, zoneIds) {
      const p = parts(endpointId);
      const group = await lro.run('PUT privateDnsZoneGroups', (paced) =>
        network(p.subscriptionId).privateDnsZoneGroups.createOrUpdate(
          p.resourceGroup,
          p.name,
          name,
          { privateDnsZoneConfigs: zoneIds.map((id) => ({ name: zoneConfigName(id), privateDnsZoneId: id })) },
          paced,
        ),
      );
      return observedZoneGroup(group);
    },
    async zoneExists(zoneId) {
      const p = parts(zoneId);
      const zone = await orNull(dns(p.subscriptionId).privateZones.get(p.resourceGroup, p.name));
      return zone !== null && (zone.provisioningState === undefined || zone.provisioningState === 'Succeeded');
    },
    async createZone(zoneId, tags) {
      const p = parts(zoneId);
      try {
        // If-None-Match: never overwrite a zone someone else created meanwhile (its tags, its records).
        await lro.run('PUT privateZones', (paced) => dns(p.subscriptionId).privateZones.createOrUpdate(p.resourceGroup, p.name, { location: 'global', tags }, { ...paced, ifNoneMatch: '*' }));
      } catch (e) {
        const error = classifyArmError(e);
        if (error.statusCode === 412 || /PreconditionFailed/i.test(error.code)) return;
        throw e;
      }
    },
    async listZoneLinks(zoneId) {
      const p = parts(zoneId);
      const out: string[] = [];
      for await (const link of dns(p.subscriptionId).virtualNetworkLinks.list(p.resourceGroup, p.name)) if (link.virtualNetwork?.id) out.push(link.virtualNetwork.id);
      return out;
    },
    async putZoneLink(zoneId, linkName, vnetId, tags) {
      const p = parts(zoneId);
      await lro.run('PUT virtualNetworkLinks', (paced) =>
        dns(p.subscriptionId).virtualNetworkLinks.createOrUpdate(p.resourceGroup, p.name, linkName, { location: 'global', tags, virtualNetwork: { id: vnetId }, registrationEnabled: false }, paced),
      );
    },
    async listZones(subscriptionId, resourceGroup) {
      const out: string[] = [];
      for await (const zone of dns(subscriptionId).privateZones.listByResourceGroup(resourceGroup)) if (zone.id) out.push(zone.id);
      return out;
    },
    async listARecords(zoneId) {
      const p = parts(zoneId);
      const out: ObservedRecordSet[] = [];
      for await (const r of dns(p.subscriptionId).recordSets.listByType(p.resourceGroup, p.name, 'A')) out.push(observedRecordSet(zoneId, r, r.name ?? ''));
      return out;
    },
    getARecord: async (zoneId, name) => (await readARecord(zoneId, name)).record,
    readARecord,
    async deleteARecord(zoneId, name, etag) {
      const p = parts(zoneId);
      try {
        await dns(p.subscriptionId).recordSets.delete(p.resourceGroup, p.name, 'A', name, etag ? { ifMatch: etag } : {});
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
