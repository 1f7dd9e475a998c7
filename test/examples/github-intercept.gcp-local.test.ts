import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planGcp } from '../../app/gcp-plan.js';
import { preparePolicy } from '../../app/prepare.js';
import { BUNDLE_VARIABLES, CA_ONLY_VARIABLE, trustThenExec } from '../../lib/ca/trust.js';
import { verifyTemplate } from '../../lib/containment/index.js';
import { COMPOSE_FILE, LAUNCHER_FILE, renderLocalFiles } from '../../lib/local/index.js';
import { proxyPorts } from '../../lib/policy/index.js';
import { onlyCertificates } from '../../lib/policy/secrets.js';
import {
  AGENT_TRUST_DIR,
  CA_KEY_VARIABLE,
  CLOUD_RUN_TRUST_DIR,
  LEAF_DIR,
} from '../../lib/proxy-contract.js';
import { INTERCEPTING_LAUNCHER_SCRIPT } from '../../lib/proxy-launcher.js';
import { envoyYaml } from '../../proxy/yaml.js';
import { BOOT_PATHS, CONTAINER_CA_PATHS } from '../../pulumi/proxy-tier/boot.js';
import { makePki, run } from '../helpers/tls.js';

/*
 * examples/github-intercept.yaml on GCP (the offline plan, contained) and locally (the compose
 * project): the CA key is readable by the proxy's identity alone and reaches only the proxy;
 * agents get the CA certificate and a bundle where their TLS variables point, never a key.
 */

const example = 'examples/github-intercept.yaml';
const prepared = preparePolicy(example);
const caSecret = prepared.policy.proxy.interception?.ca_secret ?? '';
const root = mkdtempSync(join(tmpdir(), 'intercept-gcp-local-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe(`${example} on GCP`, async () => {
  const plan = await planGcp({ prepared });
  const ofType = (type: string) => plan.resources.filter((r) => r.type.endsWith(type));
  const inputs = (r: { inputs?: unknown }) => (r.inputs ?? {}) as Record<string, unknown>;
  const proxySa = ofType('serviceaccount/account:Account').find((r) =>
    r.name.endsWith('-proxy-sa'),
  );
  const userData = String(
    (
      inputs(ofType('instanceTemplate:InstanceTemplate')[0] ?? {}).metadata as Record<
        string,
        unknown
      >
    )['user-data'],
  );

  it('is contained', () => {
    const result = verifyTemplate(plan, 'intercept-plan', {
      proxyPorts: [...proxyPorts(prepared.policy).agentFacing],
      expectedProxy: prepared.expectedProxy,
    });
    expect(result.violations).toEqual([]);
  });

  it("grants the CA key secret to the proxy's service account alone, on that secret alone", () => {
    // Every IAM resource that names the secret (the instance's boot script names it too).
    const onCa = plan.resources.filter(
      (r) => /iam/i.test(r.type) && JSON.stringify(r.inputs ?? {}).includes(caSecret),
    );
    expect(onCa.map((r) => r.type)).toEqual(['gcp:secretmanager/secretIamMember:SecretIamMember']);
    expect(inputs(onCa[0] ?? {})).toMatchObject({
      secretId: caSecret,
      role: 'roles/secretmanager.secretAccessor',
      member: `serviceAccount:${String(inputs(proxySa ?? {}).accountId)}@agent-perimeter-plan.iam.gserviceaccount.com`,
    });
    // No IAM binding anywhere names an agent's service account.
    const agentSas = ofType('serviceaccount/account:Account')
      .filter((r) => r.name.includes('-agent-'))
      .map((r) => String(inputs(r).accountId));
    const members = plan.resources
      .filter((r) => /IamMember|IAMMember|IamBinding/.test(r.type))
      .map((r) => String(inputs(r).member ?? ''));
    for (const sa of agentSas) expect(members.join(' ')).not.toContain(sa);
  });

  it('boots the proxy with the CA key as a file on tmpfs for Envoy only, the leaves on a tmpfs, and the formatted credential', () => {
    expect(userData).not.toMatch(/PRIVATE KEY-----\n[A-Za-z0-9]/);
    expect(userData).toContain(BOOT_PATHS.caCertificate);
    expect(userData).toContain(prepared.ca?.certificatePem.split('\n')[1] ?? 'no certificate');
    expect(userData).toContain(`secret_value '${caSecret}'`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in the boot script.
    expect(userData).toContain('chmod 0400 "${RUN_DIR}/ca/ca.key"');
    expect(userData).toContain(
      `--tmpfs=${LEAF_DIR}:rw,noexec,nosuid,nodev,size=16m,uid=101,gid=101,mode=0700`,
    );
    expect(userData).toContain(`--ca-key-file ${CONTAINER_CA_PATHS.key}`);
    expect(userData).toContain(`--ca-cert-file ${CONTAINER_CA_PATHS.certificate}`);
    expect(userData).toContain('--leaf github.com:leaf_github_com:github.com');
    expect(userData).toContain(
      '--credential-as AGENT_PERIMETER_SECRET_GITHUB_TOKEN_AS_BASIC:basic:x-access-token:env:AGENT_PERIMETER_SECRET_GITHUB_TOKEN',
    );
    // The intercepting launcher is the one written to the instance.
    expect(userData).toContain('issue_leaves()');
  });

  it('runs the Cloud Run agent behind the trust-files wrapper, with the variables pointing at them and no secret', () => {
    const service = ofType('cloudrunv2/service:Service')[0];
    const template = inputs(service ?? {}).template as {
      containers: {
        commands: string[];
        args: string[];
        envs: { name: string; value?: string; valueSource?: unknown }[];
      }[];
      volumes?: unknown[];
    };
    const [agent] = template.containers;
    expect(agent?.commands).toEqual(['/bin/sh']);
    expect(agent?.args.slice(0, 3)).toEqual([
      '-c',
      trustThenExec(CLOUD_RUN_TRUST_DIR),
      'agent-perimeter-trust',
    ]);
    expect(agent?.args.slice(3)).toEqual(prepared.policy.agents[0]?.command);
    const envs = Object.fromEntries((agent?.envs ?? []).map((e) => [e.name, e.value]));
    for (const name of BUNDLE_VARIABLES)
      expect(envs[name]).toBe(`${CLOUD_RUN_TRUST_DIR}/bundle.crt`);
    expect(envs[CA_ONLY_VARIABLE]).toBe(`${CLOUD_RUN_TRUST_DIR}/ca.crt`);
    expect((agent?.envs ?? []).filter((e) => e.valueSource !== undefined)).toEqual([]);
    expect(template.volumes ?? []).toEqual([]);
    expect(JSON.stringify(agent)).not.toContain('PRIVATE KEY');
  });

  it('the wrapper writes the trust files and then runs the command, which trusts a leaf of the CA', async () => {
    const pki = await makePki(
      join(root, 'pki'),
      `name: gh\negress:\n  - host: github.com\n    tls: intercept\nproxy:\n  interception:\n    ca_secret: k\n    ca_certificate: ca/ca.crt\n`,
    );
    const dir = join(root, 'cloud-run-trust');
    const leaf = join(pki.leaves, 'github.com.crt');
    const r = run(
      'sh',
      [
        '-c',
        trustThenExec(dir),
        'agent-perimeter-trust',
        'openssl',
        'verify',
        '-CAfile',
        `${dir}/bundle.crt`,
        leaf,
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          AGENT_PERIMETER_TRUSTED_CA: readFileSync(join(pki.ca, 'ca.crt'), 'utf8'),
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${leaf}: OK\n`);
    // Without the certificates the command never starts.
    const refused = run(
      'sh',
      ['-c', trustThenExec(join(root, 'none')), 'agent-perimeter-trust', 'echo', 'ran'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      },
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
  });

  it("the proxy's fetch script is valid bash and the launcher is the intercepting one", () => {
    const doc = parse(userData.replace(/^#cloud-config\n/, '')) as {
      write_files: { path: string; content: string }[];
    };
    const fetch = doc.write_files.find((f) => f.path === BOOT_PATHS.fetchScript)?.content ?? '';
    expect(fetch).toContain(`secret_value '${caSecret}'`);
    expect(run('bash', ['-n', '-c', fetch]).code).toBe(0);
    expect(doc.write_files.find((f) => f.path === BOOT_PATHS.launcher)?.content).toBe(
      INTERCEPTING_LAUNCHER_SCRIPT,
    );
  });
});

describe(`${example} locally`, () => {
  const files = renderLocalFiles(
    prepared.policy,
    envoyYaml(prepared.envoyConfig, prepared.file.shown),
    { ...(prepared.ca === undefined ? {} : { ca: prepared.ca }) },
  );
  const compose = parse(files[COMPOSE_FILE] as string) as {
    services: Record<string, Record<string, unknown>>;
  };
  const proxy = compose.services.proxy ?? {};
  const agent = compose.services['claude-code'] ?? {};

  it('gives the proxy the CA key from the shell by name, the certificate read-only, the leaves on its own tmpfs', () => {
    expect(proxy.environment).toContain(CA_KEY_VARIABLE);
    expect(files[COMPOSE_FILE]).not.toContain('PRIVATE KEY');
    expect(proxy.volumes).toContainEqual({
      type: 'bind',
      source: './proxy-ca.crt',
      target: '/etc/agent-perimeter/ca/ca.crt',
      read_only: true,
    });
    expect(proxy.tmpfs).toEqual([
      `${LEAF_DIR}:rw,noexec,nosuid,nodev,size=16m,uid=101,gid=101,mode=0700`,
    ]);
    const command = proxy.command as string[];
    expect(command.filter((_, i) => command[i - 1] === '--ca-key-env')).toEqual([CA_KEY_VARIABLE]);
    expect(command).toContain('github.com:leaf_github_com:github.com');
    expect(files[LAUNCHER_FILE]).toBe(INTERCEPTING_LAUNCHER_SCRIPT);
    expect(files['proxy-ca.crt']).toBe(prepared.ca?.certificatePem);
  });

  it('gives agents the CA and the bundle read-only where their variables point, and nothing of the key', () => {
    expect(agent.volumes).toEqual([
      {
        type: 'bind',
        source: './trust-ca.crt',
        target: `${AGENT_TRUST_DIR}/ca.crt`,
        read_only: true,
      },
      {
        type: 'bind',
        source: './trust-bundle.crt',
        target: `${AGENT_TRUST_DIR}/bundle.crt`,
        read_only: true,
      },
    ]);
    const env = agent.environment as Record<string, string>;
    for (const name of BUNDLE_VARIABLES) expect(env[name]).toBe(`${AGENT_TRUST_DIR}/bundle.crt`);
    expect(env[CA_ONLY_VARIABLE]).toBe(`${AGENT_TRUST_DIR}/ca.crt`);
    expect(JSON.stringify(agent)).not.toContain(CA_KEY_VARIABLE);
    expect(agent.read_only).toBe(true);
  });

  it('writes a bundle of public roots ending with the CA, every block a certificate', () => {
    const bundle = files['trust-bundle.crt'] as string;
    expect(bundle.trim().endsWith((prepared.ca?.trustedPem ?? 'none').trim())).toBe(true);
    expect(onlyCertificates(bundle)).toBe(true);
    expect(bundle.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThan(100);
  });
});
