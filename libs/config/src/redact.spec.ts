import { redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['redis://:s3cret-pw@cache:6379', 'redis://:***@cache:6379'],
    ['redis://default:s3cret-pw@cache:6379/2', 'redis://default:***@cache:6379/2'],
    ['rediss://s3cret-pw@cache:6380', 'rediss://***@cache:6380'],
    ['redis://cache:6379/0?password=s3cret-pw&db=1', 'redis://cache:6379/0?password=***&db=1'],
    ['postgres://herald:s3cret%40pw@db:5432/herald?sslpassword=s3cret-pw', 'postgres://herald:***@db:5432/herald?sslpassword=***'],
    ['redis+cluster://:s3cret-pw@10.0.0.1:6379,10.0.0.2:6379', 'redis+cluster://***@10.0.0.1:6379,10.0.0.2:6379'],
    ['http://herald:s3cret-pw@proxy.internal:3128', 'http://herald:***@proxy.internal:3128/'],
  ])('hides the credentials in %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    expect(redactUrl(url)).not.toContain('s3cret');
  });

  it.each(['redis://127.0.0.1:6379', 'sqlite:./data/herald.sqlite', 'postgres://db:5432/herald'])('leaves %s alone', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('hides userinfo even in text that is not a URL', () => {
    expect(redactUrl('redis:// bad:s3cret-pw@host')).not.toContain('s3cret');
  });
});
