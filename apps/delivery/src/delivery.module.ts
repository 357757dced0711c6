import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { DeliveryProcessor } from './delivery.processor';
import { FanoutProcessor } from './fanout.processor';

/** The workers: fan-out and delivery. No HTTP routes beyond health. */
@Module({ imports: [DomainModule], providers: [FanoutProcessor, DeliveryProcessor] })
export class DeliveryModule {}
