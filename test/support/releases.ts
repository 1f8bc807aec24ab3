/**
 * Test releases: key pairs made at test time (no private key is committed),
 * manifests signed with them, and the edits a hostile server would make.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, parsePublicKey, type PinnedKey } from '../../main/updates/keys';
import { releaseJson, type Release } from '../../main/updates/manifest';
import { signManifest } from '../../main/updates/verify';

export interface TestKey {
  privateKey: crypto.KeyObject;
  publicPem: string;
  pinned: PinnedKey;
  keyId: string;
}

export function testKey(): TestKey {
  const pair = generateKeyPair();
  return {
    privateKey: crypto.createPrivateKey(pair.privatePem),
    publicPem: pair.publicPem,
    pinned: parsePublicKey(pair.publicPem, `${pair.keyId}.pub`),
    keyId: pair.keyId,
  };
}

/** A folder of pinned public keys, as resources/update-keys holds them. */
export function writeKeyDir(dir: string, keys: readonly TestKey[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const k of keys) fs.writeFileSync(path.join(dir, `${k.keyId}.pub`), k.publicPem);
  return dir;
}

export function sha512Base64(bytes: Buffer): string {
  return crypto.createHash('sha512').update(bytes).digest('base64');
}

export function testRelease(patch: Partial<Release> = {}, file?: Buffer): Release {
  const body = file ?? Buffer.from('#!/bin/sh\necho booth\n');
  return {
    product: 'booth',
    version: '0.3.0',
    channel: 'stable',
    arch: 'arm64',
    file: `Booth-${patch.version ?? '0.3.0'}-${patch.arch ?? 'arm64'}.AppImage`,
    size: body.length,
    sha512: sha512Base64(body),
    rolloutPercent: 100,
    releasedAt: '2026-01-10T00:00:00.000Z',
    expiresAt: '2026-02-10T00:00:00.000Z',
    ...patch,
  };
}

/** The manifest bytes for `release`, signed by `keys` (the signed JSON may be given as text, to add fields). */
export function signedManifest(release: Release | string, keys: readonly TestKey[]): Buffer {
  const text = typeof release === 'string' ? release : releaseJson(release);
  return Buffer.from(signManifest(text, keys.map((k) => k.privateKey)));
}
