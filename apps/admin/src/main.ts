import { runHerald } from '@herald/platform';
import { AdminModule } from './admin.module';

void runHerald('admin', [AdminModule]);
