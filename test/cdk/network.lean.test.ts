import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AgentNetwork } from '../../cdk/network/index.js';
import { props, resourcesOfType } from '../helpers/cdk-network-template.js';
import { inLandingZoneVpc } from '../helpers/landing-zone-vpc.js';
import { INTERNAL_API_ENTRY, policyYaml, validPolicy } from '../helpers/policy.js';

// AgentNetwork under `deployment.profile: lean`: which endpoints it keeps, and where.

const LEAN = 'deployment:\n  profile: lean\n';
const interfaceEndpoints = (template: Template) =>
  resourcesOfType(template, 'AWS::EC2::VPCEndpoint')
    .filter(([, r]) => props(r).VpcEndpointType === 'Interface')
    .map(([, r]) => ({
      service: /\.([a-z.]+)"?\]?\]?\}?$/.exec(JSON.stringify(props(r).ServiceName))?.[1],
      subnets: props(r).SubnetIds,
    }));

describe('AgentNetwork, lean profile', () => {
  it('keeps the Secrets Manager endpoint when the proxy has no public 443 path', () => {
    const egress = INTERNAL_API_ENTRY;
    // A private-ECR proxy image adds no registry to reach over the internet.
    const image =
      'proxy:\n  image: 111122223333.dkr.ecr.us-east-1.amazonaws.com/envoy@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\n';
    const stack = new Stack(new App(), 'Internal');
    new AgentNetwork(stack, 'Network', { policy: validPolicy(policyYaml(egress, LEAN + image)) });
    const services = interfaceEndpoints(Template.fromStack(stack)).map((e) => e.service);
    expect(services.sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']);

    const publicStack = new Stack(new App(), 'Public');
    const publicEgress = `${egress}\n  - host: registry.npmjs.org`;
    new AgentNetwork(publicStack, 'Network', {
      policy: validPolicy(policyYaml(publicEgress, LEAN + image)),
    });
    expect(
      interfaceEndpoints(Template.fromStack(publicStack))
        .map((e) => e.service)
        .sort(),
    ).toEqual(['ecr.api', 'ecr.dkr', 'logs']);
  });

  it('in an existing VPC, puts the endpoints in the first endpoint subnet only', () => {
    const stack = new Stack(new App(), 'Existing');
    const network = new AgentNetwork(stack, 'Network', {
      policy: validPolicy(policyYaml('  - host: registry.npmjs.org', LEAN)),
      ...inLandingZoneVpc(stack),
    });
    expect(network.endpointSubnets.map((s) => s.subnetId)).toEqual([
      'subnet-endpoint1',
      'subnet-endpoint2',
    ]);
    expect(network.interfaceEndpointSubnets.map((s) => s.subnetId)).toEqual(['subnet-endpoint1']);
    const endpoints = interfaceEndpoints(Template.fromStack(stack));
    expect(endpoints).toHaveLength(3);
    for (const e of endpoints) expect(e.subnets).toEqual(['subnet-endpoint1']);
  });
});
