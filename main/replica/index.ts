/**
 * The office replica (`booth replica --config FILE`; seed 001's Server UI,
 * CONTRACTS.md "Replication"): plain Node, no Electron. It follows each
 * configured kiosk into one store (SQLite file, or PostgreSQL for a fleet
 * office) and serves the office page and /office/api. docs/operations.md
 * "Office replica".
 */
import type { ScopedLog } from '../log';
import type { ReplicaConfig } from './config';
import { createFollower, type Follower, type SyncStatus } from './follower';
import { createOfficeServer, type OfficeServer } from './office-server';
import { openPostgresReplica } from './pg-store';
import { openSqliteReplica } from './sqlite-store';
import type { ReplicaStore } from './store';

export { readReplicaConfig, replicaConfigSchema, type ReplicaConfig, type ReplicaConfigInput } from './config';
export type { SyncStatus } from './follower';

export interface Replica {
  store: ReplicaStore;
  followers: Follower[];
  office: OfficeServer;
  statuses(): SyncStatus[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicaTuning {
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
  pageLimit?: number;
}

export async function openReplicaStore(config: ReplicaConfig, log: ScopedLog): Promise<ReplicaStore> {
  return config.store.kind === 'sqlite' ? openSqliteReplica(config.store.file, log) : openPostgresReplica(config.store, log);
}

export async function createReplica(config: ReplicaConfig, log: ScopedLog, tuning: ReplicaTuning = {}): Promise<Replica> {
  log.info('Database sync service initialized');
  const store = await openReplicaStore(config, log);
  const listeners = new Set<(kioskId: string, tables: readonly string[]) => void>();
  const followers = config.kiosks.map((source) =>
    createFollower({
      source,
      store,
      log,
      syncIntervalSeconds: config.syncIntervalSeconds,
      ...(source.schemaVersion === undefined ? {} : { expectedSchemaVersion: source.schemaVersion }),
      onChange: (kioskId, tables) => {
        for (const listener of listeners) listener(kioskId, tables);
      },
      ...tuning,
    }),
  );
  const statuses = () => followers.map((f) => f.status());
  const office = createOfficeServer({ config: config.http, store, statuses, subscribe: (fn) => (listeners.add(fn), () => listeners.delete(fn)), log });
  return {
    store,
    followers,
    office,
    statuses,
    async start() {
      await office.start();
      for (const f of followers) f.start();
    },
    async stop() {
      await Promise.all(followers.map((f) => f.stop()));
      await office.stop();
      await store.close();
    },
  };
}
