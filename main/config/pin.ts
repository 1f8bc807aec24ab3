/**
 * The admin PIN is stored only as a slow scrypt hash:
 * `scrypt$N$r$p$<salt base64>$<hash base64>`.
 */
import crypto from 'node:crypto';

const KEY_LENGTH = 32;
export const DEFAULT_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;

export const pinRule = /^\d{4,12}$/;
export const PIN_RULE_TEXT = '4 to 12 digits';

function scryptAsync(pin: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    crypto.scrypt(pin, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPin(pin: string, params: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  if (!pinRule.test(pin)) throw new Error(`The PIN must be ${PIN_RULE_TEXT}.`);
  const salt = crypto.randomBytes(16);
  const key = await scryptAsync(pin, salt, params.N, params.r, params.p);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!Number.isInteger(N) || expected.length !== KEY_LENGTH) return false;
  const key = await scryptAsync(pin, salt, N, r, p);
  return crypto.timingSafeEqual(key, expected);
}
