/**
 * The signed release manifest (CONTRACTS.md "Signed updates"): an envelope
 * `{ signed, signatures }` whose `signed` is the base64 of the exact UTF-8
 * JSON the signatures cover. Nothing is re-serialized before it is checked.
 */
import { z } from 'zod';
import { isSemVer } from './semver';

/** A manifest over this size is refused before it is parsed. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

/** Standard base64 with padding, and nothing Buffer.from would silently skip. */
export function decodeStrictBase64(text: string): Buffer | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

const base64 = z.string().max(MAX_MANIFEST_BYTES).refine((s) => decodeStrictBase64(s) !== null, { error: 'standard base64 with padding' });

/** Extra fields (a public key that "arrives with the update", say) are dropped here and never read. */
export const envelopeSchema = z.object({
  signed: base64,
  signatures: z
    // "16 hex digits": upper-case digits (another pipeline's hex encoder) name the same key.
    .array(z.object({ keyId: z.string().regex(/^[0-9a-fA-F]{16}$/, { error: '16 hex digits' }).transform((id) => id.toLowerCase()), sig: base64 }))
    .min(1)
    .max(8),
});
export type ManifestEnvelope = z.output<typeof envelopeSchema>;

const isoDate = z.iso.datetime({ offset: true });

/** A plain file name in the manifest's own folder: no path, no dot-only name. */
export const releaseFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/, { error: 'a plain file name (letters, digits, . _ + -)' });

/** The signed JSON. Unknown fields are ignored (newer releases may add some). */
export const releaseSchema = z.object({
  product: z.string().max(64),
  version: z.string().refine(isSemVer, { error: 'a semantic version such as 0.3.0' }),
  channel: z.string().max(64),
  arch: z.string().max(32),
  file: releaseFileName,
  size: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  sha512: base64.refine((s) => decodeStrictBase64(s)?.length === 64, { error: 'the base64 of a 64-byte SHA-512' }),
  rolloutPercent: z.number().min(0).max(100),
  releasedAt: isoDate,
  expiresAt: isoDate,
});
export type Release = z.output<typeof releaseSchema>;

/** The JSON of a release as `release sign` writes it (field order of the contract). */
export function releaseJson(release: Release): string {
  const { product, version, channel, arch, file, size, sha512, rolloutPercent, releasedAt, expiresAt } = release;
  return JSON.stringify({ product, version, channel, arch, file, size, sha512, rolloutPercent, releasedAt, expiresAt });
}
