import { runHerald } from '@herald/platform';
import { DeliveryModule } from './delivery.module';

void runHerald('delivery', [DeliveryModule]);
