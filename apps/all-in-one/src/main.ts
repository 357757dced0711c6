import { runHerald } from '@herald/platform';
import { ALL_APPS, ALL_APPS_DELIVERING_ON_A_THREAD } from './herald-apps';

void runHerald('all-in-one', (config) => (config.deliveryThread ? ALL_APPS_DELIVERING_ON_A_THREAD : ALL_APPS));
