/*
 * The dated list-price table the cost model uses (`npm run cost`, docs/cost.md). On-demand
 * list prices in USD, no free tiers, no discounts, no tax. Every price names the public page it
 * comes from and whether it was confirmed against a copy of that page (or of the provider's
 * price list) when the table was dated; `unverified` ones are carried from earlier notes and
 * must be checked before anyone relies on them. Update the date when you change a price.
 */

/** When the prices below were collected. */
export const PRICES_DATED = '2026-12-02';

/** Hours in a month, the convention of both providers' calculators. */
export const HOURS_PER_MONTH = 730;

export type PriceCheck = 'checked' | 'unverified';

export interface Price {
  readonly usd: number;
  /** What one `usd` buys, e.g. "per NAT gateway-hour". */
  readonly unit: string;
  /** The provider's pricing page. */
  readonly source: string;
  readonly check: PriceCheck;
}

const AWS_PAGES = {
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  fargate: 'https://aws.amazon.com/fargate/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  route53: 'https://aws.amazon.com/route53/pricing/',
  secrets: 'https://aws.amazon.com/secrets-manager/pricing/',
  firehose: 'https://aws.amazon.com/firehose/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  ecr: 'https://aws.amazon.com/ecr/pricing/',
  transfer: 'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer',
} as const;

const GCP_PAGES = {
  nat: 'https://cloud.google.com/nat/pricing',
  compute: 'https://cloud.google.com/compute/vm-instance-pricing',
  disk: 'https://cloud.google.com/compute/disks-image-pricing',
  lb: 'https://cloud.google.com/load-balancing/pricing',
  kms: 'https://cloud.google.com/kms/pricing',
  scheduler: 'https://cloud.google.com/scheduler/pricing',
  dns: 'https://cloud.google.com/dns/pricing',
  logging: 'https://cloud.google.com/stackdriver/pricing',
  run: 'https://cloud.google.com/run/pricing',
  secrets: 'https://cloud.google.com/secret-manager/pricing',
  firewall: 'https://cloud.google.com/firewall/pricing',
} as const;

const price = (usd: number, unit: string, source: string, check: PriceCheck): Price => ({
  usd,
  unit,
  source,
  check,
});

/** AWS, US East (N. Virginia). */
export const AWS_PRICE_REGION = 'us-east-1';

export const AWS_PRICES = {
  natGatewayHour: price(0.045, 'per NAT gateway-hour', AWS_PAGES.vpc, 'checked'),
  natGatewayGb: price(0.045, 'per GB through a NAT gateway', AWS_PAGES.vpc, 'checked'),
  publicIpv4Hour: price(0.005, 'per public IPv4 address-hour', AWS_PAGES.vpc, 'unverified'),
  interfaceEndpointAzHour: price(
    0.01,
    'per interface endpoint per Availability Zone-hour',
    AWS_PAGES.privatelink,
    'unverified',
  ),
  interfaceEndpointGb: price(
    0.01,
    'per GB through interface endpoints (first PB)',
    AWS_PAGES.privatelink,
    'checked',
  ),
  nlbHour: price(0.0225, 'per Network Load Balancer-hour', AWS_PAGES.elb, 'unverified'),
  nlbLcuHour: price(0.006, 'per NLB capacity unit-hour', AWS_PAGES.elb, 'unverified'),
  fargateX86VcpuHour: price(0.04048, 'per vCPU-hour, Linux/x86', AWS_PAGES.fargate, 'checked'),
  fargateX86GbHour: price(0.004445, 'per GB-hour, Linux/x86', AWS_PAGES.fargate, 'checked'),
  fargateArmVcpuHour: price(0.03238, 'per vCPU-hour, Linux/ARM', AWS_PAGES.fargate, 'checked'),
  fargateArmGbHour: price(0.00356, 'per GB-hour, Linux/ARM', AWS_PAGES.fargate, 'checked'),
  kmsKeyMonth: price(1, 'per customer-managed key-month', AWS_PAGES.kms, 'unverified'),
  alarmMetricMonth: price(
    0.1,
    'per standard-resolution alarm metric-month',
    AWS_PAGES.cloudwatch,
    'unverified',
  ),
  highResolutionAlarmMetricMonth: price(
    0.3,
    'per high-resolution alarm metric-month',
    AWS_PAGES.cloudwatch,
    'unverified',
  ),
  customMetricMonth: price(
    0.3,
    'per custom metric-month (first 10,000)',
    AWS_PAGES.cloudwatch,
    'unverified',
  ),
  logsIngestGb: price(
    0.5,
    'per GB ingested into CloudWatch Logs (standard, and vended flow/DNS logs, first 10 TB)',
    AWS_PAGES.cloudwatch,
    'unverified',
  ),
  logsStorageGbMonth: price(0.03, 'per GB-month archived', AWS_PAGES.cloudwatch, 'unverified'),
  dnsFirewallDomainMonth: price(
    0.0005,
    'per DNS Firewall domain name-month',
    AWS_PAGES.route53,
    'checked',
  ),
  dnsFirewallMillionQueries: price(
    0.6,
    'per million DNS Firewall queries',
    AWS_PAGES.route53,
    'checked',
  ),
  secretMonth: price(0.4, 'per secret-month', AWS_PAGES.secrets, 'unverified'),
  firehoseGb: price(
    0.029,
    'per GB into Firehose (Direct PUT, 5 KB record increments)',
    AWS_PAGES.firehose,
    'unverified',
  ),
  s3StandardGbMonth: price(0.023, 'per GB-month in S3 Standard', AWS_PAGES.s3, 'unverified'),
  ecrStorageGbMonth: price(0.1, 'per GB-month of ECR image storage', AWS_PAGES.ecr, 'unverified'),
  crossAzGb: price(
    0.01,
    'per GB each way between Availability Zones',
    AWS_PAGES.transfer,
    'unverified',
  ),
} as const satisfies Record<string, Price>;

export type AwsPriceId = keyof typeof AWS_PRICES;

/** Fargate bills per second with a one-minute minimum per task. */
export const FARGATE_MINIMUM_SECONDS = 60;

/** GCP, Iowa. */
export const GCP_PRICE_REGION = 'us-central1';

export const GCP_PRICES = {
  natVmHour: price(
    0.0014,
    'per VM using a Cloud NAT gateway-hour (up to 32 VMs)',
    GCP_PAGES.nat,
    'checked',
  ),
  natGatewayCapHour: price(
    0.044,
    'per Cloud NAT gateway-hour with more than 32 VMs',
    GCP_PAGES.nat,
    'checked',
  ),
  natIpHour: price(
    0.005,
    'per external IP address-hour used by Cloud NAT',
    GCP_PAGES.nat,
    'checked',
  ),
  natGib: price(0.045, 'per GiB processed by Cloud NAT', GCP_PAGES.nat, 'checked'),
  'e2-micro': price(0.008376, 'per e2-micro VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-small': price(0.016751, 'per e2-small VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-medium': price(0.033503, 'per e2-medium VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-standard-2': price(0.067006, 'per e2-standard-2 VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-standard-4': price(0.134012, 'per e2-standard-4 VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-standard-8': price(0.268024, 'per e2-standard-8 VM-hour', GCP_PAGES.compute, 'unverified'),
  'e2-standard-16': price(0.536048, 'per e2-standard-16 VM-hour', GCP_PAGES.compute, 'unverified'),
  pdBalancedGbMonth: price(0.1, 'per GB-month of pd-balanced disk', GCP_PAGES.disk, 'unverified'),
  pdStandardGbMonth: price(0.04, 'per GB-month of pd-standard disk', GCP_PAGES.disk, 'unverified'),
  forwardingRulesHour: price(
    0.025,
    'per hour for the first five forwarding rules of a region',
    GCP_PAGES.lb,
    'checked',
  ),
  extraForwardingRuleHour: price(
    0.01,
    'per additional forwarding rule-hour',
    GCP_PAGES.lb,
    'checked',
  ),
  lbGib: price(
    0.008,
    'per GiB processed by the load balancer (each direction)',
    GCP_PAGES.lb,
    'checked',
  ),
  kmsKeyVersionMonth: price(
    0.06,
    'per active software key version-month',
    GCP_PAGES.kms,
    'unverified',
  ),
  schedulerJobMonth: price(
    0.1,
    'per Cloud Scheduler job-month (three free per billing account)',
    GCP_PAGES.scheduler,
    'unverified',
  ),
  dnsZoneMonth: price(0.2, 'per managed zone-month (first 25)', GCP_PAGES.dns, 'unverified'),
  dnsMillionQueries: price(0.4, 'per million DNS queries', GCP_PAGES.dns, 'checked'),
  loggingIngestGib: price(
    0.5,
    'per GiB ingested into Cloud Logging (first 50 GiB a project free)',
    GCP_PAGES.logging,
    'unverified',
  ),
  loggingRetentionGibMonth: price(
    0.01,
    'per GiB-month kept beyond 30 days',
    GCP_PAGES.logging,
    'unverified',
  ),
  runVcpuSecond: price(
    0.000018,
    'per Cloud Run vCPU-second (request-based tier 1)',
    GCP_PAGES.run,
    'unverified',
  ),
  runGibSecond: price(0.000002, 'per Cloud Run GiB-second', GCP_PAGES.run, 'unverified'),
  secretVersionMonth: price(
    0.06,
    'per active secret version-month',
    GCP_PAGES.secrets,
    'unverified',
  ),
  ngfwStandardGb: price(
    0.018,
    'per GB inspected by Cloud NGFW Standard rules (FQDN objects)',
    GCP_PAGES.firewall,
    'unverified',
  ),
} as const satisfies Record<string, Price>;

export type GcpPriceId = keyof typeof GCP_PRICES;

/** The hourly price of a Compute Engine machine type, or undefined when the table lacks it. */
export function gcpMachinePrice(machineType: string): Price | undefined {
  const found: Price | undefined = (GCP_PRICES as Record<string, Price>)[machineType];
  return found?.unit.endsWith('VM-hour') === true ? found : undefined;
}
