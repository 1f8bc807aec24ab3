/**
 * A self-signed X.509 certificate for the LAN API: an ECDSA P-256 key made
 * and used by Node's crypto (OpenSSL), the certificate's structures (RFC 5280)
 * encoded by @peculiar/asn1-x509. Clients trust it by pinning its SHA-256
 * fingerprint, not through a CA. (@peculiar/x509's generator would need a
 * global reflection polyfill in the main process; its ASN.1 layer does not.)
 */
import crypto from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import net from 'node:net';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';

const extension = (extnID: string, critical: boolean, value: object) =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

/** Names the certificate is for: DNS names and IP addresses (only informative: clients pin the fingerprint). */
const subjectAltNames = (names: readonly string[]) =>
  new SubjectAlternativeName(names.map((name) => new GeneralName(net.isIP(name) ? { iPAddress: name } : { dNSName: name })));

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
  const name = new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: options.commonName }) })]),
  ]);
  const serial = crypto.randomBytes(16);
  // The bytes are encoded as they are: a first byte of 1..127 keeps the INTEGER positive and minimal
  // (a leading 0x00 before a byte below 0x80 is illegal DER, which OpenSSL refuses to load).
  serial[0] = 1 + (serial[0]! % 127);
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: Uint8Array.from(serial).buffer,
    signature: algorithm,
    issuer: name,
    validity: new Validity({ notBefore: CERTIFICATE_NOT_BEFORE, notAfter: CERTIFICATE_NOT_AFTER }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
      extension(id_ce_subjectAltName, false, subjectAltNames(options.altNames)),
    ]),
  });
  const signatureValue = Uint8Array.from(crypto.sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), privateKey)).buffer; // DER ECDSA signature
  const der = Buffer.from(AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue })));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
