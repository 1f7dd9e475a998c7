import { type Policy, proxyEgress, proxyModelAccess } from '../../lib/policy/index.js';
import { ecrLayerBucketName } from './endpoint-policies.js';

/**
 * DNS names the perimeter itself needs in `region`, whatever the policy says. Pass
 * `Stack.of(scope).region` / `.urlSuffix` (tokens are fine) or literal values in tests.
 *
 * - ECR (`api.ecr`, `<account>.dkr.ecr`) and the S3 bucket that serves ECR image layers, in both
 *   the regional and the legacy global S3 spelling (us-east-1 hands out the latter).
 * - CloudWatch Logs and Secrets Manager, reached through their interface endpoints.
 * - `*.elb.<region>`: the proxy's internal load balancer name that agents use as HTTP(S)_PROXY.
 * - The VPC's own host names (`*.compute.internal`, `*.ec2.internal`), answered by the
 *   Resolver itself, so software that looks up its own host name keeps working.
 *
 * None of these can carry data out: their authoritative servers are AWS's, not an attacker's.
 */
export function awsServiceDomains(region: string, urlSuffix: string): string[] {
  const layerBucket = ecrLayerBucketName(region);
  return [
    `api.ecr.${region}.${urlSuffix}`,
    `*.dkr.ecr.${region}.${urlSuffix}`,
    `${layerBucket}.s3.${region}.${urlSuffix}`,
    `${layerBucket}.s3.${urlSuffix}`,
    `logs.${region}.${urlSuffix}`,
    `secretsmanager.${region}.${urlSuffix}`,
    `*.elb.${region}.${urlSuffix}`,
    `*.${region}.compute.internal`,
    '*.ec2.internal',
  ];
}

/**
 * The names the VPC's DNS firewall lets resolve: every `egress[].host` of the policy as written
 * (a DNS Firewall wildcard matches any depth, wider than the proxy's one-label match, which is
 * acceptable at the DNS layer because the proxy still refuses the connection), then the AWS
 * service names of {@link awsServiceDomains}, then `extra`. Order is kept, duplicates dropped.
 */
export function dnsAllowlist(
  policy: Policy,
  region: string,
  urlSuffix: string,
  extra: readonly string[] = [],
): string[] {
  return [
    ...new Set([
      ...proxyEgress(policy).map((rule) => rule.host),
      ...awsServiceDomains(region, urlSuffix),
      // The proxy's model calls, answered by the bedrock-runtime endpoint's private DNS.
      ...(proxyModelAccess(policy).provider === 'bedrock'
        ? [`bedrock-runtime.${region}.${urlSuffix}`]
        : []),
      ...extra,
    ]),
  ];
}
