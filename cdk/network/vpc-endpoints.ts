import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
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

export interface PerimeterEndpointsInput {
  readonly vpc: IVpc;
  /** Subnets of the interface endpoints. */
  readonly endpointSubnets: readonly ISubnet[];
  /** Subnets whose route tables get the S3 gateway endpoint. */
  readonly agentSubnets: readonly ISubnet[];
  /** Security group of the ECR and CloudWatch Logs endpoints. */
  readonly endpointSecurityGroup: ISecurityGroup;
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
}

export interface PerimeterEndpoints {
  readonly ecrApi: InterfaceVpcEndpoint;
  readonly ecrDocker: InterfaceVpcEndpoint;
  readonly logs: InterfaceVpcEndpoint;
  readonly secretsManager: InterfaceVpcEndpoint | undefined;
  readonly bedrockRuntime: InterfaceVpcEndpoint | undefined;
  readonly s3: GatewayVpcEndpoint;
}

/** An interface endpoint with private DNS, reachable only through `securityGroup`. */
function interfaceEndpoint(
  scope: Construct,
  id: string,
  input: PerimeterEndpointsInput,
  service: IInterfaceVpcEndpointService,
  securityGroup: ISecurityGroup,
  statements: readonly PolicyStatement[],
): InterfaceVpcEndpoint {
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
    InterfaceVpcEndpointAwsService.ECR,
    input.endpointSecurityGroup,
    ecrPullStatements(env),
  );
  const ecrDocker = interfaceEndpoint(
    scope,
    'EcrDockerEndpoint',
    input,
    InterfaceVpcEndpointAwsService.ECR_DOCKER,
    input.endpointSecurityGroup,
    ecrPullStatements(env),
  );
  const logs = interfaceEndpoint(
    scope,
    'LogsEndpoint',
    input,
    InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    input.endpointSecurityGroup,
    logsWriteStatements(env),
  );
  const secretsManager =
    input.secretsEndpointSecurityGroup === undefined
      ? undefined
      : interfaceEndpoint(
          scope,
          'SecretsManagerEndpoint',
          input,
          InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
          input.secretsEndpointSecurityGroup,
          secretReadStatements(env, input.secretNames),
        );
  const bedrockRuntime =
    input.bedrockEndpointSecurityGroup === undefined || input.bedrock === undefined
      ? undefined
      : interfaceEndpoint(
          scope,
          'BedrockRuntimeEndpoint',
          input,
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
