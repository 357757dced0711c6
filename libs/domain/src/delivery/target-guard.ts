import { lookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

interface Block {
  cidr: string;
  name: string;
  rfc: string;
  /** Judge the IPv4 address in the last 32 bits instead of the block. */
  embedsIPv4?: true;
}

/**
 * Where a delivery may not connect: the IANA IPv4 and IPv6 Special-Purpose Address Registries, plus
 * multicast and the deprecated IPv4-compatible ::/96. Every block is refused, even the few the registries
 * mark globally reachable (anycast for PCP, TURN, AS112, AMT...): none of them is a webhook receiver.
 * Narrower blocks come first so that a refusal names the narrowest.
 */
const NON_PUBLIC: Block[] = [
  { cidr: '0.0.0.0/8', name: '"this network"', rfc: 'RFC 791' },
  { cidr: '10.0.0.0/8', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'shared (carrier-grade NAT)', rfc: 'RFC 6598' },
  { cidr: '127.0.0.0/8', name: 'loopback', rfc: 'RFC 1122' },
  { cidr: '169.254.0.0/16', name: 'link-local', rfc: 'RFC 3927' }, // cloud metadata at 169.254.169.254
  { cidr: '172.16.0.0/12', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments', rfc: 'RFC 6890' },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)', rfc: 'RFC 5737' },
  { cidr: '192.31.196.0/24', name: 'AS112-v4', rfc: 'RFC 7535' },
  { cidr: '192.52.193.0/24', name: 'AMT', rfc: 'RFC 7450' },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast', rfc: 'RFC 7526' },
  { cidr: '192.168.0.0/16', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '192.175.48.0/24', name: 'AS112 direct delegation', rfc: 'RFC 7534' },
  { cidr: '198.18.0.0/15', name: 'benchmarking', rfc: 'RFC 2544' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)', rfc: 'RFC 5737' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)', rfc: 'RFC 5737' },
  { cidr: '224.0.0.0/4', name: 'multicast', rfc: 'RFC 5771' },
  { cidr: '255.255.255.255/32', name: 'limited broadcast', rfc: 'RFC 919' },
  { cidr: '240.0.0.0/4', name: 'reserved', rfc: 'RFC 1112' },

  { cidr: '::/128', name: 'unspecified', rfc: 'RFC 4291' },
  { cidr: '::1/128', name: 'loopback', rfc: 'RFC 4291' },
  // Refused whole: deprecated since 2006, and tunnelled to the embedded IPv4 where still supported.
  { cidr: '::/96', name: 'deprecated IPv4-compatible', rfc: 'RFC 4291' },
  // A dual-stack socket connects to the embedded IPv4 itself.
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped', rfc: 'RFC 4291', embedsIPv4: true },
  // DNS64 gives IPv4-only receivers these addresses on IPv6-only hosts; the NAT64 gateway connects to the IPv4.
  { cidr: '64:ff9b::/96', name: 'NAT64', rfc: 'RFC 6052', embedsIPv4: true },
  { cidr: '64:ff9b:1::/48', name: 'local-use NAT64', rfc: 'RFC 8215' },
  { cidr: '100::/64', name: 'discard-only', rfc: 'RFC 6666' },
  { cidr: '100:0:0:1::/64', name: 'dummy', rfc: 'RFC 9780' },
  { cidr: '2001::/32', name: 'Teredo', rfc: 'RFC 4380' },
  { cidr: '2001:1::1/128', name: 'PCP anycast', rfc: 'RFC 7723' },
  { cidr: '2001:1::2/128', name: 'TURN anycast', rfc: 'RFC 8155' },
  { cidr: '2001:1::3/128', name: 'DNS-SD SRP anycast', rfc: 'RFC 9665' },
  { cidr: '2001:2::/48', name: 'benchmarking', rfc: 'RFC 5180' },
  { cidr: '2001:3::/32', name: 'AMT', rfc: 'RFC 7450' },
  { cidr: '2001:4:112::/48', name: 'AS112-v6', rfc: 'RFC 7535' },
  { cidr: '2001:10::/28', name: 'deprecated ORCHID', rfc: 'RFC 4843' },
  { cidr: '2001:20::/28', name: 'ORCHIDv2', rfc: 'RFC 7343' },
  { cidr: '2001:30::/28', name: 'drone remote ID (DET)', rfc: 'RFC 9374' },
  { cidr: '2001::/23', name: 'IETF protocol assignments', rfc: 'RFC 2928' },
  { cidr: '2001:db8::/32', name: 'documentation', rfc: 'RFC 3849' },
  // Refused whole: 6to4 is deprecated (RFC 7526) and relays to the embedded IPv4 through anycast relays nobody controls.
  { cidr: '2002::/16', name: '6to4', rfc: 'RFC 3056' },
  { cidr: '2620:4f:8000::/48', name: 'AS112 direct delegation', rfc: 'RFC 7534' },
  { cidr: '3fff::/20', name: 'documentation', rfc: 'RFC 9637' },
  { cidr: '5f00::/16', name: 'SRv6 SID', rfc: 'RFC 9602' },
  { cidr: 'fc00::/7', name: 'unique-local', rfc: 'RFC 4193' }, // AWS metadata at fd00:ec2::254
  { cidr: 'fe80::/10', name: 'link-local', rfc: 'RFC 4291' },
  { cidr: 'ff00::/8', name: 'multicast', rfc: 'RFC 4291' },
];

const BLOCKS = NON_PUBLIC.map((block) => ({ ...block, range: ipaddr.parseCIDR(block.cidr) }));
/** IPv6 outside it is reserved by the IETF (site-local fec0::/10, SIIT ::ffff:0:0:0/96...), so never public. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Why a delivery may not connect to `address`, or undefined when it may: only public unicast addresses
 * pass, and those in `allowlist`.
 */
export function refusedTarget(address: string, allowlist: readonly string[] = []): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const ip = parse(address);
  if (allowlist.some((cidr) => within(ip, ipaddr.parseCIDR(cidr)))) return undefined;
  const block = BLOCKS.find(({ range }) => within(ip, range));
  if (!block) {
    const reserved = ip.kind() === 'ipv6' && !within(ip, IPV6_GLOBAL_UNICAST);
    return reserved ? `${ip} is outside the IPv6 global unicast address space (2000::/3, RFC 4291)` : undefined;
  }
  const where = `${ip} is in the ${block.name} address space (${block.cidr}, ${block.rfc})`;
  if (!block.embedsIPv4) return where;
  const refusedIPv4 = refusedTarget(ipaddr.fromByteArray(ip.toByteArray().slice(-4)).toString(), allowlist);
  return refusedIPv4 && `${where}, and ${refusedIPv4}`;
}

/** ipaddr.js reads "::a.b.c.d" as IPv4-mapped, but it is IPv4-compatible (::/96), and Node prints ::/96 DNS answers that way. */
function parse(address: string): Address {
  return ipaddr.parse(address.replace(/^::(?=\d+\.\d+\.\d+\.\d+(%.*)?$)/, '::0:'));
}

function within(ip: Address, [network, bits]: [Address, number]): boolean {
  return ip.kind() === network.kind() && ip.match(network, bits);
}

export class RefusedTargetError extends Error {
  readonly code = 'ERR_HERALD_PRIVATE_TARGET';
  constructor(reason: string) {
    super(`refused to connect: ${reason} (allow it with HERALD_PRIVATE_TARGET_ALLOWLIST, or HERALD_ALLOW_PRIVATE_TARGETS=true)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for socket connects that refuses non-public addresses (but those in `allowlist`). The
 * check runs on the address the socket will actually use, after resolution, so a DNS answer that changes
 * between checks (rebinding) cannot slip a private address through. A refusal does not say what the name
 * resolved to: the attempt log would tell whoever set the URL what internal names resolve to.
 */
export function guardedLookup(allowlist: readonly string[] = []) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = allowedAnswers(hostname, addresses, allowlist);
      if (allowed instanceof RefusedTargetError) return callback(allowed, []);
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/**
 * The address a request to `hostname` (a name or an IP literal) may go to, for when Herald does not open
 * the socket itself (through a proxy): the first answer the guard allows, or a RefusedTargetError.
 */
export function resolveGuarded(hostname: string, allowlist: readonly string[] = []): Promise<LookupAddress> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (family) {
    const refused = refusedTarget(host, allowlist);
    return refused ? Promise.reject(new RefusedTargetError(refused)) : Promise.resolve({ address: host, family });
  }
  return new Promise((resolve, reject) => {
    lookup(host, { all: true }, (error, addresses) => {
      if (error) return reject(error);
      const allowed = allowedAnswers(host, addresses, allowlist);
      if (allowed instanceof RefusedTargetError) reject(allowed);
      else resolve(allowed[0]);
    });
  });
}

function allowedAnswers(hostname: string, addresses: LookupAddress[], allowlist: readonly string[]): LookupAddress[] | RefusedTargetError {
  const allowed = addresses.filter((entry) => !refusedTarget(entry.address, allowlist));
  return allowed.length ? allowed : new RefusedTargetError(`${hostname} resolves only to non-public addresses`);
}

/** For a URL whose host is an IP literal (sockets skip lookup for those): why it is refused, if it is. */
export function refusedLiteralHost(url: URL, allowlist: readonly string[] = []): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? refusedTarget(host, allowlist) : undefined;
}
