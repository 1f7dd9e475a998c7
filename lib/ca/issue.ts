import { webcrypto } from 'node:crypto';
import { serialNumber } from './create.js';
import { ALGORITHMS, generateKeys, importPrivateKey, LEAF_KEY, privateKeyPem } from './keys.js';
import type { CaKeyType } from './profile.js';
import { x509 } from './x509.js';

export interface SigningCa {
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly keyType: CaKeyType;
}

export interface IssuedLeaf {
  readonly host: string;
  readonly certificatePem: string;
  readonly keyPem: string;
}

/**
 * A server certificate for one host: SAN = the host, serverAuth only, not a CA, signed by the
 * private CA. The same profile as `opensslLeafExtensions` (what the proxy issues at start).
 */
export async function issueLeaf(
  ca: SigningCa,
  host: string,
  days: number,
  now: Date = new Date(),
): Promise<IssuedLeaf> {
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const signingKey = await importPrivateKey(ca.keyPem, ca.keyType);
  const keys = await generateKeys(LEAF_KEY);
  const notAfter = new Date(Math.min(now.getTime() + days * 86_400_000, caCert.notAfter.getTime()));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: `CN=${host}`,
      issuer: caCert.subjectName,
      notBefore: now,
      notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: ALGORITHMS[ca.keyType],
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }], false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return {
    host,
    certificatePem: certificate.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}
