import { describe, expect, it } from 'vitest';
import { hashPin } from '../../main/config';
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

    const second = await testKiosk(dir, config);
    second.clock.setWall(new Date(first.clock.now().getTime() + 20_000));
    expect(await second.kiosk.handlers.invoke('admin:lock-state', {})).toEqual({
      ok: true,
      value: { pinSet: true, locked: true, retryInSeconds: 40 },
    });
    expect(await second.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { status: 'locked' } });
    second.clock.setWall(new Date(first.clock.now().getTime() + 61_000));
    expect(await second.kiosk.handlers.invoke('admin:unlock', { pin: '2468' })).toEqual({ ok: true, value: { status: 'unlocked' } });
    await second.kiosk.stop();
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

  it('stays closed and says how to set a PIN when none is set', async () => {
    const { kiosk } = await testKiosk(tempDir(), {});
    const outcome = await kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    expect(outcome).toMatchObject({ ok: true, value: { status: 'no-pin', howToSet: expect.stringContaining('set-pin') } });
    expect(await kiosk.handlers.invoke('admin:overview', {})).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    await kiosk.stop();
  });
});
