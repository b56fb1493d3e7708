/**
 * Resource types as declarations, served by one generic handler.
 *
 * A declaration says where a type lives (its path below the provider, its parent), how a PUT body becomes a record
 * (its body schema), how long a write runs (its long-running-operation kind, scaled by the time scale), what a write
 * locks (its lock scope), and what it does beyond that (effects when a write or delete settles). The generic handler
 * does what every type shares, in ARM's order: the resource group and each parent must exist (404), GET / list
 * (paged) / PUT / DELETE, the lock check (409 AnotherOperationInProgress), the long-running operation with
 * Azure-AsyncOperation / Location / Retry-After, provisioningState Updating -> Succeeded | Failed (Deleting -> gone),
 * and the write / delete notifications (events) when the operation settles.
 *
 * Types with real behaviour (peering states, zone-group records, IP allocation) keep that behaviour as code in
 * their declaration (`put` plan, `remove`); types without any (firewall policies, rule collection groups, Front Door
 * resources) are pure declarations over {@link GenericResourceRecord}s made by {@link genericType}.
 */
import { randomUUID } from 'node:crypto';
import type { ArmResponse, EmulatorCore, RequestContext } from './context';
import {
  acceptedDelete,
  acceptedPatch,
  acceptedPut,
  assertWritable,
  newEtag,
  pagedAnswer,
  parseJsonBody,
  record,
  requireLocation,
  requireResourceGroup,
  startLro,
  tagsOf,
} from './context';
import { ArmError, childNotFound, invalidRequestContent, resourceNotFound } from './errors';
import type { OperationFlavor } from './operations';
import type { LroKind } from './options';
import { idKey, resourceGroupId } from './resourceId';
import type { GenericResourceRecord, ProvisioningState, ResourceGroupRecord } from './state';

/** What the generic handler needs of every record. */
export interface DeclaredRecord {
  id: string;
  name: string;
  etag: string;
  /** Absent on records served read-only (subnets live in their VNet's body). */
  provisioningState?: ProvisioningState;
}

/** Where a request is: its resource group and the records of the parents named by its path, outermost first. */
export interface Placement {
  core: EmulatorCore;
  ctx: RequestContext;
  resourceGroup: ResourceGroupRecord;
  /** The caller's spelling of the resource group name. */
  rg: string;
  parents: DeclaredRecord[];
}

/** How a write is checked and held: `keys` are held by its operation; `check` (default: `keys`) is tested first. */
export interface LockScope {
  keys: string[];
  check?: Parameters<typeof assertWritable>[1];
}

export interface PutInput<R> extends Placement {
  id: string;
  name: string;
  existing: R | undefined;
  body: Record<string, unknown>;
}

/** A PUT the body schema accepted: its lock scope, then the record it writes (validated after the lock check). */
export interface PutPlan<R> {
  lock: LockScope;
  /** Builds (or updates in place) the record; may throw a 400. The handler sets Updating and a new etag. */
  build: () => R;
  /** Runs when the operation succeeds, before Succeeded (records written elsewhere, states of other resources). */
  effects?: (record: R) => void;
  /** False when the record was replaced or removed meanwhile: the settling operation leaves it alone. */
  stillCurrent?: (record: R) => boolean;
}

/** A PATCH the declaration accepted: its lock scope, and the change it makes to the record (validated already). */
export interface PatchPlan<R> {
  lock: LockScope;
  apply: (record: R) => void;
}

export interface ResourceType<R extends DeclaredRecord = DeclaredRecord> {
  /** Full ARM type, e.g. `Microsoft.Network/virtualNetworks/virtualNetworkPeerings`. */
  type: string;
  /** Collection names below the provider, e.g. `['virtualNetworks', 'virtualNetworkPeerings']`. */
  path: readonly string[];
  /** The declaration of the parent (path minus its last collection); none for a top-level type. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parents of any record type (see AnyResourceType)
  parent?: ResourceType<any>;
  /** Long-running operation kind: its nominal duration (options.ts), scaled by the time scale. */
  lro: LroKind;
  /** api-versions accepted (default: the Microsoft.Network list in options.ts). */
  apiVersions?: readonly string[];
  /** Also listed at the subscription (`/subscriptions/{s}/providers/Microsoft.Network/{collection}`). */
  listBySubscription?: boolean;
  /** Writes and deletes answer 405 (types the emulator serves read-only, e.g. endpoints' NICs). */
  readOnly?: boolean;
  /** A write holds its parent `Updating` while it runs (a rule collection group's policy). */
  parentUpdating?: boolean;
  /** The record at `id` (key = idKey(id)) under `parent` (undefined for a top-level type). */
  get(core: EmulatorCore, key: string, parent: DeclaredRecord | undefined): R | undefined;
  /** The records under `parent`, or of the resource group / subscription whose key prefix is given. */
  list(core: EmulatorCore, scope: { prefix: string; parent: DeclaredRecord | undefined }): R[];
  /** Stores a record being written. */
  save?(core: EmulatorCore, record: R, parent: DeclaredRecord | undefined): void;
  /** Removes a record when its delete succeeds, with every effect of that (allocations, records, peer states). */
  remove?(core: EmulatorCore, record: R, parent: DeclaredRecord | undefined): void;
  wire(core: EmulatorCore, record: R, parent: DeclaredRecord | undefined): Record<string, unknown>;
  /** Body schema: validates a PUT body and plans the write. */
  put?(input: PutInput<R>): PutPlan<R>;
  /** Validates a PATCH body against the existing record and plans the change (no PATCH when absent: 405). */
  patch?(input: PutInput<R> & { existing: R }): PatchPlan<R>;
  /** Where its long-running operations are reported (default `network`: NRP's locations/operations). */
  lroFlavor?: OperationFlavor;
  /** Lock scope of a delete (default: the record itself). */
  deleteLock?(core: EmulatorCore, record: R, parent: DeclaredRecord | undefined): LockScope;
  /** Refuses a delete (e.g. a subnet in use) after the lock check. */
  checkDelete?(core: EmulatorCore, record: R): void;
}

/** A type-erased declaration, as the registry holds them. */
// The registry holds declarations of different record types; `any` lets each keep its own record type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResourceType = ResourceType<any>;

/** Declares a type (identity function that keeps the record type). */
export function declare<R extends DeclaredRecord>(declaration: ResourceType<R>): ResourceType<R> {
  return declaration;
}

function last(path: readonly string[]): string {
  return path[path.length - 1] ?? '';
}

function topLevelOf(parents: DeclaredRecord[], own?: DeclaredRecord): DeclaredRecord | undefined {
  return parents[0] ?? own;
}

function regionOf(placement: Placement, own: DeclaredRecord): string {
  const top = topLevelOf(placement.parents, own) as DeclaredRecord & { location?: unknown };
  return typeof top.location === 'string' ? top.location : placement.resourceGroup.location;
}

function resourceGroupNameOf(placement: Placement, own: DeclaredRecord): string {
  const top = topLevelOf(placement.parents, own) as DeclaredRecord & { resourceGroup?: unknown };
  return typeof top.resourceGroup === 'string' ? top.resourceGroup : placement.rg;
}

/** The chain of declarations from the top-level type down to `declaration`. */
function chainOf(declaration: AnyResourceType): AnyResourceType[] {
  const chain: AnyResourceType[] = [];
  for (let d: AnyResourceType | undefined = declaration; d; d = d.parent) chain.unshift(d);
  return chain;
}

/** The ID of a resource of this type from its names (one per collection), with the declared type spelling. */
export function declaredId(declaration: AnyResourceType, subscriptionId: string, rg: string, names: readonly string[]): string {
  const provider = declaration.type.split('/')[0] ?? 'Microsoft.Network';
  const pairs = declaration.path.map((collection, i) => `${collection}/${names[i] ?? ''}`).join('/');
  return `${resourceGroupId(subscriptionId, rg)}/providers/${provider}/${pairs}`;
}

/**
 * Resolves the resource group and every parent named by the path (404 when one is missing: ResourceNotFound for a
 * top-level parent, NotFound for a child, as ARM and NRP answer).
 */
function place(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string, names: readonly string[]): Placement {
  const resourceGroup = requireResourceGroup(core, ctx, rg);
  const parents: DeclaredRecord[] = [];
  const chain = chainOf(declaration).slice(0, -1);
  chain.forEach((ancestor, i) => {
    const id = declaredId(ancestor, ctx.subscriptionId, rg, names);
    const found = ancestor.get(core, idKey(id), parents[parents.length - 1]) as DeclaredRecord | undefined;
    if (!found) throw i === 0 ? resourceNotFound(ancestor.type, names[0] ?? '', rg) : childNotFound(id);
    parents.push(found);
  });
  return { core, ctx, resourceGroup, rg, parents };
}

function notFound(declaration: AnyResourceType, id: string, names: readonly string[], rg: string): ArmError {
  return declaration.parent ? childNotFound(id) : resourceNotFound(declaration.type, names[0] ?? '', rg);
}

export function getResource(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string, names: readonly string[]): ArmResponse {
  const placement = place(core, ctx, declaration, rg, names);
  const parent = placement.parents[placement.parents.length - 1];
  const id = declaredId(declaration, ctx.subscriptionId, rg, names);
  const found = declaration.get(core, idKey(id), parent) as DeclaredRecord | undefined;
  if (!found) throw notFound(declaration, id, names, rg);
  return { status: 200, headers: {}, body: declaration.wire(core, found, parent) };
}

/** Lists a collection: under a parent, in a resource group, or (rg undefined) in the whole subscription. */
export function listResources(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string | undefined, names: readonly string[]): ArmResponse {
  if (rg === undefined) {
    const items = declaration.list(core, { prefix: `/subscriptions/${ctx.subscriptionId.toLowerCase()}/`, parent: undefined }) as DeclaredRecord[];
    return pagedAnswer(core, ctx, items.map((r) => declaration.wire(core, r, undefined)));
  }
  const placement = place(core, ctx, declaration, rg, names);
  const parent = placement.parents[placement.parents.length - 1];
  const prefix = parent ? `${idKey(parent.id)}/${last(declaration.path).toLowerCase()}/` : `${idKey(placement.resourceGroup.id)}/`;
  const items = declaration.list(core, { prefix, parent }) as DeclaredRecord[];
  return pagedAnswer(core, ctx, items.map((r) => declaration.wire(core, r, parent)));
}

/** Holds the parent Updating while a write runs (declarations with `parentUpdating`); returns how to restore it. */
function holdParent(declaration: AnyResourceType, parent: DeclaredRecord | undefined): () => void {
  if (!declaration.parentUpdating || !parent) return () => undefined;
  parent.provisioningState = 'Updating';
  return () => {
    parent.provisioningState = 'Succeeded';
    parent.etag = newEtag();
  };
}

export function putResource(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string, names: readonly string[]): ArmResponse {
  if (declaration.readOnly || !declaration.put) throw methodNotAllowed(ctx.method);
  const placement = place(core, ctx, declaration, rg, names);
  const parent = placement.parents[placement.parents.length - 1];
  const id = declaredId(declaration, ctx.subscriptionId, rg, names);
  const existing = declaration.get(core, idKey(id), parent) as DeclaredRecord | undefined;
  const plan = declaration.put({ ...placement, id, name: names[names.length - 1] ?? '', existing, body: parseJsonBody(ctx) }) as PutPlan<DeclaredRecord>;
  assertWritable(core, plan.lock.check ?? { lockKeys: plan.lock.keys });
  const resource = plan.build();
  resource.provisioningState = 'Updating';
  resource.etag = newEtag();
  declaration.save?.(core, resource, parent);
  const releaseParent = holdParent(declaration, parent);
  const op = startLro(core, ctx, {
    flavor: declaration.lroFlavor ?? 'network',
    kind: declaration.lro,
    region: regionOf(placement, resource),
    resourceGroup: resourceGroupNameOf(placement, resource),
    method: 'PUT',
    lockKeys: plan.lock.keys,
    resourceUri: resource.id,
    operationType: declaration.type,
    complete: () => {
      releaseParent();
      if (plan.stillCurrent && !plan.stillCurrent(resource)) return;
      plan.effects?.(resource);
      resource.provisioningState = 'Succeeded';
      resource.etag = newEtag();
    },
    fail: () => {
      releaseParent();
      resource.provisioningState = 'Failed';
    },
  });
  return acceptedPut(core, op, !existing, declaration.wire(core, resource, parent));
}

/** PATCH: the declaration merges the body into the existing record; a long-running operation settles it (202). */
export function patchResource(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string, names: readonly string[]): ArmResponse {
  if (declaration.readOnly || !declaration.patch) throw methodNotAllowed(ctx.method);
  const placement = place(core, ctx, declaration, rg, names);
  const parent = placement.parents[placement.parents.length - 1];
  const id = declaredId(declaration, ctx.subscriptionId, rg, names);
  const existing = declaration.get(core, idKey(id), parent) as DeclaredRecord | undefined;
  if (!existing) throw notFound(declaration, id, names, rg);
  const plan = declaration.patch({ ...placement, id, name: names[names.length - 1] ?? '', existing, body: parseJsonBody(ctx) }) as PatchPlan<DeclaredRecord>;
  assertWritable(core, plan.lock.check ?? { lockKeys: plan.lock.keys });
  const previous = structuredClone(existing);
  plan.apply(existing);
  existing.provisioningState = 'Updating';
  existing.etag = newEtag();
  const releaseParent = holdParent(declaration, parent);
  const op = startLro(core, ctx, {
    flavor: declaration.lroFlavor ?? 'network',
    kind: declaration.lro,
    region: regionOf(placement, existing),
    resourceGroup: resourceGroupNameOf(placement, existing),
    method: 'PATCH',
    lockKeys: plan.lock.keys,
    resourceUri: existing.id,
    operationType: declaration.type,
    complete: () => {
      releaseParent();
      existing.provisioningState = 'Succeeded';
      existing.etag = newEtag();
    },
    fail: () => {
      releaseParent();
      // A failed update leaves the resource as it was, marked Failed.
      Object.assign(existing, previous, { provisioningState: 'Failed' });
    },
    result: () => declaration.wire(core, existing, parent),
  });
  return acceptedPatch(core, ctx, op, declaration.wire(core, existing, parent));
}

export function deleteResource(core: EmulatorCore, ctx: RequestContext, declaration: AnyResourceType, rg: string, names: readonly string[]): ArmResponse {
  if (declaration.readOnly || !declaration.remove) throw methodNotAllowed(ctx.method);
  const placement = place(core, ctx, declaration, rg, names);
  const parent = placement.parents[placement.parents.length - 1];
  const id = declaredId(declaration, ctx.subscriptionId, rg, names);
  const resource = declaration.get(core, idKey(id), parent) as DeclaredRecord | undefined;
  if (!resource) return { status: 204, headers: {} };
  const lock: LockScope = declaration.deleteLock?.(core, resource, parent) ?? { keys: [idKey(resource.id)] };
  assertWritable(core, lock.check ?? { lockKeys: lock.keys });
  declaration.checkDelete?.(core, resource);
  const before = resource.provisioningState;
  resource.provisioningState = 'Deleting';
  const releaseParent = holdParent(declaration, parent);
  const op = startLro(core, ctx, {
    flavor: declaration.lroFlavor ?? 'network',
    kind: declaration.lro,
    region: regionOf(placement, resource),
    resourceGroup: resourceGroupNameOf(placement, resource),
    method: 'DELETE',
    lockKeys: lock.keys,
    resourceUri: resource.id,
    operationType: declaration.type,
    complete: () => {
      releaseParent();
      declaration.remove?.(core, resource, parent);
    },
    fail: () => {
      releaseParent();
      resource.provisioningState = before === 'Deleting' || before === undefined ? 'Failed' : before;
    },
  });
  return acceptedDelete(core, ctx, op);
}

export function methodNotAllowed(method: string): ArmError {
  return new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
}

/** The registry lookup: the declaration of this provider whose path matches these collection names (case-insensitive). */
export function findType(types: readonly AnyResourceType[], collections: readonly string[], provider = 'Microsoft.Network'): AnyResourceType | undefined {
  const lower = collections.map((c) => c.toLowerCase());
  const namespace = provider.toLowerCase();
  return types.find(
    (t) =>
      (t.type.split('/')[0] ?? '').toLowerCase() === namespace &&
      t.path.length === lower.length &&
      t.path.every((p, i) => p.toLowerCase() === lower[i]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Pure declarations: types with no behaviour of their own, stored as generic records in `ArmState.resources`.

/** How a generic type's `properties` are validated: returns the stored properties, or throws ArmError 400. */
export type PropertiesSchema = (properties: Record<string, unknown>, input: PutInput<GenericResourceRecord>) => Record<string, unknown>;

export interface GenericTypeOptions {
  type: string;
  path: readonly string[];
  parent?: AnyResourceType;
  lro: LroKind;
  apiVersions?: readonly string[];
  /** Top-level tracked resources need `location` and carry `tags`; child resources have neither. */
  tracked: boolean;
  listBySubscription?: boolean;
  parentUpdating?: boolean;
  /** Validates `properties` (the body schema). Read-only properties the client sent are dropped before. */
  properties: PropertiesSchema;
  /** Properties the service sets, never the client (provisioningState is always one). */
  readOnlyProperties?: readonly string[];
  /** Lock scope of a write or delete (default: the record itself; children usually lock their parent). */
  lockScope?: (record: { id: string; parentKey?: string }) => string[];
  /** Properties computed at read time from other records (e.g. a policy's child groups). */
  computed?: (core: EmulatorCore, record: GenericResourceRecord) => Record<string, unknown>;
  /** Runs when a record is removed (children of a removed parent go with it: that is generic). */
  onRemove?: (core: EmulatorCore, record: GenericResourceRecord) => void;
  /** PATCH merges the sent properties into the stored ones, validated again by `properties`. */
  patchable?: boolean;
  /** Where its long-running operations are reported (default `network`). */
  lroFlavor?: OperationFlavor;
  /** The wire form (default {@link genericWire}), e.g. to spell IDs as the resource provider does. */
  wire?: (core: EmulatorCore, record: GenericResourceRecord) => Record<string, unknown>;
}

export function genericWire(core: EmulatorCore, r: GenericResourceRecord, computed?: GenericTypeOptions['computed']): Record<string, unknown> {
  return {
    name: r.name,
    id: r.id,
    etag: r.etag,
    type: r.type,
    ...(r.location !== undefined ? { location: r.location } : {}),
    ...(r.tags ? { tags: r.tags } : {}),
    properties: { ...r.properties, ...(computed ? computed(core, r) : {}), provisioningState: r.provisioningState },
  };
}

/** Removes a generic record and every generic record below it. */
export function removeGenericTree(core: EmulatorCore, key: string): void {
  for (const k of [...core.state.resources.keys()]) if (k === key || k.startsWith(`${key}/`)) core.state.resources.delete(k);
}

export function genericType(options: GenericTypeOptions): ResourceType<GenericResourceRecord> {
  const readOnly = new Set(['provisioningState', ...(options.readOnlyProperties ?? [])]);
  const lockScope = options.lockScope ?? ((r: { id: string }) => [idKey(r.id)]);
  const typeKey = options.type.toLowerCase();
  return declare<GenericResourceRecord>({
    type: options.type,
    path: options.path,
    parent: options.parent,
    lro: options.lro,
    apiVersions: options.apiVersions,
    listBySubscription: options.listBySubscription,
    parentUpdating: options.parentUpdating,
    get: (core, key) => {
      const r = core.state.resources.get(key);
      return r && r.type.toLowerCase() === typeKey ? r : undefined;
    },
    list: (core, { prefix }) =>
      [...core.state.resources.values()].filter((r) => r.type.toLowerCase() === typeKey && idKey(r.id).startsWith(prefix)),
    save: (core, r) => {
      core.state.resources.set(idKey(r.id), r);
    },
    remove: (core, r) => {
      options.onRemove?.(core, r);
      removeGenericTree(core, idKey(r.id));
    },
    lroFlavor: options.lroFlavor,
    wire: (core, r) => (options.wire ? options.wire(core, r) : genericWire(core, r, options.computed)),
    put: (input) => {
      const location = options.tracked ? requireLocation(input.body) : undefined;
      const rawProperties = input.body['properties'];
      if (rawProperties !== undefined && (rawProperties === null || typeof rawProperties !== 'object' || Array.isArray(rawProperties))) {
        throw invalidRequestContent("'properties' must be an object");
      }
      const sent = Object.fromEntries(Object.entries(record(rawProperties)).filter(([k]) => !readOnly.has(k)));
      const properties = options.properties(sent, input);
      const parent = input.parents[input.parents.length - 1];
      const scope = lockScope({ id: input.id, parentKey: parent ? idKey(parent.id) : undefined });
      return {
        lock: { keys: scope },
        build: () => {
          const existing = input.existing;
          const r: GenericResourceRecord = existing ?? {
            id: input.id,
            type: options.type,
            subscriptionId: input.ctx.subscriptionId,
            resourceGroup: input.resourceGroup.name,
            name: input.name,
            etag: newEtag(),
            resourceGuid: randomUUID(),
            properties: {},
            provisioningState: 'Updating',
            ...(parent ? { parentKey: idKey(parent.id) } : {}),
          };
          if (existing && location !== undefined && existing.location !== undefined && existing.location !== location) {
            // Code unverified; ARM refuses moving a resource by PUT with a different location.
            throw new ArmError(400, 'LocationNotAvailableForResourceType', `The location of ${existing.id} cannot be changed from '${existing.location}' to '${location}'.`);
          }
          if (location !== undefined) r.location = location;
          if (options.tracked) r.tags = tagsOf(input.body['tags']);
          r.properties = properties;
          return r;
        },
      };
    },
    deleteLock: (_core, r) => ({ keys: lockScope({ id: r.id, parentKey: r.parentKey }) }),
    ...(options.patchable
      ? {
          patch: (input: PutInput<GenericResourceRecord> & { existing: GenericResourceRecord }): PatchPlan<GenericResourceRecord> => {
            const rawProperties = input.body['properties'];
            if (rawProperties !== undefined && (rawProperties === null || typeof rawProperties !== 'object' || Array.isArray(rawProperties))) {
              throw invalidRequestContent("'properties' must be an object");
            }
            const sent = Object.fromEntries(Object.entries(record(rawProperties)).filter(([k]) => !readOnly.has(k)));
            const current = Object.fromEntries(Object.entries(input.existing.properties).filter(([k]) => !readOnly.has(k)));
            const properties = options.properties({ ...current, ...sent }, input);
            const tags = input.body['tags'] !== undefined && options.tracked ? tagsOf(input.body['tags']) : input.existing.tags;
            return {
              lock: { keys: lockScope({ id: input.existing.id, parentKey: input.existing.parentKey }) },
              apply: (r) => {
                r.properties = { ...r.properties, ...properties };
                if (tags) r.tags = tags;
              },
            };
          },
        }
      : {}),
  });
}
