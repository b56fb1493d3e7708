/**
 * The flow's dependencies, built once per process from the configuration (app settings): the ARM network port and
 * the record store. Activities and triggers reach them here; nothing else constructs clients.
 */
import { armClientOptions, armCredential, lroOptions } from '../../shared/azure/clients';
import { createNetworkAdapter } from '../../shared/azure/network-adapter';
import { currentConfig, type ControlPlaneConfig } from '../../shared/config';
import type { NetworkPort } from '../../shared/peering/ports';
import type { RecordStore } from '../../shared/store/records';
import { createTablesRecordStore } from '../../shared/store/tables-store';
import type { Timing } from './types';

export interface PeeringDeps {
  config: ControlPlaneConfig;
  network: NetworkPort;
  store: RecordStore;
}

let deps: PeeringDeps | undefined;

/** Built again only when the configuration changed (a new object from currentConfig). */
export function peeringDeps(): PeeringDeps {
  const config = currentConfig();
  if (deps?.config === config) return deps;
  const credential = armCredential(config);
  deps = {
    config,
    network: createNetworkAdapter({ credential, clientOptions: armClientOptions(config), lro: lroOptions(config) }),
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
