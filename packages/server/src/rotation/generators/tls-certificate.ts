// TLS certificate generator: a fresh key pair and an X.509 certificate (CN, SANs, validity), either
// self-signed (optionally as a CA) or issued by a CA given as PEM { ca_cert, ca_key }; @peculiar/x509.
import 'reflect-metadata'; // @peculiar/x509 2.x (via tsyringe) needs the Reflect metadata polyfill loaded first
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { KeyhavenError } from '../../lib/errors.js';
import { defineGenerator } from './generator-types.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const subtle = webcrypto.subtle;

const KEY_ALGORITHMS = {
  'ecdsa-p256': { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'ecdsa-p384': { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  'rsa-2048': {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
  'rsa-3072': {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
} as const;
type KeyAlgorithm = keyof typeof KEY_ALGORITHMS;

const DNS_NAME = /^(\*\.)?(?!-)[A-Za-z0-9-]{1,63}(\.(?!-)[A-Za-z0-9-]{1,63})*$/;

export const tlsOptionsSchema = z
  .object({
    common_name: z.string().min(1).max(64),
    sans: z
      .array(z.string().refine((s) => isIP(s) !== 0 || DNS_NAME.test(s), 'each SAN must be a DNS name or an IP address'))
      .max(100)
      .default([]),
    validity_days: z.number().int().min(1).max(3650).default(365),
    key_algorithm: z.enum(Object.keys(KEY_ALGORITHMS) as [KeyAlgorithm, ...KeyAlgorithm[]]).default('ecdsa-p256'),
    is_ca: z.boolean().default(false),
    ca_cert: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'ca_cert must be a PEM certificate' }).optional(),
    ca_key: z.string().includes('PRIVATE KEY-----', { message: 'ca_key must be a PEM private key' }).optional(),
  })
  .strict()
  .refine((o) => (o.ca_cert === undefined) === (o.ca_key === undefined), {
    message: 'give both ca_cert and ca_key, or neither',
    path: ['ca_key'],
  });
export type TlsOptions = z.infer<typeof tlsOptionsSchema>;

const invalidCa = (why: string) => new KeyhavenError('GENERATOR_OPTIONS_INVALID', `The CA given to tls_certificate is unusable: ${why}.`);

/** Import a PEM CA key into WebCrypto with the signing algorithm its type calls for. */
const importCaKey = async (pem: string, caCert: X509Certificate) => {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw invalidCa('ca_key is not a readable unencrypted PEM private key');
  }
  if (!caCert.checkPrivateKey(key)) throw invalidCa('ca_key does not belong to ca_cert');
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const alg =
    key.asymmetricKeyType === 'rsa'
      ? KEY_ALGORITHMS['rsa-2048']
      : curve === 'prime256v1'
        ? KEY_ALGORITHMS['ecdsa-p256']
        : curve === 'secp384r1'
          ? KEY_ALGORITHMS['ecdsa-p384']
          : undefined;
  if (!alg)
    throw invalidCa(`CA keys of type ${key.asymmetricKeyType}${curve ? `/${curve}` : ''} are not supported (use RSA, P-256 or P-384)`);
  const importAlg = alg.gen.name === 'ECDSA' ? alg.gen : { name: alg.gen.name, hash: alg.gen.hash };
  return { key: await subtle.importKey('pkcs8', der, importAlg, false, ['sign']), sign: alg.sign };
};

const sanEntries = (o: TlsOptions): Array<{ type: 'dns' | 'ip'; value: string }> => {
  const names = o.sans.length > 0 ? o.sans : !o.is_ca && (isIP(o.common_name) !== 0 || DNS_NAME.test(o.common_name)) ? [o.common_name] : [];
  return names.map((value) => ({ type: isIP(value) !== 0 ? 'ip' : 'dns', value }));
};

export const generateTlsCertificate = async (o: TlsOptions): Promise<Record<string, string>> => {
  const alg = KEY_ALGORITHMS[o.key_algorithm];
  const keys = (await subtle.generateKey(alg.gen, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // a positive serial number
  const notBefore = new Date(Date.now() - 5 * 60_000); // tolerate small clock skew
  const notAfter = new Date(notBefore.getTime() + o.validity_days * 86_400_000);
  const sans = sanEntries(o);
  const usage = o.is_ca
    ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(o.is_ca, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!o.is_ca) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]));
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const subject = [{ CN: [o.common_name] }];
  let cert: x509.X509Certificate;
  let caPem: string | undefined;
  if (o.ca_cert && o.ca_key) {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(o.ca_cert);
    } catch {
      throw invalidCa('ca_cert is not a readable PEM certificate');
    }
    if (!ca.ca) throw invalidCa('ca_cert is not a CA certificate (basicConstraints CA:TRUE is missing)');
    const signer = await importCaKey(o.ca_key, ca);
    const caCert = new x509.X509Certificate(o.ca_cert);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: signer.sign,
      publicKey: keys.publicKey,
      signingKey: signer.key,
      extensions,
    });
    caPem = ca.toString();
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial.toString('hex'),
      name: subject,
      notBefore,
      notAfter,
      signingAlgorithm: alg.sign,
      keys,
      extensions,
    });
  }
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  const out: Record<string, string> = { certificate: cert.toString('pem') + '\n', private_key: privateKey };
  if (caPem) out.ca_certificate = caPem;
  return out;
};

export const tlsCertificateGenerator = defineGenerator({
  kind: 'tls_certificate',
  description:
    'A TLS key pair and X.509 certificate (CN, SANs, validity days), self-signed or issued by a CA given as PEM ca_cert + ca_key: { certificate, private_key, ca_certificate? }.',
  optionsSchema: tlsOptionsSchema,
  generate: generateTlsCertificate,
});
