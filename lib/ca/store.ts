import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../write-file.js';
import { caProblems, inspectCa } from './inspect.js';
import type { IssuedLeaf, SigningCa } from './issue.js';
import { keyMatches, keyTypeOf } from './keys.js';
import { CA_FILES, leafBaseName } from './profile.js';

/*
 * CA directories on disk. Everything is read and checked before anything is written, so a
 * failed command leaves no file behind.
 */

function readText(file: string, what: string, fix: string): string {
  if (!existsSync(file)) throw new UserError(`${file}: no ${what}. Fix: ${fix}`);
  if (statSync(file).isDirectory())
    throw new UserError(`${file}: is a directory, not the ${what}.`);
  return readFileSync(file, 'utf8');
}

/** Reads and checks a CA directory for issuing leaves to `hosts`. Throws a UserError (exit 2). */
export function loadSigningCa(
  dir: string,
  hosts: readonly string[],
  leafDays: number,
  now?: Date,
): SigningCa {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(
      `--ca ${dir}: no such directory. Fix: pass the directory \`agent-perimeter ca create --out DIR\` wrote.`,
    );
  }
  const certFile = join(dir, CA_FILES.certificate);
  const keyFile = join(dir, CA_FILES.key);
  const certificatePem = readText(
    certFile,
    'CA certificate',
    `pass the directory \`agent-perimeter ca create\` wrote (it holds ${CA_FILES.certificate} and ${CA_FILES.key}).`,
  );
  const keyPem = readText(
    keyFile,
    'CA private key',
    `leaves are signed with the CA's key: put it at ${keyFile} (PEM) for this command. In the cloud the proxy reads it from the secret store instead.`,
  );
  let facts: ReturnType<typeof inspectCa>;
  try {
    facts = inspectCa(certificatePem);
  } catch {
    throw new UserError(
      `${certFile}: is not a PEM X.509 certificate. Fix: use the ca.crt \`agent-perimeter ca create\` wrote.`,
    );
  }
  let keyType: ReturnType<typeof keyTypeOf>;
  try {
    keyType = keyTypeOf(keyPem);
  } catch {
    throw new UserError(
      `${keyFile}: is not a PEM private key. Fix: use the ca.key \`agent-perimeter ca create\` wrote.`,
    );
  }
  if (keyType === undefined) {
    throw new UserError(
      `${keyFile}: is neither an EC P-256 nor an RSA key of 3072 bits or more. Fix: make a CA with \`agent-perimeter ca create\`.`,
    );
  }
  if (!keyMatches(keyPem, facts.publicKeyPem)) {
    throw new UserError(
      `${keyFile}: does not belong to ${certFile}. Fix: use the key and certificate from the same \`ca create\` run.`,
    );
  }
  const problems = caProblems(facts, { hosts, leafDays, ...(now !== undefined ? { now } : {}) });
  if (problems.length > 0) {
    throw new UserError(problems.map((p) => `${certFile}: ${p}`).join('\n'));
  }
  return { certificatePem, keyPem, keyType };
}

/** The files of one leaf in `dir`. */
export function leafFiles(dir: string, host: string): { certificate: string; key: string } {
  const base = leafBaseName(host);
  return { certificate: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}

/** Writes the leaves (keys readable by the owner only), each file atomically. */
export function writeLeaves(dir: string, leaves: readonly IssuedLeaf[]): string[] {
  const written: string[] = [];
  for (const leaf of leaves) {
    const files = leafFiles(dir, leaf.host);
    writeFileAtomic(files.key, leaf.keyPem, 0o600);
    writeFileAtomic(files.certificate, leaf.certificatePem);
    written.push(files.certificate, files.key);
  }
  return written;
}
