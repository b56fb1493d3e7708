/**
 * The FrontDoorPort over the real SDK clients: @azure/arm-cdn (Standard/Premium, `afdOrigins`) and
 * @azure/arm-frontdoor (classic `frontDoors`, retiring 2027-03-31, kept as a legacy adapter). SDK types stop here.
 * Neither resource has an etag, so a classic PUT cannot be made conditional: writes to one profile are serialized
 * by the flow's one writer per profile (orchestrations/stamps).
 */
import type { TokenCredential } from '@azure/core-auth';
import { CdnManagementClient, type AFDOrigin } from '@azure/arm-cdn';
import { FrontDoorManagementClient, type FrontDoor } from '@azure/arm-frontdoor';
import type { EnabledState } from '../stamps/model';
import { OriginNotFoundError, type FrontDoorPort, type ObservedOrigin, type OriginAddress, type OriginGroupAddress } from '../stamps/ports';
import { perSubscription, type ArmClientOptions } from './clients';
import { classifyArmError } from './errors';
import { parseResourceId, resourceName } from './resource-id';

export interface FrontDoorAdapterOptions {
  credential: TokenCredential;
  clientOptions: ArmClientOptions;
  lro: { updateIntervalInMs?: number };
}

function profileParts(profileId: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const id = parseResourceId(profileId);
  if (!id.resourceGroup) throw new Error(`${profileId} is not a Front Door profile ID: it names no resource group.`);
  return { subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: resourceName(id) };
}

const state = (value: string | undefined): EnabledState => (value === 'Disabled' ? 'Disabled' : 'Enabled');

function fromCdn(o: AFDOrigin): ObservedOrigin {
  return { originId: o.id ?? '', origin: o.name ?? '', enabledState: state(o.enabledState), ...(o.provisioningState ? { provisioningState: o.provisioningState } : {}) };
}

function classicBackends(fd: FrontDoor, group: OriginGroupAddress): ObservedOrigin[] {
  const pool = (fd.backendPools ?? []).find((p) => p.name?.toLowerCase() === group.group.toLowerCase());
  return (pool?.backends ?? []).map((b) => ({
    originId: fd.id ?? group.profileId,
    origin: b.address ?? '',
    enabledState: state(b.enabledState),
    ...(fd.provisioningState ? { provisioningState: fd.provisioningState } : {}),
  }));
}

export function createFrontDoorAdapter(options: FrontDoorAdapterOptions): FrontDoorPort {
  const cdn = perSubscription((subscriptionId) => new CdnManagementClient(options.credential, subscriptionId, options.clientOptions));
  const classic = perSubscription((subscriptionId) => new FrontDoorManagementClient(options.credential, subscriptionId, options.clientOptions));
  const getClassic = async (group: OriginGroupAddress): Promise<FrontDoor | null> => {
    const p = profileParts(group.profileId);
    try {
      return await classic(p.subscriptionId).frontDoors.get(p.resourceGroup, p.name);
    } catch (e) {
      if (classifyArmError(e).class === 'notFound') return null;
      throw e;
    }
  };

  return {
    async readGroup(group) {
      const p = profileParts(group.profileId);
      if (group.kind === 'classic') {
        const fd = await getClassic(group);
        return fd ? classicBackends(fd, group) : [];
      }
      const result: ObservedOrigin[] = [];
      try {
        for await (const o of cdn(p.subscriptionId).afdOrigins.listByOriginGroup(p.resourceGroup, p.name, group.group)) result.push(fromCdn(o));
      } catch (e) {
        if (classifyArmError(e).class === 'notFound') return [];
        throw e;
      }
      return result;
    },

    async setEnabledState(origin: OriginAddress, enabledState: EnabledState) {
      const p = profileParts(origin.profileId);
      if (origin.kind === 'standard') {
        const client = cdn(p.subscriptionId);
        try {
          // PATCH of enabledState alone: nothing else of the origin is sent, so nothing else can be overwritten.
          await client.afdOrigins.beginUpdateAndWait(p.resourceGroup, p.name, origin.group, origin.origin, { enabledState }, options.lro);
        } catch (e) {
          if (classifyArmError(e).class === 'notFound') throw new OriginNotFoundError(origin);
          throw e;
        }
        return fromCdn(await client.afdOrigins.get(p.resourceGroup, p.name, origin.group, origin.origin));
      }
      const fd = await getClassic(origin);
      const pool = fd?.backendPools?.find((b) => b.name?.toLowerCase() === origin.group.toLowerCase());
      const backend = pool?.backends?.find((b) => b.address?.toLowerCase() === origin.origin.toLowerCase());
      if (!fd || !backend) throw new OriginNotFoundError(origin);
      backend.enabledState = enabledState;
      // The whole profile goes back: backends are inline. Read-only fields the GET returned are ignored by the RP.
      await classic(p.subscriptionId).frontDoors.createOrUpdate(p.resourceGroup, p.name, fd, options.lro);
      const after = await getClassic(origin);
      const observed = after ? classicBackends(after, origin).find((b) => b.origin.toLowerCase() === origin.origin.toLowerCase()) : undefined;
      if (!observed) throw new OriginNotFoundError(origin);
      return observed;
    },
  };
}
