import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../../../app/aws.js';
import { writeGcpPlan } from '../../../../app/gcp-plan.js';
import { preparePolicy } from '../../../../app/prepare.js';
import { verifyTemplate } from '../../../../lib/containment/index.js';
import { profileNetworkTag } from '../../../../lib/contract/tiers.js';
import type { JsonObject } from '../../../../lib/json.js';
import { proxyPorts, withProfilePorts } from '../../../../lib/policy/index.js';
import type { TemplateJson } from '../../../helpers/containment-template.js';

/*
 * One perimeter, two profiles (examples/two-agents.yaml): the synthesized template and the GCP
 * plan keep each profile to its own proxy listeners, and a planted path from one profile to
 * the other's listener is caught, naming both.
 */

const prepared = preparePolicy('examples/two-agents.yaml');
const options = {
  proxyPorts: [...proxyPorts(prepared.policy).agentFacing],
  ...withProfilePorts(prepared.policy),
  expectedProxy: prepared.expectedProxy,
};
let template: TemplateJson;
let plan: JsonObject;

beforeAll(async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-profiles-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const { app, stack } = buildAwsApp({ outdir, prepared });
    const assembly = app.synth({ validateOnSynthesis: false });
    const artifact = assembly.getStackByName(stack.stackName);
    template = JSON.parse(readFileSync(join(outdir, artifact.templateFile), 'utf8'));
    plan = (await writeGcpPlan({ prepared, outFile: join(outdir, 'gcp-plan.json') }))
      .plan as unknown as JsonObject;
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}, 240_000);

const resources = (t: TemplateJson, type: string) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const tagOf = (r: { Properties?: Record<string, unknown> }, key: string) =>
  (r.Properties?.Tags as { Key: string; Value: string }[] | undefined)?.find((t) => t.Key === key)
    ?.Value;

describe('AWS: a security group per profile', () => {
  it('tags each agent group with its profile and opens only its own listeners', () => {
    const groups = resources(template, 'AWS::EC2::SecurityGroup').filter(
      ([, r]) => tagOf(r, 'agent-perimeter:tier') === 'agent',
    );
    expect(groups.map(([, r]) => tagOf(r, 'agent-perimeter:profile')).sort()).toEqual([
      'coder',
      'reviewer',
    ]);
    const egress = resources(template, 'AWS::EC2::SecurityGroupEgress');
    const toProxy = (profile: string) => {
      const [id] = groups.find(([, r]) => tagOf(r, 'agent-perimeter:profile') === profile) ?? [];
      return egress
        .filter(
          ([, r]) =>
            (r.Properties?.GroupId as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0] === id,
        )
        .map(([, r]) => r.Properties?.FromPort)
        .filter((p) => p !== 443)
        .sort();
    };
    expect(toProxy('reviewer')).toEqual([3128, 8081]);
    expect(toProxy('coder')).toEqual([3129]);
  });

  it('runs each profile in its own group and hands it only its own environment', () => {
    const outputs = template.Outputs as Record<string, { Value: unknown }>;
    const coderEnv = JSON.stringify(outputs.AgentCoderEnvironment?.Value);
    expect(coderEnv).toContain(':3129');
    expect(coderEnv).not.toContain('ANTHROPIC_BASE_URL');
    expect(JSON.stringify(outputs.AgentReviewerEnvironment?.Value)).toContain('ANTHROPIC_BASE_URL');
  });

  it('is contained, per profile', () => {
    const report = verifyTemplate(template, 'two-agents', options);
    expect(report.violations).toEqual([]);
  });

  it('catches a planted rule from the coder to the reviewer base URL, naming both', () => {
    const t = structuredClone(template);
    const [[coderGroup] = []] = resources(t, 'AWS::EC2::SecurityGroup').filter(
      ([, r]) => tagOf(r, 'agent-perimeter:profile') === 'coder',
    );
    const [[lbGroup] = []] = resources(t, 'AWS::EC2::SecurityGroup').filter(([id]) =>
      /LoadBalancerSecurityGroup/.test(id),
    );
    t.Resources.PlantedCrossProfile = {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: {
        GroupId: { 'Fn::GetAtt': [coderGroup, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 8081,
        ToPort: 8081,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [lbGroup, 'GroupId'] },
      },
    };
    const report = verifyTemplate(t, 'two-agents', options);
    const found = report.violations.filter((v) => v.channel === 'cross-profile');
    expect(found.map((v) => v.resource)).toEqual(['PlantedCrossProfile']);
    expect(found[0]?.explanation).toContain(
      'lets agents of profile "coder" reach the proxy tier on 8081, a listener of profile "reviewer"',
    );
  });

  it("catches a task that carries both profiles' groups", () => {
    const t = structuredClone(template);
    const ids = resources(t, 'AWS::EC2::SecurityGroup')
      .filter(([, r]) => tagOf(r, 'agent-perimeter:profile') !== undefined)
      .map(([id]) => ({ 'Fn::GetAtt': [id, 'GroupId'] }));
    const subnets = resources(t, 'AWS::EC2::Subnet')
      .filter(([, r]) => tagOf(r, 'agent-perimeter:tier') === 'agent')
      .map(([id]) => ({ Ref: id }));
    const [[taskDefinition] = []] = resources(t, 'AWS::ECS::TaskDefinition').filter(([id]) =>
      /Coder/.test(id),
    );
    t.Resources.PlantedBothProfiles = {
      Type: 'AWS::ECS::Service',
      Properties: {
        LaunchType: 'FARGATE',
        TaskDefinition: { Ref: taskDefinition },
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'DISABLED',
            Subnets: subnets,
            SecurityGroups: ids,
          },
        },
      },
    };
    const report = verifyTemplate(t, 'two-agents', options);
    const found = report.violations.filter((v) => v.channel === 'cross-profile');
    expect(found.map((v) => v.resource)).toEqual(['PlantedBothProfiles']);
    expect(found[0]?.explanation).toMatch(/profiles "(reviewer|coder)" and "(reviewer|coder)"/);
  });
});

describe('GCP: a network tag and service account per profile', () => {
  const firewall = (p: JsonObject, name: string) =>
    (p.resources as JsonObject[]).find(
      (r) => r.type === 'gcp:compute/firewall:Firewall' && String(r.id).endsWith(`/${name}`),
    );

  it('gives each profile a rule to its own listeners, on its own tag', () => {
    const coder = firewall(plan, 'two-agents-agent-coder-to-proxy')?.inputs as JsonObject;
    expect(coder.targetTags).toEqual([profileNetworkTag('coder')]);
    expect(coder.allows).toEqual([{ ports: ['3129'], protocol: 'tcp' }]);
    const reviewer = firewall(plan, 'two-agents-agent-reviewer-to-proxy')?.inputs as JsonObject;
    expect(reviewer.allows).toEqual([{ ports: ['3128', '8081'], protocol: 'tcp' }]);
    const text = JSON.stringify(plan);
    expect(text).toContain('two-agents-agent-coder@');
    expect(text).toContain('two-agents-agent-reviewer@');
  });

  it('is contained, per profile', () => {
    expect(verifyTemplate(plan, 'gcp-plan.json', options).violations).toEqual([]);
  });

  it("catches the coder's rule widened to the reviewer's base URL, naming both", () => {
    const p = structuredClone(plan);
    const coder = firewall(p, 'two-agents-agent-coder-to-proxy')?.inputs as JsonObject;
    coder.allows = [{ ports: ['3129', '8081'], protocol: 'tcp' }];
    const found = verifyTemplate(p, 'gcp-plan.json', options).violations.filter(
      (v) => v.channel === 'cross-profile',
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]?.explanation).toContain(
      'profile "coder" reach the proxy tier on 8081, a listener of profile "reviewer"',
    );
  });
});
