// The offline CloudFormation validator adds seconds per synth and checks nothing we assert.
process.env.CDK_VALIDATION = 'false';

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContainmentChecks } from '../../../cdk/containment/index.js';
import { AgentPerimeterStack } from '../../../cdk/stack/index.js';
import { loadPolicy, profilePortsOf } from '../../../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../../../proxy/index.js';

/*
 * The synth-time path: the containment plugin registered on the app (as `synth` and `cdk synth`
 * do) learns each profile's ports from the AgentNetwork construct and fails synthesis on a
 * planted rule from one profile's group to another profile's listener, naming the channel.
 */

const policy = loadPolicy('examples/two-agents.yaml');

function synthWith(): { app: App; stack: AgentPerimeterStack } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'profiles-plugin-')) });
  const stack = new AgentPerimeterStack(app, 'TwoAgents', {
    policy,
    envoyConfig: renderCheckedProxyConfig(policy),
  });
  Validations.of(app).addPlugins(new ContainmentChecks(app));
  return { app, stack };
}

describe('the containment plugin keeps profiles apart at synth time', () => {
  const reviewerPort = profilePortsOf(policy)?.reviewer?.at(-1) as number;
  const { app, stack } = synthWith();
  // The plugin runs during this synth; it would throw on a violation.
  const assembly = app.synth();
  const templatePath = assembly.getStackArtifact(stack.artifactId).templateFullPath;
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const ids = Object.keys(template.Resources);
  const idOf = (prefix: string) => ids.find((id) => id.startsWith(prefix)) as string;

  it('passes the two-agent stack as built', () => {
    expect(reviewerPort).toBe(8081);
    expect(template.Resources[idOf('NetworkAgentSecurityGroupCoder')]).toBeDefined();
  });

  it("reports a rule from the coder's group to the reviewer's base URL, learning the ports from the app", () => {
    // Planted in the template the plugin reads (an escape hatch or a hand edit): AgentNetwork's
    // own tree check refuses such a rule added through the constructs before the plugin runs.
    const planted = structuredClone(template);
    planted.Resources.PlantedCrossProfile = {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: {
        GroupId: { 'Fn::GetAtt': [idOf('NetworkAgentSecurityGroupCoder'), 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: reviewerPort,
        ToPort: reviewerPort,
        DestinationSecurityGroupId: {
          'Fn::GetAtt': [idOf('NetworkLoadBalancerSecurityGroup'), 'GroupId'],
        },
      },
    };
    // The stack's own template file: the plugin matches it to the stack's constructs.
    writeFileSync(templatePath, JSON.stringify(planted));
    const file = templatePath;
    // No profilePorts option: the plugin derives them from the AgentNetwork in the app.
    const report = new ContainmentChecks(app).validate({
      templatePaths: [file],
      stackTemplates: [],
      appConstruct: app,
    } as unknown as Parameters<ContainmentChecks['validate']>[0]);
    expect(report.success).toBe(false);
    const crossProfile = report.violations.filter(
      (v) => v.ruleName === 'AgentPerimeterContainment-cross-profile',
    );
    expect(crossProfile.length).toBeGreaterThan(0);
    expect(JSON.stringify(crossProfile)).toContain('reviewer');
    expect(JSON.stringify(crossProfile)).toContain('coder');
  });
});
