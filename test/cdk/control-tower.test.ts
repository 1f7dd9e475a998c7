import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAwsApp } from '../../app/aws.js';
import {
  COMPLIANCE_PROFILES,
  complianceMarkdown,
  type ProfileCompliance,
  profileCompliance,
} from '../../app/compliance.js';
import {
  applicableRules,
  CONTROL_TOWER_PACK,
  controlOfRule,
  controlTowerReport,
  controlTowerRules,
} from '../../cdk/control-tower.js';
import { biomeFormat } from '../../scripts/biome-format.js';
import { policyProblems, policyYaml } from '../helpers/policy.js';

// Real synths of both profiles with every check on (cdk-nag, Control Tower through the real
// cfn-guard binary, containment), as `npm run compliance` makes them.
type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

let demo: ProfileCompliance;
let landing: ProfileCompliance;
beforeAll(() => {
  const [d, l] = COMPLIANCE_PROFILES.map((p) => profileCompliance(p.label, p.policyFile));
  demo = d as ProfileCompliance;
  landing = l as ProfileCompliance;
}, 600_000);

const resourcesOf = (t: unknown, type?: string) =>
  Object.entries((t as Template).Resources).filter(
    ([, r]) => type === undefined || r.Type === type,
  );

describe('the Control Tower rule set', () => {
  it('reads every rule file of the package with its control and resource types', () => {
    const rules = controlTowerRules();
    expect(rules.length).toBeGreaterThan(200);
    for (const r of rules) {
      expect(r.control, r.id).toMatch(/^CT\.[A-Z0-9-]+\.PR\.\d+$/);
      expect(r.ruleNames.length, r.id).toBe(1);
    }
    expect(controlOfRule('nacl_no_unrestricted_ssh_rdp_check')).toBe('CT.EC2.PR.5');
  });

  it('skips only rules whose resource types are absent: same findings as the whole set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-ct-'));
    const file = join(dir, 'demo.template.json');
    writeFileSync(file, JSON.stringify(demo.template));
    const types = new Set(resourcesOf(demo.template).map(([, r]) => r.Type));
    const skipped = controlTowerRules().filter((r) => !applicableRules([file]).includes(r));
    expect(skipped.length).toBeGreaterThan(0);
    for (const r of skipped)
      expect(
        r.types.some((t) => types.has(t)),
        r.id,
      ).toBe(false);
  });
});

describe('landing-zone profile (examples/landing-zone.yaml)', () => {
  it('passes every check with nothing acknowledged for Control Tower', () => {
    for (const pack of landing.packs) expect(pack.unacknowledged, pack.pack).toBe(0);
    expect(landing.packs.find((p) => p.pack === CONTROL_TOWER_PACK)?.acknowledged).toBe(0);
    expect(landing.containment).toMatch(/^contained: /);
  });

  it('has no Lambda function, no custom resource, no bucket of its own for access logs', () => {
    const types = resourcesOf(landing.template).map(([, r]) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function' || t.startsWith('Custom::'))).toEqual(
      [],
    );
    expect(types.filter((t) => t === 'AWS::S3::Bucket')).toHaveLength(1);
    expect(types.filter((t) => t.startsWith('AWS::ECR::'))).toEqual([]);
  });

  it('logs to the central bucket, protects the NLB, writes the prefix list at synth time', () => {
    const [[, bucket] = ['', undefined]] = resourcesOf(landing.template, 'AWS::S3::Bucket');
    expect(bucket?.Properties?.LoggingConfiguration).toEqual({
      DestinationBucketName: 'aws-controltower-s3-access-logs-111122223333-us-east-1',
      LogFilePrefix: 'agent-perimeter/lz-demo/audit-bucket/',
    });
    const [[, nlb] = ['', undefined]] = resourcesOf(
      landing.template,
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    );
    const attributes = Object.fromEntries(
      ((nlb?.Properties?.LoadBalancerAttributes ?? []) as { Key: string; Value: string }[]).map(
        (a) => [a.Key, a.Value],
      ),
    );
    expect(attributes).toMatchObject({
      'deletion_protection.enabled': 'true',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': 'aws-controltower-s3-access-logs-111122223333-us-east-1',
      'access_logs.s3.prefix': 'agent-perimeter/lz-demo/nlb',
    });
    const prefixListRules = resourcesOf(landing.template, 'AWS::EC2::SecurityGroupEgress').filter(
      ([, r]) => r.Properties?.DestinationPrefixListId !== undefined,
    );
    expect(prefixListRules.length).toBeGreaterThan(0);
    for (const [, r] of prefixListRules) {
      expect(r.Properties?.DestinationPrefixListId).toBe('pl-63a5400a');
    }
  });

  it('runs every container as non-root with a hard memory limit, images by digest', () => {
    for (const [id, td] of resourcesOf(landing.template, 'AWS::ECS::TaskDefinition')) {
      for (const c of (td.Properties?.ContainerDefinitions ?? []) as Record<string, unknown>[]) {
        expect(c.User, `${id} ${c.Name}`).toMatch(/^[1-9]\d*(:\d+)?$/);
        expect(c.Memory, `${id} ${c.Name}`).toBeGreaterThan(0);
        if (c.Name !== 'envoy') expect(c.Image, `${id} ${c.Name}`).toMatch(/@sha256:[0-9a-f]{64}$/);
      }
    }
  });

  it('fails synth on a Control Tower regression, unacknowledged (the deploy-time probe)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-lz-'));
    // The deploy-time probe run is a Lambda outside the VPC, off in a landing zone by default.
    const { app } = buildAwsApp({
      policyFile: 'examples/landing-zone.yaml',
      outdir: join(dir, 'out'),
      context: {
        '@aws-cdk/core:validationReportJson': true,
        'agent-perimeter:probe': { onDeploy: 'run' },
      },
    });
    expect(() => app.synth()).toThrow(/CT\.LAMBDA\.PR\.3/);
    const report = JSON.parse(
      readFileSync(join(dir, 'out', 'policy-validation-report.json'), 'utf8'),
    ) as {
      pluginReports: { summary: { pluginName: string }; violations: { ruleName: string }[] }[];
    };
    const failing = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => `${r.summary.pluginName} ${v.ruleName}`),
    );
    expect(failing).toEqual(['ControlTower lambda_inside_vpc_check']);
  }, 300_000);
});

describe('demo profile', () => {
  it('meets the Control Tower rules fixed in every profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-ct-'));
    const file = join(dir, 'demo.template.json');
    writeFileSync(file, JSON.stringify(demo.template));
    const failing = new Set(controlTowerReport([file]).violations.map((v) => v.ruleName));
    for (const fixed of [
      'kms_create_grant_aws_service_check', // CT.KMS.PR.3
      'nacl_no_unrestricted_ssh_rdp_check', // CT.EC2.PR.5
      'ecs_task_definition_memory_hard_limit_check', // CT.ECS.PR.7
      's3_event_notifications_enabled_check', // CT.S3.PR.4
      's3_bucket_object_lock_enabled_check', // CT.S3.PR.9
    ]) {
      expect(failing.has(fixed), fixed).toBe(false);
    }
  });

  it('acknowledges exactly the Control Tower findings it has, where they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-ct-'));
    const file = join(dir, 'demo.template.json');
    writeFileSync(file, JSON.stringify(demo.template));
    // The raw findings, acknowledgements not applied: rule and logical id.
    const raw = controlTowerReport([file]).violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.resourceLogicalId}`),
    );
    const acks = demo.acknowledgements.filter((a) => a.id.startsWith(`${CONTROL_TOWER_PACK}::`));
    expect(acks.length).toBe(new Set(raw).size);
    for (const a of acks) {
      const rule = a.id.replace(`${CONTROL_TOWER_PACK}::`, '');
      expect(
        raw.some((f) => f.startsWith(`${rule} `)),
        a.id,
      ).toBe(true);
      expect(a.reason).toMatch(/The landing-zone setting/);
    }
  });
});

describe('provisionable resource types', () => {
  // Every type CloudFormation's registry knows, from the resource spec CDK is generated from
  // (scripts/cloudformation-types.ts). aws-cdk-lib still has L1 classes for types that left
  // the registry (CfnFirewallConfig), so its own synth does not catch them.
  const known = new Set(
    (
      JSON.parse(readFileSync('test/fixtures/cloudformation-resource-types.json', 'utf8')) as {
        types: string[];
      }
    ).types,
  );
  const unprovisionable = (t: unknown) =>
    [...new Set(resourcesOf(t).map(([, r]) => r.Type))].filter(
      (type) => !type.startsWith('Custom::') && !known.has(type),
    );

  it.each([
    ['demo', () => demo],
    ['landing zone', () => landing],
  ])('the %s template has only types CloudFormation can provision', (_, profile) => {
    expect(unprovisionable(profile().template)).toEqual([]);
  });

  it('would catch AWS::Route53Resolver::FirewallConfig, which is not in the registry', () => {
    expect(known.has('AWS::Route53Resolver::FirewallRuleGroupAssociation')).toBe(true);
    expect(
      unprovisionable({
        Resources: { C: { Type: 'AWS::Route53Resolver::FirewallConfig', Properties: {} } },
      }),
    ).toEqual(['AWS::Route53Resolver::FirewallConfig']);
  });
});

describe('docs/compliance.md', () => {
  it('is the output of `npm run compliance` (regenerate it after a change)', () => {
    expect(readFileSync('docs/compliance.md', 'utf8')).toBe(
      biomeFormat(complianceMarkdown([demo, landing]), 'docs/compliance.md'),
    );
  });
});

describe('the landing_zone setting', () => {
  it('is checked by the schema, naming each field and the fix', () => {
    const bad = policyYaml(
      '  - host: example.com',
      'landing_zone:\n  access_log_bucket: Bad_Bucket\n  s3_prefix_list_id: sg-1\n  probe_image: node:22\n',
    );
    const problems = policyProblems(bad).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^landing_zone\.access_log_bucket: "Bad_Bucket" must be an S3 bucket/),
      expect.stringMatching(/^landing_zone\.s3_prefix_list_id: "sg-1" must be a managed prefix/),
      expect.stringMatching(/^landing_zone\.probe_image: "node:22" must be a private ECR image/),
    ]);
  });
});
