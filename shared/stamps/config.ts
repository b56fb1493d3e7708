/**
 * The `stamps` block of the topology document: the Front Door profiles, the stamps behind them and the health policy.
 * Validated with zod (`.strict()` everywhere, every list bounded); cross-references (a stamp's Front Door, the shape
 * of its origin for that profile's kind, unique names) are checked here so a typo fails at start-up, not at 3 a.m.
 */
import { z } from 'zod';
import { InvalidResourceIdError, parseResourceId, resourceKey } from '../azure/resource-id';

/** Bounds on what the document can carry. */
export const STAMP_LIMITS = { frontDoors: 20, stamps: 200, resourceIds: 50, alertKeysKept: 50 } as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const name = (what: string) => z.string().regex(NAME, `must be a ${what} name: 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit`);

export type FrontDoorKind = 'standard' | 'classic';

/** `standard` for `Microsoft.Cdn/profiles/{p}`, `classic` for `Microsoft.Network/frontDoors/{f}`, else undefined. */
export function frontDoorKindOf(id: string): FrontDoorKind | undefined {
  let parsed;
  try {
    parsed = parseResourceId(id);
  } catch {
    return undefined;
  }
  if (!parsed.resourceGroup || parsed.types.length !== 1) return undefined;
  const type = `${parsed.provider ?? ''}/${parsed.types[0] ?? ''}`.toLowerCase();
  if (type === 'microsoft.cdn/profiles') return 'standard';
  if (type === 'microsoft.network/frontdoors') return 'classic';
  return undefined;
}

const armId = z.string().superRefine((value, ctx) => {
  try {
    const id = parseResourceId(value);
    if (!id.resourceGroup || id.types.length === 0) ctx.addIssue({ code: 'custom', message: 'must be the ARM ID of a resource (/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name})' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof InvalidResourceIdError ? e.message : String(e) });
  }
});

const frontDoorSchema = z
  .object({
    /** How stamps refer to this profile. */
    name: name('Front Door'),
    /** `Microsoft.Cdn/profiles/{p}` (Standard/Premium) or `Microsoft.Network/frontDoors/{f}` (classic, retiring 2027-03-31). */
    id: z.string().refine((id) => frontDoorKindOf(id) !== undefined, {
      message: 'must be the ARM ID of a Front Door profile: .../providers/Microsoft.Cdn/profiles/{name} (Standard/Premium) or .../providers/Microsoft.Network/frontDoors/{name} (classic)',
    }),
  })
  .strict();

/** Standard/Premium: an origin in an origin group of a `Microsoft.Cdn/profiles` profile. */
const cdnOriginSchema = z.object({ frontDoor: name('Front Door'), originGroup: name('origin group'), origin: name('origin') }).strict();
/** Classic: a backend (by its address) in a backend pool of a `Microsoft.Network/frontDoors` profile. */
const classicOriginSchema = z
  .object({ frontDoor: name('Front Door'), backendPool: name('backend pool'), backendAddress: z.string().min(1).max(255).regex(/^[^\s/]+$/, 'must be a host name or IP address') })
  .strict();

const healthUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `is not a URL: "${value}"` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
});

const stampSchema = z
  .object({
    name: name('stamp'),
    region: z.string().min(1).max(60),
    origin: z.union([cdnOriginSchema, classicOriginSchema], { error: 'must be { frontDoor, originGroup, origin } (Standard/Premium) or { frontDoor, backendPool, backendAddress } (classic)' }),
    /** Probed every interval: 200 is healthy; any other status, a timeout or a connection error is a failure. */
    healthUrl,
    /** The stamp's own resources: alerts and resource events on any of them count for the stamp. */
    resourceIds: z.array(armId).max(STAMP_LIMITS.resourceIds, `at most ${STAMP_LIMITS.resourceIds} resource IDs per stamp`).default([]),
  })
  .strict();

const policySchema = z
  .object({
    probeIntervalSeconds: z.number().min(1).max(3600).default(30),
    probeTimeoutSeconds: z.number().min(0.1).max(120).default(5),
    /** Consecutive failed probes that eject a stamp. */
    ejectAfterFailures: z.number().int().min(1).max(100).default(3),
    /** Consecutive successful probes needed (with the minimum ejection time) to readmit it. */
    readmitAfterSuccesses: z.number().int().min(1).max(1000).default(5),
    /** Minimum ejection time per ejection: the n-th ejection lasts at least n times this (Envoy-style), capped below. */
    minEjectionSeconds: z.number().min(0).max(86_400).default(300),
    maxEjectionSeconds: z.number().min(0).max(7 * 86_400).default(3600),
    /** The ejection count falls back to zero after this long without an ejection. */
    ejectionCountDecaySeconds: z.number().min(1).max(30 * 86_400).default(86_400),
    /** At most this fraction of an origin group's stamps ejected at once, rounded up. */
    maxEjectedFraction: z.number().gt(0).max(1).default(1 / 3),
    /** Resource Health `Degraded` counts as unhealthy. */
    degradedIsUnhealthy: z.boolean().default(false),
    /** Alerts that never send `Resolved` (activity log, Resource Health) hold a stamp unhealthy for at most this long. */
    nonResolvingAlertHoldSeconds: z.number().min(1).max(7 * 86_400).default(3600),
  })
  .strict()
  .refine((p) => p.probeTimeoutSeconds <= p.probeIntervalSeconds, { message: 'probeTimeoutSeconds must not exceed probeIntervalSeconds', path: ['probeTimeoutSeconds'] })
  .refine((p) => p.minEjectionSeconds <= p.maxEjectionSeconds, { message: 'minEjectionSeconds must not exceed maxEjectionSeconds', path: ['minEjectionSeconds'] });

export type StampPolicy = z.infer<typeof policySchema>;
export const DEFAULT_STAMP_POLICY: StampPolicy = policySchema.parse({});

export const stampsSchema = z
  .object({
    frontDoors: z.array(frontDoorSchema).min(1, 'name at least one Front Door profile').max(STAMP_LIMITS.frontDoors, `at most ${STAMP_LIMITS.frontDoors} Front Door profiles`),
    stamps: z.array(stampSchema).min(1, 'name at least one stamp').max(STAMP_LIMITS.stamps, `at most ${STAMP_LIMITS.stamps} stamps`),
    policy: policySchema.default(() => policySchema.parse({})),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const kinds = new Map<string, FrontDoorKind>();
    const ids = new Set<string>();
    doc.frontDoors.forEach((fd, i) => {
      const key = fd.name.toLowerCase();
      if (kinds.has(key)) ctx.addIssue({ code: 'custom', path: ['frontDoors', i, 'name'], message: `"${fd.name}" is named twice` });
      if (ids.has(resourceKey(fd.id))) ctx.addIssue({ code: 'custom', path: ['frontDoors', i, 'id'], message: 'this profile is listed twice' });
      kinds.set(key, frontDoorKindOf(fd.id) ?? 'standard');
      ids.add(resourceKey(fd.id));
    });
    const names = new Set<string>();
    const origins = new Set<string>();
    doc.stamps.forEach((stamp, i) => {
      if (names.has(stamp.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['stamps', i, 'name'], message: `stamp "${stamp.name}" is named twice` });
      names.add(stamp.name.toLowerCase());
      const kind = kinds.get(stamp.origin.frontDoor.toLowerCase());
      if (!kind) {
        ctx.addIssue({ code: 'custom', path: ['stamps', i, 'origin', 'frontDoor'], message: `no Front Door named "${stamp.origin.frontDoor}" in frontDoors` });
        return;
      }
      const isClassic = 'backendPool' in stamp.origin;
      if (kind === 'classic' && !isClassic) ctx.addIssue({ code: 'custom', path: ['stamps', i, 'origin'], message: `"${stamp.origin.frontDoor}" is a classic Front Door: give backendPool and backendAddress` });
      if (kind === 'standard' && isClassic) ctx.addIssue({ code: 'custom', path: ['stamps', i, 'origin'], message: `"${stamp.origin.frontDoor}" is a Standard/Premium profile: give originGroup and origin` });
      const key = originKey(stamp.origin);
      if (origins.has(key)) ctx.addIssue({ code: 'custom', path: ['stamps', i, 'origin'], message: 'another stamp already uses this origin' });
      origins.add(key);
    });
  });

export type StampsConfig = z.infer<typeof stampsSchema>;
export type StampConfig = StampsConfig['stamps'][number];
export type StampOrigin = StampConfig['origin'];

function originKey(origin: StampOrigin): string {
  return ('backendPool' in origin ? [origin.frontDoor, origin.backendPool, origin.backendAddress] : [origin.frontDoor, origin.originGroup, origin.origin]).join('/').toLowerCase();
}

/** An origin group (classic: a backend pool): the unit a monitor watches and the fraction limit counts over. */
export interface OriginGroupRef {
  frontDoor: string;
  frontDoorId: string;
  kind: FrontDoorKind;
  /** The origin group's (classic: backend pool's) name. */
  group: string;
}

/** The key of a stamp's origin group, e.g. `afd-payments/og-api` (lower case). */
export function originGroupKey(origin: StampOrigin): string {
  return `${origin.frontDoor}/${'backendPool' in origin ? origin.backendPool : origin.originGroup}`.toLowerCase();
}

/** The stamps of the configuration grouped by origin group (classic: backend pool), in configuration order. */
export function originGroups(config: StampsConfig): Array<OriginGroupRef & { key: string; stamps: StampConfig[] }> {
  const groups = new Map<string, OriginGroupRef & { key: string; stamps: StampConfig[] }>();
  for (const stamp of config.stamps) {
    const key = originGroupKey(stamp.origin);
    let group = groups.get(key);
    if (!group) {
      const fd = config.frontDoors.find((f) => f.name.toLowerCase() === stamp.origin.frontDoor.toLowerCase());
      if (!fd) throw new Error(`stamp ${stamp.name}: no Front Door named ${stamp.origin.frontDoor}`);
      group = {
        key,
        frontDoor: fd.name,
        frontDoorId: fd.id,
        kind: frontDoorKindOf(fd.id) ?? 'standard',
        group: 'backendPool' in stamp.origin ? stamp.origin.backendPool : stamp.origin.originGroup,
        stamps: [],
      };
      groups.set(key, group);
    }
    group.stamps.push(stamp);
  }
  return [...groups.values()];
}
