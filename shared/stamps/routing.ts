/**
 * Which stamps an ARM resource concerns: a stamp owns its configured resources and everything below them (a scale
 * set's VMs), and a deleted ancestor (its resource group) takes them with it. Pure, for the event trigger's router.
 */
import { resourceKey } from '../azure/resource-id';
import type { ResourceEvent } from '../events/resource-event';
import type { StampsConfig } from './config';

/** The stamps owning the resource `id` (or below it, when `includeDescendants` of `id` count: a deleted group). */
export function stampsOwning(config: StampsConfig | undefined, id: string, options: { ancestorOf?: boolean } = {}): Array<{ stamp: string; resourceId: string }> {
  if (!config) return [];
  const key = resourceKey(id);
  const out: Array<{ stamp: string; resourceId: string }> = [];
  for (const stamp of config.stamps) {
    for (const owned of stamp.resourceIds) {
      const ownedKey = resourceKey(owned);
      if (key === ownedKey || key.startsWith(`${ownedKey}/`) || (options.ancestorOf && ownedKey.startsWith(`${key}/`))) {
        out.push({ stamp: stamp.name, resourceId: owned });
        break;
      }
    }
  }
  return out;
}

export type StampEventRoute =
  | { kind: 'other' }
  | { kind: 'ignore'; reason: string }
  | { kind: 'signal'; signal: 'deleted' | 'restored'; stamps: Array<{ stamp: string; resourceId: string }> };

/**
 * A stamp resource (or an ancestor: its resource group, its parent resource) deleted ejects its stamp at once; the
 * stamp resource written again clears that signal. Events about what lies *below* a stamp resource are not the
 * stamp's fate: a scale set scaling in deletes its VMs, a web app's config is rewritten; those go through probes and
 * Health Resources events instead.
 */
export function routeStampEvent(config: { stamps?: StampsConfig }, event: ResourceEvent): StampEventRoute {
  const deleted = event.kind === 'delete';
  const key = resourceKey(event.resourceId);
  const owners = stampsOwning(config.stamps, event.resourceId, { ancestorOf: deleted }).filter((o) => {
    const owned = resourceKey(o.resourceId);
    return owned === key || owned.startsWith(`${key}/`);
  });
  if (owners.length === 0) return { kind: 'other' };
  if (event.outcome !== 'Success') return { kind: 'ignore', reason: `${event.kind} ${event.outcome}: nothing changed` };
  if (event.kind === 'action') return { kind: 'ignore', reason: 'an action on a stamp resource changes nothing the stamp flow reads' };
  return { kind: 'signal', signal: deleted ? 'deleted' : 'restored', stamps: owners };
}
