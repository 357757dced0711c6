import { AdminModule } from '../../admin/src/admin.module';
import { DeliveryModule } from '../../delivery/src/delivery.module';
import { IngestModule } from '../../ingest/src/ingest.module';

/** The all-in-one composition: the three apps in one process, on one port. */
export const ALL_APPS = [IngestModule, DeliveryModule, AdminModule];
