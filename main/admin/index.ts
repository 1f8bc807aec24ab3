/**
 * Admin mode: PIN with a persistent lockout, an idle-timed session, the
 * overview pages and an audit row for every admin action.
 */
import type { AdminOverview, AdminPageInfo, AuditEntry, LockState, UnlockOutcome } from '../../preload/contract';
import type { BoothConfig } from '../config';
import { insecureCloudUrls, maskSecrets, verifyPin } from '../config';
import { HandlerError, type EventBus, type HandlerMap } from '../dispatch';
import { tailLogFile } from '../log';
import type { Platform } from '../platform';
import { APP_SCHEMA_VERSION, type Store } from '../store';
import { afterWrongPin, initialLockout, lockoutStateSchema, remainingLockMs, triesLeft, type LockoutState } from './lockout';

const LOCKOUT_KEY = 'admin.lockout';

export const HOW_TO_SET_PIN =
  'No admin PIN is set. On the kiosk, run: booth set-pin --config <config file> (see docs/operations.md).';

export interface AdminDeps {
  config: BoothConfig;
  configPath: string | null;
  platform: Platform;
  store: Store;
  events: EventBus;
  pages: () => AdminPageInfo[];
  overviewExtras: () => { modules: string[] };
}

export interface AdminModule {
  handlers: HandlerMap;
  /** Throws admin_required unless an admin session is open; counts as activity. */
  requireSession(): void;
  isOpen(): boolean;
  /** Writes an audit row for an admin action of another module. */
  audit(action: string, detail?: string | null): void;
  /** Closes the session when idle; call periodically. */
  checkIdle(): void;
}

export function createAdmin(deps: AdminDeps): AdminModule {
  const { config, platform, store, events } = deps;
  const clock = platform.clock;
  const log = platform.log.scope('admin');
  const policy = config.admin;
  let openSince: number | null = null;
  let lastActivity = 0;

  const audit = (action: string, detail: string | null = null) => store.audit(action, detail, clock.now());
  const lockout = (): LockoutState => store.getSetting(LOCKOUT_KEY, lockoutStateSchema) ?? initialLockout;
  const saveLockout = (state: LockoutState) => store.setSetting(LOCKOUT_KEY, state, clock.now());

  const close = (reason: 'user' | 'idle') => {
    if (openSince === null) return;
    openSince = null;
    audit('admin.exit', reason);
    log.info(`admin mode closed (${reason})`);
    events.emit('admin:session', { open: false, reason });
  };

  const idleExpired = () =>
    openSince !== null && clock.monotonicMs() - lastActivity > policy.idleTimeoutSeconds * 1000;

  const requireSession = () => {
    if (idleExpired()) close('idle');
    if (openSince === null) throw new HandlerError('admin_required', 'Admin mode is closed. Enter the PIN again.');
    lastActivity = clock.monotonicMs();
  };

  const lockState = (): LockState => {
    const pinSet = config.admin.pinHash !== null;
    const left = remainingLockMs(lockout(), clock.now());
    return {
      pinSet,
      locked: left > 0,
      retryInSeconds: Math.ceil(left / 1000),
      ...(pinSet ? {} : { howToSet: HOW_TO_SET_PIN }),
    };
  };

  // One PIN check at a time, so parallel guesses cannot slip past the counter.
  let unlockQueue: Promise<unknown> = Promise.resolve();
  const unlock = (pin: string): Promise<UnlockOutcome> => {
    const run = async (): Promise<UnlockOutcome> => {
      const hash = config.admin.pinHash;
      if (hash === null) return { status: 'no-pin', howToSet: HOW_TO_SET_PIN };
      const before = lockout();
      const left = remainingLockMs(before, clock.now());
      if (left > 0) {
        audit('admin.pin-refused', `locked for ${Math.ceil(left / 1000)} s`);
        return { status: 'locked', retryInSeconds: Math.ceil(left / 1000) };
      }
      if (await verifyPin(pin, hash)) {
        saveLockout(initialLockout);
        openSince = clock.monotonicMs();
        lastActivity = openSince;
        audit('admin.unlock', null);
        log.info('admin mode opened');
        events.emit('admin:session', { open: true, reason: 'unlock' });
        return { status: 'unlocked' };
      }
      const next = afterWrongPin(before, clock.now(), policy);
      saveLockout(next);
      const lockMs = remainingLockMs(next, clock.now());
      audit('admin.pin-wrong', `failure ${next.failures}`);
      log.warn(`wrong admin PIN (failure ${next.failures})`);
      if (lockMs > 0) {
        audit('admin.locked', `${Math.ceil(lockMs / 1000)} s`);
        return { status: 'locked', retryInSeconds: Math.ceil(lockMs / 1000) };
      }
      return { status: 'wrong-pin', triesLeft: triesLeft(next, policy) };
    };
    const result = unlockQueue.then(run, run);
    unlockQueue = result.catch(() => undefined);
    return result;
  };

  const overview = (): AdminOverview => ({
    kioskId: store.kioskId,
    kioskName: config.kioskName,
    version: platform.version,
    modules: deps.overviewExtras().modules,
    configPath: deps.configPath,
    config: maskSecrets(config),
    dataDir: platform.dataDir,
    database: {
      path: store.file,
      sizeBytes: store.sizeBytes(),
      schemaVersion: store.schemaVersion(),
      appSchemaVersion: APP_SCHEMA_VERSION,
    },
    logPath: platform.log.file,
    pages: deps.pages(),
    insecureUrls: insecureCloudUrls(config).map((u) => ({ url: u.url, setting: `${u.field.split('.')[0]}.allowInsecureHttp` })),
  });

  const handlers: HandlerMap = {
    'admin:lock-state': () => lockState(),
    'admin:unlock': ({ pin }) => unlock(pin),
    'admin:exit': ({ reason }) => {
      close(reason);
      return null;
    },
    'admin:touch': () => {
      requireSession();
      return null;
    },
    'admin:overview': () => {
      requireSession();
      return overview();
    },
    'admin:logs': ({ lines }) => {
      requireSession();
      return { path: platform.log.file, lines: tailLogFile(platform.log.file, lines) };
    },
    'admin:audit': ({ limit }) => {
      requireSession();
      return store.db
        .prepare('SELECT id, at, action, detail FROM audit ORDER BY id DESC LIMIT ?')
        .all(limit) as AuditEntry[];
    },
  };

  return {
    handlers,
    requireSession,
    isOpen: () => openSince !== null && !idleExpired(),
    audit: (action, detail = null) => audit(action, detail),
    checkIdle: () => {
      if (idleExpired()) close('idle');
    },
  };
}
