/**
 * The flows' dependencies, built once per process from the configuration (app settings): the ARM ports (network
 * for peering, DNS for private endpoints, Front Door for stamps) and the record store. Activities and triggers reach them here; nothing
 * else constructs clients.
 */
import { armClientOptions, armCredential, lroOptions } from '../../shared/azure/clients';
import { createDnsAdapter } from '../../shared/azure/dns-adapter';
import { createFrontDoorAdapter } from '../../shared/azure/frontdoor-adapter';
import { createFirewallAdapter } from '../../shared/azure/firewall-adapter';
import { createNetworkAdapter } from '../../shared/azure/network-adapter';
import { currentConfig, type ControlPlaneConfig } from '../../shared/config';
import type { DnsPort } from '../../shared/dns/ports';
import { createPlatformApiAdapter } from '../../shared/egress/platform-api-adapter';
import type { FirewallPort, PlatformApiPort } from '../../shared/egress/ports';
import type { NetworkPort } from '../../shared/peering/ports';
import type { FrontDoorPort } from '../../shared/stamps/ports';
import type { RecordStore } from '../../shared/store/records';
import { createTablesRecordStore } from '../../shared/store/tables-store';
import type { Timing } from './types';

export interface FlowDeps {
  config: ControlPlaneConfig;
  network: NetworkPort;
  dns: DnsPort;
  frontDoor: FrontDoorPort;
  firewall: FirewallPort;
  /** The platform team's API (egress applyMode `platformApi`); its token from the same identity as ARM's. */
  platformApi?: PlatformApiPort;
  store: RecordStore;
}

let deps: FlowDeps | undefined;

/** Built again only when the configuration changed (a new object from currentConfig). */
export function flowDeps(): FlowDeps {
  const config = currentConfig();
  if (deps?.config === config) return deps;
  const credential = armCredential(config);
  const arm = { credential, clientOptions: armClientOptions(config), lro: lroOptions(config) };
  deps = {
    config,
    network: createNetworkAdapter(arm),
    dns: createDnsAdapter(arm),
    frontDoor: createFrontDoorAdapter(arm),
    firewall: createFirewallAdapter(arm),
    ...(config.egress?.applyMode === 'platformApi' && config.egress.platformApi ? { platformApi: createPlatformApiAdapter({ ...config.egress.platformApi, credential }) } : {}),
    store: createTablesRecordStore('connectionString' in config.tables ? config.tables : { accountUrl: config.tables.accountUrl, credential }),
  };
  return deps;
}

export function timingFrom(config: ControlPlaneConfig): Timing {
  return {
    retryDelayMs: config.arm.retryDelayMs,
    maxRetryDelayMs: Math.max(config.arm.retryDelayMs, 60_000),
    maxAttempts: 6,
    hubReplyTimeoutMs: 30 * 60_000,
    maxPasses: 4,
  };
}
