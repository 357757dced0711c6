import { AdminModule } from '../../admin/src/admin.module';
import { DeliveryModule } from '../../delivery/src/delivery.module';
import { IngestModule } from '../../ingest/src/ingest.module';
import { DeliveryThreadModule } from './delivery-thread.module';

/** The all-in-one composition: the three apps in one process, on one port. */
export const ALL_APPS = [IngestModule, DeliveryModule, AdminModule];

/** The same, with delivery on a worker thread of the process (HERALD_DELIVERY_THREAD, the default). */
export const ALL_APPS_DELIVERING_ON_A_THREAD = [IngestModule, DeliveryThreadModule, AdminModule];
