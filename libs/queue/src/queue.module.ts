import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { HeraldConfig } from '@herald/config';
import { QueueDepths } from './queue-depths';
import { QUEUE_JOB_OPTIONS, QueueName } from './queues';
import { bullConnection, bullPrefix, createRedis, RedisClient } from './redis';

/** A plain Redis client for Herald's own keys (live events, stats, endpoint gates); commands wait for the connection at boot, then give up after one retry. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** The queues' own connection: options, or on a cluster a Cluster that this module disconnects. */
const QUEUE_CONNECTION = Symbol('QUEUE_CONNECTION');

/** Registers every Herald queue as a producer (`@InjectQueue(QueueName.X)`), and the plain client (`@Inject(REDIS_CLIENT)`). */
@Global()
@Module({})
export class QueueModule implements OnModuleDestroy, OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(QUEUE_CONNECTION) private readonly queueConnection: unknown,
  ) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  /** After the queues closed (BullMQ leaves a connection it was given open). */
  onApplicationShutdown(): void {
    if (this.queueConnection instanceof Cluster) this.queueConnection.disconnect();
  }

  static forRoot(config: HeraldConfig): DynamicModule {
    const connection = bullConnection(config.redisUrl, 'producer');
    const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name, defaultJobOptions: QUEUE_JOB_OPTIONS[name] }));
    return {
      module: QueueModule,
      imports: [BullModule.forRoot({ connection, prefix: bullPrefix(config) }), ...queues],
      providers: [
        QueueDepths,
        { provide: QUEUE_CONNECTION, useValue: connection },
        // Auto-pipelining: the gate and live-feed commands of concurrent deliveries go out in one write.
        {
          provide: REDIS_CLIENT,
          useFactory: () => createRedis(config.redisUrl, 'producer', { enableOfflineQueue: true, enableAutoPipelining: true }),
        },
      ],
      exports: [...queues, QueueDepths, REDIS_CLIENT],
    };
  }
}
