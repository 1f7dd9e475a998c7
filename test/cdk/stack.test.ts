import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations as CoreAnnotations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AwsApp, buildAwsApp } from '../../app/aws.js';
import { acknowledgementsUnder } from '../../cdk/nag.js';
import { IMAGE_WITHOUT_DIGEST } from '../../cdk/stack/index.js';
import { packFindings, packRows } from '../helpers/nag.js';

/*
 * The whole AWS app as `npm run synth` builds it: one synth with CDK's CloudFormation
 * validation and all four cdk-nag packs registered (any finding would throw), shared by
 * every test in this file. A second, smaller policy shows the template follows the policy.
 */

let main: AwsApp;
let template: Template;
let variant: Template;
let pinned: AwsApp;

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-cdk-'));
  main = buildAwsApp({ outdir });
  const assembly = main.app.synth();
  template = Template.fromJSON(
    JSON.parse(
      readFileSync(join(assembly.directory, `${main.stack.stackName}.template.json`), 'utf8'),
    ),
  );

  process.env.CDK_VALIDATION = 'false';
  const policyFile = join(outdir, 'variant.yaml');
  writeFileSync(
    policyFile,
    [
      'name: variant',
      'egress:',
      '  - host: api.anthropic.com',
      '    inject: { header: x-api-key, secret: team-anthropic }',
      '  - host: api.openai.com',
      '    inject: { header: authorization, secret: team-openai }',
      '  - host: git.example.com',
      '    ports: [443, 8443]',
      'proxy:',
      '  replicas: { min: 3, max: 9 }',
      'logging:',
      '  retention_days: 731',
    ].join('\n'),
  );
  const other = buildAwsApp({ outdir: join(outdir, 'variant'), policyFile });
  variant = Template.fromStack(other.stack);

  const digest = `sha256:${'0f1e'.repeat(16)}`;
  const pinnedFile = join(outdir, 'pinned.yaml');
  writeFileSync(
    pinnedFile,
    [
      'name: pinned',
      'egress:',
      '  - host: api.anthropic.com',
      'proxy:',
      `  image: envoyproxy/envoy:v1.36.4@${digest}`,
      'agents:',
      '  - name: coder',
      `    image: public.ecr.aws/docker/library/node:22-slim@${digest}`,
    ].join('\n'),
  );
  pinned = buildAwsApp({ outdir: join(outdir, 'pinned'), policyFile: pinnedFile });
}, 180_000);

describe('compliance', () => {
  it.each(packRows())('%s reports zero unacknowledged findings', (_name, pack) => {
    expect(packFindings(pack, main.stack)).toEqual([]);
  });

  it('every cdk-nag acknowledgement sits on a resource (not the stack or app) with a specific reason', () => {
    // CDK itself acknowledges a few of its CloudFormation validator's findings; those are not ours.
    const acks = acknowledgementsUnder(main.app).filter(
      (a) => !a.id.startsWith('CloudFormation-Validate::'),
    );
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.path.split('/').length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(2);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('the list of acknowledgements is reviewed: any change shows up in this snapshot', async () => {
    const lines = acknowledgementsUnder(main.app)
      .map((a) => `${a.path.replace(/^AgentPerimeter-demo\//, '')}  ${a.id}\n    ${a.reason}`)
      .sort();
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot(
      '../__snapshots__/cdk-acknowledgements.txt',
    );
  });
});

describe('images given by tag without a digest', () => {
  const tagWarnings = (app: AwsApp) =>
    Annotations.fromStack(app.stack)
      .findWarning('*', Match.stringLikeRegexp(`\\[ack: ${IMAGE_WITHOUT_DIGEST}\\]`))
      .map((w) => ({ path: w.id, data: String(w.entry.data) }));

  it('warn in the cloud assembly, where plain `cdk synth` and library users see them', () => {
    const warnings = tagWarnings(main);
    expect(warnings.map((w) => w.path)).toEqual([
      `/${main.stack.stackName}/Proxy`,
      `/${main.stack.stackName}/Agents`,
    ]);
    expect(warnings[0]?.data).toMatch(
      /^proxy\.image "envoyproxy\/envoy:v[\d.]+" is a tag without a digest/,
    );
    expect(warnings[1]?.data).toMatch(/^agents\[0\]\.image ".+" is a tag without a digest/);
    expect(warnings[0]?.data).toContain('Fix: read the digest with `crane digest');
  });

  it('are silent when every image is pinned by digest', () => {
    expect(tagWarnings(pinned)).toEqual([]);
  });

  it('are silenced by acknowledging their id on the perimeter', () => {
    const acknowledged = buildAwsApp({
      outdir: mkdtempSync(join(tmpdir(), 'agent-perimeter-ack-')),
    });
    CoreAnnotations.of(acknowledged.stack).acknowledgeWarning(IMAGE_WITHOUT_DIGEST);
    expect(tagWarnings(acknowledged)).toEqual([]);
  }, 120_000);
});

describe('the stack follows the policy', () => {
  it('exposes the proxy address and the agent environment as outputs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ProxyAddress',
        'AgentEnvironment',
        'AgentSubnets',
        'AgentSecurityGroup',
      ]),
    );
    const env = JSON.stringify(outputs.AgentEnvironment?.Value);
    expect(env).toContain('HTTPS_PROXY');
    expect(env).toContain('ANTHROPIC_BASE_URL');
    expect(env).not.toMatch(/sk-ant-|SecretString/);
  });

  it('scales the proxy within the policy bounds', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    variant.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 3,
      MaxCapacity: 9,
    });
  });

  it('opens one load-balancer listener per agent-facing port', () => {
    const ports = (t: Template) =>
      Object.values(t.findResources('AWS::ElasticLoadBalancingV2::Listener'))
        .map((l) => (l as { Properties: { Port: number } }).Properties.Port)
        .sort((a, b) => a - b);
    expect(ports(template)).toEqual([3128, 8081]);
    expect(ports(variant)).toEqual([3128, 8081, 8082]);
  });

  it('hands each injected secret to the proxy container only', () => {
    const secrets = (t: Template) =>
      Object.values(t.findResources('AWS::ECS::TaskDefinition')).flatMap((td) =>
        (
          td as { Properties: { ContainerDefinitions: { Secrets?: { Name: string }[] }[] } }
        ).Properties.ContainerDefinitions.flatMap((c) => (c.Secrets ?? []).map((s) => s.Name)),
      );
    expect(secrets(template)).toEqual(['AGENT_PERIMETER_SECRET_ANTHROPIC_API_KEY']);
    expect(secrets(variant).sort()).toEqual([
      'AGENT_PERIMETER_SECRET_TEAM_ANTHROPIC',
      'AGENT_PERIMETER_SECRET_TEAM_OPENAI',
    ]);
  });

  it('derives the DNS allowlist from the policy hosts', () => {
    const domains = (t: Template) =>
      Object.values(t.findResources('AWS::Route53Resolver::FirewallDomainList')).flatMap(
        (d) => (d as { Properties: { Domains?: unknown[] } }).Properties.Domains ?? [],
      );
    expect(domains(template)).toEqual(
      expect.arrayContaining(['api.anthropic.com', '*.githubusercontent.com']),
    );
    expect(domains(variant)).toEqual(expect.arrayContaining(['api.openai.com', 'git.example.com']));
    expect(domains(variant)).not.toContain('registry.npmjs.org');
  });

  it('keeps logs for the policy retention', () => {
    variant.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    expect(
      Object.values(variant.findResources('AWS::Logs::LogGroup')).every(
        (g) =>
          (g as { Properties: { RetentionInDays?: number } }).Properties.RetentionInDays === 731,
      ),
    ).toBe(true);
  });

  it('names the stack after the policy', () => {
    expect(main.stack.stackName).toBe('AgentPerimeter-demo');
  });
});
