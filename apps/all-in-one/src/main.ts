import { runHerald } from '@herald/platform';
import { ALL_APPS } from './herald-apps';

void runHerald('all-in-one', ALL_APPS);
