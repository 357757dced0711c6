import { Cluster } from 'ioredis';
import { bullConnection, bullPrefix, createRedis, redisKey } from './redis';

describe('Redis connections', () => {
  it('reads one server from redis:// as before', () => {
    expect(bullConnection('redis://:pw@cache:6380/2', 'worker')).toEqual({
      host: 'cache',
      port: 6380,
      db: 2,
      username: undefined,
      password: 'pw',
      tls: undefined,
      maxRetriesPerRequest: null,
    });
    expect(bullPrefix({ redisUrl: 'redis://cache:6379', queuePrefix: 'herald' })).toBe('herald');
  });

  it('reads a cluster from redis+cluster://, credentials for every node, and tags BullMQ’s prefix', () => {
    const cluster = createRedis('rediss+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[fd00::3]:7002', 'producer', { lazyConnect: true }) as Cluster;
    expect(cluster).toBeInstanceOf(Cluster);
    expect((cluster as unknown as { startupNodes: unknown }).startupNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 6379 },
      { host: 'fd00::3', port: 7002 },
    ]);
    expect(cluster.options.redisOptions).toMatchObject({ username: 'app', password: 'p@ss', tls: {}, maxRetriesPerRequest: 1 });
    expect(cluster.options.enableOfflineQueue).toBe(false);
    cluster.disconnect();
    expect(bullPrefix({ redisUrl: 'redis+cluster://10.0.0.1:7000', queuePrefix: 'herald' })).toBe('{herald}');
  });

  it('names Herald’s keys with the hash tag first, so keys sharing it share a cluster slot', () => {
    expect(redisKey('herald', 'gate', 'ep_1', 'rate', 42)).toBe('herald:gate:{ep_1}:rate:42');
  });
});
