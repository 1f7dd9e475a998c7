import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { AgentPerimeterProps } from '../../app/entry-points/aws.js';

/*
 * A team's own VPC with the AgentPerimeter placed in its subnets, as two tests use it: built
 * here for the library test (test/app/entry-points/aws.test.ts) and written out as source for
 * the app that installs the npm package (test/package-consumer.test.ts). One description, so
 * the two cannot drift apart.
 */

/** The VPC's subnet groups; the type by SubnetType member name, so source can name it too. */
const SUBNET_GROUPS: readonly {
  readonly name: string;
  readonly type: keyof typeof ec2.SubnetType;
  readonly cidrMask?: number;
}[] = [
  { name: 'Public', type: 'PUBLIC' },
  { name: 'Workers', type: 'PRIVATE_WITH_EGRESS' },
  { name: 'Sandboxes', type: 'PRIVATE_ISOLATED' },
  { name: 'Endpoints', type: 'PRIVATE_ISOLATED', cidrMask: 26 },
];
const MAX_AZS = 2;

/** The perimeter's props in the team VPC, but for `network`. */
const PERIMETER = {
  policyFile: 'agent-perimeter.yaml',
  probe: false,
} as const satisfies AgentPerimeterProps;

/** The perimeter's `network` in the team VPC, but for the VPC itself. */
const NETWORK = {
  agentSubnets: { subnetGroupName: 'Sandboxes' },
  proxySubnets: { subnetGroupName: 'Workers' },
  // Endpoints in their own subnets: shared with the agents, the agent NACL has to let
  // return traffic out to the proxy subnets, which containment reports (C4).
  endpointSubnets: { subnetGroupName: 'Endpoints' },
  // Nothing else runs in this VPC.
  acceptVpcWideDnsFirewall: true,
} as const satisfies AgentPerimeterProps['network'];

/** The team VPC as construct `Vpc` of `scope`. */
export function teamVpc(scope: Construct): ec2.Vpc {
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: MAX_AZS,
    subnetConfiguration: SUBNET_GROUPS.map(({ name, type, cidrMask }) => ({
      name,
      subnetType: ec2.SubnetType[type],
      ...(cidrMask === undefined ? {} : { cidrMask }),
    })),
  });
}

/** The AgentPerimeter props that place it in `vpc`, the team VPC. */
export function teamVpcPerimeterProps(vpc: ec2.IVpc): AgentPerimeterProps {
  return { ...PERIMETER, network: { vpc, ...NETWORK } };
}

/** TypeScript for {@link teamVpc} in an app, with aws-cdk-lib/aws-ec2 imported as `ec2`. */
export function teamVpcSource(scope: string): string {
  const groups = SUBNET_GROUPS.map(
    ({ name, type, cidrMask }) =>
      `{ name: '${name}', subnetType: ec2.SubnetType.${type}${cidrMask === undefined ? '' : `, cidrMask: ${cidrMask}`} }`,
  );
  return `new ec2.Vpc(${scope}, 'Vpc', { maxAzs: ${MAX_AZS}, subnetConfiguration: [${groups.join(', ')}] })`;
}

/** TypeScript for {@link teamVpcPerimeterProps} in an app, the VPC in variable `vpc`. */
export function teamVpcPerimeterPropsSource(vpc: string): string {
  return `{ ...${JSON.stringify(PERIMETER)}, network: { vpc: ${vpc}, ...${JSON.stringify(NETWORK)} } }`;
}
