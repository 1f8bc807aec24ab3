/**
 * Holds the kiosk window, its handlers and the preload to Electron's security
 * checklist (https://www.electronjs.org/docs/latest/tutorial/security), item by
 * item, under plain Node: the decisions live in main/electron/*.ts modules that
 * use Electron's types only, and the preload runs against a
 * stand-in 'electron' module.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAppProtocolHandler } from '../../main/electron/app-protocol';
import { guardSession, guardWebContents } from '../../main/electron/guards';
import { createInvokeListener, forwardEvents, type KioskEventMessage } from '../../main/electron/ipc-router';
import {
  ALLOWED_PERMISSIONS,
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  BLOCKED_REQUEST_SCHEMES,
  CONTENT_SECURITY_POLICY,
  ELECTRON_FUSES,
  isAllowedKey,
  isAllowedNavigation,
  isAllowedSender,
  isBlockedRequest,
  isPermissionAllowed,
  kioskWebPreferences,
  kioskWindowOptions,
  MINIMUM_ELECTRON_MAJOR,
  preloadArguments,
  resolveAppPath,
  SECURITY_CHECKLIST,
  WINDOW_OPEN_DECISION,
  type KeyInput,
} from '../../main/electron/security-policy';
import type { Dispatcher, EventBus, EventListener } from '../../main/dispatch';
import type { ScopedLog } from '../../main/log';
import { eventNames, handlerSchemas, IPC_CLOSING_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type Result } from '../../preload/contract';

// Electron's types without naming the module (only main/electron/ and preload/ import it).
type WebContents = Parameters<typeof guardWebContents>[0];
type Session = Parameters<typeof guardSession>[0];

const root = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const quietLog = (): ScopedLog & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, error: () => undefined, warn: (...a: unknown[]) => void warnings.push(a.join(' ')), info: () => undefined, debug: () => undefined };
};
const contractArgs = preloadArguments(Object.keys(handlerSchemas), eventNames);
const windowInput = (isPackaged: boolean) => ({ isPackaged, preloadPath: '/app/dist/preload/index.cjs', additionalArguments: contractArgs });

// ---------------------------------------------------------------- preload stand-in
const preloadFake = vi.hoisted(() => {
  type Listener = (event: unknown, ...args: unknown[]) => void;
  const exposed: { key: string; api: unknown }[] = [];
  const listeners = new Map<string, Listener[]>();
  const invokeCalls: unknown[][] = [];
  return {
    exposed,
    listeners,
    invokeCalls,
    module: {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void exposed.push({ key, api }) },
      ipcRenderer: {
        on: (channel: string, listener: Listener) => void listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
        invoke: async (...args: unknown[]) => {
          invokeCalls.push(args);
          return { ok: true, value: 'from main' };
        },
      },
    },
  };
});
vi.mock('electron', () => preloadFake.module);

describe('checklist', () => {
  it('lists all 20 items of Electron’s security checklist, each with where Booth answers it', () => {
    expect(SECURITY_CHECKLIST.map((i) => i.item)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const item of SECURITY_CHECKLIST) expect(item.how.length).toBeGreaterThan(10);
  });
});

describe('kiosk window options (checklist 2, 3, 4, 6, 8, 9, 10, 11)', () => {
  for (const isPackaged of [true, false]) {
    describe(isPackaged ? 'packaged' : 'source checkout', () => {
      const prefs = kioskWebPreferences(windowInput(isPackaged));
      it('2: no Node.js integration anywhere', () => {
        expect(prefs.nodeIntegration).toBe(false);
        expect(prefs.nodeIntegrationInWorker).toBe(false);
        expect(prefs.nodeIntegrationInSubFrames).toBe(false);
      });
      it('3: context isolation on', () => expect(prefs.contextIsolation).toBe(true));
      it('4: sandboxed renderer', () => expect(prefs.sandbox).toBe(true));
      it('6: webSecurity on', () => expect(prefs.webSecurity).toBe(true));
      it('8: no insecure content', () => expect(prefs.allowRunningInsecureContent).toBe(false));
      it('9: no experimental features', () => expect(prefs.experimentalFeatures).toBe(false));
      it('10: enableBlinkFeatures unset', () => {
        expect(prefs).not.toHaveProperty('enableBlinkFeatures');
        expect(prefs.disableBlinkFeatures).toContain('Auxclick');
      });
      it('11/12: no <webview>', () => expect(prefs.webviewTag).toBe(false));
      it('uses the bundled preload and passes the contract names to it', () => {
        expect(prefs.preload).toBe('/app/dist/preload/index.cjs');
        expect(prefs.additionalArguments).toEqual(contractArgs);
      });
      it(`devtools ${isPackaged ? 'off' : 'on'}`, () => expect(prefs.devTools).toBe(!isPackaged));
    });
  }

  it('is a full-screen kiosk window when packaged, an 800×480 window otherwise', () => {
    const packaged = kioskWindowOptions(windowInput(true));
    expect(packaged).toMatchObject({ kiosk: true, fullscreen: true, frame: false, show: false });
    const dev = kioskWindowOptions(windowInput(false));
    expect(dev).toMatchObject({ kiosk: false, width: 800, height: 480 });
    expect(packaged.webPreferences).toEqual(kioskWebPreferences(windowInput(true)));
  });
});

describe('Content-Security-Policy (checklist 7)', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...sources] = d.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
  it('denies by default and allows scripts only from the app itself', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    for (const name of ['object-src', 'base-uri', 'form-action', 'frame-ancestors', 'frame-src', 'worker-src']) {
      expect(directives.get(name), name).toEqual(["'none'"]);
    }
  });
  it('has no unsafe keyword, wildcard or remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:|wss?:|blob:|filesystem:/);
  });
});

describe('app:// protocol (checklist 18)', () => {
  let dir = '';
  let rendererDir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-app-protocol-'));
    rendererDir = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Booth</title>');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    // A sibling whose name starts like the renderer folder: a naive prefix check would let it through.
    fs.mkdirSync(path.join(dir, 'renderer-secrets'));
    fs.writeFileSync(path.join(dir, 'renderer-secrets', 'secret.txt'), 'secret');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is a standard, secure scheme without CSP bypass', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true, bypassCSP: false, allowServiceWorkers: false });
    expect(APP_ENTRY_URL).toBe(`${APP_ORIGIN}/index.html`);
    expect(APP_ORIGIN).toBe('app://booth');
  });

  it('serves the renderer folder with the CSP header', async () => {
    const handler = createAppProtocolHandler({ rendererDir });
    for (const url of ['app://booth/index.html', 'app://booth/', 'app://booth/index.html?lang=id#top']) {
      const res = await handler({ url, method: 'GET' });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await handler({ url: 'app://booth/assets/app.js', method: 'GET' });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    expect((await handler({ url: 'app://booth/index.html', method: 'POST' })).status).toBe(405);
  });

  const escapes = [
    'app://booth/../../etc/passwd',
    'app://booth/..%2f..%2f..%2fetc%2fpasswd',
    'app://booth/%2e%2e/%2e%2e/etc/passwd',
    'app://booth/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    'app://booth/assets/..%2f..%2fsecret.txt',
    'app://booth/..%2frenderer-secrets%2fsecret.txt',
    'app://booth/..%5c..%5csecret.txt',
    'app://booth/%5c..%5csecret.txt',
    'app://booth/%2fetc%2fpasswd',
    'app://booth//etc/passwd',
    'app://booth/index.html%00.js',
    'app://booth/%252e%252e/secret.txt',
    'app://booth/%E0%A4%A',
    'app://booth/',
    'app://evil/index.html',
    'app://booth.evil/index.html',
    'app://booth:8080/index.html',
    'app://user:pw@booth/index.html',
    'file:///etc/passwd',
    'http://booth/index.html',
    'not a url',
  ];

  it('never resolves a path outside the renderer folder, in any encoding', () => {
    for (const url of escapes) {
      const resolved = resolveAppPath(url, rendererDir);
      if (resolved.ok) {
        const rel = path.relative(rendererDir, resolved.file);
        expect(rel.startsWith('..') || path.isAbsolute(rel), `${url} → ${resolved.file}`).toBe(false);
      }
    }
    expect(resolveAppPath('app://booth/../../etc/passwd', rendererDir).ok).toBe(true); // the URL parser folds it to /etc/passwd inside the folder…
    expect(resolveAppPath('app://booth/../../etc/passwd', rendererDir)).toEqual({ ok: true, file: path.join(rendererDir, 'etc', 'passwd') });
    for (const url of ['app://booth/..%2f..%2fetc%2fpasswd', 'app://booth/..%5c..%5csecret.txt', 'app://booth/index.html%00.js', 'app://evil/index.html', 'file:///etc/passwd']) {
      expect(resolveAppPath(url, rendererDir).ok, url).toBe(false);
    }
  });

  it('answers 404 and reads no file outside the folder', async () => {
    const reads: string[] = [];
    const handler = createAppProtocolHandler({
      rendererDir,
      readFile: async (file) => {
        reads.push(file);
        return new Uint8Array(await fs.promises.readFile(file));
      },
    });
    for (const url of escapes) {
      const res = await handler({ url, method: 'GET' });
      expect(res.status, url).toBe(url === 'app://booth/' ? 200 : 404);
      expect(await res.text()).not.toContain('secret');
    }
    for (const file of reads) {
      const rel = path.relative(rendererDir, file);
      expect(rel.startsWith('..') || path.isAbsolute(rel), file).toBe(false);
    }
  });
});

describe('IPC sender validation (checklist 17)', () => {
  it('accepts only the kiosk page on app://booth', () => {
    for (const url of ['app://booth/index.html', 'app://booth/', 'app://booth/index.html?x=1#admin']) {
      expect(isAllowedSender(url), url).toBe(true);
    }
    for (const url of [
      'app://evil/index.html',
      'app://booth.evil.com/index.html',
      'app://evil.com/booth',
      'app://booth:1234/index.html',
      'app://user@booth/index.html',
      'app:booth',
      'http://booth/index.html',
      'https://booth/index.html',
      'http://127.0.0.1:5173/',
      'file:///opt/Booth/resources/app.asar/dist/renderer/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'devtools://devtools/bundled/inspector.html',
      'chrome-extension://booth/index.html',
      '',
      null,
      undefined,
    ]) {
      expect(isAllowedSender(url), String(url)).toBe(false);
    }
  });

  const dispatcher = () => {
    const calls: unknown[][] = [];
    const handlers: Dispatcher = {
      invoke: async (name, args) => {
        calls.push([name, args]);
        return { ok: true, value: 'done' };
      },
    };
    return { calls, handlers };
  };
  const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

  it('invokes the handler for the kiosk page and refuses any other sender without calling it', async () => {
    const { calls, handlers } = dispatcher();
    const log = quietLog();
    const listener = createInvokeListener(Promise.resolve({ handlers }), log);
    expect(await listener(frame('app://booth/index.html'), 'kiosk:boot', {})).toEqual({ ok: true, value: 'done' });
    expect(calls).toEqual([['kiosk:boot', {}]]);

    for (const event of [frame('https://evil.example/'), frame('file:///etc/passwd'), frame('app://booth/index.html', { url: 'app://booth/' }), { senderFrame: null }]) {
      const result = await listener(event, 'admin:unlock', { pin: '2468' });
      expect(result.ok).toBe(false);
      expect(result).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    }
    expect(calls).toHaveLength(1);
    expect(log.warnings.length).toBe(4);
  });

  it('answers with an error result, never a throw, when the kiosk failed to start', async () => {
    const failed = Promise.reject(new Error('boom'));
    failed.catch(() => undefined);
    const listener = createInvokeListener(failed, quietLog());
    await expect(listener(frame('app://booth/index.html'), 'kiosk:boot', {})).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('pushes events ({ name, payload } only) to the kiosk page and to nothing else', () => {
    const listeners = new Set<EventListener>();
    const bus: EventBus = {
      emit: (name, payload) => listeners.forEach((l) => l(name, payload)),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const sent: [string, KioskEventMessage][] = [];
    const target = { destroyed: false, mainFrame: { url: 'app://booth/index.html' }, isDestroyed() { return this.destroyed; }, send: (c: string, m: KioskEventMessage) => void sent.push([c, m]) };
    const unsubscribe = forwardEvents(bus, target, IPC_EVENT_CHANNEL);
    bus.emit('admin:session', { open: true, reason: 'unlock' });
    expect(sent).toEqual([[IPC_EVENT_CHANNEL, { name: 'admin:session', payload: { open: true, reason: 'unlock' } }]]);
    target.mainFrame.url = 'https://evil.example/';
    bus.emit('admin:session', { open: false, reason: 'user' });
    target.mainFrame.url = 'app://booth/index.html';
    target.destroyed = true;
    bus.emit('admin:session', { open: false, reason: 'user' });
    target.destroyed = false;
    unsubscribe();
    bus.emit('admin:session', { open: false, reason: 'idle' });
    expect(sent).toHaveLength(1);
  });
});

// A stand-in WebContents: the events guardWebContents listens to, plus the window-open handler.
class FakeContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  devToolsClosed = 0;
  setWindowOpenHandler(handler: (details: { url: string }) => unknown) {
    this.windowOpenHandler = handler;
  }
  closeDevTools() {
    this.devToolsClosed++;
  }
  /** Emits like Electron: returns whether a listener called preventDefault(). */
  fire(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const e = { preventDefault: () => void (prevented = true), url: typeof args[0] === 'string' ? args[0] : '' };
    this.emit(event, e, ...args);
    return prevented;
  }
}
const guarded = (isPackaged: boolean) => {
  const contents = new FakeContents();
  guardWebContents(contents as unknown as WebContents, { isPackaged, log: quietLog() });
  return contents;
};

describe('navigation, new windows and webviews (checklist 11-14)', () => {
  const urls = ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://booth/other.html', APP_ENTRY_URL, 'javascript:alert(1)', 'about:blank'];
  it('denies every navigation and redirect the page starts', () => {
    const contents = guarded(true);
    for (const url of urls) {
      expect(isAllowedNavigation(url)).toBe(false);
      expect(contents.fire('will-navigate', url), `will-navigate ${url}`).toBe(true);
      expect(contents.fire('will-frame-navigate', url), `will-frame-navigate ${url}`).toBe(true);
      expect(contents.fire('will-redirect', url), `will-redirect ${url}`).toBe(true);
    }
  });
  it('denies every new window', () => {
    const contents = guarded(false);
    expect(contents.windowOpenHandler).not.toBeNull();
    for (const url of urls) expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    expect(WINDOW_OPEN_DECISION).toEqual({ action: 'deny' });
  });
  it('prevents every <webview> from attaching', () => {
    expect(guarded(true).fire('will-attach-webview', {}, { src: 'https://example.com/' })).toBe(true);
    expect(guarded(false).fire('will-attach-webview', {}, { src: APP_ENTRY_URL })).toBe(true);
  });
  it('closes devtools if they ever open in a packaged kiosk', () => {
    const contents = guarded(true);
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(1);
  });
});

describe('shortcut keys', () => {
  const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({ type: 'keyDown', key: k, control: false, shift: false, alt: false, meta: false, ...mods });
  const blocked: [string, KeyInput][] = [
    ['F5 reload', key('F5')],
    ['Ctrl+R reload', key('r', { control: true })],
    ['Ctrl+Shift+R hard reload', key('R', { control: true, shift: true })],
    ['F12 devtools', key('F12')],
    ['Ctrl+Shift+I devtools', key('I', { control: true, shift: true })],
    ['Ctrl+Shift+J console', key('J', { control: true, shift: true })],
    ['Ctrl+Shift+C inspect', key('C', { control: true, shift: true })],
    ['Ctrl+W close', key('w', { control: true })],
    ['Ctrl+Q quit', key('q', { control: true })],
    ['Alt+F4 close', key('F4', { alt: true })],
    ['Ctrl+P print', key('p', { control: true })],
    ['Ctrl+= zoom in', key('=', { control: true })],
    ['Ctrl++ zoom in', key('+', { control: true, shift: true })],
    ['Ctrl+- zoom out', key('-', { control: true })],
    ['Ctrl+0 zoom reset', key('0', { control: true })],
    ['F11 fullscreen', key('F11')],
    ['Alt+Left back', key('ArrowLeft', { alt: true })],
    ['Alt+Right forward', key('ArrowRight', { alt: true })],
    ['BrowserBack key', key('BrowserBack')],
    ['BrowserRefresh key', key('BrowserRefresh')],
    ['ZoomIn key', key('ZoomIn')],
    ['Ctrl+U view source', key('u', { control: true })],
    ['Ctrl+F find', key('f', { control: true })],
    ['Ctrl+N new window', key('n', { control: true })],
    ['Ctrl+T new tab', key('t', { control: true })],
    ['Ctrl+Tab', key('Tab', { control: true })],
    ['Super+anything', key('d', { meta: true })],
  ];
  const allowed: [string, KeyInput][] = [
    ['letters', key('a')],
    ['capitals', key('A', { shift: true })],
    ['digits (PIN, scanner wedge)', key('7')],
    ['symbols', key('#', { shift: true })],
    ['Enter (scanner wedge)', key('Enter')],
    ['Backspace', key('Backspace')],
    ['Escape', key('Escape')],
    ['Tab', key('Tab')],
    ['arrows', key('ArrowUp')],
    ['Ctrl+Shift+A (admin)', key('A', { control: true, shift: true })],
    ['Ctrl+C copy', key('c', { control: true })],
    ['Ctrl+V paste', key('v', { control: true })],
    ['Ctrl+Z undo', key('z', { control: true })],
    ['Ctrl+Shift+Z redo', key('Z', { control: true, shift: true })],
  ];

  it('blocks reload, devtools, zoom, close and browser keys when packaged', () => {
    for (const [name, input] of blocked) {
      expect(isAllowedKey(input, { isPackaged: true }), name).toBe(false);
      expect(guarded(true).fire('before-input-event', input), name).toBe(true);
    }
  });
  it('lets typing and the admin chord through when packaged', () => {
    for (const [name, input] of allowed) {
      expect(isAllowedKey(input, { isPackaged: true }), name).toBe(true);
      expect(guarded(true).fire('before-input-event', input), name).toBe(false);
    }
  });
  it('filters nothing in a source checkout (reload and devtools help development)', () => {
    for (const [name, input] of [...blocked, ...allowed]) expect(guarded(false).fire('before-input-event', input), name).toBe(false);
  });
});

describe('session: permissions, requests, downloads (checklist 1 and 5)', () => {
  const permissions = ['media', 'geolocation', 'notifications', 'midi', 'midiSysex', 'pointerLock', 'fullscreen', 'openExternal', 'clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'hid', 'serial', 'usb', 'idle-detection', 'unknown'];
  const fakeSession = () => {
    const s = new EventEmitter() as EventEmitter & Record<string, unknown>;
    const captured: Record<string, unknown> = {};
    Object.assign(s, {
      setPermissionRequestHandler: (h: unknown) => void (captured.request = h),
      setPermissionCheckHandler: (h: unknown) => void (captured.check = h),
      setDevicePermissionHandler: (h: unknown) => void (captured.device = h),
      webRequest: { onBeforeRequest: (...args: unknown[]) => void Object.assign(captured, { args, beforeRequest: args[args.length - 1] }) },
    });
    guardSession(s as unknown as Session, { log: quietLog() });
    return { s, captured };
  };

  it('allows no permission at all', () => {
    expect(ALLOWED_PERMISSIONS.size).toBe(0);
    const { captured } = fakeSession();
    const request = captured.request as (wc: unknown, p: string, cb: (granted: boolean) => void) => void;
    const check = captured.check as (wc: unknown, p: string) => boolean;
    const device = captured.device as (d: unknown) => boolean;
    for (const p of permissions) {
      expect(isPermissionAllowed(p), p).toBe(false);
      let granted: boolean | null = null;
      request({}, p, (g) => (granted = g));
      expect(granted, `request ${p}`).toBe(false);
      expect(check({}, p), `check ${p}`).toBe(false);
    }
    expect(device({ deviceType: 'serial' })).toBe(false);
  });

  it('cancels every http(s), ws(s), file and ftp request from the page, and lets app:// through', () => {
    const { captured } = fakeSession();
    // No URL filter: every request is decided by isBlockedRequest (no pattern syntax to get wrong).
    expect(captured.args).toHaveLength(1);
    const decide = (url: string) => {
      let answer: unknown = null;
      (captured.beforeRequest as (d: { url: string }, cb: (r: unknown) => void) => void)({ url }, (r) => (answer = r));
      return answer;
    };
    for (const url of ['https://example.com/', 'http://127.0.0.1:8787/api/', 'ws://127.0.0.1:5173/bridge', 'wss://example.com/', 'file:///etc/passwd', 'ftp://example.com/', 'not a url']) {
      expect(isBlockedRequest(url), url).toBe(true);
      expect(decide(url), url).toEqual({ cancel: true });
    }
    for (const url of [APP_ENTRY_URL, 'app://booth/assets/index.js', 'data:image/png;base64,AAAA', 'devtools://devtools/bundled/inspector.html']) {
      expect(isBlockedRequest(url), url).toBe(false);
      expect(decide(url), url).toEqual({ cancel: false });
    }
    expect([...BLOCKED_REQUEST_SCHEMES].sort()).toEqual(['file:', 'ftp:', 'http:', 'https:', 'ws:', 'wss:']);
  });

  it('refuses downloads', () => {
    const { s } = fakeSession();
    let prevented = false;
    s.emit('will-download', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('source rules (checklist 15, 16, 18, 19)', () => {
  const shellSources = ['main/electron', 'preload']
    .flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' }).map((f) => path.join(d, f)))
    .filter((f) => /\.(ts|tsx|js|mjs|cjs)$/.test(f));
  it('15: never calls shell.openExternal', () => {
    for (const f of shellSources) {
      expect(read(f), f).not.toMatch(/openExternal\s*\(/);
      expect(read(f), f).not.toMatch(/import\s*\{[^}]*\bshell\b[^}]*\}\s*from\s*['"]electron['"]/);
    }
  });
  it('18: never loads file:// (app:// only) and never weakens the window in code', () => {
    for (const f of shellSources) {
      const text = read(f);
      expect(text, f).not.toMatch(/loadFile\s*\(|file:\/\/\//);
      expect(text, f).not.toMatch(/nodeIntegration\s*:\s*true|contextIsolation\s*:\s*false|sandbox\s*:\s*false|webSecurity\s*:\s*false|webviewTag\s*:\s*true|enableBlinkFeatures\s*:/);
    }
  });
  it(`16: a pinned Electron ${MINIMUM_ELECTRON_MAJOR} or newer, the same in package.json, node_modules and electron-builder.yml`, () => {
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    const version = pkg.devDependencies.electron ?? '';
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(MINIMUM_ELECTRON_MAJOR);
    expect((JSON.parse(read('node_modules/electron/package.json')) as { version: string }).version).toBe(version);
    expect(read('electron-builder.yml')).toMatch(new RegExp(`^electronVersion: ${version.replace(/\./g, '\\.')}$`, 'm'));
  });
  it('19: electron-builder.yml flips the fuses listed in security-policy.ts', () => {
    const yml = read('electron-builder.yml');
    const block = /^electronFuses:\n((?: {2}\w+: (?:true|false)\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries(block.trim().split('\n').map((l) => l.trim().split(': ')).map(([k, v]) => [k, v === 'true']));
    expect(fuses).toEqual(ELECTRON_FUSES);
    expect(ELECTRON_FUSES).toMatchObject({ enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true, grantFileProtocolExtraPrivileges: false });
    // The binary cannot be used as a plain Node (ELECTRON_RUN_AS_NODE), and cookies are encrypted at rest.
    expect(ELECTRON_FUSES).toMatchObject({ runAsNode: false, enableCookieEncryption: true });
  });
});

describe('preload (checklist 3, 20)', () => {
  type Api = {
    invoke: (name: unknown, args?: unknown) => Promise<Result<unknown>>;
    on: (event: unknown, cb: unknown) => () => void;
    onServiceLost: (cb: unknown) => () => void;
  };
  let api: Api;
  let namesFromArgv: (argv: readonly string[], prefix: string) => Set<string>;

  beforeAll(async () => {
    const saved = process.argv;
    process.argv = [...saved, ...contractArgs];
    try {
      const mod = await import('../../preload/index');
      namesFromArgv = mod.namesFromArgv;
    } finally {
      process.argv = saved;
    }
    expect(preloadFake.exposed).toHaveLength(1);
    api = preloadFake.exposed[0]?.api as Api;
  });
  beforeEach(() => {
    preloadFake.invokeCalls.length = 0;
  });

  it('exposes window.booth = { invoke, on, onServiceLost } and nothing else', () => {
    expect(preloadFake.exposed[0]?.key).toBe('booth');
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'onServiceLost']);
    expect(typeof api.invoke).toBe('function');
  });

  it('receives exactly the contract’s names from main', () => {
    expect([...namesFromArgv(contractArgs, '--booth-handlers=')]).toEqual(Object.keys(handlerSchemas));
    expect([...namesFromArgv(contractArgs, '--booth-events=')]).toEqual([...eventNames]);
    expect(namesFromArgv(['--booth-handlers=kiosk:boot,<script>,../x,admin:unlock'], '--booth-handlers=')).toEqual(new Set(['kiosk:boot', 'admin:unlock']));
    expect(namesFromArgv([], '--booth-handlers=').size).toBe(0);
    expect(() => preloadArguments(['bad name'], [])).toThrow();
  });

  it('invokes listed handlers on the contract channel and refuses others without IPC', async () => {
    await expect(api.invoke('kiosk:boot', {})).resolves.toEqual({ ok: true, value: 'from main' });
    expect(preloadFake.invokeCalls).toEqual([[IPC_INVOKE_CHANNEL, 'kiosk:boot', {}]]);
    for (const name of ['shell:open', 'booth:invoke', '__proto__', 42, null]) {
      await expect(api.invoke(name, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_handler' } });
    }
    expect(preloadFake.invokeCalls).toHaveLength(1);
  });

  it('forwards event payloads only, never the IpcRendererEvent, and only for listed events', () => {
    const received: unknown[][] = [];
    const off = api.on('admin:session', (...args: unknown[]) => received.push(args));
    const emit = (message: unknown) => {
      for (const l of preloadFake.listeners.get(IPC_EVENT_CHANNEL) ?? []) l({ sender: 'ipcRenderer internals', ports: [] }, message);
    };
    emit({ name: 'admin:session', payload: { open: true, reason: 'unlock' } });
    emit({ name: 'not:listed', payload: 1 });
    emit('garbage');
    expect(received).toEqual([[{ open: true, reason: 'unlock' }]]);
    off();
    emit({ name: 'admin:session', payload: { open: false, reason: 'user' } });
    expect(received).toHaveLength(1);
    expect(typeof api.on('not:listed', () => undefined)).toBe('function');
  });

  it('reports the kiosk service lost at once when main says it is closing, with nothing from the IPC event', () => {
    const calls: unknown[][] = [];
    const off = api.onServiceLost((...args: unknown[]) => calls.push(args));
    const closing = () => {
      for (const l of preloadFake.listeners.get(IPC_CLOSING_CHANNEL) ?? []) l({ sender: 'ipcRenderer internals', ports: [] });
    };
    closing();
    expect(calls).toEqual([[]]);
    off();
    closing();
    expect(calls).toHaveLength(1);
    expect(typeof api.onServiceLost('not a function')).toBe('function');
  });

  it('uses the contract’s channel names', () => {
    const text = read('preload/index.ts');
    expect(text).toContain(`'${IPC_INVOKE_CHANNEL}'`);
    expect(text).toContain(`'${IPC_EVENT_CHANNEL}'`);
    expect(text).toContain(`'${IPC_CLOSING_CHANNEL}'`);
  });

  it('bundles into one small file that requires nothing but electron (sandboxed preload)', async () => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['preload/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(code.length).toBeLessThan(20_000);
  });
});
