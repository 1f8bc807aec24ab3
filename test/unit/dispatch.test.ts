import { describe, expect, it } from 'vitest';
import { createDispatcher, HandlerError } from '../../main/dispatch';
import { memoryLogger } from '../../main/log';

describe('handler dispatch', () => {
  const log = memoryLogger();
  const dispatcher = createDispatcher(
    {
      'admin:logs': ({ lines }) => ({ path: '/x', lines: [`asked for ${lines}`] }),
      'admin:audit': () => {
        throw new HandlerError('admin_required', 'Admin mode is closed.');
      },
      'admin:overview': () => {
        throw new Error('disk on fire');
      },
    },
    log,
  );

  it('answers an unknown name with an error result, not a throw', async () => {
    expect(await dispatcher.invoke('fs:readFile', {})).toEqual({
      ok: false,
      error: { code: 'unknown_handler', message: expect.stringContaining('fs:readFile') },
    });
    expect((await dispatcher.invoke(undefined, {})).ok).toBe(false);
  });

  it('validates arguments before a handler runs, applying defaults', async () => {
    expect(await dispatcher.invoke('admin:logs', {})).toEqual({ ok: true, value: { path: '/x', lines: ['asked for 200'] } });
    const bad = await dispatcher.invoke('admin:logs', { lines: 'all' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_arguments' } });
    const extra = await dispatcher.invoke('admin:logs', { lines: 5, sql: 'DROP TABLE' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad_arguments' } });
  });

  it('passes a handler error code through and wraps unexpected errors', async () => {
    expect(await dispatcher.invoke('admin:audit', {})).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    expect(await dispatcher.invoke('admin:overview', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(log.lines.some((l) => l.includes('disk on fire'))).toBe(true);
  });

  it('says a known handler without an implementation is not available', async () => {
    expect(await dispatcher.invoke('kiosk:boot', {})).toMatchObject({ ok: false, error: { code: 'not_ready' } });
  });
});
