import { existsSync, rmSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { addAgentPerimeterChecks } from '../cdk/checks.js';
import type { ContainmentChecks } from '../cdk/containment/index.js';
import { AgentPerimeterStack } from '../cdk/stack/index.js';
import type { Policy } from '../lib/policy/index.js';
import { parseProbeDeployment } from '../lib/probe/deploy.js';
import { type PreparedPolicy, preparePolicy } from './prepare.js';

export interface AwsAppOptions {
  /**
   * The policy, already prepared (the synth pipeline passes the one it made).
   * @default - prepared from `policyFile`, else CDK context `policy`, else the embedded default
   */
  readonly prepared?: PreparedPolicy;
  /** Policy file, relative to the working directory. */
  readonly policyFile?: string;
  /** Where to write the cloud assembly. @default 'cdk.out' (or the CLI's choice) */
  readonly outdir?: string;
  /** Extra CDK context. */
  readonly context?: Record<string, unknown>;
}

export interface AwsApp {
  readonly app: App;
  readonly prepared: PreparedPolicy;
  readonly stack: AgentPerimeterStack;
  /** The containment plugin registered on the app; it keeps the reports of its last run. */
  readonly containment: ContainmentChecks;
}

/** The stack name for a policy: one deployment per policy name and account/region. */
export function stackName(policy: Policy): string {
  return `AgentPerimeter-${policy.name}`;
}

/**
 * The AWS app of a policy: the stack, the compliance packs, the workload pack and the
 * containment verifier, so synth fails on any unacknowledged finding or any way out of the
 * agent tier. Nothing is left in `outdir` when the policy is bad.
 */
export function buildAwsApp(options: AwsAppOptions = {}): AwsApp {
  const createdOutdir = options.outdir !== undefined && !existsSync(options.outdir);
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  // App creates its output directory eagerly (assets land there while the stack is built):
  // leave nothing behind for a policy the construction refuses.
  const fail = (error: unknown): never => {
    if (createdOutdir) rmSync(app.outdir, { recursive: true, force: true });
    throw error;
  };
  let prepared: PreparedPolicy;
  let probe: ReturnType<typeof parseProbeDeployment>;
  let stack: AgentPerimeterStack;
  try {
    prepared =
      options.prepared ??
      preparePolicy(options.policyFile ?? (app.node.tryGetContext('policy') as string | undefined));
    // `-c agent-perimeter:probe=false` turns the egress probe off; a JSON object adjusts it.
    const probeContext: unknown = app.node.tryGetContext('agent-perimeter:probe');
    probe = parseProbeDeployment(probeContext, 'CDK context agent-perimeter:probe');
    // In a landing zone the deploy-time run (a Lambda outside the VPC, CT.LAMBDA.PR.3) is off
    // unless asked for; the schedule runs the first probe within `everyMinutes`.
    if (prepared.policy.landing_zone !== undefined && !mentionsOnDeploy(probeContext)) {
      probe = { ...probe, onDeploy: 'off' };
    }
    const { policy, envoyConfig, ca } = prepared;
    stack = new AgentPerimeterStack(app, stackName(policy), {
      policy,
      probe: probe.enabled ? probe : false,
      envoyConfig,
      ...(ca === undefined ? {} : { ca }),
      env: {
        account: process.env.CDK_DEFAULT_ACCOUNT,
        region: process.env.CDK_DEFAULT_REGION,
      },
    });
  } catch (error) {
    return fail(error);
  }
  // The same call a library user makes: the proxy's ports and identity, and the prefix lists,
  // come from the stack's network and proxy tier.
  const { containment } = addAgentPerimeterChecks(app);
  return { app, prepared, stack, containment };
}

/** Whether the probe context (JSON text or object) sets `onDeploy` itself. */
function mentionsOnDeploy(context: unknown): boolean {
  let value = context;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return false;
    }
  }
  return typeof value === 'object' && value !== null && 'onDeploy' in value;
}
