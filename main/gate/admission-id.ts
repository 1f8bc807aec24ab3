/**
 * Admission ids are UUIDv7 (RFC 9562): the admission's time in milliseconds,
 * then 74 random bits. Made from the same instant as the admission's `at`, so
 * the admissions table, keyed by id, is also in time order: new rows go at its
 * end (one page per admission, not one more for an index on `at`), and the
 * rows of a time range are a range of its primary key.
 */
import crypto from 'node:crypto';

const MAX_MS = 2 ** 48 - 1;
const timeHex = (at: Date) => Math.min(MAX_MS, Math.max(0, at.getTime())).toString(16).padStart(12, '0');

export function admissionId(at: Date): string {
  const time = timeHex(at);
  // The random bits of a v4 UUID (crypto keeps a pool for these; randomBytes
  // would cost a call into OpenSSL for each id): 12 + 62, its variant nibble too.
  const random = crypto.randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(0, 3)}-${random.slice(19, 23)}-${random.slice(24)}`;
}

/** Sorts before every id made at `at` or later, and after every id made before it. */
export function admissionIdFloor(at: Date): string {
  const time = timeHex(at);
  return `${time.slice(0, 8)}-${time.slice(8)}`;
}

/** Made by admissionId (ids from before migration 6 are random UUIDv4). */
export const isTimeOrderedId = (id: string): boolean => id.length === 36 && id[14] === '7';
