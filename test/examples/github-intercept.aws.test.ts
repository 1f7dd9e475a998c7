import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../app/aws.js';
import { packResults } from '../../app/packs.js';
import { preparePolicy } from '../../app/prepare.js';
import { BUNDLE_VARIABLES, CA_ONLY_VARIABLE, TRUSTED_CA_VARIABLE } from '../../lib/ca/trust.js';
import { onlyCertificates } from '../../lib/policy/secrets.js';
import {
  AGENT_TRUST_DIR,
  AGENT_TRUST_FILES,
  CA_CERT_VARIABLE,
  CA_KEY_VARIABLE,
  LEAF_DIR,
} from '../../lib/proxy-contract.js';
import { INTERCEPTING_LAUNCHER_SCRIPT } from '../../lib/proxy-launcher.js';

/*
 * examples/github-intercept.yaml on AWS, synthesized for real (cdk-nag packs, cfn-guard
 * Control Tower rules, the containment verifier, all run by app.synth()): the CA key reaches
 * only the proxy, through exactly one secret grant to its execution role; agents get the CA
 * certificate (never a key) as files on a read-only mount their TLS variables point at.
 */

type Container = {
  Name: string;
  User?: string;
  Essential?: boolean;
  EntryPoint?: string[];
  Command?: string[];
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  MountPoints?: { ContainerPath: string; ReadOnly: boolean; SourceVolume: string }[];
  DependsOn?: { Condition: string; ContainerName: string }[];
  ReadonlyRootFilesystem?: boolean;
};
type Resource = { Type: string; Properties: Record<string, unknown> };

const example = 'examples/github-intercept.yaml';
const outdir = mkdtempSync(join(tmpdir(), 'intercept-aws-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const prepared = preparePolicy(example);
const { app, stack } = buildAwsApp({
  prepared,
  outdir,
  context: { '@aws-cdk/core:validationReportJson': true },
});
app.synth();
const template = JSON.parse(
  readFileSync(join(outdir, `${stack.stackName}.template.json`), 'utf8'),
) as { Resources: Record<string, Resource> };
const resources = Object.entries(template.Resources);
const taskDefinitions = resources.filter(([, r]) => r.Type === 'AWS::ECS::TaskDefinition');
const containersOf = (prefix: string): Container[] => {
  const found = taskDefinitions.find(([id]) => id.startsWith(prefix));
  if (found === undefined) throw new Error(`no task definition ${prefix}`);
  return found[1].Properties.ContainerDefinitions as Container[];
};
const caSecret = prepared.policy.proxy.interception?.ca_secret ?? '';
const mentionsCaSecret = (value: unknown) => JSON.stringify(value).includes(`secret:${caSecret}`);
const env = (c: Container | undefined) =>
  Object.fromEntries((c?.Environment ?? []).map((e) => [e.Name, e.Value]));

describe(`${example} on AWS`, () => {
  it('synthesizes with no unacknowledged finding in any pack', () => {
    const { packs } = packResults(outdir, stack);
    expect(packs.map((p) => [p.pack, p.unacknowledged])).toEqual(packs.map((p) => [p.pack, 0]));
    expect(packs.length).toBeGreaterThanOrEqual(5);
  });

  it('grants the CA key secret to exactly one identity, the proxy execution role, in one statement', () => {
    const holders = resources.filter(
      ([, r]) =>
        (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') &&
        mentionsCaSecret(r.Properties),
    );
    expect(holders.map(([id]) => id)).toEqual([expect.stringMatching(/^ProxyExecutionPolicy/)]);
    const [, policy] = holders[0] as [string, Resource];
    expect(policy.Properties.Roles).toEqual([
      { Ref: expect.stringMatching(/^ProxyExecutionRole/) },
    ]);
    const statements = (
      policy.Properties.PolicyDocument as { Statement: { Sid: string; Resource: unknown }[] }
    ).Statement;
    const ca = statements.filter((s) => mentionsCaSecret(s));
    expect(ca.map((s) => s.Sid)).toEqual(['ReadCaKey']);
    // One ARN, the secret's own (name plus Secrets Manager's 6-character suffix).
    expect(Array.isArray(ca[0]?.Resource)).toBe(false);
    expect(JSON.stringify(ca[0]?.Resource)).toContain(`:secret:${caSecret}-??????`);
    // No role's inline policy and no other statement name the CA secret.
    expect(resources.filter(([, r]) => r.Type === 'AWS::IAM::Role' && mentionsCaSecret(r))).toEqual(
      [],
    );
  });

  it('hands the key to the Envoy container only, as a secret, and the certificate as plain environment', () => {
    const holders = taskDefinitions.filter(([, r]) => mentionsCaSecret(r.Properties));
    expect(holders.map(([id]) => id)).toEqual([expect.stringMatching(/^ProxyTaskDefinition/)]);
    const [envoy, init] = containersOf('ProxyTaskDefinition');
    expect(envoy?.Secrets?.find((s) => s.Name === CA_KEY_VARIABLE)?.ValueFrom).toBeDefined();
    expect(init?.Secrets ?? []).toEqual([]);
    expect(env(init)).toEqual({});
    const certificate = env(envoy)[CA_CERT_VARIABLE];
    expect(certificate).toBe(prepared.ca?.certificatePem);
    expect(onlyCertificates(String(certificate))).toBe(true);
  });

  it('runs the intercepting launcher with the CA, the leaf directory and the basic credential', () => {
    const [envoy, init] = containersOf('ProxyTaskDefinition');
    expect(envoy?.EntryPoint?.[2]).toBe(INTERCEPTING_LAUNCHER_SCRIPT);
    const command = envoy?.Command ?? [];
    const valuesOf = (flag: string) => command.filter((_, i) => command[i - 1] === flag);
    expect(valuesOf('--ca-key-env')).toEqual([CA_KEY_VARIABLE]);
    expect(valuesOf('--ca-cert-env')).toEqual([CA_CERT_VARIABLE]);
    expect(valuesOf('--leaf-dir')).toEqual([LEAF_DIR]);
    expect(valuesOf('--leaf-days')).toEqual([
      String(prepared.policy.proxy.interception?.leaf_lifetime_days),
    ]);
    expect(valuesOf('--leaf')).toEqual(['github.com:leaf_github_com:github.com']);
    expect(valuesOf('--credential-as')).toEqual([
      'AGENT_PERIMETER_SECRET_GITHUB_TOKEN_AS_BASIC:basic:x-access-token:env:AGENT_PERIMETER_SECRET_GITHUB_TOKEN',
    ]);
    // The config reads the header value from the variable the launcher fills.
    expect(JSON.stringify(prepared.envoyConfig)).toContain(
      '"environment_variable":"AGENT_PERIMETER_SECRET_GITHUB_TOKEN_AS_BASIC"',
    );
    // The leaf directory: a task volume for Envoy and its run-once opener, nobody else.
    expect(envoy?.MountPoints).toEqual([
      { ContainerPath: LEAF_DIR, ReadOnly: false, SourceVolume: 'leaf-certificates' },
    ]);
    expect(envoy?.ReadonlyRootFilesystem).toBe(true);
    expect(envoy?.DependsOn).toEqual([{ Condition: 'SUCCESS', ContainerName: init?.Name }]);
    expect(init).toMatchObject({
      Name: 'leaf-permissions',
      Essential: false,
      EntryPoint: ['chmod'],
      Command: ['1777', LEAF_DIR],
      ReadonlyRootFilesystem: true,
    });
    const [, proxyTask] =
      taskDefinitions.find(([id]) => id.startsWith('ProxyTaskDefinition')) ?? [];
    expect(proxyTask?.Properties.Volumes).toEqual([{ Name: 'leaf-certificates' }]);
  });

  it('keeps the proxy task definition inside ECS 64 KiB', () => {
    const [, proxyTask] =
      taskDefinitions.find(([id]) => id.startsWith('ProxyTaskDefinition')) ?? [];
    const bytes = Buffer.byteLength(JSON.stringify(proxyTask?.Properties), 'utf8');
    expect(bytes).toBeLessThan(64 * 1024);
  });

  for (const prefix of ['Agentsclaudecode', 'ProbeTask']) {
    it(`${prefix}: the trust files on a read-only mount, written by a non-root init container, and the variables point at them`, () => {
      const containers = containersOf(prefix);
      const agent = containers.find((c) => c.Name === 'agent');
      const trust = containers.find((c) => c.Name === 'trust-files');
      for (const c of containers) {
        expect(c.Secrets ?? [], c.Name).toEqual([]);
        expect(JSON.stringify(c.Environment ?? [])).not.toMatch(
          /PRIVATE KEY|AGENT_PERIMETER_CA_KEY/,
        );
      }
      expect(agent?.MountPoints).toContainEqual({
        ContainerPath: AGENT_TRUST_DIR,
        ReadOnly: true,
        SourceVolume: 'agent-trust',
      });
      expect(agent?.DependsOn).toContainEqual({
        Condition: 'SUCCESS',
        ContainerName: 'trust-files',
      });
      expect(trust?.User).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(trust?.Essential).toBe(false);
      expect(trust?.ReadonlyRootFilesystem).toBe(true);
      expect(trust?.MountPoints).toEqual([
        { ContainerPath: AGENT_TRUST_DIR, ReadOnly: false, SourceVolume: 'agent-trust' },
      ]);
      expect(env(trust)).toEqual({ [TRUSTED_CA_VARIABLE]: prepared.ca?.trustedPem });
      const vars = env(agent);
      for (const name of BUNDLE_VARIABLES) {
        expect(vars[name], name).toBe(`${AGENT_TRUST_DIR}/${AGENT_TRUST_FILES.bundle}`);
      }
      expect(vars[CA_ONLY_VARIABLE]).toBe(`${AGENT_TRUST_DIR}/${AGENT_TRUST_FILES.ca}`);
    });
  }
});
