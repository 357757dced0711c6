import Redis, { Cluster, RedisOptions } from 'ioredis';

/** A connection to Herald's Redis: one server, or a Redis Cluster (`redis+cluster://`). Both take the same commands. */
export type RedisClient = Redis | Cluster;

type Role = 'worker' | 'producer';

/** `redis+cluster://[user:password@]host:port[,host:port…]` (`rediss+cluster://` for TLS): any few nodes; the rest are discovered. */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^/?#]+)\/?(\?[^#]*)?$/;

export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//.test(url);
}

/**
 * BullMQ's key prefix. On a cluster it is a hash tag (`{herald}`): every key of a queue must be in one slot,
 * since BullMQ's scripts touch several at once. Herald's own keys are tagged per endpoint instead (`redisKey`).
 */
export function bullPrefix(config: { redisUrl: string; queuePrefix: string }): string {
  return isClusterUrl(config.redisUrl) ? `{${config.queuePrefix}}` : config.queuePrefix;
}

/**
 * A key of Herald's own data: `<prefix>:<area>:{<tag>}:<rest>`. Keys that one script, transaction or
 * pipeline touches together share the tag, so a cluster keeps them in one slot; on one server the braces
 * mean nothing.
 */
export function redisKey(prefix: string, area: string, tag: string, ...rest: (string | number)[]): string {
  return [`${prefix}:${area}:{${tag}}`, ...rest].join(':');
}

/**
 * BullMQ's `connection` for REDIS_URL: options on one server (BullMQ opens and closes its connections), a
 * Cluster on a cluster (BullMQ only duplicates it: the caller disconnects it after closing the queue or worker).
 * Workers block on Redis and must retry forever (`maxRetriesPerRequest: null`); producers fail fast so a
 * Redis outage surfaces at once and the database outbox takes over.
 */
export function bullConnection(url: string, role: Role): RedisOptions | Cluster {
  const { host, options, cluster } = target(url);
  return cluster ? (createRedis(url, role) as Cluster) : { ...host[0], ...options, ...roleOptions(role) };
}

/** A client for REDIS_URL, one server or a cluster, with `extra` options (`enableAutoPipelining`, `lazyConnect`…). */
export function createRedis(url: string, role: Role, extra: RedisOptions = {}): RedisClient {
  const { host, options, cluster } = target(url);
  const merged = { ...roleOptions(role), ...extra };
  if (!cluster) return new Redis({ ...host[0], ...options, ...merged });
  // Cluster-wide options at the top, the rest for each node's connection.
  const { enableOfflineQueue, enableAutoPipelining, lazyConnect, retryStrategy, ...perNode } = merged;
  const clusterWide = { enableOfflineQueue, enableAutoPipelining, lazyConnect, clusterRetryStrategy: retryStrategy };
  return new Cluster(host, {
    ...Object.fromEntries(Object.entries(clusterWide).filter(([, value]) => value !== undefined)),
    redisOptions: { ...options, ...perNode },
  });
}

function roleOptions(role: Role): RedisOptions {
  return role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

function target(url: string): { host: { host: string; port: number }[]; options: RedisOptions; cluster: boolean } {
  const cluster = CLUSTER_URL.exec(url);
  if (!cluster) {
    const parsed = new URL(url);
    return {
      host: [{ host: parsed.hostname, port: Number(parsed.port || 6379) }],
      options: { ...credentials(parsed), db: Number(parsed.pathname.replace('/', '') || 0) },
      cluster: false,
    };
  }
  const [, scheme, auth, hosts, query = ''] = cluster;
  const nodes = hosts.split(',').map((node) => new URL(`${scheme}://${node}`));
  const first = new URL(`${scheme}://${auth ? `${auth}@` : ''}${hosts.split(',')[0]}${query}`);
  return {
    host: nodes.map((node) => ({ host: node.hostname.replace(/^\[|\]$/g, ''), port: Number(node.port || 6379) })),
    options: credentials(first),
    cluster: true,
  };
}

function credentials({ username, password, protocol, searchParams }: URL): RedisOptions {
  return {
    username: username ? decodeURIComponent(username) : undefined,
    // `redis://:PASSWORD@host`, or `redis://host?password=PASSWORD` as ioredis and redis-cli also take it.
    password: password ? decodeURIComponent(password) : (searchParams.get('password') ?? undefined),
    tls: protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * A Lua script, run by EVALSHA with its keys as the first arguments. `eval` would not do on a cluster: the
 * auto-pipeline groups commands by the node of their first argument, which for EVAL is the script itself,
 * so scripts of different slots would share a pipeline the cluster refuses.
 */
export function defineScript<T>(
  redis: RedisClient,
  name: string,
  numberOfKeys: number,
  lua: string,
): (keys: string[], ...args: (string | number)[]) => Promise<T> {
  redis.defineCommand(name, { numberOfKeys, lua });
  const run = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<T>>)[name].bind(redis);
  return (keys, ...args) => run(...keys, ...args);
}

/** Pings Redis once; resolves to the error message when it cannot be reached within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  const client = createRedis(url, 'producer', { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null });
  // The 'error' event carries the cause (ECONNREFUSED…); the rejected promise only says the connection closed.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (cause ?? (error as Error)).message || String(error);
  } finally {
    client.disconnect();
  }
}
