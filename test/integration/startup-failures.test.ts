/**
 * Start-up failures that used to crash the kiosk (issue 8, item 6) show the
 * problem screen with what to do, and change nothing: a data folder that
 * cannot be created (a real EACCES: the host runs as "nobody" when the tests
 * run as root), and a full disk (a real ENOSPC: a tmpfs of 512 KiB mounted for
 * the test) while a damaged database is set aside or while the backup before
 * a migration is written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { BootInfo } from '../../preload/contract';
import { findAppRoot, startKioskHost } from '../../main/host';
import { memoryLogger } from '../../main/log';
import { APP_SCHEMA_VERSION, openStore } from '../../main/store';
import { migrations } from '../../main/store/migrations';
import { sha256, tempDir } from '../support/temp';

const appRoot = findAppRoot(import.meta.dirname);
const isRoot = process.getuid?.() === 0;

/** A tiny tmpfs for a real "disk full"; null (with the reason) where mounting is not permitted. */
function smallDisk(sizeKb: number): { dir: string; unmount(): void } | { skip: string } {
  const dir = tempDir('booth-full-');
  if (!isRoot) return { skip: 'mounting a small tmpfs needs root' };
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'booth-test', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return { skip: `mounting a tmpfs is not permitted here: ${(mounted.stderr || String(mounted.error)).trim()}` };
  return {
    dir,
    unmount: () => {
      // A file still held open (a failing run) makes umount busy: detach it lazily then.
      if (spawnSync('umount', [dir]).status !== 0) execFileSync('umount', ['-l', dir]);
    },
  };
}

/** Fills the disk so that about `leaveKb` stay free. */
function fillUpTo(dir: string, leaveKb: number): void {
  const { bavail, bsize } = fs.statfsSync(dir);
  const fill = bavail * bsize - leaveKb * 1024;
  if (fill > 0) fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(fill, 1));
}

const configIn = (dir: string) => {
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ kioskName: 'Gate F' }));
  return file;
};

describe('start-up failures show the problem screen and change nothing', () => {
  it('a data folder that cannot be created (EACCES)', () => {
    const parent = tempDir();
    // Root ignores permissions: the host then runs as "nobody", who may not write here.
    fs.chmodSync(parent, 0o755);
    if (!isRoot) fs.chmodSync(parent, 0o555);
    const dataDir = path.join(parent, 'booth-data');
    const config = configIn(tempDir());
    fs.chmodSync(path.dirname(config), 0o755);
    const tsx = path.join(appRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const result = spawnSync(process.execPath, ['--import', tsx, path.join(appRoot, 'test', 'support', 'boot-host.ts'), '--data-dir', dataDir, '--config', config], {
      encoding: 'utf8',
      cwd: '/',
      env: { PATH: process.env.PATH, HOME: '/' },
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    if (!isRoot) fs.chmodSync(parent, 0o755);
    expect(result.status, result.stderr).toBe(0);
    const boot = JSON.parse(result.stdout) as BootInfo;
    expect(boot.state).toBe('store-error');
    expect(boot.kioskName).toBe('Gate F');
    expect(boot.problem?.title).toBe('The data folder cannot be used');
    expect(boot.problem?.message).toContain(dataDir);
    expect(boot.problem?.message).toContain('EACCES');
    expect(boot.problem?.howToFix).toMatch(/install -d .*booth-data|--data-dir/);
    expect(fs.existsSync(dataDir)).toBe(false);
    // The reason went to the console, where systemd's journal keeps it.
    expect(result.stderr).toContain('EACCES');
  });

  it('a damaged database on a full disk (ENOSPC while keeping a copy of it)', async (ctx) => {
    const disk = smallDisk(512);
    if ('skip' in disk) return ctx.skip(disk.skip);
    try {
      const dbFile = path.join(disk.dir, 'booth.db');
      fs.writeFileSync(dbFile, Buffer.alloc(300 * 1024, 0xab));
      fillUpTo(disk.dir, 96);
      const before = await sha256(dbFile);
      const listing = fs.readdirSync(disk.dir).sort();
      const running = await startKioskHost({ argv: ['--data-dir', disk.dir, '--config', configIn(tempDir())], env: {}, appRoot, isPackaged: true, defaultDataDir: null, logToConsole: false });
      expect(running.boot.state).toBe('store-error');
      expect(running.boot.problem?.title).toMatch(/damaged/);
      expect(running.boot.problem?.message).toMatch(/could not keep a copy of it: the disk is full \(ENOSPC\)/);
      expect(running.boot.problem?.howToFix).toMatch(/^Free space on the disk/);
      await running.stop();
      expect(await sha256(dbFile)).toBe(before);
      // No half copy left behind (the log may have been started).
      expect(fs.readdirSync(disk.dir).filter((f) => !f.startsWith('booth.log')).sort()).toEqual(listing);
    } finally {
      disk.unmount();
    }
  });

  it('a full disk during the backup before a migration (ENOSPC)', async (ctx) => {
    const disk = smallDisk(768);
    if ('skip' in disk) return ctx.skip(disk.skip);
    try {
      // A database of the previous schema, about 300 KiB, made elsewhere and copied in.
      const made = path.join(tempDir(), 'booth.db');
      const older = await openStore({ file: made, log: memoryLogger(), migrations: migrations.slice(0, -1) });
      const previous = older.schemaVersion();
      expect(previous).toBeLessThan(APP_SCHEMA_VERSION);
      const insert = older.db.prepare('INSERT INTO bench_scratch (payload) VALUES (?)');
      older.db.transaction(() => {
        for (let i = 0; i < 300; i++) insert.run('x'.repeat(900));
      })();
      older.db.pragma('wal_checkpoint(TRUNCATE)');
      older.close();
      const dbFile = path.join(disk.dir, 'booth.db');
      fs.copyFileSync(made, dbFile);
      expect(fs.statSync(dbFile).size).toBeGreaterThan(250 * 1024);
      fillUpTo(disk.dir, 160);
      const before = await sha256(dbFile);
      const running = await startKioskHost({ argv: ['--data-dir', disk.dir, '--config', configIn(tempDir())], env: {}, appRoot, isPackaged: true, defaultDataDir: null, logToConsole: false });
      expect(running.boot.state).toBe('store-error');
      expect(running.boot.problem?.title).toBe('The database backup before the update could not be written');
      expect(running.boot.problem?.message).toMatch(/the disk is full/);
      expect(running.boot.problem?.message).toContain('Nothing was changed');
      expect(running.boot.problem?.howToFix).toMatch(/^Free at least \d+ MB on the disk/);
      await running.stop();
      expect(await sha256(dbFile)).toBe(before);
      expect(fs.readdirSync(disk.dir).filter((f) => f.endsWith('.bak'))).toEqual([]);
      const db = new Database(dbFile, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(previous);
      db.close();
    } finally {
      disk.unmount();
    }
  });
});
