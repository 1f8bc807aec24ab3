/**
 * API keys: long random strings, configured as `sha256:<hex>` hashes. A plain
 * SHA-256 is enough here (unlike the PIN's scrypt): a key has 256 random bits,
 * so no guess is helped by a fast hash, and a slow one would let anyone who
 * sends requests make the Pi burn a CPU on each. Every configured hash is
 * compared in constant time, whatever matched, so timing tells nothing.
 */
import crypto from 'node:crypto';

const KEY_BYTES = 32;

/** A new key: 32 random bytes, base64url (43 characters, safe in a header and a shell). */
export function createApiKey(): string {
  return crypto.randomBytes(KEY_BYTES).toString('base64url');
}

const digest = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest();

/** What goes into `lanApi.apiKeyHashes` for `key`. */
export function hashApiKey(key: string): string {
  return `sha256:${digest(key).toString('hex')}`;
}

export interface KeyChecker {
  /** The id of the configured key `given` is (for the audit), or null when it is none of them. */
  match(given: string | undefined): string | null;
}

/** A short id for a key's hash: enough to tell keys apart in the audit, nothing to open the API with. */
export const keyIdOf = (hash: string): string => hash.slice('sha256:'.length, 'sha256:'.length + 12);

export function createKeyChecker(hashes: readonly string[]): KeyChecker {
  const known = hashes.map((h) => ({ id: keyIdOf(h), bytes: Buffer.from(h.slice('sha256:'.length), 'hex') }));
  return {
    match(given) {
      if (given === undefined || given === '') return null;
      const candidate = digest(given);
      let found: string | null = null;
      // No early exit: every hash is compared, so the time does not say which (or whether one) matched.
      for (const key of known) {
        if (crypto.timingSafeEqual(candidate, key.bytes) && found === null) found = key.id;
      }
      return found;
    },
  };
}
