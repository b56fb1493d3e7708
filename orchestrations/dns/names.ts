/** Names of the private endpoint DNS flow's orchestrators and activities, and its deterministic instance IDs. */
import { resourceInstanceKey } from '../common/names';
import type { RecordTarget } from '../common/record';

export { RECONCILE_EVENT } from '../common/names';

export const ENDPOINT_ORCHESTRATOR = 'endpointDns';
export const ENDPOINT_SWEEP_ORCHESTRATOR = 'endpointSweep';

export const DNS_ACTIVITY = {
  observe: 'observeEndpointDns',
  ensureZone: 'ensurePrivateDnsZone',
  claimNames: 'claimEndpointNames',
  writeZoneGroup: 'writeEndpointZoneGroup',
  verifyRecords: 'verifyEndpointRecords',
  removeEndpoint: 'removeEndpointDns',
  record: 'recordEndpointOutcome',
  requestReconcile: 'requestEndpointReconcile',
  listEndpoints: 'listWatchedEndpoints',
  removeOrphanRecord: 'removeOrphanDnsRecord',
} as const;

/** One orchestration per private endpoint, whatever the ID's casing. */
export function endpointInstanceId(endpointId: string): string {
  return `endpoint-dns-${resourceInstanceKey(endpointId)}`;
}

/** Where an endpoint's outcome is recorded. */
export function endpointRecordTarget(endpointId: string): RecordTarget {
  return { kind: 'endpoint', conditionType: 'DnsRegistered', resourceId: endpointId };
}
