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

/** A name the endpoint publishes (its customDnsConfigs): the target's FQDN and the endpoint's IPs for it. */
export interface EndpointDnsName {
  fqdn: string;
  ipAddresses: string[];
}

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
  dnsNames: EndpointDnsName[];
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
