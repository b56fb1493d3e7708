/** A private endpoint and the Private DNS it needs, as the DNS flow sees them (SDK types stop at the adapter). */

export interface PrivateLinkConnection {
  name: string;
  /** The target resource (privateLinkServiceId). */
  targetId: string;
  groupIds: string[];
  /** A manual (approval-required) connection rather than an automatic one. */
  manual: boolean;
  /** Approved, Pending, Rejected, Disconnected. */
  status?: string;
}

/** A name the endpoint publishes: the target's FQDN and the endpoint's IPs for it. */
export interface EndpointDnsName {
  fqdn: string;
  ipAddresses: string[];
}

/**
 * Where an endpoint's names were read: its network interface (always there in Azure once the endpoint is made), its
 * zone group's record sets, or `customDnsConfigs` (which Azure fills only while the endpoint has no zone group).
 */
export type NamesSource = 'networkInterface' | 'zoneGroup' | 'customDnsConfigs';

export interface ZoneGroupRecordSet {
  recordSetName: string;
  fqdn: string;
  ipAddresses: string[];
}

export interface ZoneGroupConfig {
  name: string;
  zoneId: string;
  recordSets: ZoneGroupRecordSet[];
}

export interface ObservedZoneGroup {
  id: string;
  name: string;
  provisioningState?: string;
  configs: ZoneGroupConfig[];
}

export interface ObservedEndpoint {
  id: string;
  name: string;
  location: string;
  provisioningState?: string;
  subnetId: string;
  connections: PrivateLinkConnection[];
  /** The endpoint's network interfaces (Azure makes one); empty while it has none yet. */
  networkInterfaceIds: string[];
  /** Its names, from the first source that has any (spec.ts `publishedNames`). */
  dnsNames: EndpointDnsName[];
  namesFrom?: NamesSource;
}

/** An A record set in a Private DNS zone. */
export interface ObservedRecordSet {
  zoneId: string;
  name: string;
  ipAddresses: string[];
  /** The `creator` metadata Azure writes on records a zone group made ("created by private endpoint ..."). */
  creator?: string;
  etag?: string;
}

/**
 * One A record set read, with what the answer says of its zone: `exists` (the record, or a 404 for the record
 * alone), `missing` (a 404 for the zone), `unknown` (a 404 whose code says neither; read the zone to know).
 */
export interface RecordRead {
  record: ObservedRecordSet | null;
  zone: 'exists' | 'missing' | 'unknown';
}
