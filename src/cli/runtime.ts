import type { Clock } from '../config/clock.ts';
import { systemClock } from '../config/clock.ts';
import type { Config } from '../config/config.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { ChangeFeed } from '../fhir/changes.ts';
import { FhirStore } from '../fhir/store.ts';

/** The parts every command and the server share: one database, one clock, the store and its feed. */
export interface Runtime {
  config: Config;
  db: Database;
  clock: Clock;
  feed: ChangeFeed;
  store: FhirStore;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  opts: { migrate?: boolean; clock?: Clock } = {},
): Promise<Runtime> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
  });
  if (opts.migrate !== false) await migrate(db);
  const clock = opts.clock ?? systemClock;
  const feed = new ChangeFeed(db);
  const store = new FhirStore(db, clock, feed);
  return { config, db, clock, feed, store, close: () => db.close() };
}
