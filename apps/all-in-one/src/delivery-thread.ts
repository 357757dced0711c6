import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@herald/config';
import { FirstAttempts } from '@herald/domain';
import { Metrics } from '@herald/live';
import { joinSqliteWriteTurns } from '@herald/persistence';
import { createPinoLogger, HeraldModule, PinoNestLogger } from '@herald/platform';
import { startTracing } from '@herald/tracing';
import { DeliveryModule } from '../../delivery/src/delivery.module';
import type { FromDeliveryThread, ToDeliveryThread } from './delivery-thread.module';

/**
 * The all-in-one's delivery thread (started by DeliveryThread in the main thread): the delivery app without
 * HTTP, on connections of its own, taking ingest's first attempts as messages from the main thread.
 */
async function runDeliveryThread(port: MessagePort): Promise<void> {
  // The main thread has validated the configuration (and saved a generated API token, read here) already.
  const config = loadConfig();
  const { sqliteWriteTurns } = workerData as { sqliteWriteTurns?: SharedArrayBuffer };
  if (sqliteWriteTurns) joinSqliteWriteTurns(sqliteWriteTurns);
  if (config.tracing) await startTracing(config.tracing, 'herald');
  const app = await NestFactory.createApplicationContext(HeraldModule.forRoot(config, [DeliveryModule]), {
    logger: new PinoNestLogger(createPinoLogger(config, 'all-in-one').child({ thread: 'delivery' })),
  });
  const logger = new Logger('DeliveryThread');
  const firstAttempts = app.get(FirstAttempts);
  const metrics = app.get(Metrics);
  metrics.labelRole('all-in-one');
  const answer = (message: FromDeliveryThread) => port.postMessage(message);
  port.on('message', (message: ToDeliveryThread) => {
    if (message.kind === 'first-attempts') {
      firstAttempts.hand(message.deliveryIds, message.leasedAt).catch((error: Error) => {
        logger.warn({ msg: 'first attempts not taken; the reconciler will', deliveries: message.deliveryIds.length, error: error.message });
      });
    } else if (message.kind === 'metrics') {
      void metrics.ownSnapshot().then((snapshot) => answer({ kind: 'metrics', id: message.id, metrics: snapshot }));
    } else {
      void app.close().finally(() => port.close());
    }
  });
  answer({ kind: 'ready' });
}

if (parentPort) void runDeliveryThread(parentPort);
