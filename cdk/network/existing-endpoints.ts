import { Token } from 'aws-cdk-lib';
import { type ISecurityGroup, type ISubnet, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { parseCidr } from '../../lib/containment/addresses.js';

/** An interface endpoint that already exists in the VPC, e.g. a landing zone's shared one. */
export interface ExistingInterfaceEndpoint {
  /** The endpoint's id: `vpce-` and 8 or 17 hex digits. */
  readonly endpointId: string;
  /**
   * The security group on the endpoint's network interfaces (`sg-` and 8 or 17 hex digits).
   * The perimeter's groups get egress to it on 443. Give each proxy-only service
   * (`secretsManager`, `bedrockRuntime`) a group that no agent-facing endpoint uses: agents may
   * reach every interface in the groups of `ecrApi`, `ecrDocker` and `logs`.
   */
  readonly securityGroupId: string;
}

/**
 * Interface endpoints of an existing VPC that the perimeter uses instead of creating its own
 * (two private-DNS endpoints of one service in one VPC fail at deploy time). Each one named
 * here is not created; the others still are. Their policies are outside this template, so
 * the containment proof reports agents' rules towards their groups as `cannot-prove` until
 * those groups are declared trusted (ADR 0049).
 */
export interface ExistingEndpoints {
  /** ECR API (`ecr.api`), used by agents and proxy. @default - the perimeter creates one */
  readonly ecrApi?: ExistingInterfaceEndpoint;
  /** ECR Docker registry (`ecr.dkr`), agents and proxy. @default - the perimeter creates one */
  readonly ecrDocker?: ExistingInterfaceEndpoint;
  /** CloudWatch Logs (`logs`), agents and proxy. @default - the perimeter creates one */
  readonly logs?: ExistingInterfaceEndpoint;
  /**
   * Secrets Manager, used by the proxy only; only when the policy injects credentials.
   * @default - the perimeter creates one when the policy injects credentials
   */
  readonly secretsManager?: ExistingInterfaceEndpoint;
  /**
   * bedrock-runtime, used by the proxy only; only with `model_access.provider: bedrock`.
   * @default - the perimeter creates one with Bedrock model access
   */
  readonly bedrockRuntime?: ExistingInterfaceEndpoint;
  /**
   * IPv4 CIDRs of the subnets that hold these endpoints' network interfaces. The agent
   * subnets' NACL lets agents reach them on 443 (it denies the rest of the VPC); the perimeter
   * associates no NACL with them. They must not overlap the agent or proxy subnets.
   */
  readonly subnetCidrs: readonly string[];
  /**
   * Add ingress rules (443 from the perimeter's agent and proxy groups) to the endpoints'
   * security groups, as separate `AWS::EC2::SecurityGroupIngress` resources of this stack.
   * Turn it off when the groups already admit the agent and proxy subnets, or belong to
   * another account (a participant of a shared VPC cannot change the owner's groups).
   *
   * @default true
   */
  readonly addIngressRules?: boolean;
}

/** The services an existing endpoint may stand in for, in the order the perimeter uses them. */
export const EXISTING_ENDPOINT_SERVICES = [
  'ecrApi',
  'ecrDocker',
  'logs',
  'secretsManager',
  'bedrockRuntime',
] as const;
export type ExistingEndpointService = (typeof EXISTING_ENDPOINT_SERVICES)[number];

/** Services agents use as well as the proxy; the others serve the proxy alone. */
const AGENT_FACING: ReadonlySet<ExistingEndpointService> = new Set(['ecrApi', 'ecrDocker', 'logs']);

/** What each service is, for messages and rule descriptions. */
export const ENDPOINT_SERVICE_NAMES: Record<ExistingEndpointService, string> = {
  ecrApi: 'ECR API',
  ecrDocker: 'ECR Docker',
  logs: 'CloudWatch Logs',
  secretsManager: 'Secrets Manager',
  bedrockRuntime: 'bedrock-runtime',
};

const ENDPOINT_ID = /^vpce-([0-9a-f]{8}|[0-9a-f]{17})$/;
const GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** One existing endpoint, checked: its service, id and the group it lives in. */
export interface SharedEndpoint {
  readonly service: ExistingEndpointService;
  readonly endpointId: string;
  readonly securityGroupId: string;
  /** Whether agents use it (ECR, Logs) or only the proxy (Secrets Manager, bedrock-runtime). */
  readonly agentFacing: boolean;
}

/** What the perimeter needs from the VPC's endpoints, to check `existingEndpoints` against. */
export interface EndpointNeeds {
  readonly secretsManager: boolean;
  readonly bedrockRuntime: boolean;
  readonly agentSubnets: readonly ISubnet[];
  readonly proxySubnets: readonly ISubnet[];
}

const literal = (value: string) => !Token.isUnresolved(value);

/** Fails unless a literal id matches `pattern`; tokens (imports, parameters) pass. */
function checkId(
  field: string,
  value: string,
  pattern: RegExp,
  what: string,
  fail: (message: string) => never,
): void {
  if (literal(value) && !pattern.test(value)) {
    fail(
      `${field} is "${value}", which is not ${what}. Fix: copy the id from the console or \`aws ec2 describe-vpc-endpoints\` (it is lower-case hex after the prefix).`,
    );
  }
}

/** Fails unless the subnet CIDRs are IPv4 blocks apart from the agent and proxy subnets. */
function checkSubnetCidrs(
  cidrs: readonly string[],
  needs: EndpointNeeds,
  fail: (message: string) => never,
): void {
  if (cidrs.length === 0) {
    fail(
      'existingEndpoints.subnetCidrs is empty; the agent NACL denies the rest of the VPC, so agents could not reach the existing endpoints. Fix: list the IPv4 CIDRs of the subnets that hold their network interfaces.',
    );
  }
  const tiers = [
    ...needs.agentSubnets.map((s) => ({ s, tier: 'agent' })),
    ...needs.proxySubnets.map((s) => ({ s, tier: 'proxy' })),
  ];
  cidrs.forEach((text, i) => {
    const field = `existingEndpoints.subnetCidrs[${i}]`;
    const cidr = parseCidr(text);
    if (cidr === undefined || cidr.family !== 'v4' || !text.includes('/')) {
      fail(`${field} is "${text}", which is not an IPv4 CIDR. Fix: write it as 10.1.32.0/28.`);
    }
    for (const { s, tier } of tiers) {
      const other = Token.isUnresolved(s.ipv4CidrBlock) ? undefined : parseCidr(s.ipv4CidrBlock);
      if (other !== undefined && cidr.start <= other.end && other.start <= cidr.end) {
        fail(
          `${field} is "${text}", which overlaps the ${tier} subnet ${s.subnetId} (${s.ipv4CidrBlock}); endpoints among the agents or the proxy would need NACL holes towards them. Fix: list only the subnets of the endpoints' network interfaces, apart from agents and proxy.`,
        );
      }
    }
  });
}

/**
 * Checks `existingEndpoints` against an existing VPC and what the policy needs: literal ids in
 * the right form, each endpoint used for one service only, proxy-only services in groups no
 * agent-facing endpoint shares, and subnet CIDRs apart from the agents and proxy.
 */
export function checkExistingEndpoints(
  existing: ExistingEndpoints,
  needs: EndpointNeeds,
  fail: (message: string) => never,
): SharedEndpoint[] {
  const shared: SharedEndpoint[] = [];
  for (const service of EXISTING_ENDPOINT_SERVICES) {
    const given = existing[service];
    if (given === undefined) continue;
    const field = `existingEndpoints.${service}`;
    checkId(
      `${field}.endpointId`,
      given.endpointId,
      ENDPOINT_ID,
      'an endpoint id (vpce- and 8 or 17 hex digits)',
      fail,
    );
    checkId(
      `${field}.securityGroupId`,
      given.securityGroupId,
      GROUP_ID,
      'a security group id (sg- and 8 or 17 hex digits)',
      fail,
    );
    if ((service === 'secretsManager' || service === 'bedrockRuntime') && !needs[service]) {
      fail(
        `${field} is given, but the perimeter uses no ${ENDPOINT_SERVICE_NAMES[service]} endpoint with this policy (${service === 'secretsManager' ? 'it injects no credentials through Secrets Manager' : 'model_access is not bedrock'}). Fix: remove ${field}.`,
      );
    }
    const twice = shared.find(
      (s) => literal(given.endpointId) && s.endpointId === given.endpointId,
    );
    if (twice !== undefined) {
      fail(
        `${field}.endpointId is "${given.endpointId}", the endpoint already given for existingEndpoints.${twice.service}; an interface endpoint serves one service. Fix: give each service its own endpoint's id.`,
      );
    }
    shared.push({ service, ...given, agentFacing: AGENT_FACING.has(service) });
  }
  if (shared.length === 0) {
    fail(
      'existingEndpoints names no endpoint. Fix: give at least one of ecrApi, ecrDocker, logs, secretsManager, bedrockRuntime, or leave existingEndpoints out.',
    );
  }
  const agentGroups = new Map<string, ExistingEndpointService>();
  for (const s of shared.filter((x) => x.agentFacing)) {
    if (!agentGroups.has(s.securityGroupId)) agentGroups.set(s.securityGroupId, s.service);
  }
  for (const s of shared.filter((x) => !x.agentFacing)) {
    const with_ = agentGroups.get(s.securityGroupId);
    if (with_ !== undefined) {
      fail(
        `existingEndpoints.${s.service}.securityGroupId is "${s.securityGroupId}", the group of existingEndpoints.${with_} too; agents may reach every interface in that group, so they would reach ${ENDPOINT_SERVICE_NAMES[s.service]}, which serves the proxy alone. Fix: give that endpoint a security group of its own, or leave existingEndpoints.${s.service} out so the perimeter creates one reachable from the proxy only.`,
      );
    }
  }
  checkSubnetCidrs(existing.subnetCidrs, needs, fail);
  return shared;
}

/**
 * The existing endpoints' security groups, imported once per id (mutable only when the
 * perimeter adds ingress rules to them), keyed by group id.
 */
export function importEndpointGroups(
  scope: Construct,
  shared: readonly SharedEndpoint[],
  addIngressRules: boolean,
): Map<string, ISecurityGroup> {
  const groups = new Map<string, ISecurityGroup>();
  for (const s of shared) {
    if (groups.has(s.securityGroupId)) continue;
    const id = `Existing${s.service.charAt(0).toUpperCase()}${s.service.slice(1)}EndpointGroup`;
    groups.set(
      s.securityGroupId,
      SecurityGroup.fromSecurityGroupId(scope, id, s.securityGroupId, {
        mutable: addIngressRules,
        allowAllOutbound: false,
      }),
    );
  }
  return groups;
}
