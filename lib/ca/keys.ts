import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import type { CaKeyType } from './profile.js';

/*
 * Keys through Node's WebCrypto, the provider @peculiar/x509 signs with. Private keys are
 * PKCS#8 PEM on disk and in the secret store (what openssl and Envoy read).
 */

export type SigningAlgorithm = webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;

export const ALGORITHMS: Readonly<Record<CaKeyType, SigningAlgorithm>> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as SigningAlgorithm,
  'rsa-3072': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
};

/** Leaves always use P-256, whatever the CA's key: small, fast, accepted by every client. */
export const LEAF_KEY: CaKeyType = 'ec-p256';

export async function generateKeys(type: CaKeyType): Promise<webcrypto.CryptoKeyPair> {
  const algorithm =
    type === 'rsa-3072'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 3072,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  return (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/** The key type of a PEM private key, or undefined when it is neither supported type. */
export function keyTypeOf(pem: string): CaKeyType | undefined {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ec-p256';
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 3072) {
    return 'rsa-3072';
  }
  return undefined;
}

/** Imports a PEM private key (any encoding openssl writes) as a WebCrypto signing key. */
export async function importPrivateKey(pem: string, type: CaKeyType): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHMS[type], false, ['sign']);
}

/** Does the private key belong to the public key in `certificatePem`? */
export function keyMatches(privatePem: string, certificatePublicKeyPem: string): boolean {
  const fromPrivate = createPublicKey(createPrivateKey(privatePem)).export({
    type: 'spki',
    format: 'der',
  });
  const fromCert = createPublicKey(certificatePublicKeyPem).export({ type: 'spki', format: 'der' });
  return Buffer.compare(fromPrivate, fromCert) === 0;
}
