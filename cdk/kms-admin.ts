import { AccountRootPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * Key administration without data access: the account can manage, rotate and (after a
 * waiting period) delete a key, but using it for data needs an explicit statement. An
 * administrator can still rewrite the key policy; that is a CloudTrail-logged API call.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
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
