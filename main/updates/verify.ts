/**
 * The signature check: the manifest's bytes as they came, the pinned keys,
 * nothing else. A signature counts only when its keyId names a pinned key
 * and it verifies with that key (Node's Ed25519) over the exact signed bytes.
 */
import crypto from 'node:crypto';
import type { PinnedKey } from './keys';
import { decodeStrictBase64, envelopeSchema, MAX_MANIFEST_BYTES, releaseSchema, type Release } from './manifest';
import { refuse, type Refusal } from './refusal';

export type VerifiedManifest = { ok: true; release: Release; keyId: string } | { ok: false; refusal: Refusal };

function issues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`).join('; ');
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

export function verifyManifest(bytes: Buffer, pinned: readonly PinnedKey[]): VerifiedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) return refuse('manifest-too-large', `the manifest is ${bytes.length} bytes; at most ${MAX_MANIFEST_BYTES} are read`);
  const envelope = envelopeSchema.safeParse(parseJson(bytes));
  if (!envelope.success) return refuse('malformed', `the manifest is not a signed envelope: ${issues(envelope.error)}`);
  const signed = decodeStrictBase64(envelope.data.signed)!;

  const byId = new Map(pinned.map((k) => [k.keyId, k]));
  const ours = envelope.data.signatures.filter((s) => byId.has(s.keyId));
  if (ours.length === 0) {
    const ids = envelope.data.signatures.map((s) => s.keyId).join(', ');
    return refuse('unpinned-key', `no signature by a pinned key (signed by ${ids}; this kiosk trusts ${[...byId.keys()].join(', ')})`);
  }
  const good = ours.find((s) => {
    const sig = decodeStrictBase64(s.sig)!;
    return sig.length === 64 && crypto.verify(null, signed, byId.get(s.keyId)!.key, sig);
  });
  if (!good) return refuse('bad-signature', `the signature by ${ours.map((s) => s.keyId).join(', ')} does not match the signed bytes`);

  const release = releaseSchema.safeParse(parseJson(signed));
  if (!release.success) return refuse('malformed', `the signed release is not valid: ${issues(release.error)}`);
  return { ok: true, release: release.data, keyId: good.keyId };
}

/** The envelope for `release` (its JSON text exactly as it will be verified), signed with each key. */
export function signManifest(releaseText: string, privateKeys: readonly crypto.KeyObject[]): string {
  const signed = Buffer.from(releaseText, 'utf8');
  const signatures = privateKeys.map((key) => {
    const publicKey = crypto.createPublicKey(key);
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
    return {
      keyId: crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16),
      sig: crypto.sign(null, signed, key).toString('base64'),
    };
  });
  return `${JSON.stringify({ signed: signed.toString('base64'), signatures }, null, 1)}\n`;
}
