/** CIDR arithmetic for address-space overlap checks and private endpoint IP allocation (IPv4 and IPv6). */
import ipaddr from 'ipaddr.js';

export function isValidCidr(cidr: string): boolean {
  return ipaddr.isValidCIDR(cidr);
}

/** Two prefixes overlap when either contains the other's network address. */
export function prefixesOverlap(a: string, b: string): boolean {
  const [addrA, bitsA] = ipaddr.parseCIDR(a);
  const [addrB, bitsB] = ipaddr.parseCIDR(b);
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
  const [innerAddr, innerBits] = ipaddr.parseCIDR(inner);
  return outer.some((o) => {
    const [oAddr, oBits] = ipaddr.parseCIDR(o);
    return oAddr.kind() === innerAddr.kind() && innerBits >= oBits && networkAddress(inner).match(oAddr, oBits);
  });
}

function networkAddress(cidr: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const [addr] = ipaddr.parseCIDR(cidr);
  return addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
}

/**
 * The next free IPv4 address of a subnet prefix. Azure reserves the network address, the next three
 * (gateway and two DNS) and the broadcast address, so the first usable one is x.x.x.4.
 */
export function allocateIpv4(prefix: string, used: ReadonlySet<string>): string | undefined {
  const [addr, bits] = ipaddr.parseCIDR(prefix);
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
