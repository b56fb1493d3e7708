/**
 * Which VNets are spokes, and which hub each belongs to: a pure function of the configuration and the VNet's ID,
 * region and tags. Tag names compare without case, as Azure's do.
 */
import type { ControlPlaneConfig, HubConfig } from '../config';
import { normalizeRegion } from '../config';
import { parseResourceId, sameResource } from '../azure/resource-id';

export type SpokeSelection =
  | { kind: 'spoke'; hub: HubConfig; via: 'region' | 'tag' }
  /** Not managed, and nothing is written; existing peerings stay as they are. */
  | { kind: 'unmanaged'; reason: 'IsHub' | 'NotWatched' | 'OptedOut' | 'NotOptedIn'; message: string }
  /** Would be a spoke, but its hub cannot be determined: a recorded error condition. */
  | { kind: 'invalid'; reason: 'UnknownHub' | 'NoHubInRegion'; message: string };

export type SelectionConfig = Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions' | 'peering'>;

/** The tag's value, looked up without case; undefined when absent. */
export function tagValue(tags: Record<string, string> | undefined, name: string): string | undefined {
  if (!tags) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(tags)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** A tag counts as set unless its value says otherwise ("false", "no", "0", "off"). */
function tagIsSet(value: string | undefined): boolean {
  return value !== undefined && !['false', 'no', '0', 'off'].includes(value.trim().toLowerCase());
}

export function hubOf(config: Pick<ControlPlaneConfig, 'hubs'>, vnetId: string): HubConfig | undefined {
  return config.hubs.find((h) => sameResource(h.vnetId, vnetId));
}

export function isWatched(config: Pick<ControlPlaneConfig, 'watchedSubscriptions'>, vnetId: string): boolean {
  const subscription = parseResourceId(vnetId).subscriptionId.toLowerCase();
  return config.watchedSubscriptions.includes(subscription);
}

/**
 * The refusal of subscriptions that are not watched (NotWatched, naming them and the watched ones), or undefined when
 * all are: one wording for every route and flow that asks.
 */
export function unwatched(config: Pick<ControlPlaneConfig, 'watchedSubscriptions'>, subscriptionIds: readonly string[]): { reason: 'NotWatched'; message: string } | undefined {
  const others = [...new Set(subscriptionIds.map((s) => s.toLowerCase()))].filter((s) => !config.watchedSubscriptions.includes(s));
  if (others.length === 0) return undefined;
  const what = others.length === 1 ? `subscription ${others[0]} is` : `subscriptions ${others.join(', ')} are`;
  return { reason: 'NotWatched', message: `${what} not watched (watched: ${config.watchedSubscriptions.join(', ')})` };
}

/**
 * What the VNet's ID alone decides: a configured hub is never a spoke, and a VNet outside the watched subscriptions
 * is none of the control plane's business. Undefined when the VNet's tags and region decide (selectSpoke).
 */
export function selectById(config: Pick<ControlPlaneConfig, 'hubs' | 'watchedSubscriptions'>, vnetId: string): Extract<SpokeSelection, { kind: 'unmanaged' }> | undefined {
  const ownHub = hubOf(config, vnetId);
  if (ownHub) return { kind: 'unmanaged', reason: 'IsHub', message: `${vnetId} is the configured hub "${ownHub.name}": a hub is never a spoke` };
  const notWatched = unwatched(config, [parseResourceId(vnetId).subscriptionId]);
  return notWatched ? { kind: 'unmanaged', ...notWatched } : undefined;
}

export function selectSpoke(config: SelectionConfig, vnet: { id: string; location: string; tags: Record<string, string> }): SpokeSelection {
  const byId = selectById(config, vnet.id);
  if (byId) return byId;
  const { selection, optInTag, optOutTag, hubTag } = config.peering;
  if (selection === 'opt-in' && !tagIsSet(tagValue(vnet.tags, optInTag))) {
    return { kind: 'unmanaged', reason: 'NotOptedIn', message: `selection is opt-in and the VNet has no "${optInTag}" tag` };
  }
  if (selection === 'opt-out' && tagIsSet(tagValue(vnet.tags, optOutTag))) {
    return { kind: 'unmanaged', reason: 'OptedOut', message: `the VNet carries the opt-out tag "${optOutTag}"; existing peerings are left as they are` };
  }
  const named = tagValue(vnet.tags, hubTag)?.trim();
  if (named) {
    const hub = config.hubs.find((h) => h.name.toLowerCase() === named.toLowerCase());
    if (!hub) {
      const known = config.hubs.map((h) => h.name).join(', ');
      return { kind: 'invalid', reason: 'UnknownHub', message: `tag "${hubTag}" names hub "${named}", which is not configured (hubs: ${known})` };
    }
    return { kind: 'spoke', hub, via: 'tag' };
  }
  const region = normalizeRegion(vnet.location);
  const hub = config.hubs.find((h) => h.region === region);
  if (!hub) {
    const regions = config.hubs.map((h) => h.region).join(', ');
    return { kind: 'invalid', reason: 'NoHubInRegion', message: `no hub is configured for region ${region} (hubs are in: ${regions}); tag the VNet with "${hubTag}" to pick one` };
  }
  return { kind: 'spoke', hub, via: 'region' };
}
