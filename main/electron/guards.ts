/**
 * Attaches the security guards to a webContents and to a session. Typed with
 * Electron's types but importing nothing from 'electron' at run time, so the
 * unit tests drive them with fakes.
 */
import type { Event, Input, Session, WebContents } from 'electron';
import type { ScopedLog } from '../log';
import {
  isAllowedKey,
  isAllowedNavigation,
  isBlockedRequest,
  isPermissionAllowed,
  WINDOW_OPEN_DECISION,
} from './security-policy';

export interface GuardOptions {
  isPackaged: boolean;
  log: ScopedLog;
}

const short = (url: string) => (url.length > 200 ? `${url.slice(0, 200)}…` : url);

/** Checklist 11-14 and the shortcut filter, for every webContents the app creates. */
export function guardWebContents(contents: WebContents, options: GuardOptions): void {
  const { log } = options;

  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    log.warn(`navigation denied: ${short(url)}`);
  });
  contents.on('will-frame-navigate', (event) => {
    if (isAllowedNavigation(event.url)) return;
    event.preventDefault();
    log.warn(`frame navigation denied: ${short(event.url)}`);
  });
  contents.on('will-redirect', (event, url) => {
    if (isAllowedNavigation(url)) return;
    event.preventDefault();
    log.warn(`redirect denied: ${short(url)}`);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('webview denied');
  });
  contents.setWindowOpenHandler(({ url }) => {
    log.warn(`new window denied: ${short(url)}`);
    return WINDOW_OPEN_DECISION;
  });
  contents.on('before-input-event', (event: Event, input: Input) => {
    if (!isAllowedKey(input, { isPackaged: options.isPackaged })) event.preventDefault();
  });
  if (options.isPackaged) {
    contents.on('devtools-opened', () => {
      log.warn('devtools opened in a packaged kiosk: closing them');
      contents.closeDevTools();
    });
  }
}

/** Checklist 1 and 5, and no downloads: for the session the kiosk page uses. */
export function guardSession(session: Session, options: { log: ScopedLog }): void {
  const { log } = options;
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    const allowed = isPermissionAllowed(permission);
    if (!allowed) log.warn(`permission request denied: ${permission}`);
    callback(allowed);
  });
  session.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission));
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const cancel = isBlockedRequest(details.url);
    if (cancel) log.warn(`request from the page cancelled: ${short(details.url)}`);
    callback({ cancel });
  });
  session.on('will-download', (event) => {
    event.preventDefault();
    log.warn('download denied');
  });
}
