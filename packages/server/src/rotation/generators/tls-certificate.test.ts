// Tests for the TLS certificate generator, checked with node's own X509Certificate: subject, SANs,
// validity, key match, CA flag and, for CA-issued certificates, the signature against the CA key.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateValue } from './registry.js';

const tls = async (options: unknown) => (await generateValue('tls_certificate', options)) as Record<string, string>;
const DAY = 86_400_000;

describe('tls_certificate generator', () => {
  it('self-signed: CN, SANs (DNS and IP), validity days and a matching private key', async () => {
    const out = await tls({ common_name: 'db.internal', sans: ['db.internal', '*.db.internal', '127.0.0.1'], validity_days: 30 });
    const cert = new X509Certificate(out.certificate);
    expect(cert.subject).toBe('CN=db.internal');
    expect(cert.issuer).toBe('CN=db.internal');
    expect(cert.subjectAltName).toBe('DNS:db.internal, DNS:*.db.internal, IP Address:127.0.0.1');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;
    expect(days).toBeCloseTo(30, 2);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    expect(cert.checkPrivateKey(createPrivateKey(out.private_key))).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(out.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(out.ca_certificate).toBeUndefined();
  });

  it('puts the CN in the SANs when none are given, and supports RSA keys', async () => {
    const out = await tls({ common_name: 'api.example.test', key_algorithm: 'rsa-2048' });
    const cert = new X509Certificate(out.certificate);
    expect(cert.subjectAltName).toBe('DNS:api.example.test');
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('CA-issued: the leaf verifies against the CA public key and names the CA as issuer', async () => {
    const ca = await tls({ common_name: 'Keyhaven Test CA', is_ca: true, key_algorithm: 'ecdsa-p384' });
    const caCert = new X509Certificate(ca.certificate);
    expect(caCert.ca).toBe(true);
    const leaf = await tls({
      common_name: 'svc.local',
      sans: ['svc.local'],
      validity_days: 7,
      ca_cert: ca.certificate,
      ca_key: ca.private_key,
    });
    const cert = new X509Certificate(leaf.certificate);
    expect(cert.issuer).toBe('CN=Keyhaven Test CA');
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(false);
    expect(leaf.ca_certificate).toBe(ca.certificate.trim() + '\n');
    expect(cert.checkPrivateKey(createPrivateKey(leaf.private_key))).toBe(true);
  });

  it('an RSA CA can issue too', async () => {
    const ca = await tls({ common_name: 'RSA CA', is_ca: true, key_algorithm: 'rsa-2048' });
    const leaf = await tls({ common_name: 'x.local', ca_cert: ca.certificate, ca_key: ca.private_key });
    expect(new X509Certificate(leaf.certificate).verify(new X509Certificate(ca.certificate).publicKey)).toBe(true);
  });

  it('rejects a CA key that does not match, a non-CA issuer, half a CA and bad SANs', async () => {
    const ca = await tls({ common_name: 'CA', is_ca: true });
    const other = await tls({ common_name: 'other' });
    await expect(tls({ common_name: 'a', ca_cert: ca.certificate, ca_key: other.private_key })).rejects.toMatchObject({
      code: 'GENERATOR_OPTIONS_INVALID',
      message: expect.stringContaining('does not belong'),
    });
    await expect(tls({ common_name: 'a', ca_cert: other.certificate, ca_key: other.private_key })).rejects.toMatchObject({
      message: expect.stringContaining('not a CA certificate'),
    });
    await expect(tls({ common_name: 'a', ca_cert: ca.certificate })).rejects.toMatchObject({
      message: expect.stringContaining('both ca_cert and ca_key'),
    });
    await expect(tls({ common_name: 'a', sans: ['not a name!'] })).rejects.toMatchObject({ code: 'GENERATOR_OPTIONS_INVALID' });
  });
});
