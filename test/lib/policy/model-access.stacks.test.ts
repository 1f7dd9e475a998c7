// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${P} and ${A} stand for the partition and account tokens.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planGcp } from '../../../app/gcp-plan.js';
import { preparePolicy } from '../../../app/prepare.js';
import { synthesize } from '../../../app/synth.js';
import { verifyTemplate } from '../../../lib/containment/index.js';
import { UserError } from '../../../lib/errors.js';
import {
  BEDROCK_INVOKE_ACTIONS,
  bedrockResourceArns,
  proxyPorts,
  VERTEX_PREDICT_PERMISSION,
} from '../../../lib/policy/index.js';
import { validateEnvoyConfig } from '../../../proxy/index.js';

/*
 * The two example policies end to end, offline: Bedrock synthesizes on AWS (cdk-nag clean,
 * contained, the IAM exactly the models, the endpoint reachable by the proxy only); Vertex AI
 * plans on GCP (contained, one permission bound to the models); each refuses the other cloud.
 */

type Resource = { Type: string; Properties: Record<string, unknown> };
const outdir = mkdtempSync(join(tmpdir(), 'agent-perimeter-bedrock-'));
const report = await synthesize({ policyFile: 'examples/bedrock.yaml', outdir });
const template = JSON.parse(readFileSync(report.files.template, 'utf8')) as {
  Resources: Record<string, Resource>;
};
const resources = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);

describe('examples/bedrock.yaml on AWS', () => {
  it('synthesizes cdk-nag clean, contained, with a config that validates', () => {
    expect(report.packs.map((p) => [p.pack, p.unacknowledged])).toEqual(
      report.packs.map((p) => [p.pack, 0]),
    );
    expect(report.awsContainment.contained, JSON.stringify(report.awsContainment)).toBe(true);
    expect(report.gcp).toBeUndefined();
    expect(validateEnvoyConfig(report.prepared.envoyConfig)).toEqual([]);
  });

  it("gives the proxy's task role exactly the two invoke actions on exactly the model ARNs", () => {
    const [, policy] =
      ofType('AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ProxyModelPolicy')) ?? [];
    if (policy === undefined) throw new Error('no ProxyModelPolicy in the template');
    const statements = (
      policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toEqual([...BEDROCK_INVOKE_ACTIONS]);
    const access = report.prepared.policy.model_access;
    if (access.provider !== 'bedrock') throw new Error('not bedrock');
    const expected = bedrockResourceArns(access, { partition: '${P}', account: '${A}' });
    // Fn::Join of literals and the partition/account references, written back as placeholders.
    const text = (part: unknown): string => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === 'AWS::Partition') return '${P}';
      if (ref === 'AWS::AccountId') return '${A}';
      const join = (part as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join !== undefined) return join[1].map(text).join(join[0]);
      throw new Error(`unexpected ARN part ${JSON.stringify(part)}`);
    };
    const rendered = ((statements[0]?.Resource ?? []) as unknown[]).map(text);
    expect(rendered).toEqual(expected);
    expect(JSON.stringify(statements)).not.toMatch(/bedrock:\*|"\*"|foundation-model\/\*/);
  });

  it('reaches Bedrock through a bedrock-runtime endpoint only the proxy may use', () => {
    const [[id, endpoint] = []] = ofType('AWS::EC2::VPCEndpoint').filter(([, r]) =>
      JSON.stringify(r.Properties.ServiceName).includes('bedrock-runtime'),
    );
    expect(id).toBeDefined();
    expect(endpoint?.Properties.PrivateDnsEnabled).toBe(true);
    const doc = JSON.stringify(endpoint?.Properties.PolicyDocument);
    expect(doc).toContain('bedrock:InvokeModelWithResponseStream');
    expect(doc).toContain('aws:PrincipalAccount');
    const ingress = ofType('AWS::EC2::SecurityGroupIngress').filter(([, r]) =>
      JSON.stringify(r.Properties.GroupId).includes('BedrockEndpointSecurityGroup'),
    );
    expect(ingress.map(([, r]) => JSON.stringify(r.Properties.SourceSecurityGroupId))).toEqual([
      expect.stringContaining('ProxySecurityGroup'),
    ]);
    expect(Object.keys((template as { Rules?: object }).Rules ?? {})).toContainEqual(
      expect.stringContaining('BedrockRegionRule'),
    );
  });

  it('is not contained once agents may reach the bedrock-runtime endpoint', () => {
    const mutated = structuredClone(template) as { Resources: Record<string, Resource> };
    const groupId = (prefix: string) => {
      const [id] = ofType('AWS::EC2::SecurityGroup').find(([k]) => k.startsWith(prefix)) ?? [];
      if (id === undefined) throw new Error(`no ${prefix} in the template`);
      return { 'Fn::GetAtt': [id, 'GroupId'] };
    };
    const agent = groupId('NetworkAgentSecurityGroup');
    const bedrock = groupId('NetworkBedrockEndpointSecurityGroup');
    // Both sides of the agents' HTTPS to the endpoint: the egress rule and its ingress.
    const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
    mutated.Resources.AgentsToBedrock = {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: { GroupId: agent, DestinationSecurityGroupId: bedrock, ...https },
    };
    mutated.Resources.BedrockFromAgents = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: bedrock, SourceSecurityGroupId: agent, ...https },
    };
    const ports = [...proxyPorts(report.prepared.policy).agentFacing];
    expect(verifyTemplate(template, 'bedrock', { proxyPorts: ports }).violations).toEqual([]);
    const result = verifyTemplate(mutated, 'mutated', { proxyPorts: ports });
    expect(result.violations.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.violations)).toContain('AgentsToBedrock');
  });

  it('refuses the Vertex example, which only a GCP proxy can serve', async () => {
    await expect(
      synthesize({ policyFile: 'examples/vertex.yaml', outdir: mkdtempSync(join(tmpdir(), 'v-')) }),
    ).rejects.toThrow(UserError);
  });
});

describe('examples/vertex.yaml on GCP', async () => {
  const prepared = preparePolicy('examples/vertex.yaml');
  const plan = await planGcp({ prepared });

  it('plans a contained perimeter with a config that validates', () => {
    expect(validateEnvoyConfig(prepared.envoyConfig)).toEqual([]);
    const result = verifyTemplate(plan, 'vertex-plan', {
      proxyPorts: [...proxyPorts(prepared.policy).agentFacing],
      expectedProxy: prepared.expectedProxy,
    });
    expect(result.violations).toEqual([]);
  });

  it('grants the proxy service account one permission, on the listed models only', () => {
    const role = plan.resources.find((r) => r.type === 'gcp:projects/iAMCustomRole:IAMCustomRole');
    expect(role?.inputs.permissions).toEqual([VERTEX_PREDICT_PERMISSION]);
    const binding = plan.resources.find(
      (r) => r.type === 'gcp:projects/iAMMember:IAMMember' && r.name.endsWith('model-access'),
    );
    expect(binding?.inputs.project).toBe('my-vertex-project');
    expect(JSON.stringify(binding?.inputs.condition)).toContain(
      'resource.name == \\"projects/my-vertex-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929\\"',
    );
  });

  it('refuses the Bedrock example', async () => {
    await expect(planGcp({ policyFile: 'examples/bedrock.yaml' })).rejects.toThrow(/bedrock/);
  });
});
