import type * as pulumi from '@pulumi/pulumi';
import { loadPolicyCa } from '../lib/ca/policy-ca.js';
import { UserError } from '../lib/errors.js';
import type { JsonObject } from '../lib/json.js';
import type { Policy } from '../lib/policy/index.js';
import {
  type AgentPerimeterArgs as ComponentArgs,
  AgentPerimeter as PerimeterComponent,
} from '../pulumi/index.js';
import { prepareParsed, preparePolicy } from './prepare.js';

/** Arguments of {@link AgentPerimeter}: the policy (exactly one of `policy`, `policyFile`). */
export interface AgentPerimeterArgs extends Omit<ComponentArgs, 'policy' | 'envoyConfig' | 'ca'> {
  /**
   * The validated policy, e.g. from `loadPolicy('agent-perimeter.yaml')`.
   * @default - read from `policyFile`; one of the two is required
   */
  readonly policy?: Policy;
  /**
   * A policy file, relative to the working directory (the Pulumi project's directory).
   * @default - none: `policy` is used; one of the two is required
   */
  readonly policyFile?: string;
  /**
   * The Envoy bootstrap for the policy, rendered and validated elsewhere.
   * @default - rendered from the policy and validated against Envoy's API here
   */
  readonly envoyConfig?: JsonObject;
}

function prepared(name: string, args: AgentPerimeterArgs): ComponentArgs {
  const { policy, policyFile, envoyConfig, ...rest } = args;
  if (policy !== undefined && policyFile !== undefined) {
    throw new UserError(
      `AgentPerimeter ${name}: both policy and policyFile are given. Fix: pass one: { policy: loadPolicy(file) } or { policyFile: file }.`,
    );
  }
  if (policy === undefined && (policyFile === undefined || policyFile === '')) {
    throw new UserError(
      `AgentPerimeter ${name}: no policy. Fix: pass { policy: loadPolicy("agent-perimeter.yaml") } or { policyFile: "agent-perimeter.yaml" }.`,
    );
  }
  if (policy !== undefined && envoyConfig !== undefined) {
    const ca = loadPolicyCa(policy, `${process.cwd()}/${name}`, name);
    return { ...rest, policy, envoyConfig, ...(ca === undefined ? {} : { ca }) };
  }
  const ready = policy === undefined ? preparePolicy(policyFile) : prepareParsed(policy, name);
  return {
    ...rest,
    policy: ready.policy,
    envoyConfig: envoyConfig ?? ready.envoyConfig,
    ...(ready.ca === undefined ? {} : { ca: ready.ca }),
  };
}

/**
 * The whole GCP perimeter as one Pulumi component in any program of yours, from a policy or a
 * policy file: the contained network, the Envoy proxy tier, the agents on Cloud Run, the egress
 * probe and the audit trail (type token `agent-perimeter:gcp:AgentPerimeter`).
 */
export class AgentPerimeter extends PerimeterComponent {
  constructor(name: string, args: AgentPerimeterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(name, prepared(name, args), opts);
  }
}
