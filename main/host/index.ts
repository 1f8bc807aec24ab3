/**
 * What both hosts (Electron and headless) do before a kiosk runs: find the
 * data folder and config, choose the profile (configured, demo from a source
 * checkout, or "not configured" when packaged), and turn every problem into a
 * boot screen with a clear message instead of a crash.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BootInfo, BootProblem, BootProblemCode, KioskStatus } from '../../preload/contract';
import { systemClock } from '../clock';
import { configSchema, issueLine, issueView, loadConfig, resolveConfigPath } from '../config';
import { createDispatcher, createEventBus, type Dispatcher, type EventBus } from '../dispatch';
import { createKiosk, type Kiosk } from '../kiosk';
import { createLogger, type Logger } from '../log';
import type { Platform } from '../platform';
import { StoreOpenError, type StoreErrorKind } from '../store';
import { resolveDataDir } from './data-dir';
import { askedDemo, demoConfig, demoDataDir, demoProfile, demoScanner } from './demo';

export { resolveDataDir };

export const DEMO_PIN = '2468';

const storeProblemCodes: Record<StoreErrorKind, BootProblemCode> = {
  newer: 'store-newer',
  corrupt: 'store-corrupt',
  backup: 'store-backup',
  io: 'store-io',
};

const storeProblemTitles: Record<StoreErrorKind, string> = {
  newer: 'The database is from a newer Booth',
  corrupt: 'The database is damaged',
  backup: 'The database backup before the update could not be written',
  io: 'The database cannot be opened',
};

export interface HostOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Folder holding package.json, dist/ and resources/. */
  appRoot: string;
  isPackaged: boolean;
  /** Electron's userData; the headless host passes null and gets BOOTH_DATA_DIR or a per-user folder. */
  defaultDataDir: string | null;
  /** Mirror the log on stderr. */
  logToConsole: boolean;
  /** Ends the app so the launcher (native/booth-launcher) can swap in a staged release; absent: the host cannot restart itself. */
  restartForUpdate?: () => void;
}

export interface RunningKiosk {
  handlers: Dispatcher;
  events: EventBus;
  boot: BootInfo;
  log: Logger;
  kiosk: Kiosk | null;
  /**
   * The host saw the customer screen come up (Electron: the window's first paint;
   * headless: the first renderer on the bridge). A kiosk that shows a problem
   * screen never reports ready, so the launcher does not confirm a release that only shows one.
   */
  screenReady(): void;
  stop(): Promise<void>;
}

export function readAppVersion(appRoot: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Walks up from `start` to the folder whose package.json is Booth's. */
export function findAppRoot(start: string): string {
  let dir = start;
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'booth') return dir;
      } catch {
        /* not ours */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Booth's package.json not found above ${start}`);
    dir = parent;
  }
}

/**
 * The screen language and time zone a config names, read leniently from a
 * config that has errors (so the problem screen speaks the kiosk's language).
 */
function screenSettingsOf(file: string): { defaultLanguage?: 'en' | 'id'; timeZone?: string } {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { screen?: { language?: unknown }; timeZone?: unknown };
    const language = raw?.screen?.language;
    const zone = configSchema.shape.timeZone.safeParse(raw?.timeZone);
    return { ...(language === 'en' || language === 'id' ? { defaultLanguage: language } : {}), ...(zone.success ? { timeZone: zone.data } : {}) };
  } catch {
    return {};
  }
}

function problemKiosk(
  base: Omit<BootInfo, 'problem' | 'state'>,
  state: BootInfo['state'],
  problem: BootProblem,
  log: Logger,
  timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone,
): RunningKiosk {
  const boot: BootInfo = { ...base, state, problem };
  const status = (): KioskStatus => ({
    online: null,
    lastOnlineAt: null,
    kioskName: base.kioskName,
    clockSkewMs: null,
    clockWarning: false,
    now: new Date().toISOString(),
    timeZone,
  });
  return {
    handlers: createDispatcher(
      {
        'kiosk:boot': () => boot,
        'kiosk:status': () => status(),
        'admin:lock-state': () => ({ pinSet: false, locked: false, retryInSeconds: 0, howToSet: problem.howToFix }),
      },
      log.scope('ipc'),
    ),
    events: createEventBus(log),
    boot,
    log,
    kiosk: null,
    screenReady: () => undefined,
    stop: async () => undefined,
  };
}

/** Creates a folder the kiosk must write in; the error code (EACCES, ENOSPC, EROFS, ...) when it cannot. */
function prepareFolder(dir: string): string | null {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

const currentUser = (): string => {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'the kiosk user');
  }
};

const FOLDER_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENOTDIR: 'a file is in the way',
};

function dataFolderProblem(dir: string, code: string): BootProblem {
  return {
    code: 'data-folder',
    params: { dir, errno: code, user: currentUser() },
    title: 'The data folder cannot be used',
    message: `Booth cannot create or write its data folder ${dir} (${FOLDER_ERRORS[code] ?? code}, ${code}). Nothing was changed.`,
    file: dir,
    howToFix:
      code === 'ENOSPC'
        ? `Free space on the disk that holds ${dir}, then restart the kiosk.`
        : `Create the folder for the user the kiosk runs as (${currentUser()}): sudo install -d -o ${currentUser()} -m 0750 ${dir} (an installed kiosk uses /var/lib/booth, made by systemd), or start with --data-dir DIR or BOOTH_DATA_DIR=DIR pointing at a writable folder. Then restart the kiosk.`,
  };
}

export async function startKioskHost(options: HostOptions): Promise<RunningKiosk> {
  const version = readAppVersion(options.appRoot);
  const dataDir = resolveDataDir(options.argv, options.env, options.defaultDataDir);
  const configPath = resolveConfigPath(options.argv, options.env, dataDir);
  const loaded = loadConfig(configPath);
  // A config named on purpose that is not there is an error (a typo), never the demo.
  const configNamed = options.argv.some((a) => a === '--config' || a.startsWith('--config=')) || Boolean(options.env.BOOTH_CONFIG);
  // `--demo NAME` asks for a demo even where the data folder has a config (the demo's data lives apart).
  const demoAsked = askedDemo(options.argv, options.env);
  const demo = (loaded.kind === 'missing' || demoAsked !== null) && !options.isPackaged && !configNamed;
  const profile = demoProfile(demo ? demoAsked : null);

  const baseBoot = {
    version,
    kioskName: 'Booth',
    kioskId: null,
    modules: [],
    demo,
    defaultLanguage: 'en' as const,
    idleTimeoutSeconds: 45,
    adminIdleTimeoutSeconds: 120,
    resultSeconds: 5,
    choiceTimeoutSeconds: 20,
  };
  const fallbackLog = (folderUsable = prepareFolder(dataDir) === null) =>
    createLogger({
      file: folderUsable ? path.join(dataDir, 'booth.log') : null,
      level: 'info',
      maxSizeBytes: 10 * 1024 * 1024,
      backupCount: 5,
      console: options.logToConsole,
    });

  if (loaded.kind === 'invalid' && !demo) {
    const log = fallbackLog();
    for (const issue of loaded.issues) {
      log.scope('config').error(`config ${loaded.path}: ${issueLine(issue)}`);
    }
    const settings = screenSettingsOf(loaded.path);
    return problemKiosk({ ...baseBoot, ...(settings.defaultLanguage ? { defaultLanguage: settings.defaultLanguage } : {}) }, 'config-error', {
      code: 'config-invalid',
      params: { file: loaded.path, count: loaded.issues.length },
      title: 'The configuration has errors',
      message: `Booth did not start because ${loaded.path} has ${loaded.issues.length} error(s). The file was not changed.`,
      file: loaded.path,
      issues: loaded.issues.map(issueView),
      howToFix: `Correct the fields listed below in ${loaded.path} (reference: docs/config.md; the values found are in the log, secrets masked), then restart the kiosk.`,
    }, log, settings.timeZone);
  }
  if (loaded.kind === 'missing' && !demo) {
    const log = fallbackLog();
    log.scope('config').warn(`no config at ${loaded.path}: showing "not configured"`);
    return problemKiosk(baseBoot, 'not-configured', {
      code: 'config-missing',
      params: { file: loaded.path },
      title: 'This kiosk is not configured yet',
      message: `No configuration was found at ${loaded.path}.`,
      file: loaded.path,
      howToFix:
        `Copy a config file to ${loaded.path} (or start with --config FILE or BOOTH_CONFIG=FILE), set the admin PIN with "booth set-pin --config ${loaded.path}", then restart. See docs/operations.md.`,
    }, log);
  }

  const config = !demo && loaded.kind === 'ok' ? loaded.config : demoConfig(options.appRoot, profile, options.env);
  const kioskDataDir = demo ? demoDataDir(dataDir, profile) : dataDir;
  const logFile = path.resolve(kioskDataDir, config.logging.file);
  for (const dir of new Set([kioskDataDir, path.dirname(logFile)])) {
    const code = prepareFolder(dir);
    if (code === null) continue;
    const log = fallbackLog(false);
    log.scope('host').error(`data folder ${dir} cannot be used: ${code}`);
    return problemKiosk({ ...baseBoot, kioskName: config.kioskName, defaultLanguage: config.screen.language }, 'store-error', dataFolderProblem(dir, code), log, config.timeZone);
  }
  const log = createLogger({
    file: logFile,
    level: config.logging.level,
    maxSizeBytes: config.logging.maxSizeBytes,
    backupCount: config.logging.backupCount,
    console: options.logToConsole,
  });
  if (demo) log.info(`${demoAsked ? `--demo ${profile}` : `no config at ${configPath}`}: running the ${profile} demo profile (data in ${kioskDataDir})`);
  const platform: Platform = {
    version,
    isPackaged: options.isPackaged,
    dataDir: kioskDataDir,
    clock: systemClock,
    fetch: (input, init) => fetch(input, init),
    log,
  };
  const boot = { ...baseBoot, kioskName: config.kioskName };
  const demoScan = demo ? demoScanner(options.env) : undefined;
  try {
    const kiosk = await createKiosk(config, platform, {
      configPath: !demo && loaded.kind === 'ok' ? loaded.path : null,
      demo,
      ...(demo ? { demoPin: DEMO_PIN } : {}),
      ...(demoScan ? { gate: { demoScan } } : {}),
      ...(options.restartForUpdate ? { updates: { restart: options.restartForUpdate } } : {}),
    });
    kiosk.start();
    return { handlers: kiosk.handlers, events: kiosk.events, boot: kiosk.boot, log, kiosk, screenReady: () => kiosk.screenReady(), stop: () => kiosk.stop() };
  } catch (error) {
    if (error instanceof StoreOpenError) {
      log.scope('store').error(error.message);
      return problemKiosk({ ...boot, defaultLanguage: config.screen.language }, 'store-error', {
        code: storeProblemCodes[error.kind],
        params: { file: error.file },
        title: storeProblemTitles[error.kind],
        message: error.message,
        file: error.file,
        howToFix: error.howToFix,
      }, log, config.timeZone);
    }
    throw error;
  }
}
