import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { DeliveryProcessor } from './delivery.processor';
import { FirstAttemptsProcessor } from './first-attempts.processor';
import { Reconciler } from './reconciler';

/** The delivery workers (first attempts, scheduled attempts) and the reconciler. No HTTP routes beyond health and metrics. */
@Module({ imports: [DomainModule], providers: [DeliveryProcessor, FirstAttemptsProcessor, Reconciler] })
export class DeliveryModule {}
