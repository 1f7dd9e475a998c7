import { ArnFormat, Names, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup, ResourcePolicy } from 'aws-cdk-lib/aws-logs';
import {
  CfnFirewallDomainList,
  CfnFirewallRuleGroup,
  CfnFirewallRuleGroupAssociation,
  CfnResolverQueryLoggingConfig,
  CfnResolverQueryLoggingConfigAssociation,
} from 'aws-cdk-lib/aws-route53resolver';
import { Construct } from 'constructs';

/** Priority of the ALLOW rule; DNS Firewall evaluates lower numbers first. */
export const DNS_ALLOW_PRIORITY = 1;
/** Priority of the final BLOCK-everything rule. */
export const DNS_BLOCK_PRIORITY = 100;
/**
 * Priority of the rule group's association with the VPC. AWS reserves values below 100 and
 * above 9900 for Firewall Manager's "first" and "last" groups.
 */
export const DNS_ASSOCIATION_PRIORITY = 1000;

export interface DnsFirewallProps {
  readonly vpcId: string;
  /** Names that may resolve (exact names and `*.` wildcards). */
  readonly allowedDomains: readonly string[];
}

/**
 * Route 53 Resolver DNS Firewall for one VPC: the allowlist resolves, every other name gets
 * NXDOMAIN, and the VPC fails closed if the firewall is unavailable. Security groups and NACLs
 * do not filter traffic to the VPC resolver, so this is what stops DNS being a data channel.
 *
 * Fail-closed is the service default (`FirewallFailOpen` is `DISABLED` unless someone turns it
 * on), and there is no resource to pin it: `AWS::Route53Resolver::FirewallConfig` is not in the
 * CloudFormation registry (absent from the current resource spec and from cfn-lint's schemas
 * in every region; docs/adr/0011-provisionable-types.md), so a template with it fails to
 * deploy. The deployed value is checked by `verify --aws-describe`, which reads
 * `get-firewall-config` and reports a fail-open VPC.
 */
export class DnsFirewall extends Construct {
  public readonly allowList: CfnFirewallDomainList;
  public readonly blockList: CfnFirewallDomainList;
  public readonly ruleGroup: CfnFirewallRuleGroup;
  public readonly association: CfnFirewallRuleGroupAssociation;

  constructor(scope: Construct, id: string, props: DnsFirewallProps) {
    super(scope, id);
    const name = (suffix: string) =>
      `${Names.uniqueResourceName(this, { maxLength: 60 - suffix.length })}-${suffix}`;

    this.allowList = new CfnFirewallDomainList(this, 'AllowList', {
      name: name('allow'),
      domains: [...props.allowedDomains],
    });
    this.blockList = new CfnFirewallDomainList(this, 'BlockList', {
      name: name('all'),
      domains: ['*'],
    });
    this.ruleGroup = new CfnFirewallRuleGroup(this, 'Resource', {
      name: name('rules'),
      firewallRules: [
        {
          priority: DNS_ALLOW_PRIORITY,
          action: 'ALLOW',
          firewallDomainListId: this.allowList.attrId,
          // Inspect only the queried name: allowed names may CNAME to CDN names that are not
          // on the list (github.com -> *.fastly.net); the answer chain is then trusted.
          firewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN',
        },
        {
          priority: DNS_BLOCK_PRIORITY,
          action: 'BLOCK',
          blockResponse: 'NXDOMAIN',
          firewallDomainListId: this.blockList.attrId,
        },
      ],
    });
    this.association = new CfnFirewallRuleGroupAssociation(this, 'Association', {
      name: name('vpc'),
      firewallRuleGroupId: this.ruleGroup.attrId,
      vpcId: props.vpcId,
      priority: DNS_ASSOCIATION_PRIORITY,
      // Nobody can disassociate the rule group without first updating this stack.
      mutationProtection: 'ENABLED',
    });
  }
}

export interface DnsQueryLoggingProps {
  readonly vpcId: string;
  readonly logGroup: ILogGroup;
}

/**
 * Resolver query logging for one VPC into a CloudWatch log group, with the log-group resource
 * policy Resolver's log delivery (`delivery.logs.amazonaws.com`) needs. Without it, delivery
 * relies on the deploying role being allowed to create that policy on the fly.
 */
export class DnsQueryLogging extends Construct {
  public readonly config: CfnResolverQueryLoggingConfig;
  public readonly association: CfnResolverQueryLoggingConfigAssociation;
  /** The log group's resource policy for log delivery. */
  public readonly resourcePolicy: ResourcePolicy | undefined;

  constructor(scope: Construct, id: string, props: DnsQueryLoggingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: props.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const grant = props.logGroup.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ResolverQueryLogDelivery',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroupArn}:log-stream:*`],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:*`,
          },
        },
      }),
    );
    this.resourcePolicy = grant.policyDependable as ResourcePolicy | undefined;

    this.config = new CfnResolverQueryLoggingConfig(this, 'Resource', {
      name: Names.uniqueResourceName(this, { maxLength: 64 }),
      destinationArn: logGroupArn,
    });
    if (grant.policyDependable !== undefined)
      this.config.node.addDependency(grant.policyDependable);
    this.association = new CfnResolverQueryLoggingConfigAssociation(this, 'Association', {
      resolverQueryLogConfigId: this.config.attrId,
      resourceId: props.vpcId,
    });
  }
}
