import { describe, expect, it } from 'vitest';
import { configSchema, hashPin, verifyPin } from '../../main/config';

const cheap = { N: 1024, r: 8, p: 1 };

describe('admin PIN hash', () => {
  it('verifies the right PIN and refuses others', async () => {
    const hash = await hashPin('2468', cheap);
    expect(hash).not.toContain('2468');
    expect(await verifyPin('2468', hash)).toBe(true);
    expect(await verifyPin('2469', hash)).toBe(false);
    expect(await verifyPin('', hash)).toBe(false);
  });

  it('salts each hash', async () => {
    expect(await hashPin('2468', cheap)).not.toBe(await hashPin('2468', cheap));
  });

  it('writes a hash the config schema accepts, and refuses a PIN that is not digits', async () => {
    const hash = await hashPin('13579', cheap);
    expect(configSchema.parse({ admin: { pinHash: hash } }).admin.pinHash).toBe(hash);
    await expect(hashPin('12a4', cheap)).rejects.toThrow(/digits/);
    await expect(hashPin('123', cheap)).rejects.toThrow(/digits/);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    expect(await verifyPin('2468', 'scrypt$x')).toBe(false);
    expect(await verifyPin('2468', 'plain')).toBe(false);
  });
});
