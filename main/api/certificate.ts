/**
 * The LAN API's certificate, made by the kiosk at its first start with the
 * API enabled and kept in the data folder (`lan-api/`): the private key
 * readable by the kiosk's user only (0600). Clients pin its SHA-256
 * fingerprint, so it is never replaced behind their back: a certificate that
 * cannot be used stops the API with a message instead.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../config';
import { createSelfSignedCertificate } from './self-signed';

export const CERTIFICATE_FOLDER = 'lan-api';
const CERTIFICATE_FILE = 'certificate.pem';
const PRIVATE_KEY_FILE = 'private-key.pem';

export interface CertificateFiles {
  folder: string;
  certificate: string;
  privateKey: string;
}

export function certificateFiles(dataDir: string): CertificateFiles {
  const folder = path.join(dataDir, CERTIFICATE_FOLDER);
  return { folder, certificate: path.join(folder, CERTIFICATE_FILE), privateKey: path.join(folder, PRIVATE_KEY_FILE) };
}

export interface ApiCertificate {
  certificate: string;
  privateKey: string;
  /** SHA-256 of the certificate's DER, "AB:CD:…" (as Node's fingerprint256 and `openssl x509 -fingerprint -sha256` show it). */
  fingerprint: string;
  /** True when this start made it. */
  created: boolean;
}

/** Why the API cannot use the certificate files, with what to do. */
export class CertificateError extends Error {}

/** The fingerprint of a PEM certificate, or an error saying the file is not one. */
export function fingerprintOf(certificatePem: string, file: string): string {
  try {
    return new crypto.X509Certificate(certificatePem).fingerprint256;
  } catch {
    throw new CertificateError(`${file} is not a PEM certificate.`);
  }
}

/** The certificate in `dataDir` as PEM, without touching anything; null when there is none yet. */
function readCertificate(dataDir: string): string | null {
  const files = certificateFiles(dataDir);
  try {
    return fs.readFileSync(files.certificate, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CertificateError(`${files.certificate} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
}

/** Reads the fingerprint of the certificate in `dataDir`; null when there is none yet. */
export function readFingerprint(dataDir: string): string | null {
  const pem = readCertificate(dataDir);
  return pem === null ? null : fingerprintOf(pem, certificateFiles(dataDir).certificate);
}

/**
 * The same certificate's public key pin as curl takes it (`--pinnedpubkey sha256//…`:
 * base64 of the SHA-256 of its SubjectPublicKeyInfo); null when there is none yet.
 */
export function readPublicKeyPin(dataDir: string): string | null {
  const pem = readCertificate(dataDir);
  if (pem === null) return null;
  fingerprintOf(pem, certificateFiles(dataDir).certificate); // a file that is not a certificate says so
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`;
}

/** The names a certificate is made for; informative only (clients pin the fingerprint). */
function altNames(): string[] {
  const host = os.hostname();
  const names = ['localhost', '127.0.0.1', '::1'];
  if (/^[A-Za-z0-9-]{1,63}$/.test(host)) names.push(host, `${host}.local`);
  return names;
}

/**
 * The certificate in `dataDir`, made when there is none. A private key left
 * without its certificate (a start cut off between the two writes) was never
 * served, so it is replaced; a certificate without a usable key is an error.
 */
export function loadOrCreateCertificate(dataDir: string, kioskId: string, log: { warn(...a: unknown[]): void }): ApiCertificate {
  const files = certificateFiles(dataDir);
  const remedy = `Delete the folder ${files.folder} and restart the kiosk to make a new certificate; every client must then pin its new fingerprint (booth api-fingerprint).`;
  if (!fs.existsSync(files.certificate)) {
    const made = createSelfSignedCertificate({ commonName: `Booth kiosk ${kioskId}`, altNames: altNames() });
    // The certificate is public (clients pin it); only the key is kept from other users.
    fs.mkdirSync(files.folder, { recursive: true, mode: 0o755 });
    // The key first: a certificate on disk always has its key beside it.
    writeFileAtomically(files.privateKey, made.privateKey, 0o600);
    writeFileAtomically(files.certificate, made.certificate, 0o644);
    return { ...made, fingerprint: fingerprintOf(made.certificate, files.certificate), created: true };
  }
  let certificate: string;
  let privateKey: string;
  try {
    certificate = fs.readFileSync(files.certificate, 'utf8');
    privateKey = fs.readFileSync(files.privateKey, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CertificateError(`The LAN API's certificate or its private key cannot be read (${code}). ${remedy}`);
  }
  const fingerprint = fingerprintOf(certificate, files.certificate);
  let matches = false;
  try {
    matches = new crypto.X509Certificate(certificate).checkPrivateKey(crypto.createPrivateKey(privateKey));
  } catch {
    matches = false;
  }
  if (!matches) throw new CertificateError(`${files.privateKey} is not the private key of ${files.certificate}. ${remedy}`);
  const mode = fs.statSync(files.privateKey).mode & 0o777;
  if (mode & 0o077) {
    fs.chmodSync(files.privateKey, 0o600);
    log.warn(`${files.privateKey} was readable by others (mode 0${mode.toString(8)}): set to 0600`);
  }
  return { certificate, privateKey, fingerprint, created: false };
}
