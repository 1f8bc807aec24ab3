/**
 * Replication, the kiosk's side (seed 001; CONTRACTS.md "Replication"): the
 * change feed filled by triggers the store installs from every module's
 * declared tables (./triggers.ts), its LAN API routes and live socket, and
 * the feed's retention. Kiosk-wide: it serves whatever tables the modules
 * declare, with no code per table. docs/replication.md.
 */
import type { ApiRoutes } from '../api';
import type { Clock } from '../clock';
import type { ScopedLog } from '../log';
import type { JobSpec } from '../schedule';
import type { Store } from '../store';
import { createFeed, type Feed } from './feed';
import { liveRoutes } from './live';
import { pruneFeed } from './retention';
import { replicationRoutes } from './routes';

export type { ReplicatedTable, ReplicatedTableDeclaration } from './declaration';
export { createFeed, type Feed, type LiveEvent } from './feed';
export { fullExportJson } from './export';
export { pruneFeed } from './retention';

/** How long the feed keeps a change: a replica offline longer does a full export. */
export const FEED_RETENTION_DAYS = 30;

export interface Replication {
  feed: Feed;
  apiRoutes: ApiRoutes;
  jobs: JobSpec[];
}

export function createReplication(deps: { store: Store; clock: Clock; log: ScopedLog; retentionDays?: number; livePingMs?: number }): Replication {
  const { store, clock, log } = deps;
  const feed = createFeed(store.db, store.replicatedTables);
  const retentionMs = (deps.retentionDays ?? FEED_RETENTION_DAYS) * 86_400_000;
  return {
    feed,
    apiRoutes: (app) => {
      replicationRoutes(app, { feed, clock, file: store.file, schemaVersion: () => store.schemaVersion() });
      liveRoutes(app, { feed, log, ...(deps.livePingMs === undefined ? {} : { pingMs: deps.livePingMs }) });
    },
    jobs: [
      {
        name: 'replication.retention',
        intervalMs: 3_600_000,
        runAtStart: true,
        run: async () => {
          const { pruned, floor } = await pruneFeed(store.db, clock.now(), retentionMs);
          if (pruned > 0) log.info(`feed retention: ${pruned} changes older than ${retentionMs / 86_400_000} days pruned; floor now ${floor}`);
        },
      },
    ],
  };
}
