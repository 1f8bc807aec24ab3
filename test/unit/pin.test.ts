import { describe, expect, it } from 'vitest';
import { configSchema, DEFAULT_SCRYPT, hashParams, hashPin, needsRehash, verifyPin } from '../../main/config';

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

describe('admin PIN hash cost', () => {
  it('hashes with scrypt N=2^17, r=8, p=1 by default (what set-pin writes)', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const hash = await hashPin('2468');
    expect(hashParams(hash)).toEqual({ N: 131072, r: 8, p: 1 });
    expect(hash.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(await verifyPin('2468', hash)).toBe(true);
    expect(needsRehash(hash)).toBe(false);
  });

  it('marks older, cheaper hashes for a re-hash, and still verifies them', async () => {
    const old = await hashPin('2468', { N: 2 ** 15, r: 8, p: 1 });
    expect(needsRehash(old)).toBe(true);
    expect(await verifyPin('2468', old)).toBe(true);
    expect(needsRehash(await hashPin('2468', cheap))).toBe(true);
  });

  it('refuses a stored hash that asks for absurd cost instead of exhausting memory', async () => {
    const hash = await hashPin('2468', cheap);
    const absurd = hash.replace('scrypt$1024$', `scrypt$${2 ** 30}$`);
    expect(await verifyPin('2468', absurd)).toBe(false);
    expect(await verifyPin('2468', hash.replace('scrypt$1024$', 'scrypt$1000$'))).toBe(false);
  });
});
