/** The demo topology: its document, validation, and seeding into the ARM emulator. */
export {
  demoTopology,
  formatPath,
  ids,
  loadTopology,
  parseTopology,
  topologySchema,
  TopologyError,
  watchedSubscriptions,
  type HubSpec,
  type PrivateEndpointSpec,
  type SpokeSpec,
  type Topology,
  type WorkloadSpec,
} from './topology';
export {
  seedTopology,
  seedTopologyWith,
  TopologySeedError,
  type SeedConnection,
  type SeedCounts,
  type SeedOptions,
  type SeedResult,
} from './seed';
export { createSdkSeedingPort, SeedingWriteError, type ArmConnection, type TopologySeedingPort } from './seedingPort';
export { staticTokenCredential, type StaticCredentialOptions } from '../../shared/azure/local-credential';
export { privateLinkZoneFor } from './privateLinkZones';
export { controlPlaneEventSubscriptions, controlPlaneOperations, controlPlaneTopology, eventScopeOf, type EventScope } from './eventSubscriptions';
