/**
 * The contract over Electron IPC (checklist 17): one invoke channel whose
 * sender frame must be the kiosk page on app://booth, and pushed events sent
 * only to a page that is still on that origin. Imports nothing from
 * 'electron' at run time; main.ts wires it to ipcMain and the window.
 */
import { fail, type EventMap, type EventName, type Result } from '../../preload/contract';
import type { Dispatcher, EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import { isAllowedSender } from './security-policy';

/** What the router needs from Electron's IpcMainInvokeEvent. */
export interface InvokeEventLike {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The message on IPC_EVENT_CHANNEL: the event's name and its value, nothing else. */
export interface KioskEventMessage<E extends EventName = EventName> {
  name: E;
  payload: EventMap[E];
}

export type InvokeListener = (event: InvokeEventLike, name: unknown, args: unknown) => Promise<Result<unknown>>;

/**
 * The ipcMain.handle listener. It never throws: a refused sender, a host that
 * failed to start or a bad call all answer with an error result.
 */
export function createInvokeListener(kiosk: Promise<{ handlers: Dispatcher }>, log: ScopedLog): InvokeListener {
  return async (event, name, args) => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAllowedSender(frame.url)) {
      log.warn(`IPC refused: ${String(name).slice(0, 100)} from ${frame ? frame.url.slice(0, 200) : 'a destroyed frame'}`);
      return fail('unavailable', 'Refused: this call did not come from the kiosk page.');
    }
    let handlers: Dispatcher;
    try {
      handlers = (await kiosk).handlers;
    } catch (error) {
      return fail('internal', `The kiosk did not start: ${(error as Error).message ?? String(error)}`);
    }
    return handlers.invoke(name, args);
  };
}

/** What the event forwarder needs from a WebContents. */
export interface EventTargetLike {
  isDestroyed(): boolean;
  readonly mainFrame: { readonly url: string };
  send(channel: string, message: KioskEventMessage): void;
}

/** Forwards every kiosk event to `target` while it shows the kiosk page; returns the unsubscribe. */
export function forwardEvents(events: EventBus, target: EventTargetLike, channel: string): () => void {
  return events.subscribe((name, payload) => {
    if (target.isDestroyed() || !isAllowedSender(target.mainFrame.url)) return;
    target.send(channel, { name, payload } as KioskEventMessage);
  });
}
