/** Options of the ARM emulator, their defaults, and the api-versions it accepts. */
import type { Clock } from '../contract';
import type { RemoteLockOptions } from './lockConflicts';

/** Kinds of long-running operations whose duration can be configured. */
export type LroKind =
  | 'virtualNetworks'
  | 'virtualNetworkPeerings'
  | 'virtualNetworkGateways'
  | 'privateEndpoints'
  | 'privateDnsZoneGroups'
  | 'privateDnsZones'
  | 'virtualNetworkLinks'
  | 'resourceGroups'
  | 'cdnProfiles'
  | 'afdOrigins'
  | 'frontDoors'
  | 'firewallPolicies'
  | 'ruleCollectionGroups';

/** Nominal durations (ms at time scale 1.0), in the range Azure takes for these operations. */
export const DEFAULT_LRO_DURATIONS_MS: Record<LroKind, number> = {
  virtualNetworks: 10_000,
  virtualNetworkPeerings: 15_000,
  virtualNetworkGateways: 30 * 60_000,
  privateEndpoints: 30_000,
  privateDnsZoneGroups: 10_000,
  privateDnsZones: 30_000,
  virtualNetworkLinks: 30_000,
  resourceGroups: 15_000,
  // Front Door: the ARM write settles in seconds; the change then takes minutes to reach the edge (not emulated).
  cdnProfiles: 30_000,
  afdOrigins: 20_000,
  frontDoors: 30_000,
  // Unverified nominal value: a policy write without rules is quick next to a group's.
  firewallPolicies: 60_000,
  // "Each update takes 3-5 minutes" (issue 11; Azure Firewall policy updates are documented as taking minutes).
  ruleCollectionGroups: 180_000,
};

export interface BucketLimit {
  /** Bucket size (burst). */
  bucket: number;
  /** Tokens added per (scaled) second. */
  refillPerSecond: number;
}

export interface WindowLimit {
  limit: number;
  /** Window length in (scaled) milliseconds. */
  windowMs: number;
}

export interface ThrottlingLimits {
  reads: BucketLimit;
  writes: BucketLimit;
  deletes: BucketLimit;
  /** The subscription bucket shared by all principals is this many times the per-principal one. */
  globalMultiplier: number;
  /** Microsoft.Network quota per subscription: PUT/DELETE and GET per window. */
  networkWrites: WindowLimit;
  networkReads: WindowLimit;
  /** Private DNS per zone. */
  dnsRecordSetWrites: WindowLimit;
  dnsRecordSetGets: WindowLimit;
  dnsRecordSetLists: WindowLimit;
  dnsLinkWrites: WindowLimit;
}

export const DEFAULT_THROTTLING: ThrottlingLimits = {
  reads: { bucket: 250, refillPerSecond: 25 },
  writes: { bucket: 200, refillPerSecond: 10 },
  deletes: { bucket: 200, refillPerSecond: 10 },
  globalMultiplier: 15,
  networkWrites: { limit: 1_000, windowMs: 5 * 60_000 },
  networkReads: { limit: 10_000, windowMs: 5 * 60_000 },
  dnsRecordSetWrites: { limit: 60, windowMs: 60_000 },
  dnsRecordSetGets: { limit: 200, windowMs: 60_000 },
  dnsRecordSetLists: { limit: 100, windowMs: 60_000 },
  dnsLinkWrites: { limit: 60, windowMs: 60_000 },
};

export interface ArmEmulatorLog {
  (level: 'info' | 'warn', message: string): void;
}

export interface ArmEmulatorOptions {
  /**
   * Multiplies every duration: LROs, Retry-After values, token refill and quota windows.
   * 1.0 is Azure's pace; tests use e.g. 0.001. Default 1.
   */
  timeScale?: number;
  /** Nominal LRO durations per kind (ms at time scale 1.0). */
  lroDurationsMs?: Partial<Record<LroKind, number>>;
  /** true (default) = Azure's limits; false = none; an object overrides single limits. */
  throttling?: boolean | Partial<ThrottlingLimits>;
  /** Time source; real time by default. */
  clock?: Clock;
  log?: ArmEmulatorLog;
  /** Items per page in list answers (small by default so that paging is exercised). */
  pageSize?: number;
  /** Tenant reported in events when the token carries no `tid`. */
  tenantId?: string;
  /**
   * Keeps the state in this JSON file: loaded at creation when it exists, written (coalesced) after every change and
   * at stop. Without it the state lives in memory only. See persistence.ts.
   */
  stateFile?: string;
  /** How writes whose remote VNet is busy are answered (seed, weights, or one forced answer); see lockConflicts.ts. */
  remoteLockAnswers?: RemoteLockOptions;
  /** Random source of probabilistic fault rules (seed it for a reproducible soak); Math.random by default. */
  faultRandom?: () => number;
}

/** Network api-versions accepted; the installed @azure/arm-network 39 sends 2026-01-01 (and 2018-10-01 for a few operations). */
export const NETWORK_API_VERSIONS: readonly string[] = [
  '2018-10-01', '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01', '2024-03-01',
  '2024-05-01', '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01', '2025-07-01', '2026-01-01',
  '2026-03-01',
];

/** Microsoft.Cdn api-versions; @azure/arm-cdn 9 sends 2024-02-01; the spec's stable versions follow. */
export const CDN_API_VERSIONS: readonly string[] = ['2023-05-01', '2024-02-01', '2024-09-01', '2025-04-15', '2025-06-01', '2025-12-01', '2026-07-01'];

/** Classic Front Door (Microsoft.Network/frontDoors) api-versions; @azure/arm-frontdoor 6 sends 2025-11-01. */
export const FRONTDOOR_API_VERSIONS: readonly string[] = ['2019-05-01', '2020-05-01', '2021-06-01', '2025-11-01'];

/** Private DNS api-versions; @azure/arm-privatedns 4 sends 2024-06-01. */
export const PRIVATE_DNS_API_VERSIONS: readonly string[] = ['2018-09-01', '2020-01-01', '2020-06-01', '2024-06-01'];

/** Microsoft.Resources (resource groups, operation results). */
export const RESOURCES_API_VERSIONS: readonly string[] = [
  '2019-10-01', '2020-06-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01',
];

