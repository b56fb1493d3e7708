/**
 * The local ARM emulator: Azure Resource Manager for the network APIs the control plane uses (virtual networks,
 * peerings, gateways, private endpoints and zone groups, Private DNS), over HTTPS on 127.0.0.1 or in-process,
 * with Azure's long-running-operation protocol, per-VNet operation locks, throttling, error codes and wire shapes.
 *
 *   const arm = createArmEmulator({ timeScale: 0.001 });
 *   const { endpoint, caCertFile } = await arm.start();
 *   const client = new NetworkManagementClient(credential, subscriptionId, { endpoint, tlsOptions: { ca: readFileSync(caCertFile, 'utf8') } });
 */
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { EmulatorCore } from './context';
import { FaultInjector } from './faults';
import { RemoteLockChooser } from './lockConflicts';
import { buildGateway, gatewayWire, parseGatewaySpec } from './handlers/gateways';
import { connectSettledPeerings, peeringWire, seedPeering } from './handlers/peerings';
import { newZone, recordSetWire, upsertRecordSet, zoneWire } from './handlers/privateDns';
import { networkInterfaceWire } from './handlers/networkInterfaces';
import { privateEndpointWire } from './handlers/privateEndpoints';
import { buildVnet, vnetWire } from './handlers/virtualNetworks';
import { NotificationHub, type ResourceNotificationListener } from './notifications';
import { OperationTracker } from './operations';
import { wallClock } from '../clock';
import { DEFAULT_LRO_DURATIONS_MS, type ArmEmulatorOptions } from './options';
import { DECLARED_TYPES } from './registry';
import { RequestLog } from './requestLog';
import { idKey, networkId, resourceGroupId } from './resourceId';
import { ArmRouter } from './router';
import { ArmState } from './state';
import { readStateFile, StatePersister } from './persistence';
import { Throttler, resolveLimits } from './throttling';
import { inProcessHttpClient, makeCertificate, removeCertificate, startHttpsServer, type Certificate, type RunningServer } from './transport';

export type { ResourceNotification, ResourceNotificationListener } from './notifications';
export type { ArmEmulatorOptions, LroKind, ThrottlingLimits } from './options';
export type { FaultEffect, FaultRule, FaultHandle, FaultInjector } from './faults';
export type { RemoteLockAnswer, RemoteLockChooser, RemoteLockOptions } from './lockConflicts';
export type { RequestLogSnapshot, OperationCounts } from './requestLog';
export { ArmError } from './errors';

export interface SeedVirtualNetwork {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  addressPrefixes: string[];
  subnets?: Array<{ name: string; addressPrefix: string }>;
  tags?: Record<string, string>;
}

export interface SeedPeering {
  /** ID of the VNet the peering belongs to. */
  vnetId: string;
  name: string;
  remoteVirtualNetworkId: string;
  allowVirtualNetworkAccess?: boolean;
  allowForwardedTraffic?: boolean;
  allowGatewayTransit?: boolean;
  useRemoteGateways?: boolean;
}

export interface ArmEmulator {
  /** Starts the HTTPS server (port 0 = any free port) and returns its endpoint and the CA file to trust. */
  start(options?: { port?: number }): Promise<{ endpoint: string; caCertFile: string; caCert: string }>;
  /** Stops the server, cancels running operations and deletes the certificate. */
  stop(): Promise<void>;
  /** In-process transport for the SDK clients (`{ endpoint: 'https://management.local', httpClient }`). */
  httpClient(): HttpClient;
  /**
   * Changes the time scale for operations started from now on (e.g. seed a topology fast, then run at a demo pace).
   * Operations already in flight keep their end time; throttling buckets start full again.
   */
  setTimeScale(timeScale: number): void;
  /** Called after every write/delete (success or failure); returns an unsubscribe function. */
  onResourceEvent(listener: ResourceNotificationListener): () => void;
  readonly faults: FaultInjector;
  /**
   * How a write whose remote VNet is busy is answered (409 / 429 / 400): reseed, reweigh, or force one answer with
   * `configure`; `counts` tells how often each was given.
   */
  readonly remoteLocks: RemoteLockChooser;
  readonly requestLog: RequestLog;
  /** Synchronous seeding, no events, no throttling, no request log. */
  createResourceGroup(subscriptionId: string, name: string, location?: string): string;
  putVirtualNetwork(seed: SeedVirtualNetwork): Record<string, unknown>;
  /** A Succeeded VPN gateway in the VNet's GatewaySubnet (which must exist). */
  addGateway(seed: { subscriptionId: string; resourceGroup: string; name: string; vnetId: string; location?: string }): Record<string, unknown>;
  putPeering(seed: SeedPeering): Record<string, unknown>;
  putPrivateDnsZone(seed: { subscriptionId: string; resourceGroup: string; name: string }): Record<string, unknown>;
  putARecordSet(seed: { zoneId: string; name: string; ipAddresses: string[]; ttl?: number }): Record<string, unknown>;
  /** The wire body of a resource as GET would answer it (VNet, peering, gateway, private endpoint, its NIC, zone, A record set). */
  getResource(id: string): Record<string, unknown> | undefined;
  /** True when the state was loaded from `stateFile` (a restart), false when the emulator started empty. */
  readonly restored: boolean;
}

export function createArmEmulator(options: ArmEmulatorOptions = {}): ArmEmulator {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`ARM emulator: timeScale must be > 0 (got ${timeScale}).`);
  const clock = options.clock ?? wallClock;
  const log = options.log ?? ((level, message) => (level === 'warn' ? console.warn(message) : undefined));
  const state = new ArmState();
  const core: EmulatorCore = {
    state,
    operations: new OperationTracker(clock, (e) => log('warn', `ARM emulator: operation error: ${String(e)}`)),
    faults: new FaultInjector(options.faultRandom),
    notifications: new NotificationHub((e) => log('warn', `ARM emulator: resource event listener threw: ${String(e)}`)),
    clock,
    timeScale,
    durations: { ...DEFAULT_LRO_DURATIONS_MS, ...options.lroDurationsMs },
    pageSize: options.pageSize ?? 5,
    log,
    remoteLocks: new RemoteLockChooser(options.remoteLockAnswers),
  };
  const requestLog = new RequestLog();
  const throttler = new Throttler(resolveLimits(options.throttling), clock, timeScale);
  const router = new ArmRouter(core, throttler, requestLog, options.tenantId ?? '00000000-0000-0000-0000-000000000000');
  const restored = options.stateFile ? readStateFile(options.stateFile, state) : { loaded: false, settled: 0 };
  // Safe on any load: a clean stop never leaves both sides of a peering Initiated.
  const connected = restored.loaded ? connectSettledPeerings(core) : 0;
  if (restored.settled > 0) {
    log('warn', `ARM emulator: ${restored.settled} operation(s) were in flight when ${options.stateFile} was last written; settled on load${connected > 0 ? ` (${connected} peering(s) connected with their reverse)` : ''}.`);
  }
  const persister = options.stateFile
    ? new StatePersister(options.stateFile, state, (e) => log('warn', `ARM emulator: could not save ${options.stateFile}: ${String(e)}`))
    : undefined;
  // Every change goes through a write request (accepting an operation) or ends with a notification (an operation
  // finishing, a synchronous write): either schedules a save.
  if (persister) core.notifications.subscribe(() => persister.touch());
  const dispatch = (request: Parameters<ArmRouter['handle']>[0]): ReturnType<ArmRouter['handle']> => {
    const response = router.handle(request);
    if (persister && !['GET', 'HEAD'].includes(request.method.toUpperCase())) persister.touch();
    return response;
  };
  let cert: Certificate | undefined;
  let server: RunningServer | undefined;

  const getResource = (id: string): Record<string, unknown> | undefined => {
    const key = idKey(id);
    const vnet = state.virtualNetworks.get(key);
    if (vnet) return vnetWire(core, vnet);
    const peering = state.peerings.get(key);
    if (peering) return peeringWire(core, peering);
    const gateway = state.gateways.get(key);
    if (gateway) return gatewayWire(gateway);
    const pe = state.privateEndpoints.get(key);
    if (pe) return privateEndpointWire(pe);
    const nicOf = state.endpointOfNic(key);
    if (nicOf) return networkInterfaceWire(nicOf);
    const zone = state.privateDnsZones.get(key);
    if (zone) return zoneWire(zone);
    const generic = state.resources.get(key);
    const declared = generic ? DECLARED_TYPES.find((t) => t.type.toLowerCase() === generic.type.toLowerCase()) : undefined;
    if (generic && declared) return declared.wire(core, generic, undefined);
    const match = /^(.*\/privatednszones\/[^/]+)\/a\/([^/]+)$/.exec(key);
    if (match?.[1] && match[2]) {
      const owner = state.privateDnsZones.get(match[1]);
      const recordSet = owner?.recordSets.get(`a/${match[2]}`);
      if (owner && recordSet) return recordSetWire(owner, recordSet);
    }
    return undefined;
  };

  return {
    async start(startOptions) {
      if (server && cert) return { endpoint: server.endpoint, caCertFile: cert.caCertFile, caCert: cert.cert };
      cert = await makeCertificate();
      server = await startHttpsServer(cert, dispatch, startOptions?.port ?? 0);
      log('info', `ARM emulator listening on ${server.endpoint} (CA: ${cert.caCertFile})`);
      return { endpoint: server.endpoint, caCertFile: cert.caCertFile, caCert: cert.cert };
    },
    async stop() {
      if (persister) {
        // Finish what Azure would have finished while the emulator is down, then save: the file never holds an
        // operation in flight after a clean stop.
        core.operations.settleAll();
        persister.touch();
        persister.close();
      }
      core.operations.stop();
      await server?.close();
      server = undefined;
      if (cert) await removeCertificate(cert);
      cert = undefined;
    },
    httpClient: () => inProcessHttpClient(dispatch),
    setTimeScale(next) {
      if (!(next > 0)) throw new Error(`ARM emulator: timeScale must be > 0 (got ${next}).`);
      core.timeScale = next;
      throttler.setTimeScale(next);
    },
    onResourceEvent: (listener) => core.notifications.subscribe(listener),
    faults: core.faults,
    remoteLocks: core.remoteLocks,
    requestLog,
    createResourceGroup(subscriptionId, name, location = 'westeurope') {
      persister?.touch();
      const id = resourceGroupId(subscriptionId, name);
      if (!state.resourceGroups.has(idKey(id))) {
        state.resourceGroups.set(idKey(id), { id, subscriptionId, name, location, provisioningState: 'Succeeded' });
      }
      return id;
    },
    putVirtualNetwork(seed) {
      persister?.touch();
      if (!state.resourceGroup(seed.subscriptionId, seed.resourceGroup)) {
        throw new Error(`putVirtualNetwork: resource group '${seed.resourceGroup}' does not exist; call createResourceGroup first.`);
      }
      const key = idKey(networkId(seed.subscriptionId, seed.resourceGroup, 'virtualNetworks', seed.name));
      const vnet = buildVnet(core, seed.subscriptionId, seed.resourceGroup, seed.name, {
        location: seed.location ?? 'westeurope',
        tags: seed.tags,
        addressPrefixes: seed.addressPrefixes,
        subnets: (seed.subnets ?? []).map((s) => ({ name: s.name, addressPrefix: s.addressPrefix, extra: {} })),
      }, state.virtualNetworks.get(key));
      state.virtualNetworks.set(key, vnet);
      return vnetWire(core, vnet);
    },
    addGateway(seed) {
      persister?.touch();
      const vnet = state.virtualNetworks.get(idKey(seed.vnetId));
      const subnet = vnet?.subnets.get('gatewaysubnet');
      if (!vnet || !subnet) throw new Error(`addGateway: ${seed.vnetId} must exist and have a subnet named GatewaySubnet.`);
      const gateway = buildGateway(core, seed.subscriptionId, seed.resourceGroup, seed.name, parseGatewaySpec({
        location: seed.location ?? vnet.location,
        properties: { ipConfigurations: [{ name: 'default', properties: { subnet: { id: subnet.id } } }], gatewayType: 'Vpn', vpnType: 'RouteBased', sku: { name: 'VpnGw1', tier: 'VpnGw1' } },
      }));
      state.gateways.set(idKey(gateway.id), gateway);
      return gatewayWire(gateway);
    },
    putPeering(seed) {
      persister?.touch();
      const { vnetId, name, ...spec } = seed;
      return peeringWire(core, seedPeering(core, vnetId, name, spec));
    },
    putPrivateDnsZone(seed) {
      persister?.touch();
      if (!state.resourceGroup(seed.subscriptionId, seed.resourceGroup)) {
        throw new Error(`putPrivateDnsZone: resource group '${seed.resourceGroup}' does not exist; call createResourceGroup first.`);
      }
      const zone = newZone(seed.subscriptionId, seed.resourceGroup, seed.name);
      const key = idKey(zone.id);
      const existing = state.privateDnsZones.get(key);
      if (existing) return zoneWire(existing);
      state.privateDnsZones.set(key, zone);
      return zoneWire(zone);
    },
    putARecordSet(seed) {
      persister?.touch();
      const zone = state.privateDnsZones.get(idKey(seed.zoneId));
      if (!zone) throw new Error(`putARecordSet: zone ${seed.zoneId} does not exist; call putPrivateDnsZone first.`);
      return recordSetWire(zone, upsertRecordSet(core, zone, seed.name, seed.ttl ?? 3600, seed.ipAddresses));
    },
    getResource,
    restored: restored.loaded,
  };
}
