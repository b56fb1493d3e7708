/**
 * ARM resource IDs. ARM treats IDs case-insensitively and Event Grid does not preserve ARM's casing
 * (`resourcegroups`, lower-case provider names), so every comparison and every key goes through {@link resourceKey}.
 */

export interface ResourceId {
  /** The ID as given, trimmed of a trailing slash. */
  id: string;
  subscriptionId: string;
  resourceGroup?: string;
  /** e.g. `Microsoft.Network` */
  provider?: string;
  /** Type segments, e.g. `['virtualNetworks', 'virtualNetworkPeerings']`. */
  types: string[];
  /** Name segments matching `types`, e.g. `['hub-weu', 'to-spoke1']`. */
  names: string[];
}

export class InvalidResourceIdError extends Error {
  constructor(id: string, reason: string) {
    super(`"${id}" is not a valid ARM resource ID: ${reason}.`);
    this.name = 'InvalidResourceIdError';
  }
}

/** A GUID as ARM writes subscription, tenant and object IDs (any case). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A resource group name: 1-90 letters, digits, `._()-`, not starting with a punctuation mark. */
export const RESOURCE_GROUP = /^[A-Za-z0-9][A-Za-z0-9._()-]{0,89}$/;

/** Parses `/subscriptions/{s}[/resourceGroups/{rg}[/providers/{ns}/{type}/{name}[/{type}/{name}...]]]`. */
export function parseResourceId(id: string): ResourceId {
  const trimmed = id.trim().replace(/\/+$/, '');
  const parts = trimmed.split('/');
  if (parts[0] !== '' || parts.length < 3 || parts[1]?.toLowerCase() !== 'subscriptions') {
    throw new InvalidResourceIdError(id, 'it must start with /subscriptions/{subscriptionId}');
  }
  if (parts.some((p, i) => i > 0 && p === '')) throw new InvalidResourceIdError(id, 'it has an empty segment');
  const subscriptionId = parts[2] as string;
  if (!GUID.test(subscriptionId)) throw new InvalidResourceIdError(id, `"${subscriptionId}" is not a subscription GUID`);
  const result: ResourceId = { id: trimmed, subscriptionId, types: [], names: [] };
  let i = 3;
  if (i < parts.length) {
    if (parts[i]?.toLowerCase() !== 'resourcegroups' || parts[i + 1] === undefined) {
      throw new InvalidResourceIdError(id, 'expected resourceGroups/{name} after the subscription');
    }
    result.resourceGroup = parts[i + 1];
    i += 2;
  }
  if (i < parts.length) {
    if (parts[i]?.toLowerCase() !== 'providers' || parts[i + 1] === undefined) {
      throw new InvalidResourceIdError(id, 'expected providers/{namespace} after the resource group');
    }
    result.provider = parts[i + 1];
    i += 2;
    const rest = parts.slice(i);
    if (rest.length === 0 || rest.length % 2 !== 0) {
      throw new InvalidResourceIdError(id, 'resource types and names must come in pairs');
    }
    for (let j = 0; j < rest.length; j += 2) {
      result.types.push(rest[j] as string);
      result.names.push(rest[j + 1] as string);
    }
  }
  return result;
}

/** The canonical, case-insensitive key of a resource ID (lower case, no trailing slash). */
export function resourceKey(id: string): string {
  return id.trim().replace(/\/+$/, '').toLowerCase();
}

/** True when both IDs name the same resource. */
export function sameResource(a: string, b: string): boolean {
  return resourceKey(a) === resourceKey(b);
}

/** `Microsoft.Network/virtualNetworks/virtualNetworkPeerings`, in the given casing. */
export function resourceType(id: ResourceId): string {
  return [id.provider ?? '', ...id.types].join('/');
}

/** True when `id` is of the given full type (case-insensitive), e.g. `Microsoft.Network/virtualNetworks`. */
export function isOfType(id: ResourceId, fullType: string): boolean {
  return resourceType(id).toLowerCase() === fullType.toLowerCase();
}

/** The last name segment: the resource's own name. */
export function resourceName(id: ResourceId): string {
  const name = id.names[id.names.length - 1];
  if (name === undefined) throw new InvalidResourceIdError(id.id, 'it names no resource');
  return name;
}
