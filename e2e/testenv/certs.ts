import 'reflect-metadata'; // @peculiar/x509 resolves its providers through tsyringe, which needs it
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface Pem {
  cert: string;
  key: string;
}

export interface ControlPlaneCerts {
  ca: Pem;
  serving: Pem;
  /** Client certificate in system:masters, as envtest's admin user. */
  admin: Pem;
  /** Service-account token signing key pair. */
  serviceAccount: { privateKey: string; publicKey: string };
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function publicPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', key);
  return x509.PemConverter.encode(der, 'PUBLIC KEY');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(12)))
    .toString('hex')
    .replace(/^0+/, '1');
}

/** Generates a fresh CA, serving certificate, admin client certificate and SA keys for one control plane. */
export async function generateControlPlaneCerts(): Promise<ControlPlaneCerts> {
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 30 * DAY);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=federation-testenv-ca',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  async function leaf(subject: string, extensions: x509.Extension[]): Promise<Pem> {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingKey: caKeys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false),
        ...extensions,
      ],
    });
    return { cert: cert.toString('pem'), key: await privatePem(keys.privateKey) };
  }

  const serving = await leaf('CN=kube-apiserver', [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]),
  ]);
  const admin = await leaf('CN=federation-admin, O=system:masters', [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  const saKeys = await keyPair();
  return {
    ca: { cert: ca.toString('pem'), key: await privatePem(caKeys.privateKey) },
    serving,
    admin,
    serviceAccount: { privateKey: await privatePem(saKeys.privateKey), publicKey: await publicPem(saKeys.publicKey) },
  };
}

/** Days a certificate has left (the earliest of CA, serving and admin); negative when expired. */
export function daysLeft(certs: ControlPlaneCerts): number {
  const ends = [certs.ca.cert, certs.serving.cert, certs.admin.cert].map(
    (pem) => new x509.X509Certificate(pem).notAfter,
  );
  return (Math.min(...ends.map((d) => d.getTime())) - Date.now()) / DAY;
}
