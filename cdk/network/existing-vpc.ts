import type { ISubnet, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { AgentNetworkProps } from './agent-network.js';

/** The subnet selections, and the new-VPC-only options that must all be left out here. */
export type ExistingVpcInput = Pick<
  AgentNetworkProps,
  'agentSubnets' | 'proxySubnets' | 'endpointSubnets' | 'maxAzs' | 'cidr' | 'natGateways'
>;

/** The selected subnets of an existing VPC, one list per tier. */
export interface ExistingVpcSubnets {
  readonly agents: ISubnet[];
  readonly proxy: ISubnet[];
  readonly endpoints: ISubnet[];
}

const ids = (subnets: readonly ISubnet[]) => new Set(subnets.map((s) => s.subnetId));

/** Ids of the subnets of `a` that are also in `b`. */
function overlap(a: readonly ISubnet[], b: readonly ISubnet[]): string[] {
  const other = ids(b);
  return a.filter((s) => other.has(s.subnetId)).map((s) => s.subnetId);
}

/** Fails unless the required selections are given and the new-VPC-only options are left out. */
function checkExistingVpcOptions(
  vpc: IVpc,
  input: ExistingVpcInput,
  fail: (message: string) => never,
): void {
  const missing = [
    input.agentSubnets === undefined ? 'agentSubnets' : undefined,
    input.proxySubnets === undefined ? 'proxySubnets' : undefined,
  ].filter((name) => name !== undefined);
  if (missing.length > 0) {
    fail(
      `an existing VPC (${vpc.node.path}) was given without ${missing.join(' and ')}. Fix: pass agentSubnets (isolated subnets, e.g. { subnetType: SubnetType.PRIVATE_ISOLATED }) and proxySubnets (private subnets with a NAT route, e.g. { subnetType: SubnetType.PRIVATE_WITH_EGRESS }).`,
    );
  }
  const newVpcOnly = (['maxAzs', 'cidr', 'natGateways'] as const).filter(
    (name) => input[name] !== undefined,
  );
  if (newVpcOnly.length > 0) {
    fail(
      `${newVpcOnly.join(', ')} only apply to a new VPC, but an existing VPC was given. Fix: remove ${newVpcOnly.join(', ')}, or remove vpc.`,
    );
  }
}

/** Fails unless the tiers' subnets have the right kind and keep apart as the perimeter needs. */
function checkSubnetTiers(
  vpc: IVpc,
  { agents, proxy, endpoints }: ExistingVpcSubnets,
  fail: (message: string) => never,
): void {
  const isolated = ids(vpc.isolatedSubnets);
  const notIsolated = agents.filter((s) => !isolated.has(s.subnetId)).map((s) => s.subnetId);
  if (notIsolated.length > 0) {
    fail(
      `agent subnets must be isolated (no route to an internet, NAT, transit or egress-only gateway), but ${notIsolated.join(', ')} ${notIsolated.length === 1 ? 'is' : 'are'} not among the VPC's isolated subnets. Fix: select isolated subnets, e.g. { subnetType: SubnetType.PRIVATE_ISOLATED }.`,
    );
  }
  const privateIds = ids(vpc.privateSubnets);
  const notPrivate = proxy.filter((s) => !privateIds.has(s.subnetId)).map((s) => s.subnetId);
  if (notPrivate.length > 0) {
    fail(
      `proxy subnets must be private subnets with a NAT route, but ${notPrivate.join(', ')} ${notPrivate.length === 1 ? 'is' : 'are'} not. Fix: select { subnetType: SubnetType.PRIVATE_WITH_EGRESS }.`,
    );
  }
  const agentProxy = overlap(agents, proxy);
  if (agentProxy.length > 0) {
    fail(
      `subnets ${agentProxy.join(', ')} are selected for both agents and proxy; agents must not share a subnet with anything that has a way out. Fix: select disjoint subnets.`,
    );
  }
  const shared = [...overlap(endpoints, agents), ...overlap(endpoints, proxy)];
  if (shared.length > 0) {
    fail(
      `endpoint subnets must share no subnet with agents or proxy, but ${shared.join(', ')} ${shared.length === 1 ? 'is' : 'are'} shared. ${DEDICATED_ENDPOINT_SUBNETS_FIX}`,
    );
  }
  const notIsolatedEndpoints = endpoints.filter((s) => !isolated.has(s.subnetId));
  if (notIsolatedEndpoints.length > 0) {
    fail(
      `endpoint subnets must be isolated, but ${notIsolatedEndpoints.map((s) => s.subnetId).join(', ')} ${notIsolatedEndpoints.length === 1 ? 'is' : 'are'} not. Fix: select isolated subnets.`,
    );
  }
}

/**
 * Why endpoints cannot sit among the agents: the agent NACL would then have to answer the
 * proxy tasks (which call ECR, Logs and Secrets Manager) on their ephemeral ports, which lets
 * agents send to the proxy subnets on every high port, and the proof reports that as a
 * weakened second wall. Dedicated subnets keep each NACL to its own tier.
 */
const DEDICATED_ENDPOINT_SUBNETS_FIX =
  'Fix: pass endpointSubnets selecting dedicated isolated subnets (e.g. { subnetGroupName: "Endpoints" }, a /28 per zone is enough) that hold neither agents nor proxy; the interface endpoints and their NACL live there.';

/** Checks and selects the subnets of an existing VPC. */
export function selectExistingVpcSubnets(
  vpc: IVpc,
  input: ExistingVpcInput,
  fail: (message: string) => never,
): ExistingVpcSubnets {
  checkExistingVpcOptions(vpc, input, fail);
  const select = (selection: SubnetSelection | undefined, what: string) => {
    const subnets = vpc.selectSubnets(selection).subnets;
    if (subnets.length === 0) fail(`the ${what} subnet selection matches no subnets.`);
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (zones.size < 2) {
      fail(
        `the ${what} subnets (${subnets.map((s) => s.subnetId).join(', ')}) are in ${zones.size} Availability Zone; the perimeter needs at least 2. Fix: select subnets in two or more zones.`,
      );
    }
    return subnets;
  };
  const agents = select(input.agentSubnets, 'agent');
  const proxy = select(input.proxySubnets, 'proxy');
  if (input.endpointSubnets === undefined) {
    // The agents' and proxy's own problems first: they need fixing whatever the endpoints do.
    checkSubnetTiers(vpc, { agents, proxy, endpoints: [] }, fail);
    fail(
      `an existing VPC (${vpc.node.path}) was given without endpointSubnets; the interface endpoints cannot share the agent subnets, because their NACL would then have to let agents reach the proxy subnets on every ephemeral port. ${DEDICATED_ENDPOINT_SUBNETS_FIX}`,
    );
  }
  const endpoints = select(input.endpointSubnets, 'endpoint');
  const subnets = { agents, proxy, endpoints };
  checkSubnetTiers(vpc, subnets, fail);
  return subnets;
}
