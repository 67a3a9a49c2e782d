// CIDR bindings of credentials and tokens: whether a source address lies in one of a list of CIDRs
// (IPv4-mapped IPv6 addresses count as their IPv4 address), and validation of such lists.
import { BlockList, isIP } from 'node:net';
import { parseCidr } from './egress.js';

/** The entries that are not a CIDR or an address. */
export const invalidCidrs = (cidrs: readonly string[]): string[] => cidrs.filter((c) => !parseCidr(c));

/** True when the list is empty (no binding) or the address lies in one of its CIDRs. */
export const cidrsAllow = (cidrs: readonly string[] | null | undefined, address: string | undefined): boolean => {
  if (!cidrs || cidrs.length === 0) return true;
  if (!address) return false;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const a = m ? m[1]! : address;
  const family = isIP(a) === 4 ? 'ipv4' : isIP(a) === 6 ? 'ipv6' : undefined;
  if (!family) return false;
  const block = new BlockList();
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (p) block.addSubnet(p[0], p[1], p[2]);
  }
  return block.check(a, family);
};
