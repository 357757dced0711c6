import dns from 'node:dns';
import { guardedLookup, refusedLiteralHost, refusedTarget, resolveGuarded } from './target-guard';

/**
 * Every block of the IANA special-purpose registries (and multicast), with an address inside it and,
 * where one exists, a public unicast address just outside it.
 */
const NON_PUBLIC: [range: string, inside: string, publicNeighbour?: string][] = [
  ['0.0.0.0/8 this network', '0.1.2.3', '1.0.0.1'],
  ['10.0.0.0/8 private-use', '10.255.255.255', '11.0.0.1'],
  ['100.64.0.0/10 shared (CGNAT)', '100.127.255.254', '100.128.0.1'],
  ['127.0.0.0/8 loopback', '127.255.0.1', '128.0.0.1'],
  ['169.254.0.0/16 link-local', '169.254.169.254', '169.255.0.1'],
  ['172.16.0.0/12 private-use', '172.31.255.254', '172.32.0.1'],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.9', '192.0.1.1'],
  ['192.0.2.0/24 TEST-NET-1', '192.0.2.1', '192.0.3.1'],
  ['192.31.196.0/24 AS112-v4', '192.31.196.1', '192.31.197.1'],
  ['192.52.193.0/24 AMT', '192.52.193.1', '192.52.194.1'],
  ['192.88.99.0/24 6to4 relay anycast', '192.88.99.1', '192.88.98.1'],
  ['192.168.0.0/16 private-use', '192.168.255.255', '192.169.0.1'],
  ['192.175.48.0/24 AS112 direct delegation', '192.175.48.1', '192.175.49.1'],
  ['198.18.0.0/15 benchmarking', '198.19.255.254', '198.20.0.1'],
  ['198.51.100.0/24 TEST-NET-2', '198.51.100.1', '198.51.101.1'],
  ['203.0.113.0/24 TEST-NET-3', '203.0.113.1', '203.0.114.1'],
  ['224.0.0.0/4 multicast', '239.255.255.250', '223.255.255.254'],
  ['240.0.0.0/4 reserved', '240.0.0.1'],
  ['255.255.255.255/32 limited broadcast', '255.255.255.255'],

  ['::/128 unspecified', '::'],
  ['::1/128 loopback', '::1'],
  ['::/96 IPv4-compatible (loopback inside)', '::7f00:1'],
  ['::/96 IPv4-compatible (metadata inside)', '::a9fe:a9fe'],
  ['::/96 IPv4-compatible (public inside)', '::808:808'],
  ['::ffff:0:0/96 IPv4-mapped', '::ffff:7f00:1', '::ffff:808:808'],
  ['64:ff9b::/96 NAT64', '64:ff9b::a9fe:a9fe', '64:ff9b::808:808'],
  ['64:ff9b:1::/48 local-use NAT64', '64:ff9b:1::808:808'],
  ['100::/64 discard-only', '100::1'],
  ['100:0:0:1::/64 dummy prefix', '100:0:0:1::1'],
  ['2001::/23 IETF protocol assignments', '2001:1ff:ffff::1', '2001:200::1'],
  ['2001::/32 Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['2001:1::1/128 PCP anycast', '2001:1::1'],
  ['2001:1::2/128 TURN anycast', '2001:1::2'],
  ['2001:1::3/128 DNS-SD SRP anycast', '2001:1::3'],
  ['2001:2::/48 benchmarking', '2001:2::1'],
  ['2001:3::/32 AMT', '2001:3::1'],
  ['2001:4:112::/48 AS112-v6', '2001:4:112::1'],
  ['2001:10::/28 ORCHID', '2001:10::1'],
  ['2001:20::/28 ORCHIDv2', '2001:20::1'],
  ['2001:30::/28 drone remote ID', '2001:30::1'],
  ['2001:db8::/32 documentation', '2001:db8::1', '2001:db9::1'],
  ['2002::/16 6to4 (loopback inside)', '2002:7f00:1::', '2003::1'],
  ['2002::/16 6to4 (public inside)', '2002:808:808::1'],
  ['2620:4f:8000::/48 AS112 direct delegation', '2620:4f:8000::1', '2620:4f:8001::1'],
  ['3fff::/20 documentation', '3fff:fff::1', '3fff:1000::1'],
  ['5f00::/16 SRv6 SIDs', '5f00::1'],
  ['fc00::/7 unique-local', 'fd00:ec2::254'],
  ['fe80::/10 link-local', 'fe80::1'],
  ['ff00::/8 multicast', 'ff02::1'],
  ['outside 2000::/3: site-local', 'fec0::1'],
  ['outside 2000::/3: IPv4-translated', '::ffff:0:7f00:1'],
  ['outside 2000::/3: reserved', '4000::1'],
];

describe('SSRF target guard', () => {
  it.each(NON_PUBLIC)('refuses %s (%s)', (_, inside) => {
    expect(refusedTarget(inside)).toBeDefined();
  });

  it.each(NON_PUBLIC.filter(([, , neighbour]) => neighbour))('allows a public address next to %s (%s → %s)', (_, __, neighbour) => {
    expect(refusedTarget(neighbour!)).toBeUndefined();
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111'])('allows the public address %s', (address) => {
    expect(refusedTarget(address)).toBeUndefined();
  });

  // Node prints a DNS answer in ::/96 with a dotted tail, and ipaddr.js would read that as IPv4-mapped.
  it.each(['::127.0.0.1', '::169.254.169.254', '::8.8.8.8'])('refuses the IPv4-compatible %s in dotted form', (address) => {
    expect(refusedTarget(address)).toContain('::/96');
  });

  it('names the narrowest range an address is in', () => {
    expect(refusedTarget('127.0.0.1')).toBe('127.0.0.1 is in the loopback address space (127.0.0.0/8, RFC 1122)');
    expect(refusedTarget('2001::1')).toContain('Teredo');
    expect(refusedTarget('::ffff:7f00:1')).toMatch(/::ffff:7f00:1 is in the IPv4-mapped .*127\.0\.0\.1 is in the loopback address space/);
    expect(refusedTarget('64:ff9b::a9fe:a9fe')).toMatch(/NAT64.*169\.254\.169\.254 is in the link-local address space/);
  });

  it.each([
    ['http://127.0.0.1:8080/x'],
    ['http://[::1]/x'],
    ['http://2130706433/'],
    ['http://0x7f.1/'],
    ['http://0177.0.0.1/'],
    ['http://[::127.0.0.1]/'],
    ['http://[::a9fe:a9fe]/'],
    ['http://[::ffff:127.0.0.1]/'],
    ['http://[64:ff9b::169.254.169.254]/'],
    ['http://[2002:7f00:1::]/'],
  ])('refuses the IP-literal host of %s', (url) => {
    expect(refusedLiteralHost(new URL(url))).toBeDefined();
  });

  it('leaves host names to the connect-time lookup', () => {
    expect(refusedLiteralHost(new URL('https://example.com/x'))).toBeUndefined();
  });

  it('lets an allow-listed range through, and nothing else', () => {
    const allowlist = ['10.1.0.0/16', 'fd00:ec2::/32'];
    expect(refusedTarget('10.1.2.3', allowlist)).toBeUndefined();
    expect(refusedTarget('::ffff:10.1.2.3', allowlist)).toBeUndefined();
    expect(refusedTarget('10.2.0.1', allowlist)).toContain('private-use');
    expect(refusedTarget('fd00:ec2::254', allowlist)).toBeUndefined();
    expect(refusedTarget('fd00:ec3::254', allowlist)).toContain('unique-local');
    expect(refusedTarget('127.0.0.1', allowlist)).toContain('loopback');
    expect(refusedLiteralHost(new URL('http://10.1.9.9/hook'), allowlist)).toBeUndefined();
  });

  it('fails a lookup whose every answer is non-public without naming the answers (no DNS oracle)', (done) => {
    guardedLookup()('localhost', {}, (error) => {
      expect(error?.message).toMatch(/^refused to connect: localhost resolves only to non-public addresses .*HERALD_PRIVATE_TARGET_ALLOWLIST/);
      expect(error?.message).not.toContain('127.0.0.1');
      expect(error?.message).not.toContain('::1');
      done();
    });
  });

  it('resolves a target for the proxy only to an address it would connect to', async () => {
    await expect(resolveGuarded('localhost')).rejects.toThrow(/^refused to connect: localhost resolves only to non-public addresses/);
    await expect(resolveGuarded('localhost', ['127.0.0.1/32'])).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(resolveGuarded('[::1]')).rejects.toThrow(/::1 is in the loopback address space/);
    await expect(resolveGuarded('93.184.215.14')).resolves.toEqual({ address: '93.184.215.14', family: 4 });
  });

  describe('with a stubbed resolver', () => {
    const answer = (addresses: dns.LookupAddress[]) =>
      jest
        .spyOn(dns, 'lookup')
        .mockImplementation(((_: string, __: unknown, callback: (e: null, a: dns.LookupAddress[]) => void) => callback(null, addresses)) as never);
    afterEach(() => jest.restoreAllMocks());

    it('keeps only the public answers', (done) => {
      answer([
        { address: '10.0.0.5', family: 4 },
        { address: '93.184.215.14', family: 4 },
        { address: '::127.0.0.1', family: 6 },
      ]);
      guardedLookup()('mixed.example', { all: true }, (error, addresses) => {
        expect(error).toBeNull();
        expect(addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
        done();
      });
    });

    it('hides what a refused name resolves to', (done) => {
      answer([{ address: '10.0.0.5', family: 4 }]);
      guardedLookup()('internal.example', {}, (error) => {
        expect(error?.message).toContain('internal.example resolves only to non-public addresses');
        expect(error?.message).not.toContain('10.0.0.5');
        done();
      });
    });

    it('connects to an allow-listed answer', (done) => {
      answer([{ address: '10.0.0.5', family: 4 }]);
      guardedLookup(['10.0.0.0/24'])('internal.example', {}, (error, address, family) => {
        expect(error).toBeNull();
        expect([address, family]).toEqual(['10.0.0.5', 4]);
        done();
      });
    });
  });
});
