import { Construct } from 'constructs';
import {
  type AgentNetwork,
  type AgentWorkloads,
  type AuditLogging,
  composePerimeter,
  type PerimeterParts,
  type PerimeterPartsProps,
  type ProbeTask,
  type ProxyTier,
} from '../cdk/index.js';
import { loadPolicyCa, type PolicyCa } from '../lib/ca/policy-ca.js';
import { UserError } from '../lib/errors.js';
import type { JsonObject } from '../lib/json.js';
import type { Policy } from '../lib/policy/index.js';
import { type PreparedPolicy, prepareParsed, preparePolicy } from './prepare.js';

/** Properties of {@link AgentPerimeter}: the policy (exactly one of `policy`, `policyFile`). */
export interface AgentPerimeterProps
  extends Omit<PerimeterPartsProps, 'policy' | 'envoyConfig' | 'ca'> {
  /**
   * The validated policy, e.g. from `loadPolicy('agent-perimeter.yaml')`.
   * @default - read from `policyFile`; one of the two is required
   */
  readonly policy?: Policy;
  /**
   * A policy file, relative to the working directory (where `cdk synth` runs the app).
   * @default - none: `policy` is used; one of the two is required
   */
  readonly policyFile?: string;
  /**
   * The Envoy bootstrap for the policy, rendered and validated elsewhere.
   * @default - rendered from the policy and validated against Envoy's API here
   */
  readonly envoyConfig?: JsonObject;
}

/** A bad combination of {@link AgentPerimeterProps}, named with the construct's path. */
export class AgentPerimeterError extends UserError {
  constructor(path: string, message: string) {
    super(`AgentPerimeter ${path}: ${message}`);
  }
}

const IS_AGENT_PERIMETER = Symbol.for('agent-perimeter.AgentPerimeter');

/**
 * The whole perimeter as one construct in any stack of yours: the contained network, the
 * Envoy proxy tier, one hardened agent workload per policy profile, the egress probe and the
 * audit trail. Add the gates with `addAgentPerimeterChecks(app)`. Pass an existing VPC with
 * `network: { vpc, agentSubnets, proxySubnets }`. Every part is a public field.
 */
export class AgentPerimeter extends Construct implements PerimeterParts {
  /** True for an AgentPerimeter of any copy of this package. */
  public static isAgentPerimeter(x: unknown): x is AgentPerimeter {
    return typeof x === 'object' && x !== null && IS_AGENT_PERIMETER in x;
  }

  public readonly policy: Policy;
  /** The validated Envoy bootstrap the proxy tier runs. */
  public readonly envoyConfig: JsonObject;
  public readonly network: AgentNetwork;
  public readonly proxy: ProxyTier;
  public readonly agents: AgentWorkloads;
  public readonly audit: AuditLogging;
  /** Undefined when `probe` is false. */
  public readonly probe: ProbeTask | undefined;

  constructor(scope: Construct, id: string, props: AgentPerimeterProps) {
    super(scope, id);
    Object.defineProperty(this, IS_AGENT_PERIMETER, { value: true });
    const prepared = this.prepare(props);
    this.policy = prepared.policy;
    this.envoyConfig = props.envoyConfig ?? prepared.envoyConfig;
    const { policyFile: _file, envoyConfig: _config, policy: _policy, ...options } = props;
    const parts = composePerimeter(this, {
      ...options,
      policy: this.policy,
      envoyConfig: this.envoyConfig,
      ...(prepared.ca === undefined ? {} : { ca: prepared.ca }),
    });
    this.network = parts.network;
    this.proxy = parts.proxy;
    this.agents = parts.agents;
    this.audit = parts.audit;
    this.probe = parts.probe;
  }

  /** The proxy's address for agents (the internal load balancer's DNS name). */
  public get proxyAddress(): string {
    return this.proxy.address;
  }

  private prepare(
    props: AgentPerimeterProps,
  ): Pick<PreparedPolicy, 'policy' | 'envoyConfig' | 'ca'> {
    if (props.policy !== undefined && props.policyFile !== undefined) {
      throw new AgentPerimeterError(
        this.node.path,
        'both policy and policyFile are given. Fix: pass one: { policy: loadPolicy(file) } or { policyFile: file }.',
      );
    }
    if (props.policy !== undefined) {
      // A given Envoy config is the caller's; render (and validate) only when none is given.
      return props.envoyConfig === undefined
        ? prepareParsed(props.policy, `policy of ${this.node.path}`)
        : {
            policy: props.policy,
            envoyConfig: props.envoyConfig,
            ...caOf(props.policy, `policy of ${this.node.path}`),
          };
    }
    if (props.policyFile === undefined || props.policyFile === '') {
      throw new AgentPerimeterError(
        this.node.path,
        'no policy. Fix: pass { policy: loadPolicy("agent-perimeter.yaml") } or { policyFile: "agent-perimeter.yaml" }.',
      );
    }
    return preparePolicy(props.policyFile);
  }
}

/** The CA of a parsed policy (paths relative to the working directory, as prepareParsed). */
function caOf(policy: Policy, shown: string): { ca?: PolicyCa } {
  const ca = loadPolicyCa(policy, `${process.cwd()}/${shown}`, shown);
  return ca === undefined ? {} : { ca };
}
