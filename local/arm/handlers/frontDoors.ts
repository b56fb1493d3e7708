/**
 * Front Door, as declarations served by the generic handler (resourceTypes.ts):
 * - Standard/Premium: `Microsoft.Cdn/profiles`, `.../originGroups`, `.../originGroups/{og}/origins` (PUT, GET, list,
 *   DELETE; origins also PATCH, long-running with Azure-AsyncOperation and Location). IDs come back with lower-case
 *   `resourcegroups` / `origingroups` and the type `Microsoft.Cdn/profiles/origingroups/origins`, as in the
 *   AFDOrigins_Get example (specification/cdn/resource-manager/Microsoft.Cdn/Cdn/stable/2025-06-01/examples).
 * - classic `Microsoft.Network/frontDoors` (GET, PUT of the whole profile, long-running): backends live inline in
 *   `backendPools[].properties.backends[]` (FrontdoorGet.json, specification/frontdoor/.../stable/2021-06-01).
 * Neither has an etag (the Cdn spec's AFDOrigin and classic FrontDoor models carry none).
 */
import type { EmulatorCore } from '../context';
import { ArmError } from '../errors';
import { CDN_API_VERSIONS, FRONTDOOR_API_VERSIONS } from '../options';
import { genericType, genericWire, type PutInput } from '../resourceTypes';
import type { GenericResourceRecord } from '../state';

const badRequest = (message: string): ArmError => new ArmError(400, 'BadRequest', message);

function enabledState(value: unknown, field: string, fallback: 'Enabled' | 'Disabled' = 'Enabled'): 'Enabled' | 'Disabled' {
  if (value === undefined || value === null) return fallback;
  if (value === 'Enabled' || value === 'Disabled') return value;
  // Message wording unverified; the enum is Enabled | Disabled in both specs.
  throw badRequest(`The value '${String(value)}' of ${field} is invalid. Allowed values: Enabled, Disabled.`);
}

function port(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw badRequest(`${field} must be an integer from 1 to 65535.`);
  return value;
}

function optionalInt(value: unknown, field: string, min: number, max: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw badRequest(`${field} must be an integer from ${min} to ${max}.`);
  return value;
}

/** `/resourceGroups/` -> `/resourcegroups/` and `/originGroups/` -> `/origingroups/`, as the Cdn RP answers. */
export function cdnSpelling(id: string): string {
  return id.replace(/\/resourceGroups\//i, '/resourcegroups/').replace(/\/originGroups\//i, '/origingroups/');
}

function cdnWire(type: string) {
  return (core: EmulatorCore, r: GenericResourceRecord): Record<string, unknown> => {
    const wire = genericWire(core, r);
    // AFD resources carry no etag.
    delete wire['etag'];
    return { ...wire, id: cdnSpelling(r.id), type };
  };
}

export const cdnProfileDeclaration = genericType({
  type: 'Microsoft.Cdn/profiles',
  path: ['profiles'],
  lro: 'cdnProfiles',
  lroFlavor: 'cdn',
  apiVersions: CDN_API_VERSIONS,
  tracked: true,
  // The profile's sku (Standard_AzureFrontDoor / Premium_AzureFrontDoor) sits outside properties; not kept.
  properties: (p) => ({ originResponseTimeoutSeconds: p['originResponseTimeoutSeconds'] ?? 60, resourceState: 'Active', frontDoorId: p['frontDoorId'] ?? null }),
  readOnlyProperties: ['resourceState', 'frontDoorId'],
  wire: cdnWire('Microsoft.Cdn/profiles'),
});

export const cdnOriginGroupDeclaration = genericType({
  type: 'Microsoft.Cdn/profiles/originGroups',
  path: ['profiles', 'originGroups'],
  parent: cdnProfileDeclaration,
  lro: 'afdOrigins',
  lroFlavor: 'cdn',
  apiVersions: CDN_API_VERSIONS,
  tracked: false,
  patchable: true,
  properties: (p) => ({
    loadBalancingSettings: p['loadBalancingSettings'] ?? { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
    healthProbeSettings: p['healthProbeSettings'] ?? null,
    trafficRestorationTimeToHealedOrNewEndpointsInMinutes: p['trafficRestorationTimeToHealedOrNewEndpointsInMinutes'] ?? 10,
    sessionAffinityState: enabledState(p['sessionAffinityState'], 'sessionAffinityState', 'Disabled'),
    deploymentStatus: 'NotStarted',
  }),
  readOnlyProperties: ['deploymentStatus'],
  lockScope: ({ id }) => [id.toLowerCase()],
  wire: cdnWire('Microsoft.Cdn/profiles/origingroups'),
});

export const cdnOriginDeclaration = genericType({
  type: 'Microsoft.Cdn/profiles/originGroups/origins',
  path: ['profiles', 'originGroups', 'origins'],
  parent: cdnOriginGroupDeclaration,
  lro: 'afdOrigins',
  lroFlavor: 'cdn',
  apiVersions: CDN_API_VERSIONS,
  tracked: false,
  patchable: true,
  properties: (p, input: PutInput<GenericResourceRecord>) => {
    const hostName = p['hostName'];
    if (typeof hostName !== 'string' || hostName.length === 0) throw badRequest('hostName is required: the address of the origin (a domain name or an IP address).');
    return {
      hostName,
      httpPort: port(p['httpPort'], 'httpPort', 80),
      httpsPort: port(p['httpsPort'], 'httpsPort', 443),
      originHostHeader: typeof p['originHostHeader'] === 'string' ? p['originHostHeader'] : hostName,
      priority: optionalInt(p['priority'], 'priority', 1, 5),
      weight: optionalInt(p['weight'], 'weight', 1, 1000),
      enabledState: enabledState(p['enabledState'], 'enabledState'),
      enforceCertificateNameCheck: typeof p['enforceCertificateNameCheck'] === 'boolean' ? p['enforceCertificateNameCheck'] : true,
      sharedPrivateLinkResource: p['sharedPrivateLinkResource'] ?? null,
      originGroupName: input.parents[input.parents.length - 1]?.name ?? '',
      deploymentStatus: 'NotStarted',
    };
  },
  readOnlyProperties: ['originGroupName', 'deploymentStatus'],
  lockScope: ({ id }) => [id.toLowerCase()],
  wire: cdnWire('Microsoft.Cdn/profiles/origingroups/origins'),
});

interface ClassicBackend {
  address: string;
  httpPort: number;
  httpsPort: number;
  enabledState: 'Enabled' | 'Disabled';
  weight: number;
  priority: number;
  backendHostHeader: string;
}

const MAX_POOLS = 50;
const MAX_BACKENDS = 100;

function classicProperties(p: Record<string, unknown>, input: PutInput<GenericResourceRecord>): Record<string, unknown> {
  const pools = p['backendPools'] ?? [];
  if (!Array.isArray(pools) || pools.length > MAX_POOLS) throw badRequest(`backendPools must be an array of at most ${MAX_POOLS} pools.`);
  const backendPools = pools.map((pool: unknown, i) => {
    const poolRecord = (pool ?? {}) as Record<string, unknown>;
    const name = poolRecord['name'];
    if (typeof name !== 'string' || name === '') throw badRequest(`backendPools[${i}].name is required.`);
    const props = (poolRecord['properties'] ?? {}) as Record<string, unknown>;
    const backends = props['backends'] ?? [];
    if (!Array.isArray(backends) || backends.length > MAX_BACKENDS) throw badRequest(`backendPools[${i}].properties.backends must be an array of at most ${MAX_BACKENDS} backends.`);
    const parsed: ClassicBackend[] = backends.map((b: unknown, j) => {
      const backend = (b ?? {}) as Record<string, unknown>;
      const address = backend['address'];
      if (typeof address !== 'string' || address === '') throw badRequest(`backendPools[${i}].properties.backends[${j}].address is required.`);
      return {
        address,
        httpPort: port(backend['httpPort'], 'httpPort', 80),
        httpsPort: port(backend['httpsPort'], 'httpsPort', 443),
        enabledState: enabledState(backend['enabledState'], `backendPools[${i}].properties.backends[${j}].enabledState`),
        weight: optionalInt(backend['weight'], 'weight', 1, 1000) ?? 50,
        priority: optionalInt(backend['priority'], 'priority', 1, 5) ?? 1,
        backendHostHeader: typeof backend['backendHostHeader'] === 'string' ? backend['backendHostHeader'] : address,
      };
    });
    return {
      id: `${input.id}/backendPools/${name}`,
      name,
      type: 'Microsoft.Network/Frontdoors/BackendPools',
      properties: { ...props, backends: parsed, resourceState: 'Enabled' },
    };
  });
  return {
    ...p,
    backendPools,
    enabledState: enabledState(p['enabledState'], 'enabledState'),
    resourceState: 'Enabled',
    cname: `${input.name.toLowerCase()}.azurefd.net`,
  };
}

/**
 * Classic Azure Front Door. Azure refuses to create new classic profiles since the retirement notice ("Creation of
 * new Frontdoors are not allowed as the resource has been deprecated."); the emulator still creates them so the demo
 * and tests can stand one up.
 */
export const classicFrontDoorDeclaration = genericType({
  type: 'Microsoft.Network/frontDoors',
  path: ['frontDoors'],
  lro: 'frontDoors',
  apiVersions: FRONTDOOR_API_VERSIONS,
  tracked: true,
  properties: classicProperties,
  readOnlyProperties: ['resourceState', 'cname', 'frontdoorId'],
});
