/**
 * The writes seeding needs, as a small port (STYLE habit 6), and its adapter over the real SDK clients
 * (@azure/arm-network, @azure/arm-privatedns) talking to the ARM emulator over HTTPS or its in-process transport.
 * Every method waits for its long-running operation to finish, as `az ... create` does.
 */
import { readFile } from 'node:fs/promises';
import type { TokenCredential } from '@azure/core-auth';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
} from '@azure/core-rest-pipeline';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';

export interface VnetWrite {
  location: string;
  addressPrefixes: string[];
  subnets: Array<{ name: string; addressPrefix: string }>;
  tags?: Record<string, string>;
}

export interface PeeringWrite {
  remoteVirtualNetworkId: string;
  allowVirtualNetworkAccess: boolean;
  allowForwardedTraffic: boolean;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
}

export interface PrivateEndpointWrite {
  location: string;
  subnetId: string;
  connectionName: string;
  privateLinkServiceId: string;
  groupIds: string[];
}

/** Where seeding writes; resources are addressed by subscription, resource group and name. */
export interface TopologySeedingPort {
  createResourceGroup(subscriptionId: string, name: string, location: string): Promise<void>;
  createVirtualNetwork(subscriptionId: string, resourceGroup: string, name: string, spec: VnetWrite): Promise<void>;
  createGateway(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    spec: { location: string; subnetId: string; type: 'Vpn' | 'ExpressRoute' },
  ): Promise<void>;
  createPeering(subscriptionId: string, resourceGroup: string, vnetName: string, name: string, spec: PeeringWrite): Promise<void>;
  createFirewallPolicy(subscriptionId: string, resourceGroup: string, name: string, location: string): Promise<void>;
  /** A rule collection group with one Allow collection holding one https application rule. */
  createRuleCollectionGroup(
    subscriptionId: string,
    resourceGroup: string,
    policyName: string,
    name: string,
    spec: { priority: number; sourceAddresses: string[]; fqdns: string[] },
  ): Promise<void>;
  createPrivateDnsZone(subscriptionId: string, resourceGroup: string, zone: string): Promise<void>;
  linkPrivateDnsZone(subscriptionId: string, resourceGroup: string, zone: string, linkName: string, vnetId: string): Promise<void>;
  createPrivateEndpoint(subscriptionId: string, resourceGroup: string, name: string, spec: PrivateEndpointWrite): Promise<void>;
  createPrivateDnsZoneGroup(
    subscriptionId: string,
    resourceGroup: string,
    privateEndpointName: string,
    name: string,
    zoneIds: string[],
  ): Promise<void>;
}

export interface ArmConnection {
  /** The emulator's endpoint (`start()` answer), or `https://management.local` with `httpClient`. */
  endpoint: string;
  /** CA certificate file of the emulator's self-signed certificate (HTTPS mode). */
  caCertFile?: string;
  /** The emulator's in-process transport (instead of HTTPS). */
  httpClient?: HttpClient;
  credential: TokenCredential;
  /** LRO poll interval (the SDK's default is about 2 s; tests pass a few ms). */
  updateIntervalInMs?: number;
}

/** api-version for resource group writes (Microsoft.Resources); no @azure/arm-resources client is installed. */
const resourcesApiVersion = '2024-03-01';

/** A resource group PUT failed; the message carries ARM's error code and message. */
export class SeedingWriteError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SeedingWriteError';
  }
}

export async function createSdkSeedingPort(connection: ArmConnection): Promise<TopologySeedingPort> {
  if (connection.httpClient === undefined && connection.caCertFile === undefined) {
    throw new TypeError('createSdkSeedingPort needs either caCertFile (HTTPS emulator) or httpClient (in-process emulator)');
  }
  const ca = connection.caCertFile !== undefined ? await readFile(connection.caCertFile, 'utf8') : undefined;
  const clientOptions = {
    endpoint: connection.endpoint,
    ...(connection.httpClient !== undefined ? { httpClient: connection.httpClient } : {}),
    ...(ca !== undefined ? { tlsOptions: { ca } } : {}),
  };
  const poll = connection.updateIntervalInMs !== undefined ? { updateIntervalInMs: connection.updateIntervalInMs } : {};
  const networkClients = new Map<string, NetworkManagementClient>();
  const dnsClients = new Map<string, PrivateDnsManagementClient>();
  const network = (sub: string): NetworkManagementClient => {
    let client = networkClients.get(sub);
    if (!client) networkClients.set(sub, (client = new NetworkManagementClient(connection.credential, sub, clientOptions)));
    return client;
  };
  const dns = (sub: string): PrivateDnsManagementClient => {
    let client = dnsClients.get(sub);
    if (!client) dnsClients.set(sub, (client = new PrivateDnsManagementClient(connection.credential, sub, clientOptions)));
    return client;
  };
  const transport = connection.httpClient ?? createDefaultHttpClient();

  return {
    async createResourceGroup(subscriptionId, name, location) {
      // Sent through the network client's own pipeline: same credential, TLS, retry and logging policies.
      const url =
        `${connection.endpoint.replace(/\/$/, '')}/subscriptions/${subscriptionId}/resourcegroups/` +
        `${encodeURIComponent(name)}?api-version=${resourcesApiVersion}`;
      const request = createPipelineRequest({
        url,
        method: 'PUT',
        headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
        body: JSON.stringify({ location }),
      });
      const response = await network(subscriptionId).pipeline.sendRequest(transport, request);
      if (response.status !== 200 && response.status !== 201) {
        let code: string | undefined;
        let message = response.bodyAsText ?? '';
        try {
          const body = JSON.parse(message) as { error?: { code?: string; message?: string } };
          code = body.error?.code;
          message = body.error?.message ?? message;
        } catch {
          // Not JSON: keep the raw text.
        }
        throw new SeedingWriteError(
          `Creating resource group ${name} in subscription ${subscriptionId} failed: HTTP ${response.status} ${code ?? ''} ${message}`.trim(),
          response.status,
          code,
        );
      }
    },

    async createVirtualNetwork(subscriptionId, resourceGroup, name, spec) {
      await network(subscriptionId).virtualNetworks.createOrUpdate(
        resourceGroup,
        name,
        {
          location: spec.location,
          ...(spec.tags ? { tags: spec.tags } : {}),
          addressSpace: { addressPrefixes: spec.addressPrefixes },
          subnets: spec.subnets.map((s) => ({ name: s.name, addressPrefix: s.addressPrefix })),
        },
        poll,
      );
    },

    async createFirewallPolicy(subscriptionId, resourceGroup, name, location) {
      await network(subscriptionId).firewallPolicies.createOrUpdate(resourceGroup, name, { location, threatIntelMode: 'Alert', sku: { tier: 'Standard' } }, poll);
    },

    async createRuleCollectionGroup(subscriptionId, resourceGroup, policyName, name, spec) {
      await network(subscriptionId).firewallPolicyRuleCollectionGroups.createOrUpdate(
        resourceGroup,
        policyName,
        name,
        {
          priority: spec.priority,
          ruleCollections: [
            {
              ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
              name: 'platform-base',
              priority: 100,
              action: { type: 'Allow' },
              rules: [
                {
                  ruleType: 'ApplicationRule',
                  name: 'platform-base-https',
                  sourceAddresses: spec.sourceAddresses,
                  protocols: [{ protocolType: 'Https', port: 443 }],
                  targetFqdns: spec.fqdns,
                },
              ],
            },
          ],
        },
        poll,
      );
    },

    async createGateway(subscriptionId, resourceGroup, name, spec) {
      await network(subscriptionId).virtualNetworkGateways.createOrUpdate(
        resourceGroup,
        name,
        {
          location: spec.location,
          gatewayType: spec.type,
          ...(spec.type === 'Vpn' ? { vpnType: 'RouteBased' as const } : {}),
          sku:
            spec.type === 'Vpn'
              ? { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' }
              : { name: 'ErGw1AZ', tier: 'ErGw1AZ' },
          ipConfigurations: [{ name: 'default', subnet: { id: spec.subnetId } }],
        },
        poll,
      );
    },

    async createPeering(subscriptionId, resourceGroup, vnetName, name, spec) {
      await network(subscriptionId).virtualNetworkPeerings.createOrUpdate(
        resourceGroup,
        vnetName,
        name,
        {
          remoteVirtualNetwork: { id: spec.remoteVirtualNetworkId },
          allowVirtualNetworkAccess: spec.allowVirtualNetworkAccess,
          allowForwardedTraffic: spec.allowForwardedTraffic,
          allowGatewayTransit: spec.allowGatewayTransit,
          useRemoteGateways: spec.useRemoteGateways,
        },
        poll,
      );
    },

    async createPrivateDnsZone(subscriptionId, resourceGroup, zone) {
      await dns(subscriptionId).privateZones.createOrUpdate(resourceGroup, zone, { location: 'global' }, poll);
    },

    async linkPrivateDnsZone(subscriptionId, resourceGroup, zone, linkName, vnetId) {
      await dns(subscriptionId).virtualNetworkLinks.createOrUpdate(
        resourceGroup,
        zone,
        linkName,
        { location: 'global', virtualNetwork: { id: vnetId }, registrationEnabled: false },
        poll,
      );
    },

    async createPrivateEndpoint(subscriptionId, resourceGroup, name, spec) {
      await network(subscriptionId).privateEndpoints.createOrUpdate(
        resourceGroup,
        name,
        {
          location: spec.location,
          subnet: { id: spec.subnetId },
          privateLinkServiceConnections: [
            { name: spec.connectionName, privateLinkServiceId: spec.privateLinkServiceId, groupIds: spec.groupIds },
          ],
        },
        poll,
      );
    },

    async createPrivateDnsZoneGroup(subscriptionId, resourceGroup, privateEndpointName, name, zoneIds) {
      await network(subscriptionId).privateDnsZoneGroups.createOrUpdate(
        resourceGroup,
        privateEndpointName,
        name,
        {
          privateDnsZoneConfigs: zoneIds.map((id) => ({ name: id.split('/').pop()?.replace(/\./g, '-') ?? 'zone', privateDnsZoneId: id })),
        },
        poll,
      );
    },
  };
}
