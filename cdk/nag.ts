import { type IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Names of the cdk-nag packs every app runs, as they appear in reports and rule ids. */
export const NAG_PACKS = {
  awsSolutions: 'AwsSolutions',
  nist: 'NIST.800.53.R5',
  hipaa: 'HIPAA.Security',
  pci: 'PCI.DSS.321',
  agentPerimeter: 'AgentPerimeter',
} as const;

/** Every pack of a synth, in the order the summary lists them. */
export const COMPLIANCE_PACK_NAMES: readonly string[] = Object.values(NAG_PACKS);

/** The three packs that share rule families (logging, encryption, deletion protection). */
export const REGULATORY_PACK_NAMES: readonly string[] = [
  NAG_PACKS.nist,
  NAG_PACKS.hipaa,
  NAG_PACKS.pci,
];

/** The compliance packs every agent-perimeter app is checked against. */
export function compliancePacks(scope?: IConstruct): NagPack[] {
  return [
    new AwsSolutionsChecks(scope),
    new NIST80053R5Checks(scope),
    new HIPAASecurityChecks(scope),
    new PCIDSS321Checks(scope),
  ];
}

/** Registers the compliance packs on an app so `cdk synth` fails on unacknowledged errors. */
export function addCompliancePacks(app: IConstruct, extra: IPolicyValidationPlugin[] = []): void {
  Validations.of(app).addPlugins(...compliancePacks(app), ...extra);
}

/**
 * Acknowledges one cdk-nag finding on one construct, with the reason next to the resource.
 * Use the finding's full id, including any `[Resource::...]` suffix, so the acknowledgement
 * covers exactly that finding and nothing broader.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) {
    throw new Error(`acknowledgement of ${id} at ${scope.node.path} needs a specific reason`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Rule names of the Control Tower checks (cdk/control-tower.ts) that the default profile
 * acknowledges; each names its control (CT.<SERVICE>.PR.<n>) in the report.
 */
export const CONTROL_TOWER_RULES = {
  /** CT.ECR.PR.3 */
  ecrTagImmutability: 'ecr_private_tag_immutability_enabled_check',
  /** CT.ECS.PR.3 */
  ecsNonRootUser: 'ecs_task_definition_nonroot_user_check',
  /** CT.ELASTICLOADBALANCING.PR.5 */
  elbDeletionProtection: 'elbv2_deletion_protection_enabled_check',
  /** CT.ELASTICLOADBALANCING.PR.6 */
  elbLogging: 'elbv2_logging_enabled_check',
  /** CT.LAMBDA.PR.3 */
  lambdaInVpc: 'lambda_inside_vpc_check',
  /** CT.S3.PR.10 */
  s3Kms: 's3_bucket_default_encryption_kms_check',
  /** CT.S3.PR.2 */
  s3Logging: 's3_bucket_logging_enabled_check',
} as const;

/** Namespace of Control Tower acknowledgements (the plugin's name). */
export const CONTROL_TOWER_NAMESPACE = 'ControlTower';

/**
 * Construct-tree context set (to true) on a stack built with the landing-zone setting: there
 * every Control Tower rule must pass, so nothing below acknowledges one.
 */
export const LANDING_ZONE_CONTEXT = 'agent-perimeter:landing-zone';

/**
 * Acknowledges one Control Tower rule on one construct, outside a landing zone only: the
 * demo profile keeps these resources on purpose, the landing-zone setting removes every one,
 * and a regression there must fail synth rather than be acknowledged.
 */
export function acknowledgeControlTower(
  scope: IConstruct,
  rule: (typeof CONTROL_TOWER_RULES)[keyof typeof CONTROL_TOWER_RULES],
  reason: string,
): void {
  if (scope.node.tryGetContext(LANDING_ZONE_CONTEXT) === true) return;
  acknowledge(scope, `${CONTROL_TOWER_NAMESPACE}::${rule}`, reason);
}

export interface AcknowledgementRecord {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement under `scope`, for reports and review snapshots. */
export function acknowledgementsUnder(scope: IConstruct): AcknowledgementRecord[] {
  const out: AcknowledgementRecord[] = [];
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const data = entry.data as Record<string, { reason?: string } | string>;
      for (const [key, value] of Object.entries(data)) {
        const reason = typeof value === 'string' ? value : (value.reason ?? '');
        out.push({ path: node.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}
