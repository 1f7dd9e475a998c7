import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Where a private ECR repository lives. */
export interface RepositoryEnvironment {
  readonly account: string;
  readonly region: string;
}

/** Who pulls a private ECR image, in the words of the refusal and the warning. */
export interface ImagePuller {
  /** The setting that names the image, e.g. `proxy.image`, `agents[0].image`. */
  readonly where: string;
  /** Who pulls it, to start a sentence: `The proxy`, `Agents`. */
  readonly who: string;
  /** Id of the warning of an environment-agnostic stack. */
  readonly warningId: string;
  /** The error for an image elsewhere, given where it is (`account ... and region ...`). */
  readonly refuse: (mismatch: string) => Error;
}

/**
 * A private ECR image must live in the stack's own account and region, for the proxy and the
 * agents alike: they pull only through this VPC's ECR endpoints, whose policy admits this
 * account's repositories, and private DNS resolves only this region's registry names. Throws
 * `puller.refuse` when the stack's account or region is known and differs; warns when the
 * stack is environment-agnostic, so this cannot be checked at synth time.
 */
export function checkImageEnvironment(
  scope: Construct,
  repository: RepositoryEnvironment,
  puller: ImagePuller,
): void {
  const stack = Stack.of(scope);
  const mismatches = [
    !Token.isUnresolved(stack.account) && stack.account !== repository.account
      ? `account ${repository.account} (the stack deploys to ${stack.account})`
      : undefined,
    !Token.isUnresolved(stack.region) && stack.region !== repository.region
      ? `region ${repository.region} (the stack deploys to ${stack.region})`
      : undefined,
  ].filter((m) => m !== undefined);
  if (mismatches.length > 0) throw puller.refuse(mismatches.join(' and '));
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    Annotations.of(scope).addWarningV2(
      puller.warningId,
      `${puller.where} is in account ${repository.account}, region ${repository.region}; the stack is environment-agnostic, so this cannot be checked at synth time. ${puller.who} can pull only from the account and region the stack is deployed to.`,
    );
  }
}
