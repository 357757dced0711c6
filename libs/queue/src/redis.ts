import Redis, { RedisOptions } from 'ioredis';

/**
 * Connection options from REDIS_URL. Workers block on Redis and must retry forever
 * (`maxRetriesPerRequest: null`); producers fail fast so a Redis outage surfaces at once
 * and the database outbox takes over.
 */
export function redisOptions(url: string, role: 'worker' | 'producer'): RedisOptions {
  const { hostname, port, username, password, pathname, protocol, searchParams } = new URL(url);
  const db = Number(pathname.replace('/', '') || 0);
  return {
    host: hostname,
    port: Number(port || 6379),
    username: username ? decodeURIComponent(username) : undefined,
    // `redis://:PASSWORD@host`, or `redis://host?password=PASSWORD` as ioredis and redis-cli also take it.
    password: password ? decodeURIComponent(password) : (searchParams.get('password') ?? undefined),
    db,
    tls: protocol === 'rediss:' ? {} : undefined,
    ...(role === 'worker' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  };
}

/** Pings Redis once; resolves to the error message when it cannot be reached within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  const client = new Redis({
    ...redisOptions(url, 'producer'),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
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
