/**
 * Address-space overlap, IPv4 and IPv6, as Azure checks it before peering: two VNets cannot be peered when any
 * prefix of one overlaps any prefix of the other (and a spoke cannot join a hub whose other peers overlap it).
 */
import * as ipaddr from 'ipaddr.js';

export interface Prefix {
  /** As written, e.g. `10.1.0.0/16`. */
  text: string;
  family: 'ipv4' | 'ipv6';
  first: bigint;
  last: bigint;
}

export class InvalidPrefixError extends Error {
  constructor(text: string, reason: string) {
    super(`"${text}" is not a valid address prefix: ${reason}.`);
    this.name = 'InvalidPrefixError';
  }
}

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/**
 * `ipaddr.parseCIDR` by the family the text can only be: it tries IPv6 first and throws for every IPv4 prefix, and
 * that throw was the heaviest self-time function of the peering bench's profile (hubs with hundreds of peers).
 */
export function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return text.includes(':') ? ipaddr.IPv6.parseCIDR(text) : ipaddr.IPv4.parseCIDR(text);
}

/** Parses a CIDR prefix. Host bits must be zero, as ARM requires of address prefixes. */
export function parsePrefix(text: string): Prefix {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = parseCidr(text.trim());
  } catch {
    throw new InvalidPrefixError(text, 'expected an address and a length, e.g. 10.1.0.0/16 or fd00:1::/64');
  }
  const [addr, length] = parsed;
  const bits = addr.kind() === 'ipv4' ? 32 : 128;
  const value = toBigInt(addr.toByteArray());
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  if ((value & hostMask) !== 0n) {
    throw new InvalidPrefixError(text, `the address has host bits set beyond /${length}`);
  }
  return { text: text.trim(), family: addr.kind(), first: value, last: value | hostMask };
}

export interface Overlap {
  a: string;
  b: string;
}

/** Every pair (a from `left`, b from `right`) whose ranges intersect; IPv4 never overlaps IPv6. */
export function overlappingPrefixes(left: readonly string[], right: readonly string[]): Overlap[] {
  const l = left.map(parsePrefix);
  const r = right.map(parsePrefix);
  const result: Overlap[] = [];
  for (const a of l) {
    for (const b of r) {
      if (a.family === b.family && a.first <= b.last && b.first <= a.last) result.push({ a: a.text, b: b.text });
    }
  }
  return result;
}
