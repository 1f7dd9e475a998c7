import { randomBytes, webcrypto } from 'node:crypto';
import { ALGORITHMS, generateKeys, privateKeyPem } from './keys.js';
import { CA_COMMON_NAME, type CaKeyType, permittedNames } from './profile.js';
import { AsnConvert, asn, x509 } from './x509.js';

export interface CreatedCa {
  readonly certificatePem: string;
  readonly keyPem: string;
}

export interface CreateCaOptions {
  /** The intercepted hosts: the CA may sign for these names (and names under them) only. */
  readonly hosts: readonly string[];
  readonly keyType: CaKeyType;
  readonly days: number;
  readonly now?: Date;
}

/** A random positive serial number of 16 bytes (RFC 5280 allows up to 20). */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/**
 * The name constraints: DNS names under the intercepted hosts only, and no IP address at all
 * (an unconstrained IP space would let the key sign for any address literal).
 */
function nameConstraints(hosts: readonly string[]): x509.Extension {
  const subtree = (name: ConstructorParameters<typeof asn.GeneralName>[0]) =>
    new asn.GeneralSubtree({ base: new asn.GeneralName(name) });
  const value = new asn.NameConstraints({
    permittedSubtrees: new asn.GeneralSubtrees(
      permittedNames(hosts).map((dNSName) => subtree({ dNSName })),
    ),
    excludedSubtrees: new asn.GeneralSubtrees([
      subtree({ iPAddress: '0.0.0.0/0' }),
      subtree({ iPAddress: '::/0' }),
    ]),
  });
  return new x509.Extension(asn.id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

/**
 * A self-signed CA that can sign server certificates for the intercepted hosts and nothing
 * else: CA with path length 0, key usage certificate signing only, name-constrained, short-lived.
 */
export async function createCa(options: CreateCaOptions): Promise<CreatedCa> {
  const now = options.now ?? new Date();
  const keys = await generateKeys(options.keyType);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${CA_COMMON_NAME}`,
      notBefore: now,
      notAfter: new Date(now.getTime() + options.days * 86_400_000),
      keys,
      signingAlgorithm: ALGORITHMS[options.keyType],
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        nameConstraints(options.hosts),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return {
    certificatePem: certificate.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}
