/**
 * The handler map behind both transports (Electron IPC and the headless
 * bridge). Every call is validated with the contract's zod schema before a
 * handler runs; every outcome is a Result, never a throw.
 */
import {
  handlerSchemas,
  isHandlerName,
  type CodedReason,
  type ErrorCode,
  type EventMap,
  type EventName,
  type HandlerName,
  type HandlerParsedArgs,
  type HandlerValue,
  type Result,
} from '../../preload/contract';
import type { ScopedLog } from '../log';

export type HandlerImpl<N extends HandlerName> = (
  args: HandlerParsedArgs<N>,
) => Promise<HandlerValue<N>> | HandlerValue<N>;

export type HandlerMap = { [N in HandlerName]?: HandlerImpl<N> };

/** Thrown by a handler to answer with a specific error code and a readable message. */
export class HandlerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The same as a code with values, for the screen's language. */
    readonly reason?: CodedReason,
  ) {
    super(message);
    this.name = 'HandlerError';
  }
}

export interface Dispatcher {
  invoke(name: unknown, args: unknown): Promise<Result<unknown>>;
}

export function createDispatcher(handlers: HandlerMap, log: ScopedLog): Dispatcher {
  return {
    async invoke(name, args) {
      if (!isHandlerName(name)) {
        return { ok: false, error: { code: 'unknown_handler', message: `No such handler: ${String(name).slice(0, 100)}` } };
      }
      const parsed = handlerSchemas[name].safeParse(args ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first?.path.length ? ` at ${first.path.join('.')}` : '';
        return { ok: false, error: { code: 'bad_arguments', message: `${name}: ${first?.message ?? 'invalid arguments'}${where}` } };
      }
      const handler = handlers[name] as ((a: unknown) => unknown) | undefined;
      if (!handler) {
        return { ok: false, error: { code: 'not_ready', message: `${name} is not available on this kiosk right now` } };
      }
      try {
        return { ok: true, value: await handler(parsed.data) };
      } catch (error) {
        if (error instanceof HandlerError) return { ok: false, error: { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) } };
        log.error(`handler ${name} failed:`, error);
        return { ok: false, error: { code: 'internal', message: `${name} failed: ${(error as Error).message ?? String(error)}` } };
      }
    },
  };
}

export type EventListener = <E extends EventName>(name: E, payload: EventMap[E]) => void;

/** Typed events pushed from main to every screen. */
export interface EventBus {
  emit<E extends EventName>(name: E, payload: EventMap[E]): void;
  subscribe(listener: EventListener): () => void;
}

export function createEventBus(log: ScopedLog): EventBus {
  const listeners = new Set<EventListener>();
  return {
    emit(name, payload) {
      for (const listener of listeners) {
        try {
          listener(name, payload);
        } catch (error) {
          log.warn(`event listener for ${name} failed:`, error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
