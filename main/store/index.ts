/**
 * The local SQLite store: WAL, foreign keys, FULL sync (admissions and payouts
 * must survive power loss), numbered migrations with a backup taken first, a
 * refusal to open a newer database, and a damaged file left exactly as it was.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CodedReason } from '../../preload/contract';
import { z } from 'zod';
import type { ScopedLog } from '../log';
// The feed's data-only files, not '../replication' (its index serves routes: the store stays below them).
import type { ReplicatedTable } from '../replication/declaration';
import { resolveTables, type FeedTable } from '../replication/tables';
import { hasFeed, installFeedTriggers, withBulkFeedInserts } from '../replication/triggers';
import { APP_SCHEMA_VERSION, migrations as defaultMigrations, replicatedTables as declaredTables, type Migration } from './migrations';

export { APP_SCHEMA_VERSION, joinMigrations, type Migration, type MigrationSource, type ModuleMigration } from './migrations';

/** newer: written by a newer Booth; corrupt: damaged; backup: the pre-migration backup could not be written; io: anything else. */
export type StoreErrorKind = 'newer' | 'corrupt' | 'backup' | 'io';

export class StoreOpenError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    readonly file: string,
    message: string,
    readonly howToFix: string,
  ) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

export interface Store {
  readonly db: Database.Database;
  readonly file: string;
  readonly kioskId: string;
  /** The tables whose changes feed replicas, resolved at open (none in a database without the feed). */
  readonly replicatedTables: readonly FeedTable[];
  /**
   * Runs `insert` inside the caller's transaction with the table's feed rows
   * written in one statement after it rather than one trigger run per row
   * (main/replication/triggers.ts withBulkFeedInserts): for bulk downloads.
   */
  insertInBulk<T>(table: string, insert: () => T): T;
  schemaVersion(): number;
  sizeBytes(): number;
  getSetting<T>(key: string, schema: z.ZodType<T>): T | undefined;
  setSetting(key: string, value: unknown, at: Date): void;
  /** `coded`: the detail for the screen's language (stored as JSON beside the English). */
  audit(action: string, detail: string | null, at: Date, coded?: CodedReason | null): void;
  close(): void;
}

export interface OpenStoreOptions {
  file: string;
  log: ScopedLog;
  migrations?: readonly Migration[];
  /** Called with the backup's path when one was written. */
  onBackup?: (backupFile: string) => void;
  /** The tables whose changes feed replicas (default: every module's declared ones). */
  replicatedTables?: readonly ReplicatedTable[];
}

/** SQLite could not do what was asked of the file (SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY...): the disk, not a bug. */
export const isStorageFailure = (error: unknown): boolean => String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_');

const isCorruption = (error: unknown): boolean => {
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT');
};

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

const FREE_SPACE_HINT = 'Check that the disk is mounted, writable and not full.';

/** What an I/O error means for the attendant: "the disk is full" says more than ENOSPC alone. */
function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = (error as Error).message;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || /disk is full|no space/i.test(message)) return `the disk is full (${code || message})`;
  return message;
}

/**
 * Keep a copy of a damaged database next to it; the original is never
 * touched. A copy that cannot be finished (a full disk) is removed again.
 */
function keepAside(file: string): { aside: string } | { error: string } {
  const aside = `${file}.damaged-${stamp()}`;
  const made: string[] = [];
  try {
    for (const suffix of ['', '-wal', '-shm']) {
      if (suffix && !fs.existsSync(file + suffix)) continue;
      made.push(aside + suffix);
      fs.copyFileSync(file + suffix, aside + suffix, fs.constants.COPYFILE_EXCL);
    }
    return { aside };
  } catch (error) {
    for (const f of made) fs.rmSync(f, { force: true });
    return { error: describeIoError(error) };
  }
}

/** Reads the version and checks integrity without writing a byte. */
function inspectExisting(file: string, appVersion: number): number {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > appVersion) {
      throw new StoreOpenError(
        'newer',
        file,
        `The database ${file} has schema version ${version}, but this Booth only knows up to version ${appVersion}. It was written by a newer Booth.`,
        'Install the newer Booth again, or restore the database backup taken before the upgrade. The file has not been changed.',
      );
    }
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw Object.assign(new Error(`quick_check: ${check}`), { code: 'SQLITE_CORRUPT' });
    return version;
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    if (isCorruption(error)) {
      const kept = keepAside(file);
      if ('error' in kept) {
        throw new StoreOpenError(
          'corrupt',
          file,
          `The database ${file} is damaged (${(error as Error).message}). Booth has not changed it, and could not keep a copy of it: ${kept.error}.`,
          'Free space on the disk, then restart: Booth first keeps a copy of the damaged file. Then restore the latest backup (*.bak next to it), or move the damaged file away so that Booth starts with an empty store.',
        );
      }
      throw new StoreOpenError(
        'corrupt',
        file,
        `The database ${file} is damaged (${(error as Error).message}). Booth has not changed it; a copy was kept at ${kept.aside}.`,
        'Restore the latest backup (*.bak next to it), or move the damaged file away so that Booth starts with an empty store. Send the copy to support.',
      );
    }
    throw new StoreOpenError('io', file, `The database ${file} could not be opened: ${describeIoError(error)}`, FREE_SPACE_HINT);
  } finally {
    db?.close();
  }
}

/**
 * Every transaction on the kiosk's connection starts with BEGIN IMMEDIATE.
 * In WAL mode a deferred transaction that reads (an admission's decision, a
 * payout's ledger) and then writes fails at once with SQLITE_BUSY_SNAPSHOT,
 * without waiting on busy_timeout, when another connection (the ticket import
 * worker) committed in between: the customer would see "cannot record".
 * Taking the write lock first makes it wait its turn instead. Nested calls
 * still use savepoints; `.deferred` stays available for pure reads.
 */
function writeTransactionsBeginImmediate(db: Database.Database): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    // better-sqlite3 gives each variant the others as properties (.deferred, .exclusive).
    return transaction(fn).immediate;
  }) as Database.Database['transaction'];
}

/** Applies each migration in its own transaction with its user_version. */
function runMigrations(db: Database.Database, pending: readonly Migration[], log: ScopedLog): void {
  for (const migration of pending) {
    // Foreign keys can only be turned off outside a transaction.
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        migration.up(db);
        if (migration.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${migration.version} would leave ${broken.length} broken reference(s)`);
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (migration.rebuildsTables) db.pragma('foreign_keys = ON');
    }
    log.info(`migration ${migration.version} applied: ${migration.name}`);
  }
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { file, log } = options;
  const list = options.migrations ?? defaultMigrations;
  const target = list.at(-1)?.version ?? 0;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw new StoreOpenError('io', file, `The folder of the database ${file} cannot be created: ${describeIoError(error)}`, FREE_SPACE_HINT);
  }

  const existed = fs.existsSync(file) && fs.statSync(file).size > 0;
  const found = existed ? inspectExisting(file, target) : 0;

  let db: Database.Database;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A write waits at most this long for another connection (the ticket import
    // worker holds the lock for one short chunk); longer means the disk is in trouble.
    db.pragma('busy_timeout = 2000');
    writeTransactionsBeginImmediate(db);
  } catch (error) {
    throw new StoreOpenError('io', file, `The database ${file} could not be opened: ${describeIoError(error)}`, FREE_SPACE_HINT);
  }

  let backupWritten: string | null = null;
  if (found < target) {
    if (found > 0) {
      const backup = `${file}.v${found}-${stamp()}.bak`;
      try {
        await db.backup(backup);
      } catch (error) {
        // No migration without its backup: leave the database as it was, and no half backup beside it.
        db.close();
        fs.rmSync(backup, { force: true });
        const sizeMb = Math.max(1, Math.ceil(fs.statSync(file).size / (1024 * 1024)));
        throw new StoreOpenError(
          'backup',
          file,
          `This Booth needs to update the database ${file} from schema ${found} to ${target} and first writes a backup of it, but writing ${backup} failed: ${describeIoError(error)}. Nothing was changed.`,
          `Free at least ${sizeMb * 2} MB on the disk that holds ${path.dirname(file)}, then restart the kiosk.`,
        );
      }
      log.info(`backup of schema ${found} written to ${backup} before migrating`);
      backupWritten = backup;
      options.onBackup?.(backup);
    }
    const pending = list.filter((m) => m.version > found);
    try {
      runMigrations(db, pending, log);
    } catch (error) {
      // Each migration commits with its version or not at all: say where it stopped, instead of a crash without a screen.
      const reached = db.pragma('user_version', { simple: true }) as number;
      db.close();
      const kept = backupWritten ? ` The backup taken before it is ${backupWritten}.` : '';
      throw new StoreOpenError(
        'io',
        file,
        `Updating the database ${file} from schema ${found} to ${target} failed: ${describeIoError(error)}. The database was left at schema ${reached}, whole.${kept}`,
        `${FREE_SPACE_HINT} Free space on it, then restart the kiosk: the update is tried again.`,
      );
    }
  }


  // The change feed's triggers, as the modules declare them now (main/replication/triggers.ts).
  let replicatedTables: FeedTable[] = [];
  if (hasFeed(db)) {
    try {
      replicatedTables = resolveTables(db, options.replicatedTables ?? declaredTables);
      installFeedTriggers(db, replicatedTables);
    } catch (error) {
      db.close();
      if (!isStorageFailure(error)) throw error;
      throw new StoreOpenError('io', file, `The database ${file} could not be prepared: ${describeIoError(error)}`, FREE_SPACE_HINT);
    }
  }

  const kioskId = db.transaction(() => {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('kiosk_id') as { value: string } | undefined;
    if (row) return row.value;
    const id = crypto.randomUUID();
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('kiosk_id', id);
    log.info(`kiosk id created: ${id}`);
    return id;
  })();

  const getSetting = db.prepare('SELECT value FROM settings WHERE key = ?');
  const putSetting = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  // Prepared at first use: a store opened with only the older migrations (the upgrade tests) has no detail_coded yet.
  let insertAudit: Database.Statement | null = null;

  return {
    db,
    file,
    kioskId,
    replicatedTables,
    insertInBulk: (table, insert) => withBulkFeedInserts(db, replicatedTables.find((t) => t.table === table), insert),
    schemaVersion: () => db.pragma('user_version', { simple: true }) as number,
    sizeBytes: () =>
      ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0),
    getSetting<T>(key: string, schema: z.ZodType<T>): T | undefined {
      const row = getSetting.get(key) as { value: string } | undefined;
      if (!row) return undefined;
      let raw: unknown;
      try {
        raw = JSON.parse(row.value);
      } catch {
        log.warn(`setting ${key} is not JSON; ignored`);
        return undefined;
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        log.warn(`setting ${key} has an unexpected shape; ignored`);
        return undefined;
      }
      return parsed.data;
    },
    setSetting(key, value, at) {
      putSetting.run(key, JSON.stringify(value), at.toISOString());
    },
    audit(action, detail, at, coded = null) {
      insertAudit ??= db.prepare('INSERT INTO audit (at, action, detail, detail_coded) VALUES (?, ?, ?, ?)');
      insertAudit.run(at.toISOString(), action, detail, coded ? JSON.stringify(coded) : null);
    },
    close: () => db.close(),
  };
}

