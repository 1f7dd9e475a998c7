import { Effect, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BEDROCK_INVOKE_ACTIONS,
  type BedrockAccess,
  bedrockResourceArns,
  type Policy,
  policyInjectListeners,
  proxyModelAccess,
} from '../../lib/policy/index.js';

/**
 * Where the endpoint policies apply. Pass `Stack.of(scope).partition` / `.region` / `.account`
 * (tokens) or literals in tests; never hard-code `aws`, so GovCloud and China work.
 */
export interface EndpointPolicyEnv {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/*
 * Endpoint policies close "allowed services as a data channel": an agent holding any
 * credentials (its own task role, or keys it was tricked into using) can only pull images,
 * write logs and read the policy's secrets in this account, never write to another account.
 */

/**
 * The form every account-scoped endpoint statement takes: any principal may ask, and the
 * `aws:PrincipalAccount` condition keeps credentials from other accounts out.
 */
function allowThisAccount(
  env: EndpointPolicyEnv,
  sid: string,
  actions: string[],
  resources: string[],
): PolicyStatement {
  return new PolicyStatement({
    sid,
    effect: Effect.ALLOW,
    principals: [new StarPrincipal()],
    actions,
    resources,
    conditions: { StringEquals: { 'aws:PrincipalAccount': env.account } },
  });
}

/** ECR API and Docker endpoints: pulling images from this account's repositories only. */
export function ecrPullStatements(env: EndpointPolicyEnv): PolicyStatement[] {
  return [
    // GetAuthorizationToken has no resource-level permissions; the token it returns is for
    // the caller's own registry, and the condition pins the caller to this account.
    allowThisAccount(env, 'RegistryLogin', ['ecr:GetAuthorizationToken'], ['*']),
    allowThisAccount(
      env,
      'PullFromThisAccount',
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        // Lets a pull-through cache rule fetch an upstream image on first pull; read-only.
        'ecr:BatchImportUpstreamImage',
      ],
      [`arn:${env.partition}:ecr:${env.region}:${env.account}:repository/*`],
    ),
  ];
}

/** CloudWatch Logs endpoint: the awslogs driver's writes into this account's log groups. */
export function logsWriteStatements(env: EndpointPolicyEnv): PolicyStatement[] {
  return [
    allowThisAccount(
      env,
      'WriteLogsInThisAccount',
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      [`arn:${env.partition}:logs:${env.region}:${env.account}:log-group:*`],
    ),
  ];
}

/** Names of the secrets the policy injects, in policy order, without duplicates. */
export function policySecretNames(policy: Policy): string[] {
  const access = proxyModelAccess(policy);
  const modelKey =
    access.provider === 'bedrock' && access.api_key_secret !== undefined
      ? [access.api_key_secret]
      : [];
  return [...new Set([...policyInjectListeners(policy).map((l) => l.secret), ...modelKey])];
}

/**
 * bedrock-runtime endpoint: invoking exactly the policy's models and inference profiles, by
 * principals of this account. Only the proxy tier can reach the endpoint at all.
 */
export function bedrockInvokeStatements(
  env: EndpointPolicyEnv,
  access: BedrockAccess,
): PolicyStatement[] {
  return [
    allowThisAccount(
      env,
      'InvokePolicyModels',
      [...BEDROCK_INVOKE_ACTIONS],
      bedrockResourceArns(access, env),
    ),
  ];
}

/**
 * ARN pattern of a Secrets Manager secret by name: Secrets Manager appends "-" and six random
 * characters, hence `-??????`.
 */
export function secretArnPattern(env: EndpointPolicyEnv, name: string): string {
  return `arn:${env.partition}:secretsmanager:${env.region}:${env.account}:secret:${name}-??????`;
}

/**
 * Secrets Manager endpoint: `GetSecretValue` on the policy's secrets only. Returns no
 * statements when the policy injects no credentials (the endpoint is then not created).
 */
export function secretReadStatements(
  env: EndpointPolicyEnv,
  secretNames: readonly string[],
): PolicyStatement[] {
  if (secretNames.length === 0) return [];
  return [
    allowThisAccount(
      env,
      'ReadPolicySecrets',
      ['secretsmanager:GetSecretValue'],
      secretNames.map((name) => secretArnPattern(env, name)),
    ),
  ];
}

/** Name of the AWS-owned bucket that serves ECR image layers in `region`. */
export function ecrLayerBucketName(region: string): string {
  return `prod-${region}-starport-layer-bucket`;
}

/**
 * S3 gateway endpoint: `GetObject` on the ECR layer bucket and nothing else, so the route to
 * S3 cannot reach any other bucket (no uploads, no attacker-owned buckets). No account
 * condition: ECR's pre-signed layer URLs are signed by ECR, not by a principal of this account.
 */
export function ecrLayerStatements(env: EndpointPolicyEnv): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'EcrImageLayersOnly',
      effect: Effect.ALLOW,
      principals: [new StarPrincipal()],
      actions: ['s3:GetObject'],
      resources: [`arn:${env.partition}:s3:::${ecrLayerBucketName(env.region)}/*`],
    }),
  ];
}
