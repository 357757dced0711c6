import { runHerald } from '@herald/platform';
import { IngestModule } from './ingest.module';

void runHerald('ingest', [IngestModule]);
