import { describe, expect, it } from 'vitest';
import { Resolver } from '../../../../lib/containment/aws/resolve.js';
import { asTemplate } from '../../../../lib/containment/aws/template.js';
import { Opaque, Ref } from '../../../../lib/containment/aws/values.js';
import { enumerateWorlds } from '../../../../lib/containment/aws/worlds.js';
import {
  modelsFromTemplate,
  TemplateError,
  verifyTemplate,
} from '../../../../lib/containment/index.js';
import { agentTagged } from '../../../helpers/agent-tagged-resource.js';
import { realTemplate } from '../../../helpers/containment-template.js';

/** A VPC with one agent subnet, `Sn`: where the cases below place what they test. */
const AGENT_SUBNET = {
  Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
  Sn: agentTagged('AWS::EC2::Subnet', { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.1.0/24' }),
};

const noTrust = { imports: new Set<string>(), parameters: new Set<string>() };
const world = { parameters: new Map(), leaves: new Map() };

function resolver(extra: Record<string, unknown> = {}, trust = noTrust) {
  const template = asTemplate(
    {
      Parameters: { Env: { Type: 'String', Default: 'dev' } },
      Mappings: { Cidrs: { Agents: { Block: '10.9.0.0/16' } } },
      Resources: {
        Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
        Igw: { Type: 'AWS::EC2::InternetGateway' },
        Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
      },
      ...extra,
    },
    'test',
  );
  return new Resolver(template, world, trust);
}

describe('intrinsic functions', () => {
  const r = resolver();

  it('Ref and Fn::GetAtt name resources; attributes that are properties resolve to them', () => {
    expect(r.resolve({ Ref: 'Igw' })).toEqual(new Ref('Igw'));
    expect(r.resolve({ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] })).toBe('10.0.0.0/16');
    expect(r.resolve({ 'Fn::GetAtt': 'Igw.InternetGatewayId' })).toEqual(new Ref('Igw'));
    expect(r.resolve({ 'Fn::GetAtt': ['Nat', 'Whatever'] })).toEqual(new Ref('Nat', 'Whatever'));
  });

  it('Fn::Join, Fn::Split and Fn::Select take references apart again', () => {
    const joined = { 'Fn::Join': [',', [{ Ref: 'Nat' }, { Ref: 'Igw' }]] };
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', joined] }] })).toEqual(
      new Ref('Igw'),
    );
    expect(r.resolve({ 'Fn::Join': ['', [{ Ref: 'Igw' }]] })).toEqual(new Ref('Igw'));
    expect(
      r.display(
        r.resolve({ 'Fn::Join': ['.', ['com.amazonaws', { Ref: 'AWS::Region' }, 's3']] }) as string,
      ),
    ).toBe('com.amazonaws.<AWS-Region>.s3');
  });

  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
  it('Fn::Sub with variables, resource attributes and escapes', () => {
    expect(r.resolve({ 'Fn::Sub': ['0.0.0.0/${Bits}', { Bits: 0 }] })).toBe('0.0.0.0/0');
    expect(r.resolve({ 'Fn::Sub': '${Igw}' })).toEqual(new Ref('Igw'));
    expect(r.resolve({ 'Fn::Sub': '${Vpc.CidrBlock}' })).toBe('10.0.0.0/16');
    expect(r.resolve({ 'Fn::Sub': '${!Literal}' })).toBe('${Literal}');
  });
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax

  it('Fn::FindInMap and Fn::Cidr compute values; Fn::GetAZs stays unknown', () => {
    expect(r.resolve({ 'Fn::FindInMap': ['Cidrs', 'Agents', 'Block'] })).toBe('10.9.0.0/16');
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }] })).toBe(
      '10.0.1.0/24',
    );
    expect(r.resolve({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] })).toBeInstanceOf(Opaque);
  });

  it('AWS::NoValue removes a property or list item', () => {
    expect(r.resolve({ A: { Ref: 'AWS::NoValue' }, B: [1, { Ref: 'AWS::NoValue' }] })).toEqual({
      B: [1],
    });
  });

  it('imports and parameters are opaque unless trusted; a default proves nothing', () => {
    const imported = r.resolve({ 'Fn::ImportValue': 'shared-subnet' });
    expect(imported).toMatchObject({ key: 'import:shared-subnet', trusted: false });
    expect(r.resolve({ Ref: 'Env' })).toMatchObject({ key: 'param:Env', trusted: false });
    const trusting = resolver(
      {},
      { imports: new Set(['shared-subnet']), parameters: new Set(['Env']) },
    );
    expect(trusting.resolve({ 'Fn::ImportValue': 'shared-subnet' })).toMatchObject({
      trusted: true,
    });
    expect(trusting.resolve({ Ref: 'Env' })).toMatchObject({ trusted: true });
  });
});

describe('conditions', () => {
  it('decides conditions on literals and enumerates those on deploy-time values', () => {
    const template = asTemplate(
      {
        Parameters: {
          Env: { Type: 'String' },
          Size: { Type: 'String', AllowedValues: ['s', 'l'] },
        },
        Conditions: {
          Always: { 'Fn::Equals': ['a', 'a'] },
          IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
          NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
          Large: { 'Fn::Equals': [{ Ref: 'Size' }, 'l'] },
        },
        Resources: {
          A: {
            Type: 'AWS::EC2::VPC',
            Condition: 'IsProd',
            Properties: { CidrBlock: { 'Fn::If': ['Large', '10.0.0.0/8', '10.0.0.0/16'] } },
          },
          B: { Type: 'AWS::EC2::VPC', Condition: 'NotProd' },
          C: { Type: 'AWS::EC2::VPC', Condition: 'Always' },
        },
      },
      'test',
    );
    const { worlds } = enumerateWorlds(template, noTrust);
    // Size has 2 allowed values, IsProd/NotProd share one unknown comparison: 4 cases.
    expect(worlds).toHaveLength(4);
    const labels = worlds.map((w) => w.label ?? '');
    expect(labels).toContain(
      'parameter Size is "l", condition IsProd is true, condition NotProd is false',
    );
    for (const w of worlds) {
      const r = new Resolver(template, w.world, noTrust);
      expect(r.exists('A')).toBe(!r.exists('B'));
      expect(r.exists('C')).toBe(true);
    }
  });
});

describe('modelsFromTemplate', () => {
  it('rejects input that is not a template, naming the fix', () => {
    expect(() => modelsFromTemplate([], 'x.json')).toThrow(TemplateError);
    expect(() => modelsFromTemplate({ Resources: { A: {} } }, 'x.json')).toThrow(
      /resource "A" has no "Type"/,
    );
  });

  it('reads security group rules, the default egress rule and the agent slots', () => {
    const [model] = modelsFromTemplate(
      {
        Resources: {
          ...AGENT_SUBNET,
          Sg: agentTagged('AWS::EC2::SecurityGroup', {
            VpcId: { Ref: 'Vpc' },
            GroupDescription: 'x',
          }),
        },
      },
      't',
    );
    expect(model?.attachments).toEqual([
      expect.objectContaining({ id: 'slot:Sn', role: 'slot', groups: ['Sg'] }),
    ]);
    expect(model?.firewallRules).toEqual([
      expect.objectContaining({
        group: 'Sg',
        direction: 'egress',
        peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
        traffic: { protocol: 'all' },
      }),
    ]);
  });

  it('finds workloads of types it has no handler for by their subnet and group properties', () => {
    const report = verifyTemplate(
      {
        Resources: {
          ...AGENT_SUBNET,
          Db: {
            Type: 'AWS::RDS::DBSubnetGroup',
            Properties: { SubnetIds: [{ Ref: 'Sn' }], DBSubnetGroupDescription: 'x' },
          },
          Build: {
            Type: 'AWS::CodeBuild::Project',
            Properties: {
              VpcConfig: { Subnets: [{ Ref: 'Sn' }], SecurityGroupIds: [], VpcId: { Ref: 'Vpc' } },
            },
          },
          Database: {
            Type: 'AWS::RDS::DBInstance',
            Properties: { DBSubnetGroupName: { Ref: 'Db' } },
          },
        },
      },
      't',
    );
    const unprotected = report.violations
      .filter((v) => v.channel === 'unprotected-workload')
      .map((v) => v.resource);
    expect(unprotected).toEqual(['Build', 'Database']);
  });
});

describe('conditions that cannot open a path are not enumerated', () => {
  const REGIONS = Array.from({ length: 31 }, (_, i) => `region-${i}`);
  /** CDK's CDKMetadata resource and its condition, as every CDK app emits them. */
  const withCdkMetadata = (template: ReturnType<typeof realTemplate>['template']) => ({
    ...template,
    Conditions: {
      ...(template.Conditions ?? {}),
      CDKMetadataAvailable: {
        'Fn::Or': REGIONS.map((r) => ({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, r] })),
      },
    },
    Resources: {
      ...template.Resources,
      CDKMetadata: {
        Type: 'AWS::CDK::Metadata',
        Properties: { Analytics: 'v2:deflate64:...' },
        Condition: 'CDKMetadataAvailable',
      },
    },
  });

  it("ignores CDK's CDKMetadata condition (2^31 region cases otherwise)", () => {
    const { template, stackName } = realTemplate();
    const report = verifyTemplate(withCdkMetadata(template), stackName);
    expect(report.violations).toEqual([]);
    expect(report.cases).toBe(1);
  });

  it('checks one world for conditions on trusted parameters, as --trust-parameter promises', () => {
    const { template, stackName } = realTemplate();
    const env = Array.from({ length: 12 }, (_, i) => [
      `Env${i}`,
      { 'Fn::Equals': [{ Ref: 'Stage' }, `stage-${i}`] },
    ]);
    const withStages = {
      ...template,
      Parameters: { ...(template.Parameters ?? {}), Stage: { Type: 'String' } },
      Conditions: { ...(template.Conditions ?? {}), ...Object.fromEntries(env) },
      Resources: Object.fromEntries(
        Object.entries(template.Resources).map(([id, r], i) =>
          i < env.length ? [id, { ...r, Condition: `Env${i}` }] : [id, r],
        ),
      ),
    };
    const untrusted = verifyTemplate(withStages, stackName);
    expect(untrusted.violations.map((v) => v.channel)).toContain('cannot-prove');
    const trusted = verifyTemplate(withStages, stackName, { trustedParameters: ['Stage'] });
    expect(trusted.violations.filter((v) => v.channel === 'cannot-prove')).toEqual([]);
    expect(trusted.cases).toBe(1);
  });
});
