import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  type IInterfaceVpcEndpoint,
  type IInterfaceVpcEndpointService,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type ISubnet,
  type IVpc,
} from 'aws-cdk-lib/aws-ec2';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { BedrockAccess } from '../../lib/policy/index.js';
import {
  bedrockInvokeStatements,
  type EndpointPolicyEnv,
  ecrLayerStatements,
  ecrPullStatements,
  logsWriteStatements,
  secretReadStatements,
} from './endpoint-policies.js';
import type { ExistingEndpointService, SharedEndpoint } from './existing-endpoints.js';

export interface PerimeterEndpointsInput {
  readonly vpc: IVpc;
  /** Subnets of the interface endpoints. */
  readonly endpointSubnets: readonly ISubnet[];
  /** Subnets whose route tables get the S3 gateway endpoint. */
  readonly agentSubnets: readonly ISubnet[];
  /** Security group of the ECR and CloudWatch Logs endpoints; undefined when all exist. */
  readonly endpointSecurityGroup: ISecurityGroup | undefined;
  /** Security group of the Secrets Manager endpoint; no such endpoint when undefined. */
  readonly secretsEndpointSecurityGroup: ISecurityGroup | undefined;
  /** Secrets the Secrets Manager endpoint's policy lets the tasks read. */
  readonly secretNames: readonly string[];
  /** Security group of the bedrock-runtime endpoint; no such endpoint when undefined. */
  readonly bedrockEndpointSecurityGroup?: ISecurityGroup | undefined;
  /** The Bedrock model access the bedrock-runtime endpoint's policy allows. */
  readonly bedrock?: BedrockAccess | undefined;
  /** Partition, region and account the endpoint policies are scoped to. */
  readonly env: EndpointPolicyEnv;
  /**
   * Existing endpoints to use instead of creating them, with their imported groups.
   * @default - none: the perimeter creates every endpoint it needs
   */
  readonly shared?: readonly {
    readonly endpoint: SharedEndpoint;
    readonly group: ISecurityGroup;
  }[];
}

export interface PerimeterEndpoints {
  readonly ecrApi: IInterfaceVpcEndpoint;
  readonly ecrDocker: IInterfaceVpcEndpoint;
  readonly logs: IInterfaceVpcEndpoint;
  readonly secretsManager: IInterfaceVpcEndpoint | undefined;
  readonly bedrockRuntime: IInterfaceVpcEndpoint | undefined;
  readonly s3: GatewayVpcEndpoint;
}

/**
 * An interface endpoint with private DNS, reachable only through `securityGroup`; or the
 * existing endpoint given for `service`, imported by id (nothing is created for it).
 */
function interfaceEndpoint(
  scope: Construct,
  id: string,
  input: PerimeterEndpointsInput,
  which: ExistingEndpointService,
  service: IInterfaceVpcEndpointService,
  securityGroup: ISecurityGroup | undefined,
  statements: readonly PolicyStatement[],
): IInterfaceVpcEndpoint {
  const existing = input.shared?.find((s) => s.endpoint.service === which);
  if (existing !== undefined) {
    return InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(scope, `Existing${id}`, {
      vpcEndpointId: existing.endpoint.endpointId,
      port: 443,
      securityGroups: [existing.group],
    });
  }
  if (securityGroup === undefined) {
    throw new Error(`${id}: no security group for an endpoint the perimeter creates`);
  }
  const created = new InterfaceVpcEndpoint(scope, id, {
    vpc: input.vpc,
    service,
    subnets: { subnets: [...input.endpointSubnets] },
    securityGroups: [securityGroup],
    privateDnsEnabled: true,
    // No implicit "443 from the whole VPC" rule: the security groups say who may connect.
    open: false,
  });
  for (const statement of statements) created.addToPolicy(statement);
  return created;
}

/**
 * The VPC endpoints the tasks need, each with a policy scoped to that need: ECR (API and
 * Docker), CloudWatch Logs, Secrets Manager (only with injected secrets), bedrock-runtime (only
 * with Bedrock model access, signed by the proxy) and the S3 gateway
 * endpoint for ECR image layers.
 */
export function createPerimeterEndpoints(
  scope: Construct,
  input: PerimeterEndpointsInput,
): PerimeterEndpoints {
  const { env } = input;
  const ecrApi = interfaceEndpoint(
    scope,
    'EcrApiEndpoint',
    input,
    'ecrApi',
    InterfaceVpcEndpointAwsService.ECR,
    input.endpointSecurityGroup,
    ecrPullStatements(env),
  );
  const ecrDocker = interfaceEndpoint(
    scope,
    'EcrDockerEndpoint',
    input,
    'ecrDocker',
    InterfaceVpcEndpointAwsService.ECR_DOCKER,
    input.endpointSecurityGroup,
    ecrPullStatements(env),
  );
  const logs = interfaceEndpoint(
    scope,
    'LogsEndpoint',
    input,
    'logs',
    InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    input.endpointSecurityGroup,
    logsWriteStatements(env),
  );
  const has = (which: ExistingEndpointService) =>
    input.shared?.some((s) => s.endpoint.service === which) === true;
  const secretsManager =
    input.secretsEndpointSecurityGroup === undefined && !has('secretsManager')
      ? undefined
      : interfaceEndpoint(
          scope,
          'SecretsManagerEndpoint',
          input,
          'secretsManager',
          InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
          input.secretsEndpointSecurityGroup,
          secretReadStatements(env, input.secretNames),
        );
  const bedrockRuntime =
    (input.bedrockEndpointSecurityGroup === undefined && !has('bedrockRuntime')) ||
    input.bedrock === undefined
      ? undefined
      : interfaceEndpoint(
          scope,
          'BedrockRuntimeEndpoint',
          input,
          'bedrockRuntime',
          InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
          input.bedrockEndpointSecurityGroup,
          bedrockInvokeStatements(env, input.bedrock),
        );
  const s3 = new GatewayVpcEndpoint(scope, 'S3Endpoint', {
    vpc: input.vpc,
    service: GatewayVpcEndpointAwsService.S3,
    subnets: [{ subnets: [...input.agentSubnets] }],
  });
  for (const statement of ecrLayerStatements(env)) s3.addToPolicy(statement);
  return { ecrApi, ecrDocker, logs, secretsManager, bedrockRuntime, s3 };
}
