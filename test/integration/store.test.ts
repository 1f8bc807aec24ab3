import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../main/log';
import { APP_SCHEMA_VERSION, openStore, StoreOpenError, type Migration } from '../../main/store';
import { migrations } from '../../main/store/migrations';
import { sha256, tempDir } from '../support/temp';

const log = memoryLogger();

describe('store', () => {
  it('opens with WAL, foreign keys and FULL sync, migrated to the app version', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const store = await openStore({ file, log });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.schemaVersion()).toBe(APP_SCHEMA_VERSION);
    store.close();
  });

  it('creates the kiosk id once and keeps it across restarts', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const first = await openStore({ file, log });
    const id = first.kioskId;
    first.close();
    const second = await openStore({ file, log });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.kioskId).toBe(id);
    second.close();
  });

  it('takes a backup with the data before running a new migration', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'booth.db');
    const v1 = await openStore({ file, log });
    v1.setSetting('kept', { value: 42 }, new Date());
    v1.close();
    const v2: Migration = { version: APP_SCHEMA_VERSION + 1, name: 'test table', up: (db) => db.exec('CREATE TABLE t (x INTEGER) STRICT') };
    let backupFile = '';
    const upgraded = await openStore({ file, log, migrations: [...migrations, v2], onBackup: (f) => (backupFile = f) });
    expect(upgraded.schemaVersion()).toBe(APP_SCHEMA_VERSION + 1);
    upgraded.close();
    expect(backupFile).toMatch(new RegExp(`booth\\.db\\.v${APP_SCHEMA_VERSION}-.*\\.bak$`));
    const backup = new Database(backupFile, { readonly: true });
    expect(backup.pragma('user_version', { simple: true })).toBe(APP_SCHEMA_VERSION);
    expect(backup.prepare("SELECT value FROM settings WHERE key = 'kept'").get()).toEqual({ value: '{"value":42}' });
    backup.close();
  });

  it('rolls a failing migration back and leaves the version where it was', async () => {
    const file = path.join(tempDir(), 'booth.db');
    (await openStore({ file, log })).close();
    const broken: Migration = {
      version: APP_SCHEMA_VERSION + 1,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    await expect(openStore({ file, log, migrations: [...migrations, broken] })).rejects.toThrow('boom');
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(APP_SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('says the disk is full when a migration cannot finish (SQLITE_FULL), keeps the backup, leaves the version and the file free again', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const older = await openStore({ file, log });
    older.setSetting('kept', { value: 7 }, new Date());
    older.close();
    const growing: Migration = {
      version: APP_SCHEMA_VERSION + 1,
      name: 'grows the database',
      up: (db) => {
        // The disk fills while the migration writes: the next page it needs is refused.
        db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
        db.exec('CREATE TABLE grown (x BLOB)');
        db.prepare('INSERT INTO grown (x) VALUES (randomblob(200000))').run();
      },
    };
    let backupFile = '';
    const error = await openStore({ file, log, migrations: [...migrations, growing], onBackup: (f) => (backupFile = f) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as StoreOpenError).kind).toBe('io');
    expect((error as StoreOpenError).message).toMatch(/the disk is full/);
    expect((error as StoreOpenError).message).toContain(`schema ${APP_SCHEMA_VERSION}`);
    expect((error as StoreOpenError).message).toContain(backupFile);
    expect((error as StoreOpenError).howToFix).toMatch(/Free space/);
    expect(fs.existsSync(backupFile)).toBe(true);
    // Nothing half done, and the connection was closed: the file opens again at once, with its data.
    const again = await openStore({ file, log });
    expect(again.schemaVersion()).toBe(APP_SCHEMA_VERSION);
    expect(again.db.prepare("SELECT name FROM sqlite_master WHERE name = 'grown'").get()).toBeUndefined();
    expect(again.db.prepare("SELECT value FROM settings WHERE key = 'kept'").get()).toEqual({ value: '{"value":7}' });
    again.close();
  });

  it('refuses a database from a newer Booth, with a clear message, and leaves it as it was', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const db = new Database(file);
    db.exec('CREATE TABLE future (x)');
    db.pragma(`user_version = ${APP_SCHEMA_VERSION + 5}`);
    db.close();
    const before = await sha256(file);
    const error = await openStore({ file, log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as StoreOpenError).kind).toBe('newer');
    expect((error as StoreOpenError).message).toContain(`schema version ${APP_SCHEMA_VERSION + 5}`);
    expect((error as StoreOpenError).message).toContain('newer Booth');
    expect(await sha256(file)).toBe(before);
  });

  it('says a damaged database is damaged, keeps a copy aside and never changes the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'booth.db');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('definitely not SQLite '), Buffer.alloc(8192, 7)]));
    const before = await sha256(file);
    const error = (await openStore({ file, log }).catch((e: unknown) => e)) as StoreOpenError;
    expect(error).toBeInstanceOf(StoreOpenError);
    expect(error.kind).toBe('corrupt');
    expect(error.message).toMatch(/damaged/);
    expect(await sha256(file)).toBe(before);
    const copies = fs.readdirSync(dir).filter((n) => n.startsWith('booth.db.damaged-'));
    expect(copies).toHaveLength(1);
    expect(await sha256(path.join(dir, copies[0]!))).toBe(before);
  });

  it('keeps settings that must outlive a restart, and ignores one of the wrong shape', async () => {
    const { z } = await import('zod');
    const file = path.join(tempDir(), 'booth.db');
    const store = await openStore({ file, log });
    store.setSetting('outOfService', { since: '2026-01-01' }, new Date());
    store.close();
    const again = await openStore({ file, log });
    expect(again.getSetting('outOfService', z.object({ since: z.string() }))).toEqual({ since: '2026-01-01' });
    expect(again.getSetting('outOfService', z.object({ count: z.number() }))).toBeUndefined();
    again.close();
  });

  it('a transaction that reads and then writes waits for another connection instead of failing (the ticket import commits meanwhile)', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const store = await openStore({ file, log });
    // The import worker's connection: it writes tickets while the kiosk admits.
    const worker = new Database(file);
    worker.pragma('busy_timeout = 0');
    let workerWrote = false;
    const admit = store.db.transaction(() => {
      store.db.prepare('SELECT COUNT(*) FROM settings').get(); // the decision reads first
      try {
        worker.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('from-worker', '1', '')").run();
        workerWrote = true;
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_BUSY'); // it waits its turn (its next chunk)
      }
      store.setSetting('admitted', true, new Date()); // then the admission is written
    });
    expect(() => admit()).not.toThrow();
    expect(workerWrote).toBe(false);
    const { z } = await import('zod');
    expect(store.getSetting('admitted', z.boolean())).toBe(true);
    // Once the kiosk committed, the worker's write goes through.
    worker.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('from-worker', '1', '')").run();
    worker.close();
    store.close();
  });
});
