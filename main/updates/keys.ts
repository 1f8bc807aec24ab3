/**
 * Ed25519 keys of the fleet admins. The kiosk trusts only the public keys
 * pinned in the app (resources/update-keys/*.pub), never one that arrives
 * with an update. A key's id is the first 16 hex digits of SHA-256 over its
 * raw 32-byte public key (CONTRACTS.md).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface PinnedKey {
  keyId: string;
  key: crypto.KeyObject;
  /** Where it came from (a file name), for messages. */
  source: string;
}

/** The raw 32 bytes of an Ed25519 public key (the last 32 bytes of its SPKI DER). */
export function rawPublicKey(key: crypto.KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key (${key.asymmetricKeyType ?? 'unknown'})`);
  const der = key.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

export function keyIdOf(key: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);
}

/** A public key from its PEM text (SPKI), or an error saying what is wrong. */
export function parsePublicKey(pem: string, source: string): PinnedKey {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`${source} is not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source} is not an Ed25519 key`);
  return { keyId: keyIdOf(key), key, source };
}

/** Every `*.pub` in `dir`; throws when the folder has none (a kiosk that trusts nothing cannot update). */
export function loadPinnedKeys(dir: string): PinnedKey[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pub')).sort();
  if (files.length === 0) throw new Error(`no update keys (*.pub) in ${dir}`);
  return files.map((f) => parsePublicKey(fs.readFileSync(path.join(dir, f), 'utf8'), f));
}

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : import.meta.dirname;
}

/**
 * resources/update-keys of this build (electron-builder packs resources/
 * into the app beside dist/).
 */
export function defaultKeyDir(): string {
  // main/updates/ in a checkout, dist/main/ in the bundle: the app's root is two folders up.
  return path.join(moduleDir(), '..', '..', 'resources', 'update-keys');
}

/** A new Ed25519 key pair: the private key as PKCS#8 PEM, the public as SPKI PEM. */
export function generateKeyPair(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
