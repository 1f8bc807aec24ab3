/**
 * The typed contract between the renderer and the main process. Main validates
 * every argument with these schemas; the renderer imports the types only.
 * Each domain contributes a schema map, a value map and an event map.
 */
import type { z } from 'zod';
import { adminHandlers, type AdminEvents, type AdminValues } from './admin';
import { gateHandlers, type GateEvents, type GateValues } from './gate';
import { kioskHandlers, type KioskEvents, type KioskValues } from './kiosk';
import { payoutHandlers, type PayoutEvents, type PayoutValues } from './payout';
import { sessionsHandlers, type SessionsEvents, type SessionsValues } from './sessions';
import { intakeEventNames, intakeHandlers, type IntakeEvents, type IntakeValues } from './intake';
import { updatesHandlers, type UpdatesEvents, type UpdatesValues } from './updates';
import { bookingsHandlers, type BookingsEvents, type BookingsValues } from './bookings';
import type { Result } from './result';

export * from './result';
export * from './reasons';
export type * from './kiosk';
export type * from './admin';
export type * from './gate';
export type * from './payout';
export type * from './sessions';
export type * from './intake';
export type * from './updates';
export type * from './bookings';

export const handlerSchemas = {
  ...kioskHandlers,
  ...adminHandlers,
  ...gateHandlers,
  ...payoutHandlers,
  ...sessionsHandlers,
  ...intakeHandlers,
  ...updatesHandlers,
  ...bookingsHandlers,
};

export type HandlerSchemas = typeof handlerSchemas;
export type HandlerName = keyof HandlerSchemas;
/** Arguments as the caller writes them (defaults may be left out). */
export type HandlerArgs<N extends HandlerName> = z.input<HandlerSchemas[N]>;
/** Arguments as a handler receives them, validated and with defaults applied. */
export type HandlerParsedArgs<N extends HandlerName> = z.output<HandlerSchemas[N]>;

type AllValues = KioskValues & AdminValues & GateValues & PayoutValues & SessionsValues & IntakeValues & UpdatesValues & BookingsValues;
export type HandlerValue<N extends HandlerName> = N extends keyof AllValues ? AllValues[N] : never;

export type EventMap = KioskEvents & AdminEvents & GateEvents & PayoutEvents & SessionsEvents & IntakeEvents & UpdatesEvents & BookingsEvents;

export type EventName = keyof EventMap;
export const eventNames: readonly EventName[] = [
  'kiosk:status',
  'admin:session',
  'gate:scanned',
  'gate:download',
  'gate:status',
  'sync:status',
  'payout:progress',
  'payout:status',
  'sessions:board',
  ...intakeEventNames,
  'updates:status',
  'bookings:board',
];

export const isHandlerName = (name: unknown): name is HandlerName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(handlerSchemas, name);

/** What the renderer sees as `window.booth`, over either transport. */
export interface BoothApi {
  invoke<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<Result<HandlerValue<N>>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  /**
   * Called as soon as the kiosk service is lost: the bridge's open socket
   * closed, or main said it is stopping (Electron). Returns the unsubscribe.
   */
  onServiceLost(listener: () => void): () => void;
}

/** Channel names used on Electron IPC. */
export const IPC_INVOKE_CHANNEL = 'booth:invoke';
export const IPC_EVENT_CHANNEL = 'booth:event';
/** Sent by main (no payload) when the kiosk service is about to stop. */
export const IPC_CLOSING_CHANNEL = 'booth:closing';
