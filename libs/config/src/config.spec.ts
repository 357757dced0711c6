import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config';
import { parseDuration } from './duration';

describe('config', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'herald-config-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('applies the documented defaults', () => {
    const config = loadConfig({ HERALD_DATA_DIR: dataDir });
    expect(config).toMatchObject({
      port: 8071,
      redisUrl: 'redis://127.0.0.1:6379',
      databaseUrl: 'sqlite:./data/herald.sqlite',
      allowPrivateTargets: false,
      retrySchedule: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      deliveryTimeoutMs: 15_000,
      maxPayloadBytes: 1_048_576,
    });
  });

  it("logs at pino's levels, info by default, and still takes Nest's names log and verbose", () => {
    expect(loadConfig({ HERALD_DATA_DIR: dataDir }).logLevel).toBe('info');
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: 'trace' }).logLevel).toBe('trace');
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: 'log' }).logLevel).toBe('info');
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: 'verbose' }).logLevel).toBe('trace');
    expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_LOG_LEVEL: 'loud' })).toThrow(
      'HERALD_LOG_LEVEL: expected fatal, error, warn, info, debug or trace',
    );
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      HERALD_DATA_DIR: dataDir,
      HERALD_PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/herald',
      HERALD_API_TOKEN: 'a-token-of-sixteen-chars',
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_RETRY_SCHEDULE: '0s, 1s,250ms,2m',
      HERALD_DELIVERY_TIMEOUT: '2.5s',
    });
    expect(config).toMatchObject({
      port: 9000,
      databaseUrl: 'postgres://u:p@db:5432/herald',
      apiToken: 'a-token-of-sixteen-chars',
      apiTokenGenerated: false,
      allowPrivateTargets: true,
      retrySchedule: [0, 1_000, 250, 120_000],
      deliveryTimeoutMs: 2_500,
    });
  });

  it('names every bad variable and what it expected', () => {
    const load = () =>
      loadConfig({
        HERALD_DATA_DIR: dataDir,
        HERALD_PORT: 'eighty',
        HERALD_DELIVERY_TIMEOUT: '15 seconds',
        DATABASE_URL: 'mysql://x',
        HERALD_ALLOW_PRIVATE_TARGETS: 'maybe',
      });
    expect(load).toThrow(ConfigError);
    const message = (() => {
      try {
        load();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('HERALD_PORT: expected a whole number');
    expect(message).toContain('HERALD_DELIVERY_TIMEOUT: expected a duration such as 500ms, 15s, 5m, 2h or 5d, got "15 seconds"');
    expect(message).toContain('DATABASE_URL: expected sqlite:<path>');
    expect(message).toContain('HERALD_ALLOW_PRIVATE_TARGETS: expected true or false');
  });

  it('reads the private-target allow-list as CIDRs, and names a bad one', () => {
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_PRIVATE_TARGET_ALLOWLIST: '10.0.0.0/8, fd00::/8' }).privateTargetAllowlist).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_PRIVATE_TARGET_ALLOWLIST: '10.0.0.0/8,intranet' })).toThrow(
      /HERALD_PRIVATE_TARGET_ALLOWLIST: expected comma-separated CIDRs .* got "intranet"/,
    );
  });

  it('reads a Redis Cluster URL and an egress proxy, and names bad ones without echoing them', () => {
    const config = loadConfig({
      HERALD_DATA_DIR: dataDir,
      REDIS_URL: 'redis+cluster://10.0.0.1:6379,10.0.0.2:6379',
      HERALD_PROXY_URL: 'http://u:pw@proxy:3128',
    });
    expect([config.redisUrl, config.proxyUrl]).toEqual(['redis+cluster://10.0.0.1:6379,10.0.0.2:6379', 'http://u:pw@proxy:3128']);
    const bad = () => loadConfig({ HERALD_DATA_DIR: dataDir, REDIS_URL: 'cluster://10.0.0.1', HERALD_PROXY_URL: 'socks5://u:s3cret@proxy:1080' });
    expect(bad).toThrow(/REDIS_URL: expected redis:\/\/host:port, rediss:\/\/…, or redis\+cluster:\/\//);
    expect(bad).toThrow(/HERALD_PROXY_URL: expected the forward proxy as http:\/\//);
    expect(bad).not.toThrow(/s3cret/);
  });

  it('refuses the removed operational webhook settings, saying what replaces them', () => {
    const load = () =>
      loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_OPERATIONAL_WEBHOOK_URL: 'https://ops.example.com', HERALD_OPERATIONAL_WEBHOOK_SECRET: 'whsec_x' });
    expect(load).toThrow(/HERALD_OPERATIONAL_WEBHOOK_URL: is no longer read: create an operational webhook endpoint through the API/);
    expect(load).toThrow(/HERALD_OPERATIONAL_WEBHOOK_SECRET: is no longer read/);
  });

  it('rejects a retry schedule with one bad step', () => {
    expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_RETRY_SCHEDULE: '0s,5s,soon' })).toThrow(
      /HERALD_RETRY_SCHEDULE: expected a comma-separated list/,
    );
  });

  it('generates an API token once, saves it privately, and reuses it', () => {
    const first = loadConfig({ HERALD_DATA_DIR: dataDir });
    expect(first.apiTokenGenerated).toBe(true);
    expect(first.apiToken).toMatch(/^hrld_[A-Za-z0-9_-]{32}$/);
    const file = join(dataDir, 'api-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.apiToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig({ HERALD_DATA_DIR: dataDir });
    expect(second).toMatchObject({ apiToken: first.apiToken, apiTokenGenerated: false });
  });

  it('writes no token file when HERALD_API_TOKEN is set', () => {
    loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_API_TOKEN: 'given-token-0123456789' });
    expect(existsSync(join(dataDir, 'api-token'))).toBe(false);
  });

  it('turns tracing on only with an OTLP endpoint, and off again with OTEL_SDK_DISABLED', () => {
    const endpoint = 'http://otel-collector:4318';
    expect(loadConfig({ HERALD_DATA_DIR: dataDir }).tracing).toBeUndefined();
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, OTEL_SERVICE_NAME: 'herald-eu' }).tracing).toBeUndefined();
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).tracing).toEqual({ protocol: 'http/protobuf' });
    expect(
      loadConfig({
        HERALD_DATA_DIR: dataDir,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'herald-eu',
      }).tracing,
    ).toEqual({ protocol: 'http/json', serviceName: 'herald-eu' });
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('refuses gRPC and an endpoint that is not an http(s) URL, saying what to use instead', () => {
    expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      "OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json (gRPC is not supported: point Herald at the collector's OTLP/HTTP port, 4318)",
    );
    expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4317' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected the http(s) URL of an OTLP/HTTP collector',
    );
  });

  it('reads the portal settings: framing origins, a colour, and a logo that asks no other host', () => {
    const config = loadConfig({
      HERALD_DATA_DIR: dataDir,
      HERALD_PORTAL_FRAME_ANCESTORS: 'https://App.example.com, http://127.0.0.1:3000',
      HERALD_PORTAL_PRIMARY_COLOR: '#0a7',
      HERALD_PORTAL_LOGO_URL: '/assets/logo.svg',
    });
    expect(config).toMatchObject({
      portalFrameAncestors: ['https://app.example.com', 'http://127.0.0.1:3000'],
      portalPrimaryColor: '#0a7',
      portalLogoUrl: '/assets/logo.svg',
    });
    expect(loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_PORTAL_LOGO_URL: 'data:image/png;base64,iVBORw0KGgo=' }).portalLogoUrl).toMatch(/^data:/);
  });

  it.each([
    ['HERALD_PORTAL_FRAME_ANCESTORS', '*'],
    ['HERALD_PORTAL_FRAME_ANCESTORS', 'https://app.example.com/path'],
    ['HERALD_PORTAL_FRAME_ANCESTORS', "'self' https://x.com"],
    ['HERALD_PORTAL_PRIMARY_COLOR', 'red; background: url(https://evil.example)'],
    ['HERALD_PORTAL_LOGO_URL', 'https://cdn.example.com/logo.png'],
    ['HERALD_PORTAL_LOGO_URL', '//cdn.example.com/logo.png'],
    ['HERALD_PORTAL_LOGO_URL', 'data:text/html;base64,PHNjcmlwdD4='],
    ['HERALD_PORTAL_LOGO_URL', 'javascript:alert(1)'],
  ])('refuses %s=%s', (name, value) => expect(() => loadConfig({ HERALD_DATA_DIR: dataDir, [name]: value })).toThrow(name));

  it.each([
    ['0s', 0],
    ['500ms', 500],
    ['15s', 15_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
  ])('parses the duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 's', '-1s', '5 minutes', '1w'])('refuses the duration "%s"', (text) => expect(parseDuration(text)).toBeUndefined());
});
