import { lookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why a delivery may not connect to `address`, or undefined when it may. Only public unicast addresses
 * pass: loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, unique-local
 * IPv6 (fd00:ec2::254) and IPv4 tunnelled in IPv6 are refused.
 */
export function refusedTarget(address: string, allowlist: readonly string[] = []): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.process(address); // IPv4-mapped IPv6 → IPv4
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const allowed = allowlist.some((cidr) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return network.kind() === parsed.kind() && parsed.match([network, bits] as never);
  });
  return allowed ? undefined : `${parsed.toString()} is a ${range} address`;
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
 * between checks (rebinding) cannot slip a private address through.
 */
export function guardedLookup(allowlist: readonly string[] = []) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((entry) => !refusedTarget(entry.address, allowlist));
      if (allowed.length === 0) return callback(new RefusedTargetError(refusedTarget(addresses[0].address, allowlist) ?? `${hostname} has no address`), []);
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** For a URL whose host is an IP literal (sockets skip lookup for those): why it is refused, if it is. */
export function refusedLiteralHost(url: URL, allowlist: readonly string[] = []): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? refusedTarget(host, allowlist) : undefined;
}
