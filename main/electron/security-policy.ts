/**
 * Every security decision of the Electron shell, as pure data and functions.
 * Nothing here imports 'electron' at run time (type imports only), so the unit
 * tests hold these decisions to Electron's security checklist under plain Node.
 * https://www.electronjs.org/docs/latest/tutorial/security
 */
import path from 'node:path';
import type { BrowserWindowConstructorOptions, CustomScheme, WebPreferences } from 'electron';

/** The kiosk page is served from app://booth/ (checklist 18: a custom protocol, not file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'booth';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges of app://: a standard, secure scheme so the page has a real origin
 * ('self' in the CSP means app://booth) and counts as a secure context.
 * No bypassCSP, no service workers, no stream/CORS extras.
 */
export const APP_SCHEME_PRIVILEGES: NonNullable<CustomScheme['privileges']> = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  corsEnabled: false,
  stream: false,
  codeCache: false,
};

/**
 * The Content-Security-Policy sent as a response header with every app:// file
 * (checklist 7). renderer/index.html carries a meta CSP as well (it also allows
 * the headless host's loopback WebSocket); a page gets the intersection of both.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'none'",
  "child-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every app:// response. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeFor(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type AppPathResolution = { ok: true; file: string } | { ok: false; status: 404; reason: string };

/**
 * Maps an app:// request URL to a file inside the renderer folder, or refuses
 * it (404). Refuses another scheme or host, credentials or a port, control
 * characters, backslashes, NUL, `..` segments in any encoding, and anything
 * that resolves outside `rendererDir`.
 */
export function resolveAppPath(requestUrl: string, rendererDir: string): AppPathResolution {
  const refuse = (reason: string): AppPathResolution => ({ ok: false, status: 404, reason });
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== `${APP_SCHEME}:`) return refuse(`scheme ${url.protocol}`);
  if (url.hostname !== APP_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    return refuse(`host ${url.host}`);
  }
  // Look at the raw path too: the URL parser already folds plain `..`, not `%2f..`.
  const rawPath = url.pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return refuse('bad percent-encoding');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return refuse('control character or backslash');
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return refuse('dot segment');
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, relative);
  const fromRoot = path.relative(root, file);
  if (fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) return refuse('outside the renderer folder');
  return { ok: true, file };
}

/**
 * IPC senders (checklist 17): only the kiosk page itself, a frame whose URL is
 * on app://booth. Anything else (another scheme, host, port, credentials,
 * about:blank, a data: or file: URL) is refused.
 */
export function isAllowedSender(frameUrl: string | null | undefined): boolean {
  if (typeof frameUrl !== 'string' || frameUrl === '') return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.hostname === APP_HOST &&
    url.port === '' &&
    url.username === '' &&
    url.password === ''
  );
}

/**
 * Navigation (checklist 13): the kiosk is one page; every navigation the page
 * starts (links, location changes, form posts, redirects) is denied.
 * webContents.loadURL by main does not go through this check.
 */
export function isAllowedNavigation(_url: string): boolean {
  return false;
}

/** New windows (checklist 14): always denied. */
export const WINDOW_OPEN_DECISION = { action: 'deny' } as const;

/**
 * Session permissions (checklist 5): the kiosk page needs none (no camera, no
 * notifications, no geolocation, no HID/serial/USB from the page: serial
 * devices are driven by main). The list stays empty on purpose.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

export function isPermissionAllowed(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}

/**
 * Requests the renderer's network stack may never make: the page is served
 * from app:// and talks to main over IPC only. Cloud calls run in main (Node),
 * not in Chromium, so they are not affected. Checked per request (a filter-less
 * webRequest listener), so no URL-pattern syntax is involved.
 */
export const BLOCKED_REQUEST_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'file:', 'ftp:']);

export function isBlockedRequest(url: string): boolean {
  try {
    return BLOCKED_REQUEST_SCHEMES.has(new URL(url).protocol);
  } catch {
    return true;
  }
}

/** The subset of Electron's `Input` the key filter looks at. */
export interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  shift: boolean;
  alt: boolean;
  meta: boolean;
}

/** Ctrl+<key> combinations a text field needs (select all, copy, cut, paste, undo, redo), without Shift. */
const EDITING_KEYS = new Set(['a', 'c', 'v', 'x', 'z', 'y']);
/** Keys that act on the browser, not on the page. */
const BROWSER_KEYS = new Set([
  'BrowserBack',
  'BrowserForward',
  'BrowserRefresh',
  'BrowserStop',
  'BrowserHome',
  'BrowserSearch',
  'BrowserFavorites',
  'ZoomIn',
  'ZoomOut',
  'ZoomToggle',
  'Print',
  'Close',
  'Open',
  'Save',
  'New',
  'Find',
  'Help',
  'ContextMenu',
  'LaunchApplication1',
  'LaunchApplication2',
  'LaunchMail',
  'LaunchWebBrowser',
]);

/** The attendant's chord for admin mode, handled by the renderer. */
export function isAdminChord(input: KeyInput): boolean {
  return input.control && input.shift && !input.alt && !input.meta && input.key.toLowerCase() === 'a';
}

/**
 * Shortcut filtering (before-input-event). In a source checkout everything
 * passes (reload and devtools help development). When packaged, only typing
 * reaches the page: characters (with or without Shift), Enter, Backspace,
 * Tab, Escape, arrows, Ctrl+A/C/V/X/Z/Y and Ctrl+Shift+Z for text fields, and Ctrl+Shift+A
 * (admin). Blocked: function keys (F5 reload, F11 fullscreen, F12 devtools),
 * every other Ctrl combination (reload, close, quit, print, zoom, find, view
 * source, devtools), any Alt or Meta combination (back/forward, Alt+F4) and
 * browser/media keys.
 */
export function isAllowedKey(input: KeyInput, options: { isPackaged: boolean }): boolean {
  if (!options.isPackaged) return true;
  if (isAdminChord(input)) return true;
  if (input.meta || input.alt) return false;
  if (/^F\d{1,2}$/.test(input.key)) return false;
  if (BROWSER_KEYS.has(input.key)) return false;
  if (input.control) {
    const k = input.key.toLowerCase();
    // Ctrl+Shift+Z is redo; other Ctrl+Shift chords (I, J, C: devtools) are not typing.
    return input.shift ? k === 'z' : EDITING_KEYS.has(k);
  }
  return true;
}

export interface KioskWindowInput {
  isPackaged: boolean;
  /** Absolute path of the bundled preload (dist/preload/index.cjs). */
  preloadPath: string;
  /** Passed to the preload on its process.argv (the contract's names). */
  additionalArguments: string[];
}

/**
 * webPreferences of the kiosk window: checklist 2, 3, 4, 6, 8, 9, 10, 11/12
 * (webviewTag off), devtools only in a source checkout.
 */
export function kioskWebPreferences(input: KioskWindowInput): WebPreferences {
  return {
    preload: input.preloadPath,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    // Middle-click (auxclick) cannot open windows either; enableBlinkFeatures stays unset.
    disableBlinkFeatures: 'Auxclick',
    webviewTag: false,
    devTools: !input.isPackaged,
    spellcheck: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    enableWebSQL: false,
    zoomFactor: 1,
    additionalArguments: input.additionalArguments,
  };
}

/** The kiosk window: full screen kiosk mode when packaged, a 800×480 window (the Pi's 7" display) otherwise. */
export function kioskWindowOptions(input: KioskWindowInput): BrowserWindowConstructorOptions {
  const base: BrowserWindowConstructorOptions = {
    title: 'Booth',
    show: false,
    backgroundColor: '#000000',
    autoHideMenuBar: true,
    webPreferences: kioskWebPreferences(input),
  };
  if (!input.isPackaged) return { ...base, width: 800, height: 480, kiosk: false };
  return {
    ...base,
    kiosk: true,
    fullscreen: true,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: true,
  };
}

/**
 * The allowed names reach the sandboxed preload on its command line
 * (webPreferences.additionalArguments), so the preload stays a few lines
 * without bundling the zod schemas. preload/index.ts reads them back.
 */
export const HANDLERS_ARG = '--booth-handlers=';
export const EVENTS_ARG = '--booth-events=';
const NAME_PATTERN = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

export function preloadArguments(handlerNames: readonly string[], eventNames: readonly string[]): string[] {
  for (const name of [...handlerNames, ...eventNames]) {
    if (!NAME_PATTERN.test(name)) throw new Error(`contract name ${JSON.stringify(name)} is not "domain:verb"`);
  }
  return [`${HANDLERS_ARG}${handlerNames.join(',')}`, `${EVENTS_ARG}${eventNames.join(',')}`];
}

/** The oldest Electron major this app accepts (checklist 16: a supported, current Electron). */
export const MINIMUM_ELECTRON_MAJOR = 45;

/**
 * Electron fuses flipped at packaging (checklist 19), mirrored by
 * electron-builder.yml `electronFuses`. runAsNode is off: the packaged binary
 * cannot be turned into a plain Node with ELECTRON_RUN_AS_NODE; `booth set-pin`
 * runs as the app itself with an argument (main/cli). Cookies (Chromium's
 * profile) are encrypted at rest.
 */
export const ELECTRON_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: false,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;

/** Electron's security checklist, item by item, with where Booth answers it. */
export const SECURITY_CHECKLIST = [
  { item: 1, title: 'Only load secure content', how: 'only app:// is loaded; http(s)/ws(s)/file requests from the page are cancelled' },
  { item: 2, title: 'Do not enable Node.js integration for remote content', how: 'nodeIntegration, nodeIntegrationInWorker, nodeIntegrationInSubFrames false' },
  { item: 3, title: 'Enable context isolation', how: 'contextIsolation true; the preload exposes window.booth via contextBridge' },
  { item: 4, title: 'Enable process sandboxing', how: 'sandbox true; the preload is one bundled file requiring only electron' },
  { item: 5, title: 'Handle session permission requests from remote content', how: 'permission request, check and device handlers deny everything' },
  { item: 6, title: 'Do not disable webSecurity', how: 'webSecurity true' },
  { item: 7, title: 'Define a Content Security Policy', how: 'CSP header on every app:// response plus the meta tag' },
  { item: 8, title: 'Do not enable allowRunningInsecureContent', how: 'allowRunningInsecureContent false' },
  { item: 9, title: 'Do not enable experimental features', how: 'experimentalFeatures false' },
  { item: 10, title: 'Do not use enableBlinkFeatures', how: 'enableBlinkFeatures not set' },
  { item: 11, title: 'Do not use allowpopups for WebViews', how: 'webviewTag false; will-attach-webview prevented' },
  { item: 12, title: 'Verify WebView options before creation', how: 'will-attach-webview always prevented' },
  { item: 13, title: 'Disable or limit navigation', how: 'will-navigate, will-frame-navigate and will-redirect prevented' },
  { item: 14, title: 'Disable or limit creation of new windows', how: 'setWindowOpenHandler denies' },
  { item: 15, title: 'Do not use shell.openExternal with untrusted content', how: 'openExternal is never called' },
  { item: 16, title: 'Use a current version of Electron', how: `electron pinned, major >= ${MINIMUM_ELECTRON_MAJOR}` },
  { item: 17, title: 'Validate the sender of all IPC messages', how: 'the invoke router checks the sender frame is app://booth' },
  { item: 18, title: 'Avoid usage of the file:// protocol and prefer usage of custom protocols', how: 'app:// with a path-traversal guard' },
  { item: 19, title: 'Check which fuses you can change', how: 'electronFuses in electron-builder.yml' },
  { item: 20, title: 'Do not expose Electron APIs to untrusted web content', how: 'window.booth = { invoke, on } for listed names; no ipcRenderer, no event object' },
] as const;
