import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  acknowledge,
  acknowledgeControlTower,
  CONTROL_TOWER_RULES,
  REGULATORY_PACK_NAMES,
} from '../nag.js';
import { encryptedLogGroup } from './logging.js';

/** Where the lookup's provider function logs: the perimeter's log key and retention. */
export interface LookupLogs {
  readonly key: IKey;
  readonly retention: RetentionDays;
}

/**
 * Looks up, at deploy time, the id of the AWS-managed prefix list of a gateway endpoint service
 * (`com.amazonaws.<region>.s3`). CloudFormation has no intrinsic for it, and a synth-time
 * context lookup would need credentials and a fixed account/region.
 */
export class ManagedPrefixListLookup extends Construct {
  /** The prefix list id (`pl-...`), a deploy-time token. */
  public readonly prefixListId: string;
  public readonly resource: AwsCustomResource;
  /**
   * The provider function's log group, KMS-encrypted with the perimeter's key. Given
   * explicitly so the function never logs to a group of Lambda's or CDK's making: with
   * `@aws-cdk/aws-lambda:useCdkManagedLogGroup` (set by `cdk init`) CDK would otherwise add an
   * unencrypted one that three compliance packs reject.
   */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, prefixListName: string, logs: LookupLogs) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'LogGroup', logs.key, logs.retention);
    const call = {
      service: 'EC2',
      action: 'DescribeManagedPrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [prefixListName] }] },
      physicalResourceId: PhysicalResourceId.of(prefixListName),
      outputPaths: ['PrefixLists.0.PrefixListId'],
    };
    this.resource = new AwsCustomResource(this, 'Resource', {
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          // DescribeManagedPrefixLists supports no resource-level permissions.
          actions: ['ec2:DescribeManagedPrefixLists'],
          resources: ['*'],
        }),
      ]),
      installLatestAwsSdk: false,
      logGroup: this.logGroup,
    });
    this.prefixListId = this.resource.getResponseField('PrefixLists.0.PrefixListId');

    const policy = this.resource.node.findChild('CustomResourcePolicy');
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeManagedPrefixLists has no resource-level permissions; this policy grants only that read-only action, used once per deployment to find the S3 prefix list id.',
    );
    for (const pack of REGULATORY_PACK_NAMES) {
      acknowledge(
        policy,
        `${pack}-IAMNoInlinePolicy`,
        'AwsCustomResource grants its permissions as an inline policy on the stack-wide provider role; it holds only the read-only ec2:DescribeManagedPrefixLists call used at deploy time.',
      );
    }
    acknowledgeProviderFunction(Stack.of(this));
  }
}

/** Findings on the provider function, by rule, with the packs that report them. */
const PROVIDER_FINDINGS: readonly { ids: readonly string[]; reason: string }[] = [
  {
    ids: [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ],
    reason:
      'The AwsCustomResource provider role uses the AWS-managed basic execution policy (writes to its own log group only); the role is shared by every AwsCustomResource in the stack, so no narrower policy of ours can replace it.',
  },
  {
    ids: ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency'],
    reason:
      'Deploy-time custom resource provider that CloudFormation invokes a few times per deployment; reserving concurrency for it would only take capacity away from the account.',
  },
  {
    ids: ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
    reason:
      'CloudFormation invokes the custom resource provider synchronously and records failures as stack events; there is no asynchronous invocation for a dead-letter queue to catch.',
  },
  {
    ids: [
      'NIST.800.53.R5-LambdaInsideVPC',
      'HIPAA.Security-LambdaInsideVPC',
      'PCI.DSS.321-LambdaInsideVPC',
    ],
    reason:
      'Deploy-time custom resource provider that calls the EC2 API; inside this VPC it would need the DNS firewall and security groups opened to ec2.<region>, weakening the perimeter it helps build.',
  },
];

/**
 * Acknowledges findings on the stack-wide Lambda function behind every AwsCustomResource: it
 * runs only while CloudFormation deploys and talks to AWS APIs outside the perimeter.
 */
function acknowledgeProviderFunction(stack: Stack): void {
  const id = `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
  const provider = stack.node.tryFindChild(id);
  if (provider === undefined) return;
  for (const finding of PROVIDER_FINDINGS) {
    for (const rule of finding.ids) acknowledge(provider, rule, finding.reason);
  }
  acknowledgeControlTower(
    provider,
    CONTROL_TOWER_RULES.lambdaInVpc,
    'Deploy-time lookup of the S3 prefix list id through the EC2 API; inside this VPC it would need the DNS firewall and security groups opened to ec2.<region>. The landing-zone setting replaces it with the id given at synth time (landing_zone.s3_prefix_list_id).',
  );
}
