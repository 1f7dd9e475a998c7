import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CreateCaOptions, createCa } from '../../lib/ca/create.js';
import { loadPolicyCa } from '../../lib/ca/policy-ca.js';
import { CA_DEFAULT_DAYS, LEAF_DEFAULT_DAYS } from '../../lib/ca/profile.js';
import { trustBundle } from '../../lib/ca/trust.js';
import { parsePolicy } from '../../lib/policy/index.js';
import { INTERCEPTING_LAUNCHER_SCRIPT } from '../../lib/proxy-launcher.js';
import { runCli } from '../helpers/cli.js';
import { runWithEnvoyStandIn } from '../helpers/launcher.js';
import { GITHUB_INTERCEPT_ENTRY } from '../helpers/policy.js';
import { makePki, missingTools, openssl, run, selfSignedCa } from '../helpers/tls.js';

/*
 * The private CA, made and checked for real: the CLI writes the files, openssl reads them
 * (chain, SAN, name constraints, key usage, lifetimes), and the launcher's own openssl
 * issuance at proxy start gives leaves of the same profile.
 */

const root = mkdtempSync(join(tmpdir(), 'ca-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const POLICY = `name: gh
egress:
${GITHUB_INTERCEPT_ENTRY}  - host: registry.npmjs.org
`;

const text = (cert: string) => openssl('x509', '-in', cert, '-noout', '-text').stdout;
function lifetimeDays(cert: string): number {
  const out = openssl('x509', '-in', cert, '-noout', '-startdate', '-enddate').stdout;
  const [start, end] = [/notBefore=(.*)/, /notAfter=(.*)/].map((r) =>
    Date.parse(r.exec(out)?.[1] ?? ''),
  );
  return Math.round(((end ?? 0) - (start ?? 0)) / 86_400_000);
}

describe('the TLS tools the tests need', () => {
  it('are installed (.ci/run installs openssl, git and curl from Debian)', () => {
    expect(missingTools()).toEqual([]);
  });
});

describe('ca create and ca issue', async () => {
  const pki = await makePki(join(root, 'ec'), POLICY);
  const caCert = join(pki.ca, 'ca.crt');
  const leaf = join(pki.leaves, 'github.com.crt');

  it('makes a CA whose leaf verifies with openssl, and a key only the owner reads', () => {
    expect(openssl('verify', '-CAfile', caCert, leaf)).toMatchObject({
      code: 0,
      stdout: `${leaf}: OK\n`,
    });
    expect(readFileSync(join(pki.ca, 'ca.key')).length).toBeGreaterThan(0);
    expect(run('stat', ['-c', '%a', join(pki.ca, 'ca.key')]).stdout.trim()).toBe('600');
    expect(run('stat', ['-c', '%a', join(pki.leaves, 'github.com.key')]).stdout.trim()).toBe('600');
  });

  it('constrains the CA: CA:TRUE with path length 0, certificate signing only, DNS names under the intercepted hosts, no IP', () => {
    const ca = text(caCert);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign\n/);
    expect(ca).toMatch(
      /Name Constraints: critical\s+Permitted:\s+DNS:github.com\s+Excluded:\s+IP:0.0.0.0\/0.0.0.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0/,
    );
    expect(ca).not.toContain('registry.npmjs.org');
    expect(ca).toContain('ASN1 OID: prime256v1');
    expect(lifetimeDays(caCert)).toBe(CA_DEFAULT_DAYS);
  });

  it('issues a leaf for the host only: SAN, serverAuth only, not a CA, short-lived', () => {
    const l = text(leaf);
    expect(l).toMatch(/Subject Alternative Name:\s+DNS:github.com\n/);
    expect(l).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(l).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(l).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(lifetimeDays(leaf)).toBe(LEAF_DEFAULT_DAYS);
    expect(readdirSync(pki.leaves).sort()).toEqual(['github.com.crt', 'github.com.key']);
  });

  it('the name constraints hold: openssl refuses a certificate the CA key signs for another site', () => {
    const dir = join(root, 'evil');
    mkdirSync(dir);
    const key = join(dir, 'evil.key');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key);
    openssl('req', '-new', '-key', key, '-subj', '/CN=evil.example', '-out', join(dir, 'evil.csr'));
    writeFileSync(
      join(dir, 'ext'),
      'subjectAltName=DNS:evil.example\nextendedKeyUsage=serverAuth\n',
    );
    const signed = openssl(
      'x509',
      '-req',
      '-in',
      join(dir, 'evil.csr'),
      '-CA',
      caCert,
      '-CAkey',
      join(pki.ca, 'ca.key'),
      '-set_serial',
      '7',
      '-days',
      '1',
      '-extfile',
      join(dir, 'ext'),
      '-out',
      join(dir, 'evil.crt'),
    );
    expect(signed.code).toBe(0);
    const verified = openssl('verify', '-CAfile', caCert, join(dir, 'evil.crt'));
    expect(verified.code).not.toBe(0);
    expect(verified.stdout + verified.stderr).toContain('permitted subtree violation');
  });

  it('makes RSA-3072 CAs on request', async () => {
    const rsa = await makePki(join(root, 'rsa'), POLICY, ['--key', 'rsa-3072', '--days', '30']);
    const ca = join(rsa.ca, 'ca.crt');
    expect(text(ca)).toContain('Public-Key: (3072 bit)');
    expect(lifetimeDays(ca)).toBe(30);
    expect(openssl('verify', '-CAfile', ca, join(rsa.leaves, 'github.com.crt')).code).toBe(0);
  });

  it('the launcher issues leaves of the same profile at proxy start, with openssl, and keeps the CA key out of Envoy', () => {
    const dir = join(root, 'launcher');
    const tls = join(dir, 'tls');
    mkdirSync(tls, { recursive: true });
    writeFileSync(join(dir, 'launch.sh'), INTERCEPTING_LAUNCHER_SCRIPT);
    const r = runWithEnvoyStandIn(
      join(dir, 'launch.sh'),
      {
        credentials: { variables: ['TOKEN'] },
        formattedCredentials: [
          { out: 'HEADER', format: 'basic', username: 'x-access-token', source: { env: 'TOKEN' } },
        ],
        leaves: {
          hosts: [{ host: 'github.com', secret: 'leaf_github_com', base: 'github.com' }],
          dir: tls,
          days: 3,
          caKey: { env: 'CA_KEY' },
          caCertificate: { file: caCert },
        },
      },
      // Prints what Envoy's environment would hold.
      'echo "HEADER=$HEADER"; echo "CA_KEY=[$CA_KEY]"',
      { TOKEN: 'ghp_example', CA_KEY: readFileSync(join(pki.ca, 'ca.key'), 'utf8') },
    );
    expect(r.stderr).toContain('issued the certificate for github.com (3 days)');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `HEADER=Basic ${Buffer.from('x-access-token:ghp_example').toString('base64')}\n`,
    );
    expect(r.stdout).toContain('CA_KEY=[]');
    const issued = join(tls, 'github.com.crt');
    expect(openssl('verify', '-CAfile', caCert, issued).code).toBe(0);
    const l = text(issued);
    expect(l).toMatch(/Subject Alternative Name:\s+DNS:github.com\n/);
    expect(l).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(l).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(lifetimeDays(issued)).toBe(3);
    expect(JSON.parse(readFileSync(join(tls, 'github.com.sds.json'), 'utf8'))).toEqual({
      resources: [
        {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
          name: 'leaf_github_com',
          tls_certificate: {
            certificate_chain: { filename: issued },
            private_key: { filename: join(tls, 'github.com.key') },
          },
        },
      ],
    });
  });
});

describe('bad CA input exits 2 with the path, the value and the fix, and writes nothing', async () => {
  const good = await makePki(join(root, 'good'), POLICY);
  const policyFile = good.policyFile;
  const expectNothingWritten = async (caDir: string, words: string) => {
    const out = join(root, `out-${Math.random().toString(36).slice(2)}`);
    const r = await runCli('ca', 'issue', '--policy', policyFile, '--ca', caDir, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(words);
    expect(r.stderr).toContain('Fix:');
    expect(existsSync(out)).toBe(false);
  };
  const caDir = (name: string, cert: string, key?: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), cert);
    if (key !== undefined) writeFileSync(join(dir, 'ca.key'), key);
    return dir;
  };
  const goodCert = readFileSync(join(good.ca, 'ca.crt'), 'utf8');
  const goodKey = readFileSync(join(good.ca, 'ca.key'), 'utf8');

  it('a CA directory without a key', async () => {
    await expectNothingWritten(caDir('nokey', goodCert), 'no CA private key');
  });

  /** A CA made by `ca create`'s code: for github.com, 30 days, unless `options` say otherwise. */
  const newCa = (options: Partial<CreateCaOptions> = {}) =>
    createCa({ hosts: ['github.com'], keyType: 'ec-p256', days: 30, ...options });

  // CAs with their own key, each unfit to sign the policy's leaves.
  const unfit: readonly [string, string, Partial<CreateCaOptions>, string][] = [
    [
      'an expired CA',
      'expired',
      { days: 1, now: new Date(Date.now() - 3 * 86_400_000) },
      'expired on',
    ],
    ['a CA that expires before the leaf would', 'soon', { days: 2 }, 'before a 7-day leaf'],
    [
      'a CA for other hosts',
      'other',
      { hosts: ['gitlab.com'], days: 30 },
      'may sign only for gitlab.com, not for github.com',
    ],
  ];
  it.each(unfit)('%s', async (_what, dir, options, words) => {
    const ca = await newCa(options);
    await expectNothingWritten(caDir(dir, ca.certificatePem, ca.keyPem), words);
  });

  it('an unconstrained CA', async () => {
    const dir = join(root, 'unconstrained');
    mkdirSync(dir);
    const made = selfSignedCa(dir, '/CN=open', 30, [
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ]);
    expect(made.code).toBe(0);
    await expectNothingWritten(dir, 'has no DNS name constraints');
  });

  it('a key that does not belong to the certificate', async () => {
    const other = await newCa();
    await expectNothingWritten(caDir('mismatch', goodCert, other.keyPem), 'does not belong to');
  });

  it('a key that is not a key', async () => {
    await expectNothingWritten(caDir('garbage', goodCert, 'not a key'), 'is not a PEM private key');
    expect(goodKey).toContain('PRIVATE KEY');
  });

  it('ca create never overwrites a CA', async () => {
    const r = await runCli('ca', 'create', '--policy', policyFile, '--out', good.ca);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists. A CA is never overwritten');
    expect(readFileSync(join(good.ca, 'ca.key'), 'utf8')).toBe(goodKey);
  });

  it('a policy with nothing intercepted', async () => {
    const file = join(root, 'plain.yaml');
    writeFileSync(file, 'name: plain\negress:\n  - host: github.com\n');
    const r = await runCli('ca', 'create', '--policy', file, '--out', join(root, 'never'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no egress entry has `tls: intercept`');
    expect(existsSync(join(root, 'never'))).toBe(false);
  });

  it('check-policy and synth read the same CA checks: a policy naming an expired CA', async () => {
    const old = await createCa({
      hosts: ['github.com'],
      keyType: 'ec-p256',
      days: 1,
      now: new Date(Date.now() - 3 * 86_400_000),
    });
    const dir = join(root, 'policy-expired');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old.crt'), old.certificatePem);
    writeFileSync(
      join(dir, 'p.yaml'),
      `${POLICY}proxy:\n  interception: { ca_secret: gh-ca, ca_certificate: old.crt }\n`,
    );
    const r = await runCli('check-policy', join(dir, 'p.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('proxy.interception.ca_certificate: "old.crt" expired on');
    writeFileSync(
      join(dir, 'k.yaml'),
      `${POLICY}proxy:\n  interception: { ca_secret: gh-ca, ca_certificate: key.pem }\n`,
    );
    writeFileSync(join(dir, 'key.pem'), old.keyPem);
    const k = await runCli('check-policy', join(dir, 'k.yaml'));
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('holds a private key');
  });
});

describe('rotating the CA with an overlap', async () => {
  const oldPki = await makePki(join(root, 'rot-old'), POLICY);
  const newPki = await makePki(join(root, 'rot-new'), POLICY);
  const bundle = (file: string, pems: string[]) => {
    writeFileSync(file, trustBundle(pems.join('\n'), []));
    return file;
  };
  const oldCa = readFileSync(join(oldPki.ca, 'ca.crt'), 'utf8');
  const newCa = readFileSync(join(newPki.ca, 'ca.crt'), 'utf8');
  const oldLeaf = join(oldPki.leaves, 'github.com.crt');
  const newLeaf = join(newPki.leaves, 'github.com.crt');

  it('step 1 (agents trust both) accepts leaves of either CA; step 3 (old CA dropped) refuses the old ones', () => {
    const overlap = bundle(join(root, 'overlap.pem'), [oldCa, newCa]);
    expect(openssl('verify', '-CAfile', overlap, oldLeaf).code).toBe(0);
    expect(openssl('verify', '-CAfile', overlap, newLeaf).code).toBe(0);
    const after = bundle(join(root, 'after.pem'), [newCa]);
    expect(openssl('verify', '-CAfile', after, newLeaf).code).toBe(0);
    expect(openssl('verify', '-CAfile', after, oldLeaf).code).not.toBe(0);
  });

  it("the policy names the overlap: `also_trusted` joins the agents' trust, the signing CA stays one", () => {
    const dir = join(root, 'rot-policy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old.crt'), oldCa);
    writeFileSync(join(dir, 'new.crt'), newCa);
    const policy = parsePolicy(
      `${POLICY}proxy:\n  interception:\n    ca_secret: gh-ca-next\n    ca_certificate: new.crt\n    also_trusted: [old.crt]\n`,
    );
    const ca = loadPolicyCa(policy, join(dir, 'p.yaml'), 'p.yaml');
    expect(ca?.certificatePem).toBe(newCa);
    expect(ca?.keySecret).toBe('gh-ca-next');
    const trusted = join(dir, 'trusted.pem');
    writeFileSync(trusted, ca?.trustedPem ?? '');
    expect(openssl('verify', '-CAfile', trusted, oldLeaf).code).toBe(0);
    expect(openssl('verify', '-CAfile', trusted, newLeaf).code).toBe(0);
  });
});
