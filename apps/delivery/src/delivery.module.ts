import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { DeliveryProcessor } from './delivery.processor';
import { FanoutProcessor } from './fanout.processor';
import { Reconciler } from './reconciler';

/** The workers (fan-out, delivery) and the reconciler. No HTTP routes beyond health and metrics. */
@Module({ imports: [DomainModule], providers: [FanoutProcessor, DeliveryProcessor, Reconciler] })
export class DeliveryModule {}
