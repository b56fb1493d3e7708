/**
 * What the private endpoint DNS flow needs from ARM, shaped for the domain. The SDK adapter (arm-network for
 * endpoints and zone groups, arm-privatedns for zones, links and records) is shared/azure/dns-adapter.ts.
 */
import type { ObservedEndpoint, ObservedRecordSet, ObservedZoneGroup, RecordRead } from './model';

export interface DnsPort {
  /** The endpoint with the names on its NIC (else its zone group's, else customDnsConfigs), or null when it does not exist. */
  getEndpoint(endpointId: string): Promise<ObservedEndpoint | null>;
  /** Every private endpoint of a subscription, joined to its NIC: two paged lists (endpoints, NICs), no GET per endpoint. */
  listEndpoints(subscriptionId: string): Promise<ObservedEndpoint[]>;
  /** The endpoint's zone groups (Azure allows one); empty when it has none or the endpoint is gone. */
  listZoneGroups(endpointId: string): Promise<ObservedZoneGroup[]>;
  /** Creates or replaces the endpoint's zone group and waits for the long-running operation. */
  putZoneGroup(endpointId: string, name: string, zoneIds: string[]): Promise<ObservedZoneGroup>;
  /** Whether the zone exists (and has finished provisioning). */
  zoneExists(zoneId: string): Promise<boolean>;
  /** Creates the zone (location global) unless it exists, and waits for it. */
  createZone(zoneId: string, tags: Record<string, string>): Promise<void>;
  /** The VNets the zone is linked to. */
  listZoneLinks(zoneId: string): Promise<string[]>;
  /** Links the zone to a VNet (resolution only, no auto-registration) and waits for the link. */
  putZoneLink(zoneId: string, linkName: string, vnetId: string, tags: Record<string, string>): Promise<void>;
  /** The private DNS zones of a resource group (their IDs), from one paged list. */
  listZones(subscriptionId: string, resourceGroup: string): Promise<string[]>;
  /** Every A record set of a zone, from one paged list (drift checks: no GET per record). */
  listARecords(zoneId: string): Promise<ObservedRecordSet[]>;
  /** The A record set, or null when absent (a missing zone is absent too). */
  getARecord(zoneId: string, name: string): Promise<ObservedRecordSet | null>;
  /** The A record set (one GET, as getARecord) and whether its answer shows the zone exists, so no zone GET is needed. */
  readARecord(zoneId: string, name: string): Promise<RecordRead>;
  /** Deletes the A record set if its ETag is still `etag` (absent is fine). */
  deleteARecord(zoneId: string, name: string, etag?: string): Promise<void>;
}
