import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AgentPerimeter,
  AgentPerimeterError,
  addAgentPerimeterChecks,
  loadPolicy,
} from '../../../app/entry-points/aws.js';
import { teamVpc, teamVpcPerimeterProps } from '../../helpers/team-vpc.js';

/*
 * agent-perimeter/aws as a library (ADR 0031): the AgentPerimeter construct inside stacks of
 * an app that is not ours, with the feature flags `cdk init` writes today, gated by
 * addAgentPerimeterChecks(app) alone. One synthesis: a new VPC (with a literal S3 prefix list
 * id) next to a bucket of the app's own that breaks the packs, and an existing VPC of the app.
 */

const require = createRequire(import.meta.url);
/** The flags `cdk init` puts in a new app's cdk.json (the CLI ships them as this file). */
const CDK_INIT_FLAGS = JSON.parse(
  readFileSync(
    join(
      require.resolve('aws-cdk/package.json').replace(/package\.json$/, ''),
      'lib/init-templates/.recommended-feature-flags.json',
    ),
    'utf8',
  ),
) as Record<string, unknown>;

interface Finding {
  readonly rule: string;
  readonly paths: string[];
}

let findings: Finding[];
let containmentSummary: string;
let newVpc: AgentPerimeter;
let existingVpc: AgentPerimeter;
let appVpc: Vpc;

beforeAll(() => {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'agent-perimeter-library-')),
    context: { ...CDK_INIT_FLAGS, '@aws-cdk/core:validationReportJson': true },
  });
  const checks = addAgentPerimeterChecks(app);
  const policy = loadPolicy();

  const appStack = new Stack(app, 'TeamApp');
  // The app's own resource, without the TLS-only bucket policy three packs require.
  new Bucket(appStack, 'Reports');
  newVpc = new AgentPerimeter(appStack, 'Perimeter', {
    policy,
    network: { s3PrefixListId: 'pl-63a5400a' },
  });

  const networkStack = new Stack(app, 'TeamNetwork');
  const vpc = teamVpc(networkStack);
  appVpc = vpc;
  existingVpc = new AgentPerimeter(networkStack, 'Perimeter', teamVpcPerimeterProps(vpc));

  try {
    app.synth();
    findings = [];
  } catch {
    const report = JSON.parse(
      readFileSync(join(app.outdir, 'policy-validation-report.json'), 'utf8'),
    ) as {
      pluginReports: {
        violations: {
          ruleName: string;
          violatingConstructs: { constructPath?: string; resourceLogicalId?: string }[];
        }[];
      }[];
    };
    findings = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => ({
        rule: v.ruleName,
        paths: v.violatingConstructs.map((c) => c.constructPath ?? c.resourceLogicalId ?? '?'),
      })),
    );
  }
  containmentSummary = checks.containment
    .lastReport()
    .templates.map(
      (t) =>
        `${t.source.split('/').pop()}: ${t.agents.length} agents, ${t.violations.length} violations, ports ${t.proxyPorts.join(',')} (${t.proxyPortsSource})`,
    )
    .join('\n');
});

describe('AgentPerimeter in an app of its own, with cdk init feature flags', () => {
  it('the flag that made three packs fail is on, as in a fresh app', () => {
    expect(CDK_INIT_FLAGS['@aws-cdk/aws-lambda:useCdkManagedLogGroup']).toBe(true);
  });

  it('the packs ran on the app’s own resources: its bucket and its VPC are reported', () => {
    const on = (path: string) =>
      findings.filter((f) => f.paths.some((p) => p.startsWith(path))).map((f) => f.rule);
    expect(on('TeamApp/Reports')).toEqual(
      expect.arrayContaining(['AwsSolutions-S10', 'NIST.800.53.R5-S3BucketSSLRequestsOnly']),
    );
    expect(on('TeamNetwork/Vpc/PublicSubnet1')).toContain(
      'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
    );
  });

  it('nothing the perimeter builds is reported, in either stack', () => {
    const onPerimeter = findings.filter((f) => f.paths.some((p) => p.includes('/Perimeter/')));
    // Only the policy's own warning that its images are tags (the embedded policy ships tags),
    // which CDK lists in the same report.
    const tagWarning = 'Annotation::agent-perimeter:image-without-digest';
    expect(onPerimeter.filter((f) => f.rule !== tagWarning)).toEqual([]);
    expect(onPerimeter.map((f) => f.paths.map((p) => p.split('/').pop()))).toEqual([
      ['Proxy', 'Proxy'],
      ['Agents', 'Agents'],
    ]);
    expect(findings.filter((f) => f.rule.startsWith('AgentPerimeterContainment'))).toEqual([]);
  });

  it('containment proved both templates with the policy’s ports and the given prefix list', () => {
    expect(containmentSummary).toMatch(
      /TeamApp\.template\.json: [1-9]\d* agents, 0 violations, ports 3128,8081 /,
    );
    expect(containmentSummary).toMatch(
      /TeamNetwork\.template\.json: [1-9]\d* agents, 0 violations, ports 3128,8081 /,
    );
    expect(newVpc.network.s3PrefixListLookup).toBeUndefined();
  });

  it('exposes every part, on the existing VPC too', () => {
    expect(existingVpc.network.vpc).toBe(appVpc);
    expect(existingVpc.probe).toBeUndefined();
    expect(newVpc.probe).toBeDefined();
    expect(Object.keys(newVpc.agents.workloads)).toEqual(newVpc.policy.agents.map((a) => a.name));
    expect(AgentPerimeter.isAgentPerimeter(newVpc)).toBe(true);
    expect(AgentPerimeter.isAgentPerimeter(appVpc)).toBe(false);
  });
});

describe('AgentPerimeter props', () => {
  it('takes exactly one of policy and policyFile', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new AgentPerimeter(stack, 'None', {})).toThrow(AgentPerimeterError);
    expect(() => new AgentPerimeter(stack, 'None2', {})).toThrow(
      /AgentPerimeter S\/None2: no policy\. Fix: pass \{ policy: loadPolicy/,
    );
    expect(
      () =>
        new AgentPerimeter(stack, 'Both', {
          policy: loadPolicy(),
          policyFile: 'agent-perimeter.yaml',
        }),
    ).toThrow(/both policy and policyFile are given/);
  });

  it('a missing policy file is the policy loader’s error, naming the file', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => new AgentPerimeter(stack, 'P', { policyFile: 'no-such.yaml' })).toThrow(
      /no-such\.yaml: no such policy file/,
    );
  });

  it('addAgentPerimeterChecks registers once per app', () => {
    const app = new App();
    expect(addAgentPerimeterChecks(app)).toBe(addAgentPerimeterChecks(app));
  });

  it('runs Control Tower’s controls only when asked (they judge the app’s own resources too)', () => {
    const plain = addAgentPerimeterChecks(new App());
    expect(plain.controlTower).toBeUndefined();
    const governed = addAgentPerimeterChecks(new App(), { controlTower: true });
    expect(governed.controlTower?.name).toBe('ControlTower');
    expect(governed.controlTower?.ruleIds.length).toBeGreaterThan(100);
  });
});
