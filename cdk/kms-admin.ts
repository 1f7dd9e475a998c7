import { AccountRootPrincipal, AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * Key administration without data access: the account can manage, rotate and (after a
 * waiting period) delete a key, but using it for data needs an explicit statement. An
 * administrator can still rewrite the key policy; that is a CloudTrail-logged API call.
 *
 * `kms:Create*` is not here: it includes `kms:CreateGrant`, and a principal that may create
 * grants can grant itself Decrypt, which would undo "without data access". Only
 * `kms:CreateAlias` is needed to administer a key (CT.KMS.PR.3).
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/** The key-policy statement that gives the account administration only. */
export function keyAdministrationStatement(): PolicyStatement {
  return new PolicyStatement({
    sid: 'KeyAdministrationWithoutDataAccess',
    principals: [new AccountRootPrincipal()],
    actions: KEY_ADMIN_ACTIONS,
    resources: ['*'],
  });
}

/**
 * Grants only for AWS services acting on a resource (CloudWatch Logs, Firehose, S3 create
 * their own grants that way): nobody else may create one, whatever IAM policy they hold, so a
 * grant can never hand a person Decrypt (CT.KMS.PR.3).
 */
export function grantsOnlyForAwsServicesStatement(): PolicyStatement {
  return new PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/** The statements every key of the perimeter starts with. */
export function keyAdministrationStatements(): PolicyStatement[] {
  return [keyAdministrationStatement(), grantsOnlyForAwsServicesStatement()];
}
