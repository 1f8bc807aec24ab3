/**
 * Electron's main process: lifecycle, the kiosk window, app://, IPC.
 * The kiosk itself (config, store, modules) is the same host the headless
 * entry runs; every security decision lives in ./security-policy.ts.
 */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, powerSaveBlocker, protocol, session } from 'electron';
import { eventNames, handlerSchemas, IPC_CLOSING_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../preload/contract';
import { findCliCommand } from '../cli';
import { startKioskHost, type RunningKiosk } from '../host';
import type { ScopedLog } from '../log';
import { createAppProtocolHandler } from './app-protocol';
import { guardSession, guardWebContents } from './guards';
import { createInvokeListener, forwardEvents } from './ipc-router';
import { APP_ENTRY_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, kioskWindowOptions, preloadArguments } from './security-policy';

/** Before `ready`: app:// is a standard, secure scheme. */
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

const stderrLog: ScopedLog = {
  error: (...a: unknown[]) => console.error('[electron]', ...a),
  warn: (...a: unknown[]) => console.warn('[electron]', ...a),
  info: (...a: unknown[]) => console.info('[electron]', ...a),
  debug: () => undefined,
};
/** The kiosk's log file once the host runs; stderr until then. */
let fileLog: ScopedLog | null = null;
const log: ScopedLog = {
  error: (...a: unknown[]) => (fileLog ?? stderrLog).error(...a),
  warn: (...a: unknown[]) => (fileLog ?? stderrLog).warn(...a),
  info: (...a: unknown[]) => (fileLog ?? stderrLog).info(...a),
  debug: (...a: unknown[]) => (fileLog ?? stderrLog).debug(...a),
};

let kioskWindow: BrowserWindow | null = null;
let host: Promise<RunningKiosk> | null = null;
let stopped = false;

function createKioskWindow(appRoot: string, kiosk: Promise<RunningKiosk>): BrowserWindow {
  const win = new BrowserWindow(
    kioskWindowOptions({
      isPackaged: app.isPackaged,
      preloadPath: path.join(appRoot, 'dist', 'preload', 'index.cjs'),
      additionalArguments: preloadArguments(Object.keys(handlerSchemas), eventNames),
    }),
  );
  const contents = win.webContents;
  void contents.setVisualZoomLevelLimits(1, 1).catch(() => undefined);
  win.once('ready-to-show', () => {
    win.show();
    // The first paint of the customer screen: "ready" for the launcher (native/booth-launcher confirms the release on it).
    void kiosk.then((running) => running.screenReady(), () => undefined);
  });
  contents.on('render-process-gone', (_event, details) => {
    log.error(`renderer gone (${details.reason}); reloading the kiosk page`);
    setTimeout(() => {
      if (!win.isDestroyed()) loadKioskPage(win);
    }, 1000);
  });
  contents.on('unresponsive', () => log.warn('the kiosk page is unresponsive'));
  void kiosk.then(
    (running) => {
      const unsubscribe = forwardEvents(running.events, contents, IPC_EVENT_CHANNEL);
      win.once('closed', unsubscribe);
    },
    () => undefined,
  );
  win.on('closed', () => {
    if (kioskWindow === win) kioskWindow = null;
  });
  loadKioskPage(win);
  return win;
}

function loadKioskPage(win: BrowserWindow): void {
  win.loadURL(APP_ENTRY_URL).catch((error: unknown) => log.error(`loading ${APP_ENTRY_URL} failed:`, error));
}

/** The page shows "kiosk service lost" at once, not at its next call (no data goes with it). */
function tellPageClosing(): void {
  const contents = kioskWindow?.webContents;
  if (contents && !contents.isDestroyed()) contents.send(IPC_CLOSING_CHANNEL);
}

async function stopHost(): Promise<void> {
  if (!host) return;
  const running = await host.catch(() => null);
  if (!running) return;
  await Promise.race([running.stop(), new Promise((resolve) => setTimeout(resolve, 5000))]);
}

function main(): void {
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, { isPackaged: app.isPackaged, log });
  });
  app.on('second-instance', () => {
    if (!kioskWindow) return;
    if (kioskWindow.isMinimized()) kioskWindow.restore();
    kioskWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    tellPageClosing();
    void stopHost()
      .catch((error: unknown) => log.error('stopping the kiosk failed:', error))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(() => {
      const appRoot = app.getAppPath();
      Menu.setApplicationMenu(null);
      guardSession(session.defaultSession, { log });
      protocol.handle(
        APP_SCHEME,
        createAppProtocolHandler({
          rendererDir: path.join(appRoot, 'dist', 'renderer'),
          onRefused: (url, reason) => log.warn(`app:// refused ${url.slice(0, 200)}: ${reason}`),
        }),
      );
      powerSaveBlocker.start('prevent-display-sleep');

      host = startKioskHost({
        argv: process.argv,
        env: process.env,
        appRoot,
        isPackaged: app.isPackaged,
        defaultDataDir: app.getPath('userData'),
        logToConsole: !app.isPackaged || process.env.BOOTH_LOG_CONSOLE === '1',
        // The kiosk stops cleanly; booth-launcher (under systemd) swaps in the staged release and starts it.
        restartForUpdate: () => app.quit(),
      });
      host.then(
        (running) => {
          fileLog = running.log.scope('electron');
          fileLog.info(`kiosk window on ${APP_ENTRY_URL} (boot: ${running.boot.state})`);
        },
        (error: unknown) => stderrLog.error('Booth could not start:', error),
      );
      ipcMain.handle(IPC_INVOKE_CHANNEL, createInvokeListener(host, log));
      kioskWindow = createKioskWindow(appRoot, host);
    })
    .catch((error: unknown) => {
      // Fail closed: no window without its guards. systemd starts the kiosk again.
      stderrLog.error('Booth could not set up its window:', error);
      app.exit(1);
    });
}

// `booth set-pin ...` (and the other commands of main/cli) runs as the app itself:
// no window, no single-instance lock (the kiosk may be running), and the exit code of the command.
const command = findCliCommand(process.argv.slice(process.defaultApp ? 2 : 1));
if (command) {
  const io = { input: process.stdin, output: process.stderr, stdout: process.stdout, env: process.env, defaultDataDir: () => app.getPath('userData') };
  command.run(io).then(
    (code) => app.exit(code),
    (error: unknown) => {
      stderrLog.error(`${command.name} failed:`, error);
      app.exit(1);
    },
  );
} else if (app.requestSingleInstanceLock()) {
  main();
} else {
  app.quit();
}
