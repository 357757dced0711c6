import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Inject, Module, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import type { HeraldConfig } from '@herald/config';
import { QueueDepths } from './queue-depths';
import { QUEUE_JOB_OPTIONS, QueueName } from './queues';
import { redisOptions } from './redis';

/** A plain Redis client for Herald's own keys (live events, stats, endpoint gates); commands wait for the connection at boot, then give up after one retry. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Registers every Herald queue as a producer (`@InjectQueue(QueueName.X)`), and the plain client (`@Inject(REDIS_CLIENT)`). */
@Global()
@Module({})
export class QueueModule implements OnModuleDestroy {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }

  static forRoot(config: HeraldConfig): DynamicModule {
    const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name, defaultJobOptions: QUEUE_JOB_OPTIONS[name] }));
    return {
      module: QueueModule,
      imports: [BullModule.forRoot({ connection: redisOptions(config.redisUrl, 'producer'), prefix: config.queuePrefix }), ...queues],
      providers: [
        QueueDepths,
        // Auto-pipelining: the gate and live-feed commands of concurrent deliveries go out in one write.
        {
          provide: REDIS_CLIENT,
          useFactory: () => new Redis({ ...redisOptions(config.redisUrl, 'producer'), enableOfflineQueue: true, enableAutoPipelining: true }),
        },
      ],
      exports: [...queues, QueueDepths, REDIS_CLIENT],
    };
  }
}
