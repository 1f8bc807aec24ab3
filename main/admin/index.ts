/**
 * Admin mode: PIN with a persistent lockout, an idle-timed session, the
 * overview pages and an audit row for every admin action.
 */
import {
  readStoredReason,
  type AdminOverview,
  type AdminPageInfo,
  type AdminWarning,
  type AuditEntry,
  type CodedReason,
  type LanApiStatus,
  type LockState,
  type UnlockOutcome,
} from '../../preload/contract';
import type { BoothConfig } from '../config';
import { insecureCloudUrls, maskSecrets, verifyPin } from '../config';
import { HandlerError, type EventBus, type HandlerMap } from '../dispatch';
import { tailLogFile } from '../log';
import type { Platform } from '../platform';
import { APP_SCHEMA_VERSION, type Store } from '../store';
import { afterWrongPin, initialLockout, lockoutStateSchema, remainingLockMs, triesLeft, type LockoutState } from './lockout';
import { createPinHashes } from './pin-hash';

const LOCKOUT_KEY = 'admin.lockout';

type AuditRow = Omit<AuditEntry, 'detailCoded'> & { detail_coded: string | null };


/** Audit actions of refused PIN entries: someone at the screen can add them without limit. */
export const REFUSED_PIN_ACTIONS = ['admin.pin-wrong', 'admin.pin-refused', 'admin.locked'] as const;
/** The newest refused entries kept in the audit table; older ones are pruned (the count is in the lockout state). */
export const REFUSED_PIN_AUDIT_KEEP = 1000;

export const HOW_TO_SET_PIN =
  'No admin PIN is set. On the kiosk, run: booth set-pin --config <config file> (see docs/operations.md).';

export interface AdminDeps {
  config: BoothConfig;
  configPath: string | null;
  platform: Platform;
  store: Store;
  events: EventBus;
  pages: () => AdminPageInfo[];
  overviewExtras: () => { modules: string[]; warnings: AdminWarning[]; lanApi: LanApiStatus };
}

export interface AdminModule {
  handlers: HandlerMap;
  /**
   * Throws admin_required unless an admin session is open; counts as the
   * attendant's activity unless `activity: false` (a page's summary, which the
   * screen also reloads on the kiosk's own events while nobody touches it).
   */
  requireSession(options?: { activity?: boolean }): void;
  isOpen(): boolean;
  /** Writes an audit row for an admin action of another module; `coded`: the detail for the screen's language. */
  audit(action: string, detail?: string | null, coded?: CodedReason | null): void;
  /** Closes the session when idle; call periodically. */
  checkIdle(): void;
  /** Resolves when PIN work in progress (a check, a hash upgrade) is done; before the store closes. */
  settle(): Promise<void>;
}

export function createAdmin(deps: AdminDeps): AdminModule {
  const { config, platform, store, events } = deps;
  const clock = platform.clock;
  const log = platform.log.scope('admin');
  const policy = config.admin;
  let openSince: number | null = null;
  let lastActivity = 0;

  const audit = (action: string, detail: string | null = null, coded: CodedReason | null = null) => store.audit(action, detail, clock.now(), coded);
  const pinHashes = createPinHashes({ config, configPath: deps.configPath, store, log, now: () => clock.now() });

  const refused = REFUSED_PIN_ACTIONS.map(() => '?').join(', ');
  const pruneRefused = store.db.prepare(
    `DELETE FROM audit WHERE action IN (${refused}) AND id < (
       SELECT id FROM audit WHERE action IN (${refused}) ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  /** An audit row for a refused entry, keeping only the newest REFUSED_PIN_AUDIT_KEEP of them. */
  const auditRefused = (action: (typeof REFUSED_PIN_ACTIONS)[number], detail: string) => {
    audit(action, detail);
    pruneRefused.run(...REFUSED_PIN_ACTIONS, ...REFUSED_PIN_ACTIONS, REFUSED_PIN_AUDIT_KEEP - 1);
  };

  /** Pages opened in this session: opening each is audited once per session (reloads are not). */
  let viewed = new Set<string>();
  const auditView = (page: 'overview' | 'logs' | 'audit') => {
    if (viewed.has(page)) return;
    viewed.add(page);
    audit('admin.view', page);
  };
  const lockout = (): LockoutState => store.getSetting(LOCKOUT_KEY, lockoutStateSchema) ?? initialLockout;
  const saveLockout = (state: LockoutState) => store.setSetting(LOCKOUT_KEY, state, clock.now());
  /**
   * While this run lasts a lockout counts down on the monotonic clock: a wall
   * clock set forward (by hand, or a rogue time server on the LAN) cannot end it
   * early. The wall clock is read once per lockout: when it is set, or at start
   * for one that outlived a restart.
   */
  let lockOnMonotonic: { lockedUntil: string; endsAt: number } | null = null;
  const lockLeftMs = (state: LockoutState): number => {
    if (!state.lockedUntil) return 0;
    if (lockOnMonotonic?.lockedUntil !== state.lockedUntil) {
      lockOnMonotonic = { lockedUntil: state.lockedUntil, endsAt: clock.monotonicMs() + remainingLockMs(state, clock.now()) };
    }
    return Math.max(0, lockOnMonotonic.endsAt - clock.monotonicMs());
  };
  lockLeftMs(lockout());

  const close = (reason: 'user' | 'idle') => {
    if (openSince === null) return;
    openSince = null;
    audit('admin.exit', reason);
    log.info(`admin mode closed (${reason})`);
    events.emit('admin:session', { open: false, reason });
  };

  const idleExpired = () =>
    openSince !== null && clock.monotonicMs() - lastActivity > policy.idleTimeoutSeconds * 1000;

  const requireSession = (options: { activity?: boolean } = {}) => {
    if (idleExpired()) close('idle');
    if (openSince === null) throw new HandlerError('admin_required', 'Admin mode is closed. Enter the PIN again.');
    if (options.activity !== false) lastActivity = clock.monotonicMs();
  };

  const lockState = (): LockState => {
    const pinSet = pinHashes.current() !== null;
    const left = lockLeftMs(lockout());
    return {
      pinSet,
      locked: left > 0,
      retryInSeconds: Math.ceil(left / 1000),
      ...(pinSet ? {} : { howToSet: HOW_TO_SET_PIN }),
    };
  };

  // One PIN check at a time, so parallel guesses cannot slip past the counter.
  let unlockQueue: Promise<unknown> = Promise.resolve();
  let upgrading: Promise<void> = Promise.resolve();
  const unlock = (pin: string): Promise<UnlockOutcome> => {
    const run = async (): Promise<UnlockOutcome> => {
      await upgrading;
      const hash = pinHashes.current();
      if (hash === null) return { status: 'no-pin', howToSet: HOW_TO_SET_PIN };
      const before = lockout();
      const left = lockLeftMs(before);
      if (left > 0) {
        auditRefused('admin.pin-refused', `locked for ${Math.ceil(left / 1000)} s`);
        return { status: 'locked', retryInSeconds: Math.ceil(left / 1000) };
      }
      if (await verifyPin(pin, hash)) {
        saveLockout(initialLockout);
        openSince = clock.monotonicMs();
        lastActivity = openSince;
        viewed = new Set();
        audit('admin.unlock', null);
        log.info('admin mode opened');
        events.emit('admin:session', { open: true, reason: 'unlock' });
        // After the answer (a new hash takes a moment); the next PIN check waits for it.
        upgrading = pinHashes.upgradeAfterCorrectEntry(pin).then((where) => {
          if (where === 'config' || where === 'store') audit('admin.pin-rehashed', where);
        });
        return { status: 'unlocked' };
      }
      const next = afterWrongPin(before, clock.now(), policy);
      saveLockout(next);
      const lockMs = lockLeftMs(next);
      auditRefused('admin.pin-wrong', `failure ${next.failures}`);
      log.warn(`wrong admin PIN (failure ${next.failures})`);
      if (lockMs > 0) {
        auditRefused('admin.locked', `${Math.ceil(lockMs / 1000)} s`);
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
    warnings: deps.overviewExtras().warnings,
    lanApi: deps.overviewExtras().lanApi,
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
      auditView('overview');
      return overview();
    },
    'admin:logs': ({ lines }) => {
      requireSession();
      auditView('logs');
      return { path: platform.log.file, lines: tailLogFile(platform.log.file, lines) };
    },
    'admin:audit': ({ limit }) => {
      requireSession();
      auditView('audit');
      const rows = store.db.prepare('SELECT id, at, action, detail, detail_coded FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
      return rows.map(({ detail_coded, ...row }) => ({ ...row, detailCoded: readStoredReason(detail_coded) }));
    },
  };

  return {
    handlers,
    requireSession,
    isOpen: () => openSince !== null && !idleExpired(),
    audit: (action, detail = null, coded = null) => audit(action, detail, coded),
    checkIdle: () => {
      if (idleExpired()) close('idle');
    },
    settle: async () => {
      await unlockQueue;
      await upgrading;
    },
  };
}
