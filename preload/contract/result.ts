import type { CodedReason } from './reasons';

/** The envelope every handler answers with: a value, or an error a person can read. */
export type ErrorCode =
  | 'unknown_handler'
  | 'bad_arguments'
  | 'admin_required'
  | 'not_ready'
  | 'unavailable'
  | 'failed'
  | 'internal';

export interface BoothError {
  code: ErrorCode;
  /** In English: logs, and the screen's fallback when it does not know `reason`. */
  message: string;
  /** What it means, for the screen to say in its language. */
  reason?: CodedReason;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BoothError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});
