import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultKeyDir, loadPinnedKeys } from '../../main/updates/keys';

describe('pinned update keys', () => {
  it('the app pins two Ed25519 public keys, named by their key id, and no private key', () => {
    const dir = defaultKeyDir();
    const keys = loadPinnedKeys(dir);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k.source).toBe(`${k.keyId}.pub`);
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(`${dir}/${f}`, 'utf8')).not.toMatch(/PRIVATE KEY/);
  });
});
