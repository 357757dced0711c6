import { guardedLookup, refusedLiteralHost, refusedTarget } from './target-guard';

describe('SSRF target guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s)', (address, range) => {
    expect(refusedTarget(address)).toContain(range);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111'])('allows the public address %s', (address) => {
    expect(refusedTarget(address)).toBeUndefined();
  });

  it('checks IP-literal hosts in URLs, brackets included', () => {
    expect(refusedLiteralHost(new URL('http://127.0.0.1:8080/x'))).toContain('loopback');
    expect(refusedLiteralHost(new URL('http://[::1]/x'))).toContain('loopback');
    expect(refusedLiteralHost(new URL('https://example.com/x'))).toBeUndefined();
  });

  it('lets an allow-listed private range through, and nothing else', () => {
    const allowlist = ['10.1.0.0/16', 'fd00:ec2::/32'];
    expect(refusedTarget('10.1.2.3', allowlist)).toBeUndefined();
    expect(refusedTarget('10.2.0.1', allowlist)).toContain('private');
    expect(refusedTarget('fd00:ec2::254', allowlist)).toBeUndefined();
    expect(refusedTarget('127.0.0.1', allowlist)).toContain('loopback');
    expect(refusedLiteralHost(new URL('http://10.1.9.9/hook'), allowlist)).toBeUndefined();
  });

  it('fails a lookup whose every answer is private', (done) => {
    guardedLookup()('localhost', {}, (error) => {
      expect(error?.message).toMatch(/refused to connect: .* is a loopback address/);
      done();
    });
  });
});
