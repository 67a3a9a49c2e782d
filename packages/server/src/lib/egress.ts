// The operator's egress policy: which addresses a destination a TENANT supplied (a provider endpoint,
// a webhook URL, a database or Redis host) may reach. Every such destination is checked here, when the
// configuration is saved and again right before each connection: the host is resolved (all
// addresses) and refused with EGRESS_FORBIDDEN if any address is forbidden. By default loopback,
// link-local (cloud metadata included) and the unspecified address are forbidden, private ranges are
// allowed; `allow` (CIDRs and host names/globs) narrows the destinations to those listed, `deny` adds
// CIDRs, `allowLoopback` admits loopback (single-host setups, tests).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { fail } from './errors.js';

export interface EgressPolicy {
  /** Loopback (127.0.0.0/8, ::1) is reachable: single-host setups and tests. */
  allowLoopback: boolean;
  /** When set, only these destinations: CIDRs (10.0.0.0/8, fd00::/8), addresses, host names or globs (*.internal). */
  allow?: readonly string[];
  /** Extra CIDRs or addresses that are never reachable. */
  deny: readonly string[];
}

export const DEFAULT_EGRESS_POLICY: EgressPolicy = Object.freeze({ allowLoopback: false, deny: Object.freeze([]) as readonly string[] });

const HOST_GLOB = /^[A-Za-z0-9*?_.-]+$/;

/** A CIDR or a single address, as [address, prefix, family]; undefined when it is not one. */
export const parseCidr = (s: string): [string, number, 'ipv4' | 'ipv6'] | undefined => {
  const [addr, bits, ...rest] = s.trim().split('/');
  if (rest.length) return undefined;
  const v = isIP(addr ?? '');
  if (!v) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!/^\d+$/.test(bits ?? String(max)) || prefix < 0 || prefix > max) return undefined;
  return [addr!, prefix, v === 4 ? 'ipv4' : 'ipv6'];
};

/** Why an egress.allow / egress.deny entry is not valid, or undefined. */
export const egressEntryProblem = (s: string, cidrOnly: boolean): string | undefined => {
  if (parseCidr(s)) return undefined;
  if (cidrOnly) return 'must be a CIDR such as 10.0.0.0/8 or an IP address';
  return HOST_GLOB.test(s) ? undefined : 'must be a CIDR (10.0.0.0/8), an IP address or a host name/glob such as *.internal';
};

const blockOf = (entries: readonly string[]) => {
  const b = new BlockList();
  for (const e of entries) {
    const c = parseCidr(e);
    if (c) b.addSubnet(c[0], c[1], c[2]);
  }
  return b;
};

const BUILT_IN: Array<{ kind: string; cidrs: string[] }> = [
  { kind: 'loopback', cidrs: ['127.0.0.0/8', '::1/128'] },
  { kind: 'link-local', cidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'] },
  { kind: 'unspecified', cidrs: ['0.0.0.0/8', '::/128'] },
];
const builtIn = BUILT_IN.map((c) => ({ kind: c.kind, block: blockOf(c.cidrs) }));

const globMatch = (glob: string, host: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(host);

/** An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4 address. */
const normalize = (a: string): [string, 'ipv4' | 'ipv6'] => {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (m) return [m[1]!, 'ipv4'];
  return [a, isIP(a) === 4 ? 'ipv4' : 'ipv6'];
};

/** The host of a URL or of a bare host[:port], normalized the way clients read it (2130706433 and
 *  0x7f000001 are 127.0.0.1, [::1] is ::1). */
export const hostOf = (destination: string): string => {
  const d = destination.trim();
  if (isIP(d)) return d;
  if (/^\[[^\]]+\](:\d+)?$/.test(d)) return d.slice(1, d.indexOf(']'));
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(d) ? d : `http://${d}`);
    const h = u.hostname;
    return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  } catch {
    return d;
  }
};

export type Resolve = (host: string) => Promise<string[]>;
const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Refuses the destination with EGRESS_FORBIDDEN when the policy forbids any address it resolves to.
 *  `what` names the setting in the message (e.g. 'The vault provider\'s address'). A host that does
 *  not resolve is left to the connection to fail (it is checked again right before each one). */
export const checkEgress = async (
  policy: EgressPolicy,
  destination: string,
  what: string,
  resolve: Resolve = systemResolve,
): Promise<void> => {
  const host = hostOf(destination);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      return;
    }
  }
  const named = isIP(host) ? host : `${host} (${addresses.join(', ')})`;
  const refuse = (address: string, reason: string, kind: string) => {
    throw fail(
      'EGRESS_FORBIDDEN',
      `${what}: the destination ${named} ${reason}; an operator allows it with egress.allow${kind === 'loopback' ? ' or egress.allowLoopback' : ''} in the server config.`,
      { destination: host, address, reason: kind },
    );
  };
  const deny = blockOf(policy.deny);
  const allowBlock = policy.allow ? blockOf(policy.allow) : undefined;
  const nameAllowed = !isIP(host) && (policy.allow ?? []).some((e) => !parseCidr(e) && globMatch(e, host));
  for (const raw of addresses) {
    const [a, family] = normalize(raw);
    if (deny.check(a, family))
      refuse(a, `is ${a === host ? 'an address' : `at ${a}, an address`} in the operator's egress.deny list`, 'denied');
    const explicitlyAllowed = nameAllowed || Boolean(allowBlock?.check(a, family));
    if (explicitlyAllowed) continue;
    if (policy.allow)
      refuse(a, `${a === host ? 'is' : `resolves to ${a}, which is`} not in the operator's egress.allow list`, 'not-allowed');
    for (const b of builtIn) {
      if (b.kind === 'loopback' && policy.allowLoopback) continue;
      if (b.block.check(a, family))
        refuse(
          a,
          `${a === host ? 'is' : `resolves to ${a}, which is`} ${b.kind === 'link-local' ? 'a link-local address (cloud metadata lives here)' : `a ${b.kind} address`} the server's egress policy forbids`,
          b.kind,
        );
    }
  }
};

/** Checks every destination (undefined entries skipped). */
export const checkEgressAll = async (
  policy: EgressPolicy | undefined,
  destinations: ReadonlyArray<readonly [string | undefined, string]>,
): Promise<void> => {
  if (!policy) return;
  for (const [d, what] of destinations) if (d) await checkEgress(policy, d, what);
};
