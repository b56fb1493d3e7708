/** Resource groups (Microsoft.Resources): synchronous create, LRO delete that takes everything in the group. */
import type { ArmResponse, EmulatorCore, RequestContext } from '../context';
import { notify, pagedAnswer, parseJsonBody, requireLocation, statusUrl, startLro, tagsOf } from '../context';
import { anotherOperationInProgress, resourceGroupNotFound } from '../errors';
import { idKey, resourceGroupId } from '../resourceId';
import type { ResourceGroupRecord } from '../state';
import { removePrivateEndpoint } from './privateEndpoints';
import { removeVirtualNetwork } from './virtualNetworks';

const RG_TYPE = 'Microsoft.Resources/resourceGroups';

export function resourceGroupWire(rg: ResourceGroupRecord): Record<string, unknown> {
  return {
    id: rg.id,
    name: rg.name,
    type: RG_TYPE,
    location: rg.location,
    ...(rg.tags ? { tags: rg.tags } : {}),
    properties: { provisioningState: rg.provisioningState },
  };
}

export function putResourceGroup(core: EmulatorCore, ctx: RequestContext, name: string): ArmResponse {
  const body = parseJsonBody(ctx);
  const existing = core.state.resourceGroup(ctx.subscriptionId, name);
  if (existing?.provisioningState === 'Deleting') {
    throw anotherOperationInProgress(`${ctx.base}${resourceGroupId(ctx.subscriptionId, existing.name)}`);
  }
  const location = requireLocation(body);
  const rg: ResourceGroupRecord = existing ?? {
    id: resourceGroupId(ctx.subscriptionId, name),
    subscriptionId: ctx.subscriptionId,
    name,
    location,
    provisioningState: 'Succeeded',
  };
  rg.tags = tagsOf(body['tags']);
  core.state.resourceGroups.set(idKey(rg.id), rg);
  notify(core, ctx, {
    kind: 'write',
    status: 'Succeeded',
    resourceUri: rg.id,
    operationName: 'Microsoft.Resources/subscriptions/resourceGroups/write',
    resourceGroup: rg.name,
    resourceProvider: 'Microsoft.Resources',
  });
  return { status: existing ? 200 : 201, headers: {}, body: resourceGroupWire(rg) };
}

export function getResourceGroup(core: EmulatorCore, ctx: RequestContext, name: string, head: boolean): ArmResponse {
  const rg = core.state.resourceGroup(ctx.subscriptionId, name);
  if (head) return { status: rg ? 204 : 404, headers: {} };
  if (!rg) throw resourceGroupNotFound(name);
  return { status: 200, headers: {}, body: resourceGroupWire(rg) };
}

export function listResourceGroups(core: EmulatorCore, ctx: RequestContext): ArmResponse {
  const prefix = `/subscriptions/${ctx.subscriptionId.toLowerCase()}/`;
  const groups = [...core.state.resourceGroups.values()].filter((rg) => idKey(rg.id).startsWith(prefix));
  return pagedAnswer(core, ctx, groups.map(resourceGroupWire));
}

export function deleteResourceGroup(core: EmulatorCore, ctx: RequestContext, name: string): ArmResponse {
  const rg = core.state.resourceGroup(ctx.subscriptionId, name);
  if (!rg) throw resourceGroupNotFound(name);
  const rgKey = idKey(rg.id);
  if (rg.provisioningState === 'Deleting') throw anotherOperationInProgress(`${ctx.base}${rg.id}`);
  rg.provisioningState = 'Deleting';
  const op = startLro(core, ctx, {
    flavor: 'resourceGroup',
    kind: 'resourceGroups',
    region: rg.location,
    resourceGroup: rg.name,
    method: 'DELETE',
    lockKeys: [rgKey],
    resourceUri: rg.id,
    operationType: 'Microsoft.Resources/subscriptions/resourceGroups',
    complete: () => {
      // Dependents first, as ARM orders the deletion: endpoints (and their DNS records), gateways, VNets, zones.
      for (const pe of core.state.inResourceGroup(core.state.privateEndpoints, rgKey)) removePrivateEndpoint(core, pe);
      for (const gw of core.state.inResourceGroup(core.state.gateways, rgKey)) core.state.gateways.delete(idKey(gw.id));
      for (const vnet of core.state.inResourceGroup(core.state.virtualNetworks, rgKey)) removeVirtualNetwork(core, idKey(vnet.id));
      for (const zone of core.state.inResourceGroup(core.state.privateDnsZones, rgKey)) core.state.privateDnsZones.delete(idKey(zone.id));
      for (const resource of core.state.inResourceGroup(core.state.resources, rgKey)) core.state.resources.delete(idKey(resource.id));
      core.state.resourceGroups.delete(rgKey);
    },
    fail: () => {
      rg.provisioningState = 'Succeeded';
    },
  });
  // ARM answers 202 with a Location to poll (no Azure-AsyncOperation) and Retry-After 15.
  return {
    status: 202,
    headers: {
      Location: statusUrl(ctx, 'resourceGroup', rg.location, rg.name, op.id, 'result'),
      'Retry-After': String(Math.round(15 * core.timeScale)),
    },
  };
}
