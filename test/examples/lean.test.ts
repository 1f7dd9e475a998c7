import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ProfileCompliance, profileCompliance } from '../../app/compliance.js';
import { CONTROL_TOWER_PACK } from '../../cdk/control-tower.js';
import { runCli } from '../helpers/cli.js';
import { policyProblems, policyYaml, validPolicy } from '../helpers/policy.js';

// Real synths of the lean deployment profile with every check on (cdk-nag packs, Control Tower
// through the real cfn-guard binary, containment), alone and with the landing-zone setting.

// Every resource the perimeter synthesizes has properties.
type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

const ROOT = join(import.meta.dirname, '../..');
let lean: ProfileCompliance;
let landing: ProfileCompliance;
beforeAll(() => {
  lean = profileCompliance('lean', 'examples/lean.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'agent-perimeter-lean-lz-'));
  const file = join(dir, 'lean-landing-zone.yaml');
  const text = readFileSync(join(ROOT, 'examples', 'landing-zone.yaml'), 'utf8');
  writeFileSync(file, `${text}\ndeployment:\n  profile: lean\n`);
  landing = profileCompliance('lean landing zone', file);
}, 600_000);

const resources = (t: unknown, type: string) =>
  Object.entries((t as Template).Resources).filter(([, r]) => r.Type === type);
const props = (t: unknown, id: string) =>
  ((t as Template).Resources[id]?.Properties ?? {}) as Record<string, unknown>;
const refOf = (v: unknown) => (v as { Ref: string }).Ref;

describe('lean profile (examples/lean.yaml)', () => {
  it('passes every cdk-nag pack, the Control Tower rules and the containment proof', () => {
    for (const pack of lean.packs) expect(pack.unacknowledged, pack.pack).toBe(0);
    expect(lean.packs.map((p) => p.pack)).toContain(CONTROL_TOWER_PACK);
    expect(lean.containment).toMatch(/^contained: /);
  });

  it('has one NAT gateway, and the interface endpoints only in its zone', () => {
    const [nat, ...more] = resources(lean.template, 'AWS::EC2::NatGateway');
    expect(more).toEqual([]);
    const natSubnet = refOf(nat?.[1].Properties?.SubnetId);
    const zoneOf = (subnet: string) =>
      JSON.stringify(props(lean.template, subnet).AvailabilityZone);
    const endpoints = resources(lean.template, 'AWS::EC2::VPCEndpoint').filter(
      ([, r]) => r.Properties.VpcEndpointType === 'Interface',
    );
    const services = endpoints.map(([, r]) => JSON.stringify(r.Properties.ServiceName));
    expect(services.map((s) => /\.(ecr\.api|ecr\.dkr|logs)"/.exec(s)?.[1]).sort()).toEqual([
      'ecr.api',
      'ecr.dkr',
      'logs',
    ]);
    for (const [id, r] of endpoints) {
      const subnets = (r.Properties.SubnetIds as unknown[]).map(refOf);
      expect(subnets, id).toHaveLength(1);
      expect(zoneOf(subnets[0] as string), id).toBe(zoneOf(natSubnet));
    }
  });

  it('runs the proxy on ARM64 without public IPs; agents and probe stay x86_64', () => {
    const [[, service] = []] = resources(lean.template, 'AWS::ECS::Service');
    const network = service?.Properties?.NetworkConfiguration as {
      AwsvpcConfiguration: { AssignPublicIp: string };
    };
    expect(network.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    const taskDef = props(lean.template, refOf(service?.Properties?.TaskDefinition));
    expect(taskDef.RuntimePlatform).toEqual({
      CpuArchitecture: 'ARM64',
      OperatingSystemFamily: 'LINUX',
    });
    const others = resources(lean.template, 'AWS::ECS::TaskDefinition').filter(
      ([id]) => id !== refOf(service?.Properties?.TaskDefinition),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const [id, r] of others) {
      expect(
        (r.Properties.RuntimePlatform as { CpuArchitecture: string }).CpuArchitecture,
        id,
      ).toBe('X86_64');
    }
  });
});

describe('lean profile in a landing zone', () => {
  it('passes every check with nothing acknowledged for Control Tower', () => {
    for (const pack of landing.packs) expect(pack.unacknowledged, pack.pack).toBe(0);
    expect(landing.packs.find((p) => p.pack === CONTROL_TOWER_PACK)?.acknowledged).toBe(0);
    expect(landing.containment).toMatch(/^contained: /);
    expect(resources(landing.template, 'AWS::EC2::NatGateway')).toHaveLength(1);
  });
});

describe('deployment.profile in the policy', () => {
  it('defaults to ha and refuses other values, naming the field and the choices', () => {
    expect(validPolicy(policyYaml('  - host: example.com')).deployment.profile).toBe('ha');
    const problems = policyProblems(
      policyYaml('  - host: example.com', 'deployment:\n  profile: cheap\n'),
    ).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([expect.stringMatching(/^deployment\.profile: .*ha, lean/)]);
  });
});

describe('example policies', () => {
  it('every examples/*.yaml passes check-policy', async () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('lean.yaml');
    for (const file of files) {
      const r = await runCli('check-policy', join(ROOT, 'examples', file));
      expect(r.code, `${file}: ${r.stderr}`).toBe(0);
    }
  });
});
