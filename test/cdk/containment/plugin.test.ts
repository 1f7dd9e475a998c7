import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ContainmentChecks,
  containmentViolations,
  TRUSTED_IMPORTS_CONTEXT,
} from '../../../cdk/containment/index.js';
import { realTemplate, type TemplateJson } from '../../helpers/containment-template.js';
import { mutationCase, mutationCases, plantAws } from '../../helpers/mutation-fixtures.js';

let base: TemplateJson;
beforeAll(() => {
  base = realTemplate().template;
});

describe('containmentViolations', () => {
  it('returns no violation for the real template', () => {
    expect(containmentViolations(base, 'stack.template.json')).toEqual([]);
  });

  it('turns each finding into a policy violation named by channel, on the logical id', () => {
    const t = structuredClone(base);
    const resource = plantAws(t, mutationCases('aws')[0] as ReturnType<typeof mutationCase>);
    expect(containmentViolations(t, 'stack.template.json')).toEqual([
      expect.objectContaining({
        ruleName: 'AgentPerimeterContainment-route-to-internet',
        severity: 'error',
        violatingResources: [
          {
            resourceLogicalId: resource,
            templatePath: 'stack.template.json',
            locations: ['Properties'],
          },
        ],
      }),
    ]);
  });

  it('reports an unreadable template as cannot-prove instead of throwing', () => {
    expect(containmentViolations({ no: 'resources' }, 'x.json')).toEqual([
      expect.objectContaining({ ruleName: 'AgentPerimeterContainment-cannot-prove' }),
    ]);
  });
});

/** A VPC whose isolated subnets and one security group are tagged as the agent tier. */
function agentApp(build: (stack: Stack, group: ec2.SecurityGroup) => void): App {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'containment-plugin-')) });
  const stack = new Stack(app, 'Agents');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'Agents', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const group = new ec2.SecurityGroup(stack, 'Agent', { vpc, allowAllOutbound: false });
  for (const s of vpc.isolatedSubnets) Tags.of(s).add('agent-perimeter:tier', 'agent');
  Tags.of(group).add('agent-perimeter:tier', 'agent');
  build(stack, group);
  Validations.of(app).addPlugins(new ContainmentChecks(app));
  return app;
}

describe('ContainmentChecks (policy-validation plugin)', () => {
  it('fails synthesis with the violations when the agent group can reach the internet', () => {
    const app = agentApp((_stack, group) =>
      group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443)),
    );
    expect(() => app.synth()).toThrow(/AgentPerimeterContainment-sg-egress/);
  });

  it('reads trusted imports from the CDK context', () => {
    const t = structuredClone(base);
    plantAws(t, mutationCase('aws', 'imported subnet'));
    const file = join(mkdtempSync(join(tmpdir(), 'containment-plugin-')), 'stack.template.json');
    writeFileSync(file, JSON.stringify(t));
    const context = (app: App) => ({
      templatePaths: [file],
      stackTemplates: [],
      appConstruct: app,
    });
    const plain = new App();
    expect(new ContainmentChecks(plain).validate(context(plain)).success).toBe(false);
    const trusting = new App({ context: { [TRUSTED_IMPORTS_CONTEXT]: 'shared-agent-subnet' } });
    expect(new ContainmentChecks(trusting).validate(context(trusting))).toEqual({
      success: true,
      violations: [],
      pluginVersion: '1.0.0',
    });
    expect(
      new ContainmentChecks(plain, { trustedImports: ['shared-agent-subnet'] }).validate(
        context(plain),
      ).success,
    ).toBe(true);
  });
});
