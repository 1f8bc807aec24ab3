/**
 * The admin PIN is stored only as a slow scrypt hash:
 * `scrypt$N$r$p$<salt base64>$<hash base64>`. A PIN has few possible values,
 * so the cost is what protects it once the config leaks: N=2^17, r=8 (128 MiB
 * and a few hundred ms per try on a PC, more on a Pi). Older, cheaper hashes
 * still verify and are replaced on the next correct entry (main/admin).
 */
import crypto from 'node:crypto';

const KEY_LENGTH = 32;
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export const pinRule = /^\d{4,12}$/;
export const PIN_RULE_TEXT = '4 to 12 digits';

/** What a stored hash may ask for: no more than 2^20 × r 16 (2 GiB), so a config cannot make a check exhaust memory. */
const withinLimits = ({ N, r, p }: ScryptParams) =>
  Number.isInteger(N) && N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0 && Number.isInteger(r) && r >= 1 && r <= 16 && Number.isInteger(p) && p >= 1 && p <= 4;

function scryptAsync(pin: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    // Node's default maxmem (32 MiB) is below what N=2^17, r=8 needs (128 MiB).
    crypto.scrypt(pin, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPin(pin: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (!pinRule.test(pin)) throw new Error(`The PIN must be ${PIN_RULE_TEXT}.`);
  if (!withinLimits(params)) throw new Error('scrypt parameters out of range');
  const salt = crypto.randomBytes(16);
  const key = await scryptAsync(pin, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** The cost parameters of a stored hash, or null when it is not one set-pin writes. */
export function hashParams(stored: string): ScryptParams | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  return withinLimits({ N, r, p }) ? { N, r, p } : null;
}

/** True when a stored hash is cheaper than `target` and should be replaced after a correct entry. */
export function needsRehash(stored: string, target: ScryptParams = DEFAULT_SCRYPT): boolean {
  const params = hashParams(stored);
  return params !== null && (params.N < target.N || params.r < target.r || params.p < target.p);
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const params = hashParams(stored);
  if (!params) return false;
  const parts = stored.split('$');
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await scryptAsync(pin, salt, params);
  return crypto.timingSafeEqual(key, expected);
}
