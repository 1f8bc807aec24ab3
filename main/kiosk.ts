/**
 * Composition root: createKiosk(config, platform) opens the store, wires the
 * modules this kiosk runs and returns { handlers, events, start, stop }.
 * Nothing here imports 'electron': both hosts (Electron and headless) use it.
 */
import type { BootInfo, KioskStatus, LanApiStatus } from '../preload/contract';
import { createAdmin } from './admin';
import { createLanApi, kioskRoutes, type LanApi } from './api';
import { createClockTrust, settingsTrustedTime } from './clock';
import { createCloudClient } from './cloud';
import type { BoothConfig, ModuleName } from './config';
import { createDispatcher, createEventBus, HandlerError, type Dispatcher, type EventBus, type HandlerMap } from './dispatch';
import type { KioskModule, ModuleContext } from './modules/module';
import { moduleFactories, type ModuleFactory, type ModuleHostOptions } from './modules/registry';
import type { Platform } from './platform';
import { createReplication } from './replication';
import { createScheduler } from './schedule';
import { openStore, type Store } from './store';
import { createUpdatesModule, type UpdatesOptions } from './updates';
import { createOutbox } from './sync';

/** The host's options; per module (`gate`, `payout`): wiring such as a demo scanner or a simulated hopper. */
export interface KioskOptions extends ModuleHostOptions {
  configPath: string | null;
  /** Database file; default `booth.db` in the data folder. */
  databaseFile?: string;
  demo?: boolean;
  demoPin?: string;
  /** Replaces the factory of a module named in the config (tests: a module with a failing job or an extra route). */
  moduleFactories?: Partial<Record<ModuleName, ModuleFactory>>;
  /** Signed updates (kiosk-wide): the host's restart, and for tests the pinned keys and the update host's CA. */
  updates?: UpdatesOptions;
  /** Tests: the LAN API's waits for stalled or silent clients, shortened. */
  apiTimings?: { idleTimeoutMs?: number; livePingMs?: number };
}

export interface Kiosk {
  handlers: Dispatcher;
  events: EventBus;
  boot: BootInfo;
  store: Store;
  start(): void;
  stop(): Promise<void>;
  /** Runs a scheduled job now (manual trigger; tests). */
  runJob(name: string): Promise<void>;
  /** The LAN API when lanApi.enabled (started by start()), else null. */
  lanApi: LanApi | null;
  /**
   * The customer screen is up (the host reports it: Electron's first paint of the
   * kiosk window, the headless bridge's first renderer): "ready" for the launcher.
   */
  screenReady(): void;
}

const lanApiOff: LanApiStatus = { state: 'off', url: null, fingerprint: null, error: null };

export async function createKiosk(config: BoothConfig, platform: Platform, options: KioskOptions): Promise<Kiosk> {
  const log = platform.log;
  const store = await openStore({
    file: options.databaseFile ?? `${platform.dataDir}/booth.db`,
    log: log.scope('store'),
  });
  const events = createEventBus(log);
  // The kiosk's one notion of trusted time (sessions' wall clock, updates' expiry), kept in the store.
  const clockTrust = createClockTrust({
    clock: platform.clock,
    trustedAtBoot: config.clock.trustedAtBoot,
    skewWarningSeconds: config.clock.skewWarningSeconds,
    storage: settingsTrustedTime(store, platform.clock),
  });
  const cloud = createCloudClient(config, platform, store.kioskId, clockTrust);
  const scheduler = createScheduler(log.scope('jobs'), platform.clock);
  const outbox = createOutbox({ store, cloud, config, clock: platform.clock, log: log.scope('sync'), events });

  const status = (): KioskStatus => {
    const c = cloud.state();
    return {
      online: c.online,
      lastOnlineAt: c.lastOnlineAt,
      kioskName: config.kioskName,
      clockSkewMs: c.clockSkewMs,
      clockWarning: c.clockWarning,
      now: platform.clock.now().toISOString(),
      timeZone: config.timeZone,
    };
  };
  cloud.onChange(() => events.emit('kiosk:status', status()));

  let modules: KioskModule[] = [];
  const admin = createAdmin({
    config,
    configPath: options.configPath,
    platform,
    store,
    events,
    pages: () => modules.flatMap((m) => (m.adminPage ? [m.adminPage] : [])),
    overviewExtras: () => ({
      modules: config.modules,
      warnings: modules.flatMap((m) => m.adminWarnings?.() ?? []),
      lanApi: lanApi?.status() ?? lanApiOff,
    }),
  });
  const ctx: ModuleContext = { config, platform, store, events, cloud, outbox, admin };
  modules = config.modules.map((name) => (options.moduleFactories?.[name] ?? moduleFactories[name])(ctx, options));
  // Kiosk-wide, after the configured modules: it installs only when none of them is busy.
  const configured = modules;
  const updates = createUpdatesModule(ctx, { ...options.updates, busy: () => configured.flatMap((m) => m.busy?.() ?? []) });
  modules = [...configured, updates];

  // The change feed of every module's replicated tables (kiosk-wide: whichever modules run).
  const replication = createReplication({
    store,
    clock: platform.clock,
    log: log.scope('replication'),
    ...(options.apiTimings?.livePingMs === undefined ? {} : { livePingMs: options.apiTimings.livePingMs }),
  });

  // Only the modules that run contribute routes: another module's route is a 404 like any unknown path.
  const lanApi = config.lanApi.enabled
    ? createLanApi({
        settings: config.lanApi,
        dataDir: platform.dataDir,
        kioskId: store.kioskId,
        log: log.scope('lan-api'),
        ...(options.apiTimings?.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.apiTimings.idleTimeoutMs }),
        routes: [
          {
            owner: 'kiosk',
            routes: kioskRoutes({
              scheduler,
              audit: (action, detail, coded) => admin.audit(action, detail, coded),
              cronJobName: modules.flatMap((m) => m.jobs ?? []).find((j) => j.reportsAsCronJob)?.name,
            }),
          },
          { owner: 'replication', routes: replication.apiRoutes },
          ...modules.flatMap((m) => (m.apiRoutes ? [{ owner: m.id, routes: m.apiRoutes }] : [])),
        ],
      })
    : null;

  const boot: BootInfo = {
    state: 'ready',
    version: platform.version,
    kioskName: config.kioskName,
    kioskId: store.kioskId,
    modules: config.modules,
    demo: options.demo ?? false,
    defaultLanguage: config.screen.language,
    idleTimeoutSeconds: config.screen.idleTimeoutSeconds,
    adminIdleTimeoutSeconds: config.admin.idleTimeoutSeconds,
    resultSeconds: config.screen.resultSeconds,
    choiceTimeoutSeconds: config.gate.choiceTimeoutSeconds,
    ...(options.demo && options.demoPin ? { demoPin: options.demoPin } : {}),
  };

  const handlers: HandlerMap = {
    'kiosk:boot': () => boot,
    'kiosk:status': () => status(),
    // The outbox serves every module: its counts feed the status bar, its dead items the attendant.
    'sync:status': () => outbox.status(),
    'sync:redrive': ({ id }) => {
      admin.requireSession();
      if (!outbox.redrive(id)) throw new HandlerError('failed', `Upload ${id} is not waiting as dead.`);
      admin.audit('sync.redrive', String(id));
      return outbox.status();
    },
    ...admin.handlers,
    ...Object.assign({}, ...modules.map((m) => m.handlers ?? {})),
  };

  scheduler.add({
    name: 'cloud.probe',
    intervalMs: config.services.probeIntervalSeconds * 1000,
    runAtStart: true,
    run: async () => {
      if (!(await cloud.probe())) throw new Error('the cloud API did not answer');
    },
  });
  scheduler.add({ name: 'admin.idle', intervalMs: 1000, run: () => admin.checkIdle() });
  for (const job of [...replication.jobs, ...modules.flatMap((m) => m.jobs ?? [])]) scheduler.add(job);

  let stopped = false;
  return {
    handlers: createDispatcher(handlers, log.scope('ipc')),
    events,
    boot,
    store,
    start() {
      log.info(`Booth ${platform.version} started: kiosk ${store.kioskId} "${config.kioskName}", modules [${config.modules.join(', ')}]`);
      outbox.start();
      for (const m of modules) m.start?.();
      scheduler.start();
      void lanApi?.start();
    },
    runJob: (name) => scheduler.runNow(name),
    lanApi,
    screenReady: () => {
      if (!stopped) updates.screenReady();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // First, so no request starts a job or touches the store while the rest stops.
      await lanApi?.stop();
      await scheduler.stop();
      for (const m of modules) await m.stop?.();
      await outbox.stop();
      await admin.settle();
      store.close();
      log.info('Booth stopped');
    },
  };
}
