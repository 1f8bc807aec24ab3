import crypto from 'node:crypto';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../main/api/self-signed';

describe('the LAN API certificate', () => {
  it('is a server certificate for the kiosk\'s names, signed by its own key, valid from 2000 to 9999, not a CA', () => {
    const made = createSelfSignedCertificate({ commonName: 'Booth Gate A', altNames: ['gate-a.local', '192.168.1.20', 'fe80::1'] });
    const certificate = new crypto.X509Certificate(made.certificate);
    const key = crypto.createPrivateKey(made.privateKey);
    expect(certificate.subject).toBe('CN=Booth Gate A');
    expect(certificate.issuer).toBe('CN=Booth Gate A');
    expect(certificate.verify(crypto.createPublicKey(key))).toBe(true);
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.subjectAltName).toBe('DNS:gate-a.local, IP Address:192.168.1.20, IP Address:FE80:0:0:0:0:0:0:1');
    expect(certificate.ca).toBe(false);
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(new Date(certificate.validFrom).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(new Date(certificate.validTo).toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(key.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    // A new serial each time: two kiosks' certificates never share one.
    const other = new crypto.X509Certificate(createSelfSignedCertificate({ commonName: 'x', altNames: ['localhost'] }).certificate);
    expect(other.serialNumber).not.toBe(certificate.serialNumber);
  });

  it('is always one OpenSSL loads: the serial number is minimal DER (1 in 256 used to be refused as illegal padding)', () => {
    for (let i = 0; i < 1500; i++) {
      const made = createSelfSignedCertificate({ commonName: 'Booth', altNames: ['localhost'] });
      expect(() => tls.createSecureContext({ cert: made.certificate, key: made.privateKey })).not.toThrow();
    }
  });
});
