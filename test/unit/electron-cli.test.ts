/**
 * `booth set-pin ...` on an installed kiosk: the packaged app itself runs the
 * command (the runAsNode fuse is off), against a stand-in 'electron' module.
 * No window, no single-instance lock (the kiosk may be running), and the
 * command's exit code.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  const calls: string[] = [];
  const ran: { args: readonly string[]; hasInput: boolean }[] = [];
  let exited: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (exited = resolve));
  const kiosk = (name: string) => () => {
    calls.push(name);
    throw new Error(`${name}: the kiosk start-up ran instead of the command`);
  };
  return {
    calls,
    ran,
    exit,
    module: {
      app: {
        isPackaged: true,
        exit: (code: number) => exited(code),
        requestSingleInstanceLock: kiosk('requestSingleInstanceLock'),
        whenReady: kiosk('whenReady'),
        on: kiosk('app.on'),
        quit: kiosk('quit'),
      },
      protocol: { registerSchemesAsPrivileged: () => undefined, handle: kiosk('protocol.handle') },
      BrowserWindow: kiosk('BrowserWindow'),
      ipcMain: { handle: kiosk('ipcMain.handle') },
      Menu: { setApplicationMenu: kiosk('Menu') },
      powerSaveBlocker: { start: kiosk('powerSaveBlocker') },
      session: {},
    },
  };
});

vi.mock('electron', () => fake.module);
vi.mock('../../main/cli/set-pin', () => ({
  runSetPin: async (args: readonly string[], io: { input: unknown }) => {
    fake.ran.push({ args, hasInput: io.input === process.stdin });
    return 3;
  },
}));
vi.mock('../../main/host', () => ({
  startKioskHost: () => {
    fake.calls.push('startKioskHost');
    throw new Error('the kiosk started');
  },
}));

const argv = process.argv;
beforeAll(async () => {
  // As systemd's admin types it through native/booth: Chromium switches, then the command.
  process.argv = ['/opt/Booth/booth', '--ozone-platform=headless', '--disable-gpu', '--no-sandbox', 'set-pin', '--config', '/etc/booth/config.json'];
  await import('../../main/electron/main');
});
afterAll(() => {
  process.argv = argv;
});

describe('booth set-pin as the packaged app', () => {
  it('runs the command with its own arguments and exits with its code, without starting the kiosk', async () => {
    expect(await fake.exit).toBe(3);
    expect(fake.ran).toEqual([{ args: ['--config', '/etc/booth/config.json'], hasInput: true }]);
    expect(fake.calls).toEqual([]);
  });
});
