/**
 * main/electron/main.ts wired against a stand-in 'electron' module (the real
 * binary is not needed): the scheme is privileged before ready, the menu is
 * removed, the display kept awake, app:// served, guards attached to every
 * webContents and the session, IPC routed with its sender check, the window
 * built from kioskWindowOptions, and the kiosk stopped on quit.
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventNames, handlerSchemas, IPC_CLOSING_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../preload/contract';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  kioskWindowOptions,
  preloadArguments,
} from '../../main/electron/security-policy';

const fake = vi.hoisted(() => {
  const calls: { name: string; args: unknown[] }[] = [];
  const record = (name: string) => (...args: unknown[]) => void calls.push({ name, args });
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  class FakeEmitter {
    listeners = new Map<string, ((...a: unknown[]) => unknown)[]>();
    on(event: string, listener: (...a: unknown[]) => unknown) {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      return this;
    }
    once(event: string, listener: (...a: unknown[]) => unknown) {
      return this.on(event, listener);
    }
    emit(event: string, ...args: unknown[]) {
      for (const l of this.listeners.get(event) ?? []) l(...args);
    }
  }
  class FakeWebContents extends FakeEmitter {
    sent: unknown[][] = [];
    mainFrame = { url: '' };
    windowOpenHandler: unknown = null;
    setVisualZoomLevelLimits = async (...limits: number[]) => void calls.push({ name: 'setVisualZoomLevelLimits', args: limits });
    setWindowOpenHandler(h: unknown) {
      this.windowOpenHandler = h;
    }
    closeDevTools() {}
    isDestroyed() {
      return false;
    }
    send(...args: unknown[]) {
      this.sent.push(args);
    }
  }
  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends FakeEmitter {
    webContents = new FakeWebContents();
    loaded: string[] = [];
    constructor(readonly options: unknown) {
      super();
      windows.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    show() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }
  const app = Object.assign(new FakeEmitter(), {
    isPackaged: true,
    quitCalls: 0,
    requestSingleInstanceLock: () => true,
    whenReady: () => ready,
    getAppPath: () => '/opt/Booth/resources/app.asar',
    getPath: (name: string) => `/home/booth/.config/Booth#${name}`,
    quit() {
      this.quitCalls++;
    },
  });
  const session = Object.assign(new FakeEmitter(), {
    setPermissionRequestHandler: record('setPermissionRequestHandler'),
    setPermissionCheckHandler: record('setPermissionCheckHandler'),
    setDevicePermissionHandler: record('setDevicePermissionHandler'),
    webRequest: { onBeforeRequest: record('onBeforeRequest') },
  });
  const ipcHandlers = new Map<string, (...a: unknown[]) => unknown>();
  const protocolHandlers = new Map<string, (request: { url: string; method: string }) => Promise<Response>>();
  const stopped: string[] = [];
  const listeners = new Set<(name: string, payload: unknown) => void>();
  const kiosk = {
    boot: { state: 'ready' },
    log: { scope: () => ({ error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined }) },
    handlers: { invoke: async (name: unknown) => ({ ok: true, value: `ran ${String(name)}` }) },
    events: {
      emit: (name: string, payload: unknown) => listeners.forEach((l) => l(name, payload)),
      subscribe: (l: (name: string, payload: unknown) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    screenReadyCalls: 0,
    screenReady() {
      this.screenReadyCalls++;
    },
    stop: async () => void stopped.push('stopped'),
  };
  const hostOptions: unknown[] = [];
  return {
    calls,
    resolveReady,
    windows,
    app,
    session,
    ipcHandlers,
    protocolHandlers,
    stopped,
    kiosk,
    hostOptions,
    module: {
      app,
      BrowserWindow: FakeBrowserWindow,
      ipcMain: { handle: (channel: string, h: (...a: unknown[]) => unknown) => void ipcHandlers.set(channel, h) },
      Menu: { setApplicationMenu: record('Menu.setApplicationMenu') },
      powerSaveBlocker: { start: (type: string) => (calls.push({ name: 'powerSaveBlocker.start', args: [type] }), 1) },
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown) => {
          calls.push({ name: 'registerSchemesAsPrivileged', args: [schemes, app.listeners.size] });
        },
        handle: (scheme: string, h: (request: { url: string; method: string }) => Promise<Response>) => void protocolHandlers.set(scheme, h),
      },
      session: { defaultSession: session },
    },
  };
});

vi.mock('electron', () => fake.module);
vi.mock('../../main/host', () => ({
  startKioskHost: async (options: unknown) => {
    fake.hostOptions.push(options);
    return fake.kiosk;
  },
}));

const signalListeners: string[] = [];
beforeAll(async () => {
  // main.ts quits on SIGTERM/SIGINT; keep those listeners off the test process.
  const on = process.on.bind(process);
  const spy = vi.spyOn(process, 'on').mockImplementation(((event: string, listener: (...a: unknown[]) => void) => {
    if (event === 'SIGTERM' || event === 'SIGINT') {
      signalListeners.push(event);
      return process;
    }
    return on(event, listener);
  }) as typeof process.on);
  await import('../../main/electron/main');
  spy.mockRestore();
  fake.resolveReady();
  await new Promise((resolve) => setTimeout(resolve, 20));
});
afterAll(() => vi.restoreAllMocks());

const called = (name: string) => fake.calls.filter((c) => c.name === name);

describe('Electron main process wiring', () => {
  it('registers app:// as privileged before ready, with the policy’s privileges', () => {
    const [reg] = called('registerSchemesAsPrivileged');
    expect(reg?.args[0]).toEqual([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  });

  it('removes the application menu and keeps the display awake', () => {
    expect(called('Menu.setApplicationMenu').map((c) => c.args)).toEqual([[null]]);
    expect(called('powerSaveBlocker.start').map((c) => c.args)).toEqual([['prevent-display-sleep']]);
  });

  it('guards the default session: permissions, requests', () => {
    for (const name of ['setPermissionRequestHandler', 'setPermissionCheckHandler', 'setDevicePermissionHandler', 'onBeforeRequest']) {
      expect(called(name), name).toHaveLength(1);
    }
  });

  it('starts the kiosk host with Electron’s userData, app path and packaged flag', () => {
    expect(fake.hostOptions).toHaveLength(1);
    expect(fake.hostOptions[0]).toMatchObject({
      appRoot: '/opt/Booth/resources/app.asar',
      isPackaged: true,
      defaultDataDir: '/home/booth/.config/Booth#userData',
    });
  });

  it('opens one kiosk window from kioskWindowOptions on app://booth', () => {
    expect(fake.windows).toHaveLength(1);
    const win = fake.windows[0]!;
    expect(win.options).toEqual(
      kioskWindowOptions({
        isPackaged: true,
        preloadPath: '/opt/Booth/resources/app.asar/dist/preload/index.cjs',
        additionalArguments: preloadArguments(Object.keys(handlerSchemas), eventNames),
      }),
    );
    expect(win.loaded).toEqual([APP_ENTRY_URL]);
    expect(called('setVisualZoomLevelLimits').map((c) => c.args)).toEqual([[1, 1]]);
  });

  it('reports the kiosk window\'s first paint (ready-to-show) to the host as "ready" for the launcher, and not before', async () => {
    const win = fake.windows[0]!;
    expect(fake.kiosk.screenReadyCalls).toBe(0);
    win.emit('ready-to-show');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.kiosk.screenReadyCalls).toBe(1);
  });

  it('guards every webContents the app creates', () => {
    const contents = fake.windows[0]!.webContents;
    fake.app.emit('web-contents-created', {}, contents);
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview', 'before-input-event']) {
      expect(contents.listeners.get(event)?.length, event).toBeGreaterThan(0);
    }
    expect(contents.windowOpenHandler).toBeTypeOf('function');
  });

  it('serves app:// through the path-guarded handler', async () => {
    const handler = fake.protocolHandlers.get(APP_SCHEME);
    expect(handler).toBeTypeOf('function');
    const res = await handler!({ url: 'app://booth/..%2f..%2f..%2fetc%2fpasswd', method: 'GET' });
    expect(res.status).toBe(404);
  });

  it('routes invoke only from the kiosk page, and pushes events to it', async () => {
    const listener = fake.ipcHandlers.get(IPC_INVOKE_CHANNEL);
    expect(listener).toBeTypeOf('function');
    await expect(listener!({ senderFrame: { url: APP_ENTRY_URL, parent: null } }, 'kiosk:boot', {})).resolves.toEqual({ ok: true, value: 'ran kiosk:boot' });
    await expect(listener!({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'kiosk:boot', {})).resolves.toMatchObject({ ok: false });
    fake.kiosk.events.emit('admin:session', { open: true, reason: 'unlock' });
    expect(fake.windows[0]!.webContents.sent).toEqual([[IPC_EVENT_CHANNEL, { name: 'admin:session', payload: { open: true, reason: 'unlock' } }]]);
  });

  it('quits on SIGTERM/SIGINT, tells the page first, and stops the kiosk before quitting', async () => {
    expect(signalListeners.sort()).toEqual(['SIGINT', 'SIGTERM']);
    let prevented = false;
    const contents = fake.windows[0]!.webContents;
    contents.sent.length = 0;
    fake.app.emit('before-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    // The page hears "closing" (nothing else with it) before the kiosk stops.
    expect(contents.sent).toEqual([[IPC_CLOSING_CHANNEL]]);
    expect(fake.stopped).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.stopped).toEqual(['stopped']);
    expect(fake.app.quitCalls).toBe(1);
    // The second before-quit (from that app.quit()) goes through.
    let preventedAgain = false;
    fake.app.emit('before-quit', { preventDefault: () => (preventedAgain = true) });
    expect(preventedAgain).toBe(false);
  });
});
