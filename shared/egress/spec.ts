/**
 * What the control plane's rule collection group(s) in one firewall policy should hold, from the Active (and
 * Applying) requests of that policy's spokes (pure, table-tested in test/unit/egress/spec.test.ts).
 *
 * Layout (direct mode): one rule collection group owned by the control plane (name and priority from config), one
 * Allow rule collection per spoke, one application rule per request named by the request ID. An application rule
 * allows every listed name on every listed protocol, so a request whose destinations have different port sets gets
 * one rule per port set (`{id}`, `{id}.2`, ...: request IDs hold no dot), and its FQDN tags their own rule (Azure rules take target FQDNs or
 * FQDN tags). A group is replaced whole by PUT, so the writer computes the whole desired content and PUTs each group
 * that differs: one PUT per changed group per wave, whatever the number of requests in the wave.
 *
 * Size: a group is at most 2 MB (Azure Firewall limits). Rules fill groups in a stable order and spill into more
 * groups (`{name}-2`, `{name}-3`, priorities +1, +2) when the next rule would pass the limit; a spoke's collection
 * may then span groups (collection names are unique per group only).
 */
import { createHash } from 'node:crypto';
import { destinationKey, formatPort, type Destination, type PortSpec } from './destinations';

export interface ApplicationRuleWire {
  ruleType: 'ApplicationRule';
  name: string;
  sourceAddresses: string[];
  protocols: Array<{ protocolType: PortSpec['protocol']; port: number }>;
  targetFqdns?: string[];
  fqdnTags?: string[];
}

export interface RuleCollectionWire {
  ruleCollectionType: 'FirewallPolicyFilterRuleCollection';
  name: string;
  priority: number;
  action: { type: 'Allow' };
  rules: ApplicationRuleWire[];
}

export interface GroupContent {
  name: string;
  priority: number;
  ruleCollections: RuleCollectionWire[];
}

/** A request whose rule belongs in the policy. */
export interface EgressRule {
  requestId: string;
  spokeVnetId: string;
  /** The spoke's own address space, read from ARM. */
  sourceAddresses: string[];
  destinations: Destination[];
}

/** Azure Firewall's limit on one rule collection group. */
export const MAX_GROUP_BYTES = 2 * 1024 * 1024;
/** Room left for what Azure counts that we do not (its size measure is unpublished). */
export const DEFAULT_SHARD_BYTES = Math.floor(MAX_GROUP_BYTES * 0.9);

/** The spoke's rule collection: its VNet name plus a hash of its full ID (names repeat across subscriptions). */
export function ruleCollectionName(spokeVnetId: string): string {
  const name = (spokeVnetId.split('/').pop() ?? 'spoke').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60);
  const hash = createHash('sha256').update(spokeVnetId.toLowerCase()).digest('hex').slice(0, 8);
  return `spoke-${name}-${hash}`;
}

/** The application rules of one request: one per distinct port set of its FQDNs, one for its FQDN tags. */
export function rulesOf(rule: EgressRule): ApplicationRuleWire[] {
  const sources = [...new Set(rule.sourceAddresses)].sort();
  const byPorts = new Map<string, { ports: PortSpec[]; fqdns: string[] }>();
  const tags: string[] = [];
  let tagPorts: PortSpec[] = [];
  for (const d of rule.destinations) {
    if (d.kind === 'fqdnTag') {
      tags.push(d.tag);
      tagPorts = [...tagPorts, ...d.ports];
      continue;
    }
    const key = d.ports.map(formatPort).join(',');
    const entry = byPorts.get(key) ?? { ports: d.ports, fqdns: [] };
    entry.fqdns.push(d.fqdn);
    byPorts.set(key, entry);
  }
  const protocols = (ports: PortSpec[]) =>
    [...new Map(ports.map((p) => [formatPort(p), { protocolType: p.protocol, port: p.port }])).values()].sort(
      (a, b) => a.protocolType.localeCompare(b.protocolType) || a.port - b.port,
    );
  const out: ApplicationRuleWire[] = [];
  const name = () => (out.length === 0 ? rule.requestId : `${rule.requestId}.${out.length + 1}`);
  for (const key of [...byPorts.keys()].sort()) {
    const entry = byPorts.get(key);
    if (!entry) continue;
    out.push({ ruleType: 'ApplicationRule', name: name(), sourceAddresses: sources, protocols: protocols(entry.ports), targetFqdns: [...entry.fqdns].sort() });
  }
  if (tags.length > 0) out.push({ ruleType: 'ApplicationRule', name: name(), sourceAddresses: sources, protocols: protocols(tagPorts), fqdnTags: [...tags].sort() });
  return out;
}

/** The bytes a group's content counts against the limit (the JSON of its rule collections). */
export function groupBytes(group: Pick<GroupContent, 'ruleCollections'>): number {
  return Buffer.byteLength(JSON.stringify(group.ruleCollections), 'utf8');
}

export function shardName(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

/** True when `name` is one of the control plane's groups (`base` or `base-N`). */
export function isOwnGroup(base: string, name: string): boolean {
  const lower = name.toLowerCase();
  const b = base.toLowerCase();
  return lower === b || new RegExp(`^${b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9]+$`).test(lower);
}

/**
 * The desired groups for these rules: stable order (spoke collection, then request), filled up to `maxBytes` each.
 * No rules -> no groups.
 */
export function desiredGroups(rules: readonly EgressRule[], options: GroupOptions): GroupContent[] {
  return packGroups(
    rules.flatMap((r) => rulesOf(r).map((wire) => ({ collection: ruleCollectionName(r.spokeVnetId), wire }))),
    options,
  );
}

export interface GroupOptions {
  name: string;
  priority: number;
  maxBytes?: number;
}

/** A rule and the collection it belongs in. */
export interface PlacedRule {
  collection: string;
  wire: ApplicationRuleWire;
}

/** Every rule of these groups, with its collection. */
export function placedRules(groups: readonly GroupContent[]): PlacedRule[] {
  return groups.flatMap((g) => g.ruleCollections.flatMap((c) => c.rules.map((wire) => ({ collection: c.name, wire }))));
}

/** The request a rule belongs to (its name without the `.N` of a request's further rules). */
export function requestOfRule(name: string): string {
  return name.replace(/\.[0-9]+$/, '');
}

/** Packs rules into groups: stable order (collection, then rule name), each group filled up to `maxBytes`. */
export function packGroups(placed: readonly PlacedRule[], options: GroupOptions): GroupContent[] {
  const maxBytes = options.maxBytes ?? DEFAULT_SHARD_BYTES;
  const items = [...placed].sort((a, b) => a.collection.localeCompare(b.collection) || a.wire.name.localeCompare(b.wire.name));
  const groups: GroupContent[] = [];
  let current: GroupContent | undefined;
  let bytes = 0;
  const emptyCollectionBytes = (name: string) =>
    Buffer.byteLength(JSON.stringify({ ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name, priority: 65000, action: { type: 'Allow' }, rules: [] }), 'utf8') + 1;
  for (const { collection, wire } of items) {
    const ruleBytes = Buffer.byteLength(JSON.stringify(wire), 'utf8') + 1;
    const last = current?.ruleCollections[current.ruleCollections.length - 1];
    const needsCollection = last?.name !== collection;
    const adding = ruleBytes + (needsCollection ? emptyCollectionBytes(collection) : 0);
    if (!current || (bytes + adding > maxBytes && bytes > 2)) {
      current = { name: shardName(options.name, groups.length), priority: options.priority + groups.length, ruleCollections: [] };
      groups.push(current);
      bytes = 2;
    }
    let target = current.ruleCollections[current.ruleCollections.length - 1];
    if (!target || target.name !== collection) {
      target = { ruleCollectionType: 'FirewallPolicyFilterRuleCollection', name: collection, priority: 100 + current.ruleCollections.length, action: { type: 'Allow' }, rules: [] };
      current.ruleCollections.push(target);
      bytes += emptyCollectionBytes(collection);
    }
    target.rules.push(wire);
    bytes += ruleBytes;
  }
  return groups;
}

/** A stable text of a group's content, to tell whether a PUT would change it. */
export function contentKey(group: Pick<GroupContent, 'priority' | 'ruleCollections'>): string {
  const collections = group.ruleCollections.map((c) => ({
    name: c.name,
    priority: c.priority,
    action: c.action.type,
    rules: [...c.rules]
      .map((r) => ({ name: r.name, sources: [...r.sourceAddresses].sort(), protocols: r.protocols.map((p) => `${p.protocolType}:${p.port}`).sort(), fqdns: [...(r.targetFqdns ?? [])].sort(), tags: [...(r.fqdnTags ?? [])].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  }));
  return JSON.stringify({ priority: group.priority, collections });
}

/**
 * The writes that turn `current` (the control plane's groups as read from the policy) into `desired`: a PUT for each
 * desired group that differs, a DELETE for each own group no longer desired.
 */
export function planWrites(current: readonly GroupContent[], desired: readonly GroupContent[]): { puts: GroupContent[]; deletes: string[] } {
  const byName = new Map(current.map((g) => [g.name.toLowerCase(), g]));
  const puts = desired.filter((g) => {
    const existing = byName.get(g.name.toLowerCase());
    return !existing || contentKey(existing) !== contentKey(g);
  });
  const wanted = new Set(desired.map((g) => g.name.toLowerCase()));
  const deletes = current.filter((g) => !wanted.has(g.name.toLowerCase())).map((g) => g.name);
  return { puts, deletes };
}

export interface RuleLocation {
  ruleCollectionGroup: string;
  ruleCollection: string;
  /** The rule names (the request ID, and `.2`... when it needed more than one rule). */
  names: string[];
}

/**
 * Verification: the policy holds exactly the request's rules (same names, FQDNs, tags, protocols and source) in its
 * spoke's collection. Returns where, or what is wrong.
 */
export function verifyRule(groups: readonly GroupContent[], rule: EgressRule): { ok: true; location: RuleLocation } | { ok: false; reason: string } {
  const expected = rulesOf(rule);
  const collection = ruleCollectionName(rule.spokeVnetId);
  const found = new Map<string, { group: string; wire: ApplicationRuleWire }>();
  const ownName = new RegExp(`^${rule.requestId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.[0-9]+)?$`, 'i');
  for (const g of groups) {
    for (const c of g.ruleCollections) {
      for (const r of c.rules) {
        if (!ownName.test(r.name)) continue;
        if (c.name !== collection) return { ok: false, reason: `rule ${r.name} is in collection ${c.name} of ${g.name}, not in the spoke's collection ${collection}` };
        found.set(r.name.toLowerCase(), { group: g.name, wire: r });
      }
    }
  }
  if (found.size === 0) return { ok: false, reason: `no rule named ${rule.requestId} in collection ${collection}` };
  for (const want of expected) {
    const got = found.get(want.name.toLowerCase());
    if (!got) return { ok: false, reason: `rule ${want.name} is missing` };
    const key = (r: ApplicationRuleWire) =>
      JSON.stringify([[...r.sourceAddresses].sort(), r.protocols.map((p) => `${p.protocolType}:${p.port}`).sort(), [...(r.targetFqdns ?? [])].sort(), [...(r.fqdnTags ?? [])].sort()]);
    if (key(got.wire) !== key(want)) return { ok: false, reason: `rule ${want.name} differs from the approved request: has ${key(got.wire)}, approved ${key(want)}` };
  }
  if (found.size !== expected.length) return { ok: false, reason: `the policy has ${found.size} rules for ${rule.requestId}, the request needs ${expected.length}` };
  const first = found.get(expected[0]?.name.toLowerCase() ?? '');
  return { ok: true, location: { ruleCollectionGroup: first?.group ?? '', ruleCollection: collection, names: expected.map((e) => e.name) } };
}

/** True when no rule of the request is left in the groups (what a revoke verifies). */
export function ruleGone(groups: readonly GroupContent[], requestId: string): boolean {
  const ownName = new RegExp(`^${requestId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.[0-9]+)?$`, 'i');
  return groups.every((g) => g.ruleCollections.every((c) => c.rules.every((r) => !ownName.test(r.name))));
}

/** A request's fingerprint: what was asked (spoke, normalized destinations, TTL), for idempotency and the audit. */
export function fingerprintOf(input: { spokeVnetId: string; destinations: readonly Destination[]; ttlDays: number; justification: string }): string {
  const text = JSON.stringify([input.spokeVnetId.toLowerCase(), input.destinations.map(destinationKey).sort(), input.ttlDays, input.justification]);
  return createHash('sha256').update(text).digest('hex');
}
