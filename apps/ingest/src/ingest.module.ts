import { Module } from '@nestjs/common';
import { DomainModule } from '@herald/domain';
import { MessageIngestController } from './message-ingest.controller';

@Module({ imports: [DomainModule], controllers: [MessageIngestController] })
export class IngestModule {}
