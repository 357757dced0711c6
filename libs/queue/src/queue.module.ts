import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { HeraldConfig } from '@herald/config';
import { QueueDepths } from './queue-depths';
import { QUEUE_JOB_OPTIONS, QueueName } from './queues';
import { redisOptions } from './redis';

/** Registers every Herald queue as a producer; inject one with `@InjectQueue(QueueName.X)`. */
@Global()
@Module({})
export class QueueModule {
  static forRoot(config: HeraldConfig): DynamicModule {
    const queues = Object.values(QueueName).map((name) =>
      BullModule.registerQueue({ name, defaultJobOptions: QUEUE_JOB_OPTIONS[name] }),
    );
    return {
      module: QueueModule,
      imports: [
        BullModule.forRoot({ connection: redisOptions(config.redisUrl, 'producer'), prefix: config.queuePrefix }),
        ...queues,
      ],
      providers: [QueueDepths],
      exports: [...queues, QueueDepths],
    };
  }
}
