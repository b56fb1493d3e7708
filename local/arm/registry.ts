/**
 * Every resource type the generic handler serves (resourceTypes.ts), by provider and path. A new type is one entry
 * here and its declaration; the router finds it by the collections in the request path.
 */
import { cdnOriginDeclaration, cdnOriginGroupDeclaration, cdnProfileDeclaration, classicFrontDoorDeclaration } from './handlers/frontDoors';
import { firewallPolicyDeclaration, ruleCollectionGroupDeclaration } from './handlers/firewallPolicies';
import { gatewayDeclaration } from './handlers/gateways';
import { networkInterfaceDeclaration } from './handlers/networkInterfaces';
import { peeringDeclaration } from './handlers/peerings';
import { privateEndpointDeclaration, zoneGroupDeclaration } from './handlers/privateEndpoints';
import { subnetDeclaration, virtualNetworkDeclaration } from './handlers/virtualNetworks';
import type { AnyResourceType } from './resourceTypes';

export const DECLARED_TYPES: readonly AnyResourceType[] = [
  virtualNetworkDeclaration,
  peeringDeclaration,
  subnetDeclaration,
  gatewayDeclaration,
  privateEndpointDeclaration,
  zoneGroupDeclaration,
  networkInterfaceDeclaration,
  cdnProfileDeclaration,
  cdnOriginGroupDeclaration,
  cdnOriginDeclaration,
  classicFrontDoorDeclaration,
  firewallPolicyDeclaration,
  ruleCollectionGroupDeclaration,
];
