import { App, type Environment, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';

/** A stack of its own app with the least one tier construct needs to be built alone. */
export interface IsolatedStack {
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.Vpc;
  readonly logKey: kms.Key;
}

/**
 * TEST SCAFFOLDING: a new app and stack `stackId` holding a two-AZ VPC with one isolated
 * subnet group, `subnetGroupName`, no NAT, and a rotating KMS key for log groups. The real
 * network construct (cdk/network/) owns these in an app; tests of one tier need only these.
 */
export function isolatedStack(
  stackId: string,
  subnetGroupName: string,
  env?: Environment,
): IsolatedStack {
  const app = new App();
  const stack = new Stack(app, stackId, env === undefined ? {} : { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: subnetGroupName, subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
  return { app, stack, vpc, logKey };
}

/** An empty security group that lets nothing out, so the construct under test adds every rule. */
export function closedSecurityGroup(stack: Stack, id: string, vpc: ec2.IVpc): ec2.SecurityGroup {
  return new ec2.SecurityGroup(stack, id, { vpc, allowAllOutbound: false });
}
