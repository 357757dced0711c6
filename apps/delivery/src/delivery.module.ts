import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { DeliveryProcessor } from './delivery.processor';
import { Reconciler } from './reconciler';

/** The delivery worker and the reconciler. No HTTP routes beyond health and metrics. */
@Module({ imports: [DomainModule], providers: [DeliveryProcessor, Reconciler] })
export class DeliveryModule {}
