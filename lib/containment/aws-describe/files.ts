/*
 * The describe snapshot: one JSON file per AWS CLI call, named `<service>-<command>.json`, or
 * `<service>-<command>.<id>.json` for calls made once per resource (the firewall rules of one
 * rule group, the listeners of one load balancer). `scripts/collect-aws-describe.ts` writes
 * them; any tool that saves the same commands' `--output json` works as well.
 */

export interface DescribeCall {
  /** `ec2-describe-vpcs`: the file name without `.json`. */
  readonly file: string;
  /** The AWS CLI command, for messages and the collector. */
  readonly command: string;
  /** The key of the answer that holds the list, e.g. `Vpcs`. */
  readonly key: string;
  /** Made once per resource: files are `<file>.<id>.json`. */
  readonly perResource?: boolean;
  /** Without it the snapshot cannot be read at all. */
  readonly required?: boolean;
}

export const DESCRIBE_CALLS = {
  vpcs: {
    file: 'ec2-describe-vpcs',
    command: 'aws ec2 describe-vpcs',
    key: 'Vpcs',
    required: true,
  },
  subnets: {
    file: 'ec2-describe-subnets',
    command: 'aws ec2 describe-subnets',
    key: 'Subnets',
    required: true,
  },
  routeTables: {
    file: 'ec2-describe-route-tables',
    command: 'aws ec2 describe-route-tables',
    key: 'RouteTables',
    required: true,
  },
  networkAcls: {
    file: 'ec2-describe-network-acls',
    command: 'aws ec2 describe-network-acls',
    key: 'NetworkAcls',
    required: true,
  },
  securityGroups: {
    file: 'ec2-describe-security-groups',
    command: 'aws ec2 describe-security-groups',
    key: 'SecurityGroups',
    required: true,
  },
  networkInterfaces: {
    file: 'ec2-describe-network-interfaces',
    command: 'aws ec2 describe-network-interfaces',
    key: 'NetworkInterfaces',
    required: true,
  },
  vpcEndpoints: {
    file: 'ec2-describe-vpc-endpoints',
    command: 'aws ec2 describe-vpc-endpoints',
    key: 'VpcEndpoints',
    required: true,
  },
  prefixLists: {
    file: 'ec2-describe-managed-prefix-lists',
    command: 'aws ec2 describe-managed-prefix-lists',
    key: 'PrefixLists',
    required: true,
  },
  prefixListEntries: {
    file: 'ec2-get-managed-prefix-list-entries',
    command: 'aws ec2 get-managed-prefix-list-entries --prefix-list-id',
    key: 'Entries',
    perResource: true,
  },
  dhcpOptions: {
    file: 'ec2-describe-dhcp-options',
    command: 'aws ec2 describe-dhcp-options',
    key: 'DhcpOptions',
    required: true,
  },
  firewallAssociations: {
    file: 'route53resolver-list-firewall-rule-group-associations',
    command: 'aws route53resolver list-firewall-rule-group-associations',
    key: 'FirewallRuleGroupAssociations',
    required: true,
  },
  firewallConfigs: {
    file: 'route53resolver-list-firewall-configs',
    command: 'aws route53resolver list-firewall-configs',
    key: 'FirewallConfigs',
    required: true,
  },
  firewallRules: {
    file: 'route53resolver-list-firewall-rules',
    command: 'aws route53resolver list-firewall-rules --firewall-rule-group-id',
    key: 'FirewallRules',
    perResource: true,
  },
  firewallDomainLists: {
    file: 'route53resolver-list-firewall-domain-lists',
    command: 'aws route53resolver list-firewall-domain-lists',
    key: 'FirewallDomainLists',
  },
  firewallDomains: {
    file: 'route53resolver-list-firewall-domains',
    command: 'aws route53resolver list-firewall-domains --firewall-domain-list-id',
    key: 'Domains',
    perResource: true,
  },
  loadBalancers: {
    file: 'elbv2-describe-load-balancers',
    command: 'aws elbv2 describe-load-balancers',
    key: 'LoadBalancers',
  },
  listeners: {
    file: 'elbv2-describe-listeners',
    command: 'aws elbv2 describe-listeners --load-balancer-arn',
    key: 'Listeners',
    perResource: true,
  },
  loadBalancerTags: {
    file: 'elbv2-describe-tags',
    command: 'aws elbv2 describe-tags --resource-arns',
    key: 'TagDescriptions',
  },
  ecsServices: {
    file: 'ecs-describe-services',
    command: 'aws ecs describe-services --include TAGS --cluster',
    key: 'services',
    perResource: true,
  },
  ecsTasks: {
    file: 'ecs-describe-tasks',
    command: 'aws ecs describe-tasks --include TAGS --cluster',
    key: 'tasks',
    perResource: true,
  },
  ecsTaskDefinitions: {
    file: 'ecs-describe-task-definition',
    command: 'aws ecs describe-task-definition --include TAGS --task-definition',
    key: 'taskDefinition',
    perResource: true,
  },
} as const satisfies Record<string, DescribeCall>;

export type DescribeKey = keyof typeof DESCRIBE_CALLS;
