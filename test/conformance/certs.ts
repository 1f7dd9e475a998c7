import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * A throwaway CA and one leaf per name, made with openssl: the upstreams of the conformance
 * suite present real certificates, and the proxy verifies them against this CA.
 */

export interface TestPki {
  readonly dir: string;
  /** The CA certificate (PEM file). */
  readonly ca: string;
  /** name -> { cert, key } PEM files. */
  readonly leaves: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTestPki(dir: string, names: readonly string[]): TestPki {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=agent-perimeter conformance CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaves: Record<string, { cert: string; key: string }> = {};
  for (const name of names) {
    const base = name.replace(/[^a-z0-9]+/g, '_');
    writeFileSync(
      join(dir, `${base}.ext`),
      [
        `subjectAltName=DNS:${name}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
      ].join('\n'),
    );
    openssl(
      [
        'req',
        '-new',
        ...ec,
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        `/CN=${name}`,
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${base}.pem`,
        '-days',
        '1',
        '-extfile',
        `${base}.ext`,
      ],
      dir,
    );
    leaves[name] = { cert: join(dir, `${base}.pem`), key: join(dir, `${base}.key`) };
  }
  return { dir, ca: join(dir, 'ca.pem'), leaves };
}
