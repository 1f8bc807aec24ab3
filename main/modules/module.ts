/**
 * The module seam: what a capability module (gate, payout, …) receives from
 * the composition root (`ModuleContext`) and what it gives back
 * (`KioskModule`). A module imports this file only, never main/kiosk.ts nor
 * ./registry.ts (they import the modules: that would be a cycle).
 *
 * Adding a module: docs/modules.md.
 */
import type { AdminPageInfo, AdminWarning } from '../../preload/contract';
import type { AdminModule } from '../admin';
import type { ApiRoutes } from '../api';
import type { CloudClient } from '../cloud';
import type { BoothConfig, ModuleName } from '../config';
import type { EventBus, HandlerMap } from '../dispatch';
import type { Platform } from '../platform';
import type { JobSpec } from '../schedule';
import type { ReplicatedTable } from '../replication/declaration';
import type { ModuleMigration, Store } from '../store';
import type { Outbox } from '../sync';

/** The kiosk-wide services every module may use. Events go out through `events`. */
export interface ModuleContext {
  config: BoothConfig;
  platform: Platform;
  store: Store;
  events: EventBus;
  cloud: CloudClient;
  outbox: Outbox;
  admin: AdminModule;
}

/** Capabilities every kiosk runs, whatever its config's `modules` say (created by main/kiosk.ts). */
export type KioskWideName = 'updates';

/** What a running module gives the composition root. */
export interface KioskModule {
  id: ModuleName | KioskWideName;
  /** Contract handlers ("<module>:<verb>"), joined with every other module's. */
  handlers?: HandlerMap;
  /** Its page in admin mode (the renderer shows the component registered under this id). */
  adminPage?: AdminPageInfo;
  /** What the attendant should look at, shown at the top of the admin overview. */
  adminWarnings?(): AdminWarning[];
  /**
   * Why the kiosk must not restart now (a customer mid-flow, a payout running
   * or owed), in words for the log and the attendant; empty when it may.
   * The updater installs a release only when every module says none.
   */
  busy?(): string[];
  /** Scheduled jobs (one scheduler for the kiosk). */
  jobs?: JobSpec[];
  /** Its LAN API routes (served only when the module runs and lanApi.enabled); see main/api/. */
  apiRoutes?: ApiRoutes;
  /** After the outbox started, before the scheduler runs. */
  start?(): void;
  /** Before the outbox stops and the store closes. */
  stop?(): Promise<void> | void;
}


/**
 * A module's tables, declared in its folder (main/<module>/migrations.ts)
 * and listed in ./schemas.ts: known before any module runs, so the store
 * migrates every module's tables in one ordered run.
 */
export interface ModuleSchema {
  migrations: readonly ModuleMigration[];
  /**
   * Tables an office replica copies (main/replication): the module's own
   * tables only, never secrets. A name alone when the table has `id`,
   * `created_at` and `updated_at`; else how its rows present them.
   */
  replicatedTables?: readonly ReplicatedTable[];
}
