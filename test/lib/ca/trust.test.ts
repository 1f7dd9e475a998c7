import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRUSTED_CA_VARIABLE, trustFilesScript } from '../../../lib/ca/trust.js';
import { onlyCertificates } from '../../../lib/policy/secrets.js';
import { GITHUB_INTERCEPT_ENTRY } from '../../helpers/policy.js';
import { makePki, openssl, run } from '../../helpers/tls.js';

/*
 * The trust-files init container's script (Fargate), run for real with /bin/sh: it writes
 * ca.crt and bundle.crt (the image's system roots plus the CA) read-only, and a leaf of the
 * CA verifies against the bundle with openssl, as clients with SSL_CERT_FILE would see it.
 */

const root = mkdtempSync(join(tmpdir(), 'trust-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const POLICY = `name: gh
egress:
${GITHUB_INTERCEPT_ENTRY}proxy:
  interception:
    ca_secret: ca-key
    ca_certificate: ca/ca.crt
`;

describe('trust files script', async () => {
  const pki = await makePki(join(root, 'pki'), POLICY);
  const caPem = readFileSync(join(pki.ca, 'ca.crt'), 'utf8');

  it('writes the CA and a bundle of system roots plus the CA, 0444, that verifies a leaf', () => {
    const dir = join(root, 'trust');
    mkdirSync(dir);
    const r = run('sh', ['-c', trustFilesScript(dir)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [TRUSTED_CA_VARIABLE]: caPem },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8').trim()).toBe(caPem.trim());
    const bundle = readFileSync(join(dir, 'bundle.crt'), 'utf8');
    expect(bundle.trim().endsWith(caPem.trim())).toBe(true);
    expect(run('stat', ['-c', '%a', join(dir, 'bundle.crt')]).stdout.trim()).toBe('444');
    const leaf = join(pki.leaves, 'github.com.crt');
    expect(openssl('verify', '-CAfile', join(dir, 'bundle.crt'), leaf).code).toBe(0);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.crt'), leaf).code).toBe(0);
    // Without the CA the leaf is refused: the bundle is what makes it trusted.
    const other = join(root, 'roots-only.crt');
    writeFileSync(other, bundle.slice(0, bundle.lastIndexOf(caPem.trim())));
    if (bundle.length > caPem.length + 10) {
      expect(openssl('verify', '-CAfile', other, leaf).code).not.toBe(0);
    }
  });

  it('rotation overlap: with the next CA in also_trusted, leaves of both CAs verify against the written bundle', async () => {
    const next = await makePki(join(root, 'next'), POLICY);
    const trusted = `${caPem.trim()}\n${readFileSync(join(next.ca, 'ca.crt'), 'utf8').trim()}\n`;
    const dir = join(root, 'overlap');
    mkdirSync(dir);
    const r = run('sh', ['-c', trustFilesScript(dir)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [TRUSTED_CA_VARIABLE]: trusted },
    });
    expect(r.code, r.stderr).toBe(0);
    for (const leaves of [pki.leaves, next.leaves]) {
      const leaf = join(leaves, 'github.com.crt');
      expect(openssl('verify', '-CAfile', join(dir, 'bundle.crt'), leaf).code).toBe(0);
      expect(openssl('verify', '-CAfile', join(dir, 'ca.crt'), leaf).code).toBe(0);
    }
    // After the overlap (the old CA dropped), the old CA's leaves are refused.
    const after = join(root, 'after');
    mkdirSync(after);
    run('sh', ['-c', trustFilesScript(after)], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        [TRUSTED_CA_VARIABLE]: readFileSync(join(next.ca, 'ca.crt'), 'utf8'),
      },
    });
    const old = join(pki.leaves, 'github.com.crt');
    expect(openssl('verify', '-CAfile', join(after, 'ca.crt'), old).code).not.toBe(0);
  });

  it('refuses to run without the certificates', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const r = run('sh', ['-c', trustFilesScript(dir)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${TRUSTED_CA_VARIABLE} is empty`);
  });

  it('tells certificate bundles from keys dressed as certificates', () => {
    expect(onlyCertificates(caPem)).toBe(true);
    expect(onlyCertificates(`${caPem}\n${caPem}`)).toBe(true);
    const key = readFileSync(join(pki.ca, 'ca.key'), 'utf8');
    expect(onlyCertificates(key)).toBe(false);
    const disguised = key.replace(
      /-----(BEGIN|END) [A-Z ]*PRIVATE KEY-----/g,
      '-----$1 CERTIFICATE-----',
    );
    expect(onlyCertificates(disguised)).toBe(false);
    expect(onlyCertificates(`${caPem}\nextra`)).toBe(false);
  });
});
