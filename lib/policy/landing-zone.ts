import { z } from 'zod';

/*
 * The landing-zone setting: how the AWS stack fits an account governed by AWS Control Tower,
 * whose proactive controls (CloudFormation hooks) refuse non-compliant resources at deploy
 * time. With it, the template passes every Control Tower rule (docs/compliance.md); the
 * things that need the landing zone's own resources are named here. GCP ignores it.
 */

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

export const LandingZoneSchema = z
  .strictObject({
    access_log_bucket: z
      .string()
      .regex(BUCKET_NAME, {
        error:
          'must be an S3 bucket name (3-63 characters a-z, 0-9, ".", "-"), e.g. "aws-controltower-s3-access-logs-111122223333-us-east-1".',
      })
      .meta({
        description:
          "The landing zone's central S3 access-log bucket: the audit bucket's server access logs and the proxy NLB's access logs go there instead of a bucket of this stack. Its policy must let logging.s3.amazonaws.com and delivery.logs.amazonaws.com write under access_log_prefix.",
      }),
    access_log_prefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]{1,200}\/$/, {
        error: 'must be an S3 key prefix ending in "/", e.g. "agent-perimeter/demo/".',
      })
      .optional()
      .meta({ description: '@default "agent-perimeter/<policy name>/"' }),
    s3_prefix_list_id: z
      .string()
      .regex(PREFIX_LIST_ID, {
        error:
          'must be a managed prefix list id such as "pl-63a5400a" (aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3).',
      })
      .meta({
        description:
          "Id of the region's S3 managed prefix list, written into the security groups at synth time instead of being looked up by a Lambda-backed custom resource at deploy time (CT.LAMBDA.PR.3).",
      }),
    probe_image: z
      .string()
      .regex(
        /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/,
        {
          error:
            'must be a private ECR image of this account and region by digest, e.g. "111122223333.dkr.ecr.us-east-1.amazonaws.com/agent-perimeter/probe@sha256:<64 hex>" (a copy of public.ecr.aws/docker/library/node:22-slim).',
        },
      )
      .meta({
        description:
          "The egress probe's image (Node 22), from this account's private ECR by digest: the default goes through a pull-through cache whose repository must keep tags mutable (CT.ECR.PR.3).",
      }),
  })
  .meta({
    description:
      "AWS only: deploy into an AWS Control Tower landing zone. Turns on NLB deletion protection (`cdk destroy` then needs it switched off first), removes every Lambda function (the S3 prefix list is given, the default security group is left to the landing zone, the probe runs on its schedule only), the root init container (agent images must declare their scratch paths as VOLUMEs owned by the agent user), and the stack's own access-log bucket.",
  });

export type LandingZone = z.output<typeof LandingZoneSchema>;

/** The prefix of this stack's logs in the central bucket. */
export function accessLogPrefix(landingZone: LandingZone, policyName: string): string {
  return landingZone.access_log_prefix ?? `agent-perimeter/${policyName}/`;
}
