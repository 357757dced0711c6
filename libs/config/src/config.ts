import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { parseDuration } from './duration';

const DURATION_HINT = 'a duration such as 500ms, 15s, 5m, 2h or 5d';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const durationList = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((part) => part.trim());
  const ms = parts.map(parseDuration);
  if (parts.length === 0 || ms.some((value) => value === undefined)) {
    ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${DURATION_HINT}, got "${text}"` });
    return z.NEVER;
  }
  return ms as number[];
});

const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' }).transform((text) => ['true', '1', 'yes'].includes(text));

const int = (min: number, max: number) => z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(min).max(max);

const cidrList = z.string().transform((text, ctx) => {
  const cidrs = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const bad = cidrs.filter((cidr) => !ipaddr.isValidCIDR(cidr));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `expected comma-separated CIDRs such as 10.0.0.0/8 or fd00::/8, got "${bad.join(', ')}"` });
    return z.NEVER;
  }
  return cidrs;
});

/** A setting Herald no longer reads: any value is refused, with what to do instead. */
const removed = (instead: string) =>
  z
    .unknown()
    .refine((value) => value === undefined, `is no longer read: ${instead}`)
    .optional();

/** Origins (scheme://host[:port]) that may frame the consumer portal; a path, wildcard or other scheme is refused. */
const originList = z.string().transform((text, ctx) => {
  const origins = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const bad = origins.filter((origin) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `expected comma-separated origins such as https://app.example.com, got "${bad.join(', ')}"` });
    return z.NEVER;
  }
  return origins.map((origin) => origin.toLowerCase());
});

/**
 * A logo the portal may show without asking any other host for it: a data: image, or a path on Herald's own
 * origin (`/…`, never `//host`, which is another host).
 */
export const PORTAL_LOGO = /^(data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}|\/(?!\/)[A-Za-z0-9._~/-]*)$/;
/** A CSS colour the portal can take as its primary colour, as #rgb or #rrggbb. */
export const PORTAL_COLOR = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** The OTLP encodings Herald exports spans in; both over HTTP (the collector's port 4318). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const otlpProtocol = z.enum(OTLP_PROTOCOLS, {
  message: "expected http/protobuf or http/json (gRPC is not supported: point Herald at the collector's OTLP/HTTP port, 4318)",
});
const otlpEndpoint = z.url({ protocol: /^https?$/, message: 'expected the http(s) URL of an OTLP/HTTP collector, such as http://otel-collector:4318' });

const databaseUrl = z.string().refine((url) => /^(sqlite:|postgres(ql)?:\/\/)/.test(url), {
  message: 'expected sqlite:<path>, sqlite::memory: or postgres://user@host:port/db',
});

/** Every setting Herald reads, with its default. The README's configuration table mirrors this list. */
const schema = z.object({
  HERALD_PORT: int(0, 65535).default(8071),
  HERALD_HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?(\+cluster)?:\/\//, 'expected redis://host:port, rediss://…, or redis+cluster://host:port[,host:port…] for a Redis Cluster')
    .default('redis://127.0.0.1:6379'),
  DATABASE_URL: databaseUrl.default('sqlite:./data/herald.sqlite'),
  HERALD_DATA_DIR: z.string().min(1).default('./data'),
  HERALD_API_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  HERALD_ALLOW_PRIVATE_TARGETS: flag.default(false),
  HERALD_PRIVATE_TARGET_ALLOWLIST: cidrList.default([]),
  HERALD_PROXY_URL: z.url({ protocol: /^https?$/, message: 'expected the forward proxy as http://[user:password@]host:port or https://…' }).optional(),
  HERALD_RETRY_SCHEDULE: durationList.default([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
  HERALD_DELIVERY_TIMEOUT: duration.default(15_000),
  HERALD_DELIVERY_CONCURRENCY: int(1, 10_000).default(64),
  HERALD_DELIVERY_THREAD: flag.default(true),
  HERALD_ENDPOINT_CONCURRENCY: int(1, 10_000).default(32),
  HERALD_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . or -')
    .default('herald'),
  HERALD_MAX_PAYLOAD_BYTES: int(1_024, 64 * 1024 * 1024).default(1024 * 1024),
  HERALD_SHUTDOWN_TIMEOUT: duration.default(20_000),
  HERALD_RECONCILE_INTERVAL: duration.default(30_000),
  HERALD_CIRCUIT_THRESHOLD: int(1, 10_000).default(5),
  HERALD_CIRCUIT_COOLDOWN: duration.default(30_000),
  HERALD_DISABLE_AFTER: duration.default(5 * 86_400_000),
  // Removed settings: refused rather than ignored, so nobody goes on believing they are in force.
  HERALD_OPERATIONAL_WEBHOOK_URL: removed('create an operational webhook endpoint through the API instead (README: Operational webhooks)'),
  HERALD_OPERATIONAL_WEBHOOK_SECRET: removed('an operational webhook endpoint has its own secret (README: Operational webhooks)'),
  HERALD_RETENTION_DAYS: int(1, 36_500).default(90),
  HERALD_STATS_INTERVAL: duration.default(5_000),
  HERALD_STATS_WINDOW: duration.default(300_000),
  HERALD_EVENT_RETENTION: duration.default(7_200_000),
  HERALD_EVENT_MAX: int(1_000, 100_000_000).default(500_000),
  HERALD_SSE_HEARTBEAT: duration.default(15_000),
  HERALD_SSE_MAX_PER_TOKEN: int(1, 10_000).default(10),
  HERALD_SSE_BUFFER_BYTES: int(1_024, 256 * 1024 * 1024).default(1024 * 1024),
  HERALD_STREAM_TOKEN_TTL: duration.default(900_000),
  // pino's levels; Nest's names `log` and `verbose` (the earlier settings) still mean info and trace.
  HERALD_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'log', 'verbose'], { message: 'expected fatal, error, warn, info, debug or trace' })
    .default('info')
    .transform((level) => (level === 'log' ? 'info' : level === 'verbose' ? 'trace' : level)),
  HERALD_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  HERALD_MAX_JSON_DEPTH: int(2, 1_000).default(64),
  HERALD_PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'expected the http(s) URL users reach Herald at, such as https://herald.example.com' }).optional(),
  HERALD_SESSION_TTL: duration.default(12 * 3_600_000),
  HERALD_RATE_LIMIT: int(0, 1_000_000).default(5_000),
  HERALD_RATE_LIMIT_ANONYMOUS: int(0, 1_000_000).default(120),
  HERALD_METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  HERALD_PORTAL_FRAME_ANCESTORS: originList.default([]),
  HERALD_PORTAL_PRIMARY_COLOR: z.string().regex(PORTAL_COLOR, 'expected a colour as #rgb or #rrggbb').optional(),
  HERALD_PORTAL_LOGO_URL: z
    .string()
    .max(65_536)
    .regex(PORTAL_LOGO, 'expected a data:image/…;base64 URL or a path on this origin such as /assets/logo.svg (the portal asks no other host)')
    .optional(),
  // OpenTelemetry's own variables (the SDK reads them too, with OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS,
  // OTEL_BSP_* and OTEL_TRACES_SAMPLER*): validated here so a typo stops Herald instead of silently not tracing.
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpEndpoint.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_SDK_DISABLED: flag.default(false),
});

type Env = z.output<typeof schema>;

/** The names of every environment variable Herald reads. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/**
 * Herald's settings, read once at boot. Inject it anywhere with `constructor(private config: HeraldConfig)`:
 * the abstract class doubles as the Nest injection token.
 */
export abstract class HeraldConfig {
  port!: number;
  host!: string;
  redisUrl!: string;
  databaseUrl!: string;
  dataDir!: string;
  apiToken!: string;
  allowPrivateTargets!: boolean;
  /** Non-public ranges deliveries may reach even with the SSRF guard on. */
  privateTargetAllowlist!: string[];
  /** The forward proxy every delivery goes through (credentials in it: print it with redactUrl only). */
  proxyUrl?: string;
  /** Delay before each attempt, in ms; the first entry is the delay of the first attempt. */
  retrySchedule!: number[];
  deliveryTimeoutMs!: number;
  deliveryConcurrency!: number;
  /** The all-in-one runs delivery on a worker thread of its own (a second core), not on the HTTP thread. */
  deliveryThread!: boolean;
  /** Attempts in flight to one endpoint, across every delivery process. */
  endpointConcurrency!: number;
  queuePrefix!: string;
  maxPayloadBytes!: number;
  shutdownTimeoutMs!: number;
  /** How often the reconciler sweeps the database for work Redis lost; also how overdue work must be to count. */
  reconcileIntervalMs!: number;
  /** Consecutive failed attempts that open an endpoint's circuit. */
  circuitThreshold!: number;
  /** How long an open circuit holds attempts back before one probe goes through. */
  circuitCooldownMs!: number;
  /** Continuous failure for this long disables the endpoint. */
  disableAfterMs!: number;
  /** Payloads older than this many days are expunged. */
  retentionDays!: number;
  /** How often `stats` events go out. */
  statsIntervalMs!: number;
  /** The sliding window stats are computed over. */
  statsWindowMs!: number;
  /** How long live events stay in Redis for resuming streams. */
  eventRetentionMs!: number;
  /** Most live events kept, whatever their age: at thousands of deliveries a second, age alone would let the stream fill Redis. */
  eventMax!: number;
  sseHeartbeatMs!: number;
  sseMaxPerToken!: number;
  /** Bytes a stream may have waiting for a slow client before it is disconnected. */
  sseBufferBytes!: number;
  streamTokenTtlMs!: number;
  logLevel!: Env['HERALD_LOG_LEVEL'];
  logFormat!: Env['HERALD_LOG_FORMAT'];
  /** Deepest nesting of arrays and objects accepted in a JSON body (JSON.stringify recurses, so unbounded depth would overflow the stack). */
  maxJsonDepth!: number;
  /** Where users reach Herald; an https URL makes the session cookies Secure. */
  publicUrl?: string;
  /** Absolute lifetime of an operator session. */
  sessionTtlMs!: number;
  /** API requests per second per credential, across every instance (0: no limit). */
  rateLimit!: number;
  /** Requests per minute per IP address without valid credentials (0: no limit). */
  rateLimitAnonymous!: number;
  /** When set, /metrics needs `Authorization: Bearer <this>`. */
  metricsToken?: string;
  /** Origins that may show the consumer portal in a frame; everything else is refused framing. */
  portalFrameAncestors!: string[];
  /** The portal's primary colour and logo, unless its link says otherwise. */
  portalPrimaryColor?: string;
  portalLogoUrl?: string;
  /** Set when spans are exported (an OTLP endpoint is configured and OTEL_SDK_DISABLED is not true); unset, tracing is off. */
  tracing?: TracingSettings;
  /** True when the API token was generated by this boot (so it is printed once). */
  apiTokenGenerated!: boolean;
}

export interface TracingSettings {
  protocol: (typeof OTLP_PROTOCOLS)[number];
  /** OTEL_SERVICE_NAME; unset, each process names itself (herald-ingest, herald-delivery, …). */
  serviceName?: string;
}

export class ConfigError extends Error {}

/**
 * Reads and validates the environment. Throws ConfigError naming every bad variable and what it expected.
 * When no HERALD_API_TOKEN is given, the token saved under the data dir is used, or one is generated and saved.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const { token, generated } = e.HERALD_API_TOKEN ? { token: e.HERALD_API_TOKEN, generated: false } : savedOrNewApiToken(e.HERALD_DATA_DIR);
  return {
    port: e.HERALD_PORT,
    host: e.HERALD_HOST,
    redisUrl: e.REDIS_URL,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.HERALD_DATA_DIR,
    apiToken: token,
    apiTokenGenerated: generated,
    allowPrivateTargets: e.HERALD_ALLOW_PRIVATE_TARGETS,
    privateTargetAllowlist: e.HERALD_PRIVATE_TARGET_ALLOWLIST,
    proxyUrl: e.HERALD_PROXY_URL,
    retrySchedule: e.HERALD_RETRY_SCHEDULE,
    deliveryTimeoutMs: e.HERALD_DELIVERY_TIMEOUT,
    deliveryConcurrency: e.HERALD_DELIVERY_CONCURRENCY,
    deliveryThread: e.HERALD_DELIVERY_THREAD,
    endpointConcurrency: e.HERALD_ENDPOINT_CONCURRENCY,
    queuePrefix: e.HERALD_QUEUE_PREFIX,
    maxPayloadBytes: e.HERALD_MAX_PAYLOAD_BYTES,
    shutdownTimeoutMs: e.HERALD_SHUTDOWN_TIMEOUT,
    reconcileIntervalMs: e.HERALD_RECONCILE_INTERVAL,
    retentionDays: e.HERALD_RETENTION_DAYS,
    circuitThreshold: e.HERALD_CIRCUIT_THRESHOLD,
    circuitCooldownMs: e.HERALD_CIRCUIT_COOLDOWN,
    disableAfterMs: e.HERALD_DISABLE_AFTER,
    statsIntervalMs: e.HERALD_STATS_INTERVAL,
    statsWindowMs: e.HERALD_STATS_WINDOW,
    eventRetentionMs: e.HERALD_EVENT_RETENTION,
    eventMax: e.HERALD_EVENT_MAX,
    sseHeartbeatMs: e.HERALD_SSE_HEARTBEAT,
    sseMaxPerToken: e.HERALD_SSE_MAX_PER_TOKEN,
    sseBufferBytes: e.HERALD_SSE_BUFFER_BYTES,
    streamTokenTtlMs: e.HERALD_STREAM_TOKEN_TTL,
    logLevel: e.HERALD_LOG_LEVEL,
    logFormat: e.HERALD_LOG_FORMAT,
    maxJsonDepth: e.HERALD_MAX_JSON_DEPTH,
    publicUrl: e.HERALD_PUBLIC_URL,
    sessionTtlMs: e.HERALD_SESSION_TTL,
    rateLimit: e.HERALD_RATE_LIMIT,
    rateLimitAnonymous: e.HERALD_RATE_LIMIT_ANONYMOUS,
    metricsToken: e.HERALD_METRICS_TOKEN,
    portalFrameAncestors: e.HERALD_PORTAL_FRAME_ANCESTORS,
    portalPrimaryColor: e.HERALD_PORTAL_PRIMARY_COLOR,
    portalLogoUrl: e.HERALD_PORTAL_LOGO_URL,
    tracing:
      (e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && !e.OTEL_SDK_DISABLED
        ? { protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL, serviceName: e.OTEL_SERVICE_NAME }
        : undefined,
  };
}

function savedOrNewApiToken(dataDir: string): { token: string; generated: boolean } {
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  const token = `hrld_${randomBytes(24).toString('base64url')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
