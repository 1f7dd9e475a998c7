import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  CHANNEL_NAMES,
  CHANNELS,
  combine,
  TemplateError,
  type TemplateReport,
  type VerifyOptions,
  type VerifyReport,
  verifyTemplate,
} from '../../lib/containment/index.js';
import type { ExpectedProxy } from '../../lib/contract/proxy-identity.js';
import {
  contextList,
  contextMap,
  PREFIX_LISTS_CONTEXT,
  TRUSTED_IMPORTS_CONTEXT,
  TRUSTED_PARAMETERS_CONTEXT,
} from './context.js';
import { derivedOptions } from './derived.js';

/** Rule names of the containment plugin: one per channel. */
export const CONTAINMENT_RULE_PREFIX = 'AgentPerimeterContainment';

/** Properties of {@link ContainmentChecks}. */
export interface ContainmentChecksProps {
  /**
   * `Fn::ImportValue` export names (or literal ids) assumed not to open a path, e.g. the
   * exports of a network stack that is verified on its own.
   * @default - CDK context `agent-perimeter:trustedImports`, else none
   */
  readonly trustedImports?: readonly string[];
  /**
   * Parameters assumed not to open a path, whatever their deploy-time value.
   * @default - CDK context `agent-perimeter:trustedParameters`, else none
   */
  readonly trustedParameters?: readonly string[];
  /**
   * Literal AWS-managed prefix list ids by service (`{ 'pl-63a5400a': 's3' }`), for stacks
   * given `s3PrefixListId` instead of the deploy-time lookup. Added to the ids the
   * AgentNetworks in the stack were given, which are known without this.
   * @default - CDK context `agent-perimeter:prefixLists`, else none
   */
  readonly managedPrefixLists?: Readonly<Record<string, string>>;
  /**
   * Ports agents may use on the proxy tier (the policy's agent-facing ports).
   * @default - the agent-facing ports of the AgentNetworks in each template's stack, else the
   * listener ports of the proxy tier's load balancers in the template
   */
  readonly proxyPorts?: readonly number[];
  /**
   * Each agent profile's own agent-facing ports (`profilePortsOf(policy)`): every profile's
   * security group must reach only its own listeners.
   * @default - one profile
   */
  readonly profilePorts?: Readonly<Record<string, readonly number[]>>;
  /**
   * The proxy the policy renders: the verifier then proves that the proxy tier runs this
   * image and exactly this configuration.
   * @default - the proxy tier's structure only (tier tags, task role), not its image or config
   */
  readonly expectedProxy?: ExpectedProxy;
}

/**
 * The containment violations of one template as CDK policy violations (one per finding,
 * named `AgentPerimeterContainment-<channel>`). Pure apart from nothing: give it the parsed
 * template. An unreadable template is one `cannot-prove` violation.
 */
export function containmentViolations(
  template: unknown,
  templatePath: string,
  options: VerifyOptions = {},
): PolicyViolation[] {
  return checkTemplate(template, templatePath, templatePath, options).violations;
}

/** The report of one template and its violations as CDK policy violations. */
function checkTemplate(
  template: unknown,
  templatePath: string,
  source: string,
  options: VerifyOptions,
): { report: TemplateReport | undefined; violations: PolicyViolation[] } {
  let report: TemplateReport;
  try {
    report = verifyTemplate(template, source, options);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return {
      report: undefined,
      violations: [
        {
          ruleName: `${CONTAINMENT_RULE_PREFIX}-cannot-prove`,
          description: error.message,
          severity: 'error',
          violatingResources: [{ templatePath, locations: [] }],
        },
      ],
    };
  }
  const violations = report.violations.map((v) => ({
    ruleName: `${CONTAINMENT_RULE_PREFIX}-${v.channel}`,
    description: `${v.resource}: ${v.explanation}`,
    severity: 'error',
    ruleMetadata: { channel: v.channel, why: CHANNELS[v.channel] },
    violatingResources: [
      { resourceLogicalId: v.resource, templatePath, locations: ['Properties'] },
    ],
  }));
  return { report, violations };
}

/**
 * Runs the containment verifier on every synthesized template, so `cdk synth` (and
 * `agent-perimeter synth`) fail when agents can reach anything but the proxy tier and the
 * endpoints. Register it on the app: `Validations.of(app).addPlugins(new ContainmentChecks(app))`.
 * Trusted imports and parameters come from the props or the CDK context keys
 * `agent-perimeter:trustedImports` and `agent-perimeter:trustedParameters`.
 */
export class ContainmentChecks implements IPolicyValidationPlugin {
  public readonly name = CONTAINMENT_RULE_PREFIX;
  public readonly version = '1.0.0';
  public readonly ruleIds = CHANNEL_NAMES.map((c) => `${CONTAINMENT_RULE_PREFIX}-${c}`);

  constructor(
    private readonly scope?: IConstruct,
    private readonly props: ContainmentChecksProps = {},
  ) {}

  /** The verifier options for an app: props first, then context. */
  options(scope: IConstruct | undefined = this.scope): VerifyOptions {
    const imports = this.props.trustedImports ?? contextList(scope, TRUSTED_IMPORTS_CONTEXT);
    const parameters =
      this.props.trustedParameters ?? contextList(scope, TRUSTED_PARAMETERS_CONTEXT);
    const lists = this.props.managedPrefixLists ?? contextMap(scope, PREFIX_LISTS_CONTEXT);
    return {
      ...(imports === undefined ? {} : { trustedImports: imports }),
      ...(parameters === undefined ? {} : { trustedParameters: parameters }),
      ...(lists === undefined ? {} : { managedPrefixLists: lists }),
      ...(this.props.proxyPorts === undefined ? {} : { proxyPorts: this.props.proxyPorts }),
      ...(this.props.profilePorts === undefined ? {} : { profilePorts: this.props.profilePorts }),
      ...(this.props.expectedProxy === undefined
        ? {}
        : { expectedProxy: this.props.expectedProxy }),
    };
  }

  private reports: TemplateReport[] | undefined;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const scope = (context as { appConstruct?: IConstruct }).appConstruct ?? this.scope;
    const options = this.options(scope);
    const checked = context.templatePaths.map((path) => {
      // Props and context first; what the perimeter constructs in the stack know fills the rest.
      const derived = derivedOptions(scope, path);
      const lists = { ...derived.managedPrefixLists, ...options.managedPrefixLists };
      const ports = options.proxyPorts ?? derived.proxyPorts;
      const expectedProxy = options.expectedProxy ?? derived.expectedProxy;
      const profilePorts = options.profilePorts ?? derived.profilePorts;
      return checkTemplate(
        JSON.parse(readFileSync(path, 'utf8')) as unknown,
        path,
        relative(process.cwd(), path) || path,
        {
          ...options,
          ...(Object.keys(lists).length === 0 ? {} : { managedPrefixLists: lists }),
          ...(ports === undefined ? {} : { proxyPorts: ports }),
          ...(profilePorts === undefined ? {} : { profilePorts }),
          ...(expectedProxy === undefined ? {} : { expectedProxy }),
        },
      );
    });
    this.reports = checked.flatMap((c) => (c.report === undefined ? [] : [c.report]));
    const violations = checked.flatMap((c) => c.violations);
    return { success: violations.length === 0, violations, pluginVersion: this.version };
  }

  /**
   * The proof of the last synth, for summaries: the same run that passed or failed it, not a
   * second verification. Throws before any synth.
   */
  lastReport(): VerifyReport {
    if (this.reports === undefined) {
      throw new Error('ContainmentChecks.lastReport() before any synth ran the plugin');
    }
    return combine(this.reports);
  }
}
