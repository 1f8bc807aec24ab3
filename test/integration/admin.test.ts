import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REFUSED_PIN_ACTIONS, REFUSED_PIN_AUDIT_KEEP } from '../../main/admin';
import { manualClock } from '../../main/clock';
import { hashParams, hashPin, verifyPin } from '../../main/config';
import { testKiosk } from '../support/kiosk';
import { tempDir } from '../support/temp';

const cheapHash = (pin: string) => hashPin(pin, { N: 1024, r: 8, p: 1 });

describe('admin mode', () => {
  it('opens with the right PIN and records it in the audit table', async () => {
    const dir = tempDir();
    const { kiosk } = await testKiosk(dir, { admin: { pinHash: await cheapHash('2468') } });
    const events: unknown[] = [];
    kiosk.events.subscribe((name, payload) => events.push({ name, payload }));
    expect(await kiosk.handlers.invoke('admin:overview', {})).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    expect(await kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
    expect(events).toContainEqual({ name: 'admin:session', payload: { open: true, reason: 'unlock' } });
    const audit = await kiosk.handlers.invoke('admin:audit', {});
    expect(audit.ok && (audit.value as { action: string }[]).map((a) => a.action)).toContain('admin.unlock');
    await kiosk.stop();
  });

  it('shows kiosk, database and config with secrets masked', async () => {
    const dir = tempDir();
    const pinHash = await cheapHash('2468');
    const { kiosk } = await testKiosk(dir, { kioskName: 'Gate B', api: { apiKey: 'venue-secret' }, admin: { pinHash } });
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    const overview = await kiosk.handlers.invoke('admin:overview', {});
    expect(overview.ok).toBe(true);
    if (!overview.ok) return;
    const value = overview.value as { kioskId: string; kioskName: string; database: { schemaVersion: number; sizeBytes: number } };
    expect(value.kioskId).toBe(kiosk.store.kioskId);
    expect(value.kioskName).toBe('Gate B');
    expect(value.database.schemaVersion).toBeGreaterThan(0);
    expect(value.database.sizeBytes).toBeGreaterThan(0);
    const text = JSON.stringify(value);
    expect(text).not.toContain('venue-secret');
    expect(text).not.toContain(pinHash);
    await kiosk.stop();
  });

  it('locks after five wrong PINs, refuses the right one while locked, and stays locked after a restart', async () => {
    const dir = tempDir();
    const config = { admin: { pinHash: await cheapHash('2468'), lockoutBaseSeconds: 60 } };
    const first = await testKiosk(dir, config);
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await first.kiosk.handlers.invoke('admin:unlock', { pin: '0000' }));
    expect(outcomes.slice(0, 4).map((o) => o.ok && o.value)).toEqual([4, 3, 2, 1].map((n) => ({ status: 'wrong-pin', triesLeft: n })));
    expect(outcomes[4]).toEqual({ ok: true, value: { status: 'locked', retryInSeconds: 60 } });
    expect(await first.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'locked' } });
    await first.kiosk.stop();

    // Started again 20 s later (the wall clock says so; the monotonic one starts anew).
    const second = await testKiosk(dir, config, { clock: manualClock(new Date(first.clock.now().getTime() + 20_000)) });
    expect(await second.kiosk.handlers.invoke('admin:lock-state', {})).toEqual({
      ok: true,
      value: { pinSet: true, locked: true, retryInSeconds: 40 },
    });
    expect(await second.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'locked' } });
    second.clock.advance(41_000);
    expect(await second.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
    await second.kiosk.stop();
  });

  it('stays locked when the wall clock is set forward while the kiosk runs (by hand or a rogue time server)', async () => {
    const dir = tempDir();
    const config = { admin: { pinHash: await cheapHash('2468'), lockoutBaseSeconds: 60 } };
    const { kiosk, clock } = await testKiosk(dir, config);
    for (let i = 0; i < 5; i++) await kiosk.handlers.invoke('admin:unlock', { pin: '0000' });
    clock.setWall(new Date(clock.now().getTime() + 3_600_000));
    expect(await kiosk.handlers.invoke('admin:lock-state', {})).toEqual({ ok: true, value: { pinSet: true, locked: true, retryInSeconds: 60 } });
    expect(await kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'locked', retryInSeconds: 60 } });
    clock.advance(59_000);
    expect(await kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'locked', retryInSeconds: 1 } });
    clock.advance(1_000);
    expect(await kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
    await kiosk.stop();
  });

  it('counts parallel guesses one by one', async () => {
    const dir = tempDir();
    const { kiosk } = await testKiosk(dir, { admin: { pinHash: await cheapHash('2468') } });
    const all = await Promise.all(Array.from({ length: 8 }, () => kiosk.handlers.invoke('admin:unlock', { pin: '1111' })));
    const statuses = all.map((r) => (r.ok ? (r.value as { status: string }).status : 'error'));
    expect(statuses.filter((s) => s === 'wrong-pin')).toHaveLength(4);
    expect(statuses.filter((s) => s === 'locked')).toHaveLength(4);
    await kiosk.stop();
  });

  it('closes itself after the idle time and pushes the change to the screen', async () => {
    const dir = tempDir();
    const { kiosk, clock } = await testKiosk(dir, { admin: { pinHash: await cheapHash('2468'), idleTimeoutSeconds: 60 } });
    const events: unknown[] = [];
    kiosk.events.subscribe((name, payload) => events.push({ name, payload }));
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    clock.advance(59_000);
    expect((await kiosk.handlers.invoke('admin:logs', { lines: 5 })).ok).toBe(true);
    clock.advance(59_000);
    expect(await kiosk.handlers.invoke('admin:touch', {})).toEqual({ ok: true, value: null });
    clock.advance(59_000);
    expect((await kiosk.handlers.invoke('admin:logs', { lines: 5 })).ok).toBe(true);
    clock.advance(61_000);
    expect(await kiosk.handlers.invoke('admin:logs', { lines: 5 })).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    expect(events).toContainEqual({ name: 'admin:session', payload: { open: false, reason: 'idle' } });
    await kiosk.stop();
  });

  it('closes after the idle time while a module page only reloads its summary (on the kiosk\'s own events, not the attendant\'s touches)', async () => {
    const dir = tempDir();
    const { kiosk, clock } = await testKiosk(dir, { modules: ['gate'], admin: { pinHash: await cheapHash('2468'), idleTimeoutSeconds: 60 } });
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    // The gate page reloads on every gate:status and sync:status event: every 2 s, nobody touching.
    for (let t = 0; t < 58; t += 2) {
      clock.advance(2_000);
      expect((await kiosk.handlers.invoke('gate:admin-summary', {})).ok).toBe(true);
    }
    clock.advance(3_000);
    expect(await kiosk.handlers.invoke('gate:admin-summary', {})).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    await kiosk.stop();
  });

  it('stays closed and says how to set a PIN when none is set', async () => {
    const { kiosk } = await testKiosk(tempDir(), {});
    const outcome = await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    expect(outcome).toMatchObject({ ok: true, value: { status: 'no-pin', howToSet: expect.stringContaining('set-pin') } });
    expect(await kiosk.handlers.invoke('admin:overview', {})).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    await kiosk.stop();
  });

  it('audits opening the overview, the logs and the audit, once per page and session', async () => {
    const { kiosk } = await testKiosk(tempDir(), { admin: { pinHash: await cheapHash('2468') } });
    const views = () => kiosk.store.db.prepare("SELECT detail FROM audit WHERE action = 'admin.view' ORDER BY id").pluck().all();
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    for (const name of ['admin:overview', 'admin:logs', 'admin:audit', 'admin:overview', 'admin:logs'] as const) {
      expect((await kiosk.handlers.invoke(name, {})).ok, name).toBe(true);
    }
    expect(views()).toEqual(['overview', 'logs', 'audit']);
    await kiosk.handlers.invoke('admin:exit', { reason: 'user' });
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    await kiosk.handlers.invoke('admin:logs', {});
    expect(views()).toEqual(['overview', 'logs', 'audit', 'logs']);
    await kiosk.stop();
  });

  it('gives each audit row its coded detail, checked: a row from an older kiosk, or with a code this one does not know, keeps its English alone', async () => {
    const { kiosk } = await testKiosk(tempDir(), { admin: { pinHash: await cheapHash('2468') } });
    const insert = kiosk.store.db.prepare('INSERT INTO audit (at, action, detail, detail_coded) VALUES (?, ?, ?, ?)');
    const at = new Date().toISOString();
    insert.run(at, 'payout.pay-owed', 'tx-1 (A1B2C3): 4 coins', null); // written before the column
    insert.run(at, 'payout.pay-owed', 'tx-2 (D4E5F6): 2 coins', JSON.stringify({ code: 'audit-from-a-newer-kiosk', params: {} }));
    insert.run(at, 'payout.pay-owed', 'tx-3 (A7B8C9): 1 coins', '{not json');
    insert.run(at, 'payout.pay-owed', 'tx-4 (112233): 3 coins', JSON.stringify({ code: 'audit-pay-owed', params: { reference: '112233', count: 3 } }));
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    const audit = await kiosk.handlers.invoke('admin:audit', { limit: 20 });
    const rows = audit.ok ? (audit.value as { detail: string | null; detailCoded: unknown }[]) : [];
    const byDetail = (start: string) => rows.find((r) => r.detail?.startsWith(start));
    expect(byDetail('tx-1')).toMatchObject({ detailCoded: null });
    expect(byDetail('tx-2')).toMatchObject({ detailCoded: null });
    expect(byDetail('tx-3')).toMatchObject({ detailCoded: null });
    expect(byDetail('tx-4')).toMatchObject({ detailCoded: { code: 'audit-pay-owed', params: { reference: '112233', count: 3 } } });
    await kiosk.stop();
  });

  it(`keeps only the newest ${REFUSED_PIN_AUDIT_KEEP} refused PIN entries in the audit, and every other row`, async () => {
    const { kiosk } = await testKiosk(tempDir(), { admin: { pinHash: await cheapHash('2468'), lockoutBaseSeconds: 3600 } });
    await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    await kiosk.handlers.invoke('admin:exit', { reason: 'user' });
    for (let i = 0; i < 5; i++) await kiosk.handlers.invoke('admin:unlock', { pin: '0000' });
    // Locked: someone keeps pressing OK.
    for (let i = 0; i < REFUSED_PIN_AUDIT_KEEP + 50; i++) {
      expect(await kiosk.handlers.invoke('admin:unlock', { pin: '1111' })).toMatchObject({ ok: true, value: { status: 'locked' } });
    }
    const count = (actions: readonly string[]) =>
      kiosk.store.db.prepare(`SELECT COUNT(*) FROM audit WHERE action IN (${actions.map(() => '?').join(',')})`).pluck().get(...actions);
    expect(count(REFUSED_PIN_ACTIONS)).toBe(REFUSED_PIN_AUDIT_KEEP);
    expect(count(['admin.unlock', 'admin.exit'])).toBe(2);
    // The newest refusal is kept.
    const newest = kiosk.store.db.prepare('SELECT action FROM audit ORDER BY id DESC LIMIT 1').pluck().get();
    expect(newest).toBe('admin.pin-refused');
    await kiosk.stop();
  });

  describe('an older, cheaper PIN hash is replaced on the next correct entry', () => {
    const cost = (hash: string | null | undefined) => (hash ? hashParams(hash)?.N : undefined);

    it('in the config file, atomically, keeping the rest of the file (its layout too) and its mode', async () => {
      const dir = tempDir();
      const old = await cheapHash('2468');
      const input = { kioskName: 'Gate R', api: { apiKey: 'venue-secret' }, admin: { pinHash: old, maxTries: 4 } };
      const file = path.join(dir, 'config.json');
      const layout = `${JSON.stringify(input, null, '\t')}\n`;
      fs.writeFileSync(file, layout);
      fs.chmodSync(file, 0o640);
      const { kiosk } = await testKiosk(dir, input);
      expect(await kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
      await kiosk.stop();
      const written = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof input;
      expect(cost(written.admin.pinHash)).toBe(2 ** 17);
      expect(await verifyPin('2468', written.admin.pinHash)).toBe(true);
      expect(written).toEqual({ ...input, admin: { ...input.admin, pinHash: written.admin.pinHash } });
      expect(fs.readFileSync(file, 'utf8')).toBe(layout.replace(old, written.admin.pinHash));
      expect(fs.statSync(file).mode & 0o777).toBe(0o640);
      expect(fs.readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
      // stop() waited for the new hash before closing the store.
      expect(kiosk.store.db.open).toBe(false);
    });

    it('in the store when the config is not the kiosk\'s to write, until set-pin writes a new one', async () => {
      const dir = tempDir();
      const old = await cheapHash('2468');
      const input = { admin: { pinHash: old } };
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify(input));
      const before = fs.readFileSync(file);
      // As on an installed kiosk: root's config, the kiosk runs as another user.
      if (process.getuid?.() === 0) fs.chownSync(file, 65534, 65534);
      else fs.chmodSync(file, 0o400);
      const first = await testKiosk(dir, input);
      expect(await first.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
      await first.kiosk.handlers.invoke('admin:exit', { reason: 'user' });
      // The next entry is checked against the new hash.
      expect(await first.kiosk.handlers.invoke('admin:unlock', { pin: '2469' })).toMatchObject({ ok: true, value: { status: 'wrong-pin' } });
      expect(await first.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
      const stored = first.kiosk.store.getSetting('admin.pinHashUpgrade', z.object({ replaces: z.string(), hash: z.string() }));
      expect(stored?.replaces).toBe(old);
      expect(cost(stored?.hash)).toBe(2 ** 17);
      expect(first.kiosk.store.db.prepare("SELECT detail FROM audit WHERE action = 'admin.pin-rehashed'").pluck().all()).toEqual(['store']);
      await first.kiosk.stop();
      expect(fs.readFileSync(file).equals(before)).toBe(true);

      // After a restart the stored hash still stands in for the old one...
      const second = await testKiosk(dir, input);
      expect(await second.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
      await second.kiosk.stop();
      // ...until set-pin puts another hash in the config: that one decides.
      const third = await testKiosk(dir, { admin: { pinHash: await cheapHash('1357') } });
      expect(await third.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'wrong-pin' } });
      expect(await third.kiosk.handlers.invoke('admin:unlock', { pin: '1357' })).toEqual({ ok: true, value: { status: 'unlocked' } });
      await third.kiosk.stop();
    });

    it('not for a hash that already has today\'s cost', async () => {
      const dir = tempDir();
      const strong = await hashPin('2468');
      const input = { admin: { pinHash: strong } };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(input));
      const { kiosk } = await testKiosk(dir, input);
      await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
      await kiosk.stop();
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual(input);
      expect(kiosk.store.db.open).toBe(false);
    });
  });
});
