/** CIDR arithmetic for address-space overlap checks and private endpoint IP allocation (IPv4 and IPv6). */
import ipaddr from 'ipaddr.js';

/**
 * `ipaddr.parseCIDR` by the family the text can only be: it tries IPv6 first and throws for every IPv4 prefix (the
 * heaviest self-time function of the peering bench's profile). The emulator keeps its own copy of this one-liner:
 * it imports nothing from the app it emulates Azure for.
 */
function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return text.includes(':') ? ipaddr.IPv6.parseCIDR(text) : ipaddr.IPv4.parseCIDR(text);
}

export function isValidCidr(cidr: string): boolean {
  return ipaddr.isValidCIDR(cidr);
}

/** Two prefixes overlap when either contains the other's network address. */
export function prefixesOverlap(a: string, b: string): boolean {
  const [addrA, bitsA] = parseCidr(a);
  const [addrB, bitsB] = parseCidr(b);
  if (addrA.kind() !== addrB.kind()) return false;
  const netA = networkAddress(a);
  const netB = networkAddress(b);
  return netA.match(addrB, bitsB) || netB.match(addrA, bitsA);
}

/** The prefixes of `left` that overlap any prefix of `right` (Azure lists them in its overlap messages). */
export function overlappingPrefixes(left: readonly string[], right: readonly string[]): string[] {
  return left.filter((l) => right.some((r) => prefixesOverlap(l, r)));
}

/** True when every address of `inner` lies in one of `outer`. */
export function prefixWithin(inner: string, outer: readonly string[]): boolean {
  const [innerAddr, innerBits] = parseCidr(inner);
  return outer.some((o) => {
    const [oAddr, oBits] = parseCidr(o);
    return oAddr.kind() === innerAddr.kind() && innerBits >= oBits && networkAddress(inner).match(oAddr, oBits);
  });
}

function networkAddress(cidr: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const [addr] = parseCidr(cidr);
  return addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

/**
 * The next free IPv4 address of a subnet prefix. Azure reserves the network address, the next three
 * (gateway and two DNS) and the broadcast address, so the first usable one is x.x.x.4.
 */
export function allocateIpv4(prefix: string, used: ReadonlySet<string>): string | undefined {
  const [addr, bits] = parseCidr(prefix);
  if (addr.kind() !== 'ipv4') return undefined;
  const base = toInt(ipaddr.IPv4.networkAddressFromCIDR(prefix).toByteArray());
  const size = 2 ** (32 - bits);
  for (let offset = 4; offset < size - 1; offset++) {
    const candidate = fromInt(base + offset);
    if (!used.has(candidate)) return candidate;
  }
  return undefined;
}

function toInt(bytes: number[]): number {
  return bytes.reduce((acc, b) => acc * 256 + b, 0);
}

function fromInt(value: number): string {
  const bytes = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return bytes.join('.');
}
