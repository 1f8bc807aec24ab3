/**
 * Signed updates, kiosk-wide (every kiosk runs it; main/kiosk.ts creates it).
 * Pure decisions in ./verify.ts, ./decide.ts, ./install-gate.ts; the I/O in
 * ./updater.ts (check, download, stage) and ./launcher-files.ts (what the
 * launcher in native/ reads and writes). Every decision goes to the log, to
 * admin's history and, through the outbox, to the cloud.
 */
import path from 'node:path';
import type { UpdatesStatus } from '../../preload/contract';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../modules/module';
import { createWorkerHasher, type FileHasher } from './hash-runner';
import { installBlockers, inMaintenanceWindow } from './install-gate';
import { defaultKeyDir, loadPinnedKeys, type PinnedKey } from './keys';
import { launcherFiles } from './launcher-files';
import { compareSemVer, isSemVer } from './semver';
import { createUpdateStateStore, type HistoryEntry } from './state';
import { createUpdater, type StagedRelease, type Updater } from './updater';

export { PRODUCT } from './decide';

export interface UpdatesOptions {
  /** Pinned keys (tests); default: resources/update-keys of this build. */
  pinnedKeys?: readonly PinnedKey[];
  /** Extra trusted CA for the update host (tests). */
  ca?: string;
  /** Default: process.arch. */
  arch?: string;
  hashFile?: FileHasher;
  /**
   * Installs the staged release: by default asks the launcher (install.json)
   * and calls `restart` (the host quits; systemd starts the launcher, which swaps).
   */
  install?(staged: StagedRelease): void | Promise<void>;
  restart?(): void;
  /** The other modules' reasons not to restart now (main/kiosk.ts passes them). */
  busy?(): string[];
}

const REPORT_KIND = 'update-event';

export function createUpdatesModule(ctx: ModuleContext, options: UpdatesOptions = {}): KioskModule & { updater: Updater | null; screenReady(): void } {
  const { config, platform, store, events, outbox, admin } = ctx;
  const settings = config.updates;
  const log = platform.log.scope('updates');
  const clock = platform.clock;
  const dir = path.join(platform.dataDir, 'updates');
  const state = createUpdateStateStore(store.db);
  const files = launcherFiles(dir);
  const arch = options.arch ?? process.arch;
  let installing = false;

  if (settings.reportEndpoint) {
    const endpoint = settings.reportEndpoint;
    outbox.registerKind({
      kind: REPORT_KIND,
      request: (payload) => ({ endpoint, body: JSON.stringify(payload) }),
      onAcknowledged: () => undefined,
      describe: (payload) => {
        const p = payload as Partial<HistoryEntry>;
        return `update ${p.event ?? '?'} ${p.version ?? ''}${p.code ? ` (${p.code})` : ''}`.trim();
      },
    });
  }

  /** History, log and (for decisions worth a fleet admin's eye) the cloud, in one transaction. */
  const report = (entry: HistoryEntry) => {
    if (!settings.reportEndpoint) return;
    outbox.enqueue({
      kind: REPORT_KIND,
      orderKey: 'updates',
      payload: { kioskId: store.kioskId, running: platform.version, channel: settings.channel, arch, ...entry },
    });
    outbox.wake();
  };
  // The updater writes its own history rows; the ones the cloud hears of are wrapped here.
  const reportingState = {
    ...state,
    record(entry: HistoryEntry) {
      state.transaction(() => {
        state.record(entry);
        // Decisions and installs; not every transient failure or wait (an offline kiosk would queue one per check).
        if (['refused', 'staged', 'installing', 'installed', 'reverted'].includes(entry.event)) report(entry);
      });
    },
  };

  // What this module's table trusted before the kiosk kept one trusted time for all.
  const earlier = state.earlierTrustedTime();
  if (earlier) ctx.cloud.clockTrust.trust(earlier);

  let updater: Updater | null = null;
  if (settings.baseUrl) {
    let pinnedKeys = options.pinnedKeys;
    if (!pinnedKeys) {
      try {
        pinnedKeys = loadPinnedKeys(defaultKeyDir());
      } catch (error) {
        log.error(`updates are off: ${(error as Error).message}`);
      }
    }
    if (pinnedKeys) {
      updater = createUpdater({
        settings: {
          baseUrl: settings.baseUrl,
          channel: settings.channel,
          arch,
          requestTimeoutMs: settings.requestTimeoutSeconds * 1000,
          stallMs: settings.stallSeconds * 1000,
          maxBytesPerSecond: settings.maxBytesPerSecond,
        },
        kioskId: store.kioskId,
        runningVersion: platform.version,
        pinnedKeys,
        dir,
        state: reportingState,
        clock,
        clockTrust: ctx.cloud.clockTrust,
        log,
        hashFile: options.hashFile ?? createWorkerHasher(),
        ...(options.ca ? { ca: options.ca } : {}),
        onChange: () => publish(),
      });
    }
  }

  // Uploads that must reach the cloud before a restart: everything queued but this module's own reports.
  const pendingUploadsSql = store.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND kind != ?");
  const pendingUploads = () => (pendingUploadsSql.get(REPORT_KIND) as { n: number }).n;
  const blockers = (attendantAsked: boolean) =>
    installBlockers({
      staged: updater?.staged() != null,
      busy: options.busy?.() ?? [],
      pendingUploads: pendingUploads(),
      inWindow: inMaintenanceWindow(clock.now(), config.timeZone, settings.maintenanceWindow),
      attendantAsked,
    });

  const status = (): UpdatesStatus => {
    const s = updater?.status();
    const facts = state.facts();
    return {
      enabled: updater !== null,
      channel: settings.channel,
      arch,
      current: platform.version,
      phase: installing ? 'installing' : (s?.phase ?? 'idle'),
      available: s?.available ?? null,
      progress: s?.progress ?? null,
      staged: s?.staged ?? null,
      lastCheckAt: s?.lastCheckAt ?? null,
      problem: s?.problem ?? null,
      blockers: updater ? blockers(false).filter((b) => b.code !== 'nothing-staged' || s?.staged) : [],
      maintenanceWindow: settings.maintenanceWindow,
      highWater: facts.highWater,
      history: state.history(30),
    };
  };
  const publish = () => events.emit('updates:status', status());

  async function install(attendantAsked: boolean): Promise<boolean> {
    const staged = updater?.staged();
    if (!updater || !staged || installing) return false;
    if (state.facts().reverted.some((v) => isSemVer(v) && compareSemVer(v, staged.version) === 0)) {
      updater.discardStaged();
      return false;
    }
    const blocking = blockers(attendantAsked);
    if (blocking.length > 0) {
      if (attendantAsked) log.info(`install of ${staged.version} asked by the attendant waits: ${blocking.map((b) => b.detail ?? b.code).join('; ')}`);
      return false;
    }
    installing = true;
    reportingState.record({ at: clock.now().toISOString(), version: staged.version, event: 'installing', code: attendantAsked ? 'attendant' : 'maintenance-window', message: `installing ${staged.version} (running ${platform.version})` });
    log.info(`installing ${staged.version}: the launcher swaps it in at the restart`);
    publish();
    try {
      if (options.install) await options.install(staged);
      else {
        files.requestInstall(staged);
        if (options.restart) options.restart();
        else log.warn(`restart the kiosk to install ${staged.version} (this host cannot restart itself)`);
      }
      return true;
    } catch (error) {
      installing = false;
      reportingState.record({ at: clock.now().toISOString(), version: staged.version, event: 'failed', code: 'disk', message: `the install could not start: ${(error as Error).message}` });
      publish();
      return false;
    }
  }

  /** After a restart: whether the launcher went back (reported once). */
  function reconcileLauncher() {
    const reverted = files.takeReverted();
    if (!reverted) return;
    if (reverted.version !== 'unknown') state.markReverted(reverted.version, clock.now());
    // Its staged copy would otherwise install again at the next window (offline, no check withdraws it): a restart loop.
    if (updater?.staged()?.version === reverted.version) updater.discardStaged();
    reportingState.record({
      at: clock.now().toISOString(),
      version: reverted.version,
      event: 'reverted',
      code: 'not-ready',
      message: `the launcher went back to ${reverted.to ?? platform.version}: ${reverted.version} ${reverted.reason ?? 'did not reach ready'}`,
    });
    if (files.installRequested()) files.clearInstallRequest();
  }

  let ready = false;
  /**
   * The customer screen is up (Electron: the kiosk window's first paint; headless:
   * the first renderer on the bridge): only now may the launcher confirm this version.
   */
  function screenReady() {
    if (ready) return;
    ready = true;
    const asked = files.installRequested();
    if (asked && asked.version === platform.version) {
      files.clearInstallRequest();
      reportingState.record({ at: clock.now().toISOString(), version: platform.version, event: 'installed', code: null, message: `${platform.version} runs and its screen is up` });
    }
    files.markReady(platform.version);
    log.info(`${platform.version} reached ready: the customer screen is up`);
  }

  const handlers: HandlerMap = {
    'updates:status': () => status(),
    'updates:check': async () => {
      admin.requireSession();
      if (!updater) throw new HandlerError('unavailable', 'Updates are off on this kiosk (updates.baseUrl is not set, or no update key is pinned).');
      admin.audit('updates.check');
      await updater.check();
      return status();
    },
    'updates:install': async () => {
      admin.requireSession();
      if (!updater?.staged()) throw new HandlerError('failed', 'No release is staged.');
      admin.audit('updates.install', updater.staged()?.version ?? null);
      await install(true);
      return status();
    },
  };

  return {
    id: 'updates',
    updater,
    handlers,
    adminPage: { id: 'updates', title: 'Updates' },
    jobs: updater
      ? [
          { name: 'updates.check', intervalMs: settings.checkIntervalMinutes * 60_000, runAtStart: true, run: async () => void (await updater!.check()) },
          { name: 'updates.install', intervalMs: 60_000, run: async () => void (await install(false)) },
        ]
      : [],
    screenReady,
    start() {
      reconcileLauncher();
    },
    async stop() {
      await updater?.stop();
    },
  };
}
