/**
 * A self-signed X.509 certificate for the LAN API, written in DER by hand:
 * a few fixed structures (RFC 5280), an ECDSA P-256 key made and used by
 * Node's crypto (OpenSSL). Clients trust it by pinning its SHA-256
 * fingerprint, not through a CA, so nothing here needs more than one
 * certificate shape. A library for this would bring a reflection polyfill
 * and a dozen packages into the main process for these ~100 lines.
 */
import crypto from 'node:crypto';
import net from 'node:net';

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
};
const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);
const octets = (content: Buffer) => tlv(0x04, content);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
/** A BIT STRING of whole bytes (no unused bits), or with `unusedBits` at the end. */
const bits = (content: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

/** A positive INTEGER from big-endian bytes (a leading 0 when the top bit is set). */
const integer = (bytes: Buffer) => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1]! & 0x80) === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

const oid = (dotted: string) => {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const out = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
};

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
const time = (at: Date) => {
  const iso = at.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return at.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
};

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [bool(true)] : []), octets(value));

/** Names the certificate is for: DNS names and IP addresses (only informative: clients pin the fingerprint). */
function subjectAltNames(names: readonly string[]): Buffer {
  const entries = names.map((name) => {
    if (net.isIPv4(name)) return tlv(0x87, Buffer.from(name.split('.').map(Number)));
    if (net.isIPv6(name)) return tlv(0x87, ipv6Bytes(name));
    return tlv(0x82, Buffer.from(name, 'ascii'));
  });
  return sequence(...entries);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/**
 * Validity: from 2000 to 9999-12-31 (RFC 5280's "no well-defined expiration").
 * A Pi may make its certificate before the network set its clock (1970), and
 * the dates carry no trust here (the pinned fingerprint does): fixed dates
 * keep a strict client from calling it "not yet valid" or "expired".
 */
export const CERTIFICATE_NOT_BEFORE = new Date('2000-01-01T00:00:00Z');
export const CERTIFICATE_NOT_AFTER = new Date('9999-12-31T23:59:59Z');

export interface SelfSignedCertificate {
  /** PEM of the certificate. */
  certificate: string;
  /** PKCS#8 PEM of the private key. */
  privateKey: string;
}

/** A new key pair and a certificate for it, signed by itself. */
export function createSelfSignedCertificate(options: { commonName: string; altNames: readonly string[] }): SelfSignedCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8(options.commonName))));
  const serial = crypto.randomBytes(16);
  serial[0]! &= 0x7f; // positive, at most 20 octets (RFC 5280 4.1.2.2)
  const extensions = sequence(
    extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
    extension('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
    extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    extension('2.5.29.17', false, subjectAltNames(options.altNames)),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(time(CERTIFICATE_NOT_BEFORE), time(CERTIFICATE_NOT_AFTER)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = crypto.sign('sha256', tbs, privateKey); // DER-encoded ECDSA signature
  const der = sequence(tbs, ECDSA_WITH_SHA256, bits(signature));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
