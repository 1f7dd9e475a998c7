import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, formatViolation, verifyTemplate } from '../../../lib/containment/index.js';
import {
  type ExpectedProxy,
  PROXY_CONFIG_DIGEST_ENV,
} from '../../../lib/contract/proxy-identity.js';
import { tempFiles } from '../../helpers/cli.js';
import { runVerify } from '../../helpers/containment-cli.js';
import { props, realTemplate, type TemplateJson } from '../../helpers/containment-template.js';
import { parts, ref } from '../../helpers/containment-template-parts.js';
import {
  type MutationCase,
  mutationCase,
  mutationCases,
  plantAws,
} from '../../helpers/mutation-fixtures.js';

/*
 * The AWS adapter and the analysis on the real synthesized stack, with one planted escape at a
 * time (the cases are data: test/fixtures/containment/aws-mutations.yaml). Each must be reported on the
 * resource that opened it, with its channel; the untouched template must verify clean.
 */

let base: TemplateJson;
let stackName: string;
let expectedProxy: ExpectedProxy;

beforeAll(() => {
  ({ template: base, stackName, expectedProxy } = realTemplate());
});

const MUTATIONS = mutationCases('aws');

const mutated = (plant: MutationCase | ((t: TemplateJson) => string)) => {
  const template = structuredClone(base);
  const resource = typeof plant === 'function' ? plant(template) : plantAws(template, plant);
  return { template, resource };
};

describe('the real template', () => {
  it('verifies clean: agents reach only the proxy tier and the endpoints', () => {
    const report = verifyTemplate(base, stackName, { expectedProxy });
    expect(report.violations.map((v) => formatViolation(v))).toEqual([]);
    expect(report.agents.length).toBeGreaterThanOrEqual(2);
    expect(report.proxyPorts).toEqual([3128, 8081]);
    for (const agent of report.agents) {
      expect(agent.allowedByGroups).toMatch(
        /tcp 3128,8081 to security group NetworkLoadBalancerSecurityGroup/,
      );
    }
  });

  it('plants at least 25 distinct escapes covering every channel', () => {
    expect(MUTATIONS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(MUTATIONS.map((m) => m.name)).size).toBe(MUTATIONS.length);
    expect(new Set(MUTATIONS.map((m) => m.channel))).toEqual(new Set(CHANNEL_NAMES));
  });
});

describe('planted escapes', () => {
  for (const m of MUTATIONS) {
    it(`${m.channel}: ${m.name}`, () => {
      const { template, resource } = mutated(m);
      const report = verifyTemplate(template, stackName, { expectedProxy, ...m.options });
      const lines = report.violations.map((v) => formatViolation(v));
      const hit = report.violations.find((v) => v.channel === m.channel && v.resource === resource);
      expect(hit, `expected ${m.channel} on ${resource}, got:\n${lines.join('\n')}`).toBeDefined();
      expect(formatViolation(hit as NonNullable<typeof hit>)).toMatch(
        new RegExp(`^VIOLATION ${resource}: ${m.channel}: .*${resource}`),
      );
    });
  }
});

describe('who stands behind the endpoints', () => {
  it("passes endpoint policies naming this account's resources and the ECR layer bucket", () => {
    const { template } = mutated((t) => {
      const p = parts(t);
      t.Resources.ConfigBucket = {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: 'agent-perimeter-config-demo' },
      };
      const s3 = (props(t, p.s3Endpoint).PolicyDocument as { Statement: unknown[] }).Statement;
      s3.push({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: '*',
        Resource: 'arn:aws:s3:::agent-perimeter-config-demo/*',
      });
      const ecr = (props(t, p.ecrEndpoint).PolicyDocument as { Statement: unknown[] }).Statement;
      // An environment-pinned stack writes its account literally; the statement is limited
      // to that account's principals, so its resources are this account's (or grant nothing).
      ecr.push({
        Effect: 'Allow',
        Action: 'ecr:BatchGetImage',
        Principal: '*',
        Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*',
        Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
      });
      return p.s3Endpoint;
    });
    const report = verifyTemplate(template, stackName, { expectedProxy });
    expect(report.violations.map((v) => formatViolation(v))).toEqual([]);
  });

  it('passes a bucket of this template named through Fn::GetAtt Arn, alone and joined with /*', () => {
    const { template } = mutated((t) => {
      const p = parts(t);
      t.Resources.ConfigBucket = { Type: 'AWS::S3::Bucket', Properties: {} };
      const s3 = (props(t, p.s3Endpoint).PolicyDocument as { Statement: unknown[] }).Statement;
      const arn = { 'Fn::GetAtt': ['ConfigBucket', 'Arn'] };
      s3.push({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: '*',
        Resource: [
          arn,
          { 'Fn::Join': ['', [arn, '/*']] },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax.
          { 'Fn::Sub': '${ConfigBucket.Arn}/*' },
        ],
      });
      return p.s3Endpoint;
    });
    const report = verifyTemplate(template, stackName, { expectedProxy });
    expect(report.violations.map((v) => formatViolation(v))).toEqual([]);
  });
});

describe('hidden behind conditions and trust', () => {
  it('says under which condition a conditional route opens', () => {
    const { template } = mutated(mutationCase('aws', 'route hidden behind Fn::If'));
    const explanations = verifyTemplate(template, stackName).violations.map((v) => v.explanation);
    expect(explanations.some((e) => e.endsWith('(when condition IsProd is true)'))).toBe(true);
    expect(explanations.some((e) => e.endsWith('(when condition IsProd is false)'))).toBe(true);
  });

  it('an imported subnet is cannot-prove until the import is declared trusted', () => {
    const plant = (t: TemplateJson) => {
      const p = parts(t);
      t.Resources.ImportedSubnetService = {
        Type: 'AWS::ECS::Service',
        Properties: {
          Cluster: ref(p.cluster),
          TaskDefinition: ref(p.proxyTaskDefinition),
          NetworkConfiguration: {
            AwsvpcConfiguration: {
              Subnets: [{ 'Fn::ImportValue': 'shared-agent-subnet' }],
              SecurityGroups: [{ 'Fn::GetAtt': [p.agentGroup, 'GroupId'] }],
            },
          },
        },
      };
      return 'ImportedSubnetService';
    };
    const { template } = mutated(plant);
    expect(verifyTemplate(template, stackName).violations).toContainEqual(
      expect.objectContaining({ resource: 'ImportedSubnetService', channel: 'cannot-prove' }),
    );
    expect(
      verifyTemplate(template, stackName, { trustedImports: ['shared-agent-subnet'] }).violations,
    ).toEqual([]);
  });

  it('a parameter with AllowedValues is checked for every allowed value', () => {
    const { template } = mutated((t) => {
      t.Parameters = {
        ...t.Parameters,
        PeerCidr: { Type: 'String', AllowedValues: ['10.64.4.0/22', '0.0.0.0/0'] },
      };
      t.Resources.ParamEgress = {
        Type: 'AWS::EC2::SecurityGroupEgress',
        Properties: {
          GroupId: { 'Fn::GetAtt': [parts(t).agentGroup, 'GroupId'] },
          IpProtocol: 'tcp',
          FromPort: 3128,
          ToPort: 3128,
          CidrIp: ref('PeerCidr'),
        },
      };
      return 'ParamEgress';
    });
    const violations = verifyTemplate(template, stackName).violations.filter(
      (v) => v.channel === 'sg-egress',
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]?.explanation).toMatch(/\(when parameter PeerCidr is "0\.0\.0\.0\/0"\)$/);
  });
});

describe('agent-perimeter verify (CLI)', () => {
  it('exits 0 on the real template and 1 with one line per violation on a mutated one', async () => {
    const dir = tempFiles({});
    const clean = join(dir, 'clean.template.json');
    writeFileSync(clean, JSON.stringify(base));
    const ok = await runVerify(clean);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^contained: \d+ agent attachment\(s\) in 1 template reach only the proxy tier on 3128, 8081 and the endpoints on 443/,
    );

    const planted = MUTATIONS[0] as (typeof MUTATIONS)[number];
    const { template, resource } = mutated(planted);
    const bad = join(dir, 'bad.template.json');
    writeFileSync(bad, JSON.stringify(template));
    const r = await runVerify(bad);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^VIOLATION ${resource}: route-to-internet: `)),
    ]);

    const json = await runVerify(bad, '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      contained: boolean;
      violations: { resource: string; channel: string }[];
    };
    expect(parsed.contained).toBe(false);
    expect(parsed.violations[0]).toMatchObject({ resource, channel: 'route-to-internet' });
  });

  it('--trust-import declares an import trusted', async () => {
    const { template } = mutated(mutationCase('aws', 'imported subnet'));
    const file = join(tempFiles({}), 'import.template.json');
    writeFileSync(file, JSON.stringify(template));
    expect((await runVerify(file)).code).toBe(1);
    expect((await runVerify(file, '--trust-import', 'shared-agent-subnet')).code).toBe(0);
  });

  it('exits 2 for unreadable input', async () => {
    const dir = tempFiles({ 'not.json': 'Resources: {}', 'no-resources.json': '{"a": 1}' });
    for (const file of [
      'no/such/file.json',
      join(dir, 'not.json'),
      join(dir, 'no-resources.json'),
    ]) {
      const r = await runVerify(file);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Fix: /);
    }
    expect((await runVerify()).code).toBe(2);
  });
});

describe('a config fetched from S3 (too large to pass inline)', () => {
  /** The proxy container in the S3 delivery form, its launcher pinned to `digest`. */
  function fetched(digest: string, fetch = true): { template: TemplateJson; service: string } {
    const template = structuredClone(base);
    const p = parts(template);
    const defs = props(template, p.proxyTaskDefinition).ContainerDefinitions as Record<
      string,
      unknown
    >[];
    const c = defs[0] as Record<string, unknown>;
    const command = c.Command as string[];
    command.splice(command.indexOf('--config-yaml'), 2, '--config-path', '/dev/fd/9');
    if (fetch) command.unshift('--config-s3', 'https://b.s3.eu-west-1.amazonaws.com/k.json');
    c.Environment = [{ Name: PROXY_CONFIG_DIGEST_ENV, Value: digest }];
    return { template, service: p.proxyService };
  }

  it('is proven when the pinned digest is the rendered config', () => {
    const { template } = fetched(expectedProxy.configDigest);
    const report = verifyTemplate(template, stackName, { expectedProxy });
    expect(report.violations.map((v) => formatViolation(v))).toEqual([]);
  });

  it('is an identity violation when the pin is another config', () => {
    const { template, service } = fetched('f'.repeat(64));
    const report = verifyTemplate(template, stackName, { expectedProxy });
    expect(report.violations.some((v) => v.channel === 'identity' && v.resource === service)).toBe(
      true,
    );
  });

  it('cannot be proven when nothing checks the pin', () => {
    const { template, service } = fetched(expectedProxy.configDigest, false);
    const report = verifyTemplate(template, stackName, { expectedProxy });
    expect(
      report.violations.some((v) => v.channel === 'cannot-prove' && v.resource === service),
    ).toBe(true);
  });
});
