/**
 * Egress destinations: what a request may ask a hub firewall to allow, validated and normalized (pure, table-tested
 * in test/unit/egress/destinations.test.ts).
 *
 * FQDNs: IDN -> A-label (`url.domainToASCII`, UTS-46 non-transitional), then LDH labels of 1-63 characters, a name of
 * at most 253, no all-numeric TLD, `--` in positions 3-4 only for `xn--` labels (RFC 1035, 1123, 3696, 5891). `*` only
 * as the whole leftmost label: Azure Firewall application rules match `*.contoso.com` for any name below
 * contoso.com but not contoso.com itself (Azure Firewall FAQ), which the response says. Refused: IP literals,
 * special-use names (localhost, .local, .test, .invalid, .example, home.arpa... per tldts `detectSpecialUse`), names
 * under no known top-level domain, and wildcards over a public suffix (`*.com`, `*.co.uk`). A wildcard over a
 * shared multi-tenant suffix from the Public Suffix List's private section (`*.blob.core.windows.net`,
 * `*.azurewebsites.net`) opens every tenant of that service: it needs two distinct approvers. The suffix data is the
 * maintained Public Suffix List as shipped in `tldts`.
 *
 * Ports: `Http|Https|Mssql:1-65535` (Azure Firewall application rule protocols). FQDN tags: from the firewall's tag
 * list (`azureFirewallFqdnTags`), https only (https://learn.microsoft.com/azure/firewall/fqdn-tags).
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';

export const PROTOCOLS = ['Http', 'Https', 'Mssql'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface PortSpec {
  protocol: Protocol;
  port: number;
}

export interface FqdnDestination {
  kind: 'fqdn';
  /** A-label, lower case; `*.` kept for a wildcard. */
  fqdn: string;
  wildcard: boolean;
  /** Sorted, distinct. */
  ports: PortSpec[];
  /** For a wildcard directly over a PSL private-section suffix: that suffix (the request needs two approvers). */
  sharedSuffix?: string;
}

export interface FqdnTagDestination {
  kind: 'fqdnTag';
  /** The tag as the firewall's list spells it. */
  tag: string;
  ports: PortSpec[];
}

export type Destination = FqdnDestination | FqdnTagDestination;

export const MAX_DESTINATIONS = 50;
export const MAX_PORTS_PER_DESTINATION = 10;
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const HTTPS_443: PortSpec = { protocol: 'Https', port: 443 };

export type FqdnCheck = { ok: true; fqdn: string; wildcard: boolean; sharedSuffix?: string } | { ok: false; reason: string };

/** Validates and normalizes one FQDN (no port). */
export function checkFqdn(input: string): FqdnCheck {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'is empty' };
  if (/[/\\?#@]/.test(text) || text.includes('://')) return { ok: false, reason: 'must be a host name, not a URL' };
  const bare = text.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return { ok: false, reason: 'is an IP address; application rules match host names (ask for a network rule instead)' };
  if (text.includes(':')) return { ok: false, reason: 'must not carry a port; give ports in "ports" (e.g. "Https:443")' };
  let rest = text.endsWith('.') ? text.slice(0, -1) : text;
  const wildcard = rest.startsWith('*.');
  if (wildcard) rest = rest.slice(2);
  if (rest.includes('*')) return { ok: false, reason: '"*" is allowed only as the whole leftmost label, as in *.contoso.com' };
  // Before IDNA: the WHATWG host parser reads a name ending in a number as an IPv4 address and fails.
  if (/^[0-9]+$/.test(rest.split('.').pop() ?? '')) return { ok: false, reason: 'has an all-numeric top-level domain' };
  const ascii = domainToASCII(rest);
  if (ascii === '') return { ok: false, reason: 'is not a valid domain name (IDNA conversion failed)' };
  const name = ascii.toLowerCase();
  const labels = name.split('.');
  // `*.com` has one label after the `*`: the public-suffix check below names it.
  if (labels.length < 2 && !wildcard) return { ok: false, reason: 'must have at least two labels (a single label is not a public name)' };
  for (const label of labels) {
    if (label.length === 0) return { ok: false, reason: 'has an empty label' };
    if (label.length > MAX_LABEL_LENGTH) return { ok: false, reason: `has a label of ${label.length} characters; at most ${MAX_LABEL_LENGTH}` };
    if (!LDH_LABEL.test(label)) {
      return { ok: false, reason: `has label "${label}": only letters, digits and hyphens, not starting or ending with a hyphen` };
    }
    if (label.slice(2, 4) === '--' && !label.startsWith('xn--')) {
      return { ok: false, reason: `has label "${label}": "--" in positions 3-4 is reserved for xn-- A-labels` };
    }
  }
  const full = wildcard ? `*.${name}` : name;
  if (full.length > MAX_NAME_LENGTH) return { ok: false, reason: `is ${full.length} characters long; at most ${MAX_NAME_LENGTH}` };
  const tld = labels[labels.length - 1] ?? '';

  const withPrivate = parseDomain(name, { allowPrivateDomains: true, detectSpecialUse: true });
  const icannOnly = parseDomain(name, { allowPrivateDomains: false });
  if (withPrivate.isIp) return { ok: false, reason: 'is an IP address' };
  if (withPrivate.isSpecialUse) return { ok: false, reason: 'is a special-use name (RFC 6761: localhost, .local, .test, .invalid, .example, home.arpa...); it cannot be reached on the internet' };
  if (!icannOnly.isIcann) return { ok: false, reason: `is under ".${tld}", which is not a known top-level domain` };
  const publicSuffix = icannOnly.publicSuffix ?? '';
  if (name === publicSuffix) {
    return wildcard
      ? { ok: false, reason: `is a wildcard over the public suffix "${publicSuffix}": it would open every domain under it` }
      : { ok: false, reason: `is the public suffix "${publicSuffix}", not a host` };
  }
  if (wildcard && withPrivate.isPrivate && withPrivate.publicSuffix === name) {
    return { ok: true, fqdn: full, wildcard, sharedSuffix: name };
  }
  return { ok: true, fqdn: full, wildcard };
}

/** Parses `Https:443` (protocol case-insensitive). */
export function parsePort(text: string): { ok: true; value: PortSpec } | { ok: false; reason: string } {
  const match = /^\s*([A-Za-z]+):(\d{1,5})\s*$/.exec(text);
  const protocol = PROTOCOLS.find((p) => p.toLowerCase() === match?.[1]?.toLowerCase());
  if (!match || !protocol) return { ok: false, reason: `"${text}" must be Protocol:port with protocol Http, Https or Mssql, e.g. "Https:443"` };
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return { ok: false, reason: `"${text}" has port ${port}; ports are 1-65535` };
  return { ok: true, value: { protocol, port } };
}

const portKey = (p: PortSpec): string => `${p.protocol}:${p.port}`;

function sortPorts(ports: PortSpec[]): PortSpec[] {
  const unique = new Map(ports.map((p) => [portKey(p), p]));
  return [...unique.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
}

export const formatPort = portKey;

/** One destination as a caller sent it (the HTTP body's item, or an item of the spoke tag). */
export type RawDestination = { fqdn?: unknown; fqdnTag?: unknown; ports?: unknown; [key: string]: unknown };

export interface DestinationProblem {
  /** Index in the caller's list. */
  index: number;
  /** What the caller sent for it (the FQDN or tag), for the error response. */
  destination: string;
  reason: string;
}

export interface ValidatedDestinations {
  destinations: Destination[];
  problems: DestinationProblem[];
  /** Things a caller should know (wildcards do not cover their apex). */
  notes: string[];
  /** 2 when a wildcard covers a shared multi-tenant suffix, else 1. */
  approvalsRequired: number;
}

/**
 * Validates a list of destinations: each bad one is named with its reason; good ones are normalized and duplicates
 * collapse (ports of one FQDN merge). `fqdnTags` is the firewall's tag list.
 */
export function validateDestinations(raw: unknown, fqdnTags: readonly string[]): ValidatedDestinations {
  const problems: DestinationProblem[] = [];
  const notes: string[] = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    return { destinations: [], problems: [{ index: -1, destination: '', reason: '"destinations" must be a non-empty array' }], notes, approvalsRequired: 1 };
  }
  if (raw.length > MAX_DESTINATIONS) {
    return { destinations: [], problems: [{ index: -1, destination: '', reason: `"destinations" holds ${raw.length} items; at most ${MAX_DESTINATIONS}` }], notes, approvalsRequired: 1 };
  }
  const fqdns = new Map<string, FqdnDestination>();
  const tags = new Map<string, FqdnTagDestination>();
  raw.forEach((item: unknown, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      problems.push({ index, destination: JSON.stringify(item) ?? String(item), reason: 'must be an object with "fqdn" (and "ports") or "fqdnTag"' });
      return;
    }
    const d = item as RawDestination;
    const label = typeof d.fqdn === 'string' ? d.fqdn : typeof d.fqdnTag === 'string' ? d.fqdnTag : JSON.stringify(item);
    const problem = (reason: string) => problems.push({ index, destination: label, reason });
    const unknown = Object.keys(d).filter((k) => !['fqdn', 'fqdnTag', 'ports'].includes(k));
    if (unknown.length > 0) return problem(`unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: fqdn, fqdnTag, ports)`);
    if ((d.fqdn === undefined) === (d.fqdnTag === undefined)) return problem('must have exactly one of "fqdn" and "fqdnTag"');
    let ports: PortSpec[] = [HTTPS_443];
    if (d.ports !== undefined) {
      if (!Array.isArray(d.ports) || d.ports.length === 0 || d.ports.some((p) => typeof p !== 'string')) {
        return problem('"ports" must be a non-empty array of strings such as "Https:443"');
      }
      if (d.ports.length > MAX_PORTS_PER_DESTINATION) return problem(`"ports" holds ${d.ports.length} items; at most ${MAX_PORTS_PER_DESTINATION}`);
      const parsed = (d.ports as string[]).map(parsePort);
      const bad = parsed.find((p) => !p.ok);
      if (bad && !bad.ok) return problem(bad.reason);
      ports = sortPorts(parsed.flatMap((p) => (p.ok ? [p.value] : [])));
    }
    if (d.fqdnTag !== undefined) {
      if (typeof d.fqdnTag !== 'string') return problem('"fqdnTag" must be a string');
      const tag = fqdnTags.find((t) => t.toLowerCase() === d.fqdnTag?.toString().trim().toLowerCase());
      if (!tag) return problem(`is not an FQDN tag of the firewall (known: ${fqdnTags.join(', ')})`);
      if (ports.some((p) => p.protocol !== 'Https')) return problem('FQDN tags are https only: give no ports or Https ports');
      const previous = tags.get(tag);
      tags.set(tag, { kind: 'fqdnTag', tag, ports: sortPorts([...(previous?.ports ?? []), ...ports]) });
      return undefined;
    }
    if (typeof d.fqdn !== 'string') return problem('"fqdn" must be a string');
    const checked = checkFqdn(d.fqdn);
    if (!checked.ok) return problem(checked.reason);
    const previous = fqdns.get(checked.fqdn);
    fqdns.set(checked.fqdn, {
      kind: 'fqdn',
      fqdn: checked.fqdn,
      wildcard: checked.wildcard,
      ports: sortPorts([...(previous?.ports ?? []), ...ports]),
      ...(checked.sharedSuffix ? { sharedSuffix: checked.sharedSuffix } : {}),
    });
    return undefined;
  });
  const destinations: Destination[] = [...fqdns.values(), ...tags.values()];
  for (const d of fqdns.values()) {
    if (d.wildcard && !fqdns.has(d.fqdn.slice(2))) {
      notes.push(`${d.fqdn} allows names below ${d.fqdn.slice(2)} but not ${d.fqdn.slice(2)} itself (Azure Firewall wildcards do not cover the apex); add it explicitly if needed`);
    }
  }
  const shared = [...fqdns.values()].filter((d) => d.sharedSuffix);
  for (const d of shared) notes.push(`${d.fqdn} covers every tenant of the shared suffix ${d.sharedSuffix}: two distinct approvers must approve`);
  return { destinations, problems, notes, approvalsRequired: shared.length > 0 ? 2 : 1 };
}

/**
 * The spoke tag's value: comma-separated `fqdn[:port]` or FQDN tag names, e.g. `api.github.com,*.contoso.com:443,
 * WindowsUpdate`. A port without protocol is Https, except 80 (Http) and 1433 (Mssql). Items matching a tag of
 * `fqdnTags` (case-insensitive) are tags.
 */
export function destinationsFromTag(value: string, fqdnTags: readonly string[]): RawDestination[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item): RawDestination => {
      if (fqdnTags.some((t) => t.toLowerCase() === item.toLowerCase())) return { fqdnTag: item };
      const match = /^(.*):(\d{1,5})$/.exec(item);
      if (!match?.[1] || isIP(item) !== 0) return { fqdn: item };
      const port = Number(match[2]);
      const protocol: Protocol = port === 80 ? 'Http' : port === 1433 ? 'Mssql' : 'Https';
      return { fqdn: match[1], ports: [`${protocol}:${port}`] };
    });
}

/** A stable text of destinations (for fingerprints and comparisons). */
export function destinationKey(d: Destination): string {
  return `${d.kind === 'fqdn' ? d.fqdn : `tag:${d.tag}`}|${d.ports.map(portKey).join(',')}`;
}

/** True when every (name, port) of `wanted` is allowed by `allowed` (exact names; a wildcard does not match its apex). */
export function covers(allowed: readonly Destination[], wanted: Destination): boolean {
  return wanted.ports.every((port) =>
    allowed.some((a) => {
      if (!a.ports.some((p) => portKey(p) === portKey(port))) return false;
      if (wanted.kind === 'fqdnTag') return a.kind === 'fqdnTag' && a.tag === wanted.tag;
      if (a.kind !== 'fqdn') return false;
      if (a.fqdn === wanted.fqdn) return true;
      // *.contoso.com covers a.contoso.com and *.a.contoso.com, never contoso.com.
      return a.wildcard && wanted.fqdn.endsWith(a.fqdn.slice(1)) && wanted.fqdn !== a.fqdn.slice(2);
    }),
  );
}
