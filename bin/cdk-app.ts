import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ContainmentChecks } from '../cdk/containment/index.js';
import { addCompliancePacks } from '../cdk/nag.js';
import { AgentPerimeterChecks } from '../cdk/nag-rules/index.js';
import { AgentPerimeterStack } from '../cdk/stack/index.js';
import { loadPolicy, type Policy, proxyPorts } from '../lib/policy/index.js';
import { parseProbeDeployment } from '../lib/probe/deploy.js';
import { renderCheckedProxyConfig } from '../proxy/index.js';

export interface CdkAppOptions {
  /** Policy file; relative paths resolve against the working directory. */
  readonly policyFile?: string;
  /** Where to write the cloud assembly. @default 'cdk.out' (or the CLI's choice) */
  readonly outdir?: string;
  /** Extra CDK context. */
  readonly context?: Record<string, unknown>;
}

export interface CdkApp {
  readonly app: App;
  readonly policy: Policy;
  readonly policyFile: string;
  readonly stack: AgentPerimeterStack;
}

/** The stack name for a policy: one deployment per policy name and account/region. */
export function stackName(policy: Policy): string {
  return `AgentPerimeter-${policy.name}`;
}

/**
 * Builds the AWS app from a policy: renders and validates the Envoy config, composes the
 * stack, and registers the compliance packs and the containment verifier. The policy path comes from `options.policyFile`,
 * else CDK context `policy`, else `agent-perimeter.yaml`.
 */
export function buildCdkApp(options: CdkAppOptions = {}): CdkApp {
  const createdOutdir = options.outdir !== undefined && !existsSync(options.outdir);
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    ...(options.context === undefined ? {} : { context: options.context }),
  });
  const fromContext = app.node.tryGetContext('policy') as string | undefined;
  const policyFile = resolve(options.policyFile ?? fromContext ?? 'agent-perimeter.yaml');
  let policy: Policy;
  let probe: ReturnType<typeof parseProbeDeployment>;
  try {
    policy = loadPolicy(policyFile);
    // `-c agent-perimeter:probe=false` turns the egress probe off; a JSON object adjusts it.
    probe = parseProbeDeployment(
      app.node.tryGetContext('agent-perimeter:probe'),
      'CDK context agent-perimeter:probe',
    );
  } catch (error) {
    // App creates its output directory eagerly; leave nothing behind for a bad policy.
    if (createdOutdir) rmSync(app.outdir, { recursive: true, force: true });
    throw error;
  }
  const stack = new AgentPerimeterStack(app, stackName(policy), {
    policy,
    probe: probe.enabled ? probe : false,
    envoyConfig: renderCheckedProxyConfig(policy),
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      region: process.env.CDK_DEFAULT_REGION,
    },
  });
  // The four compliance packs, our workload pack, and the containment proof: synth fails on any
  // unacknowledged finding or any way out of the agent tier.
  addCompliancePacks(app, [
    new AgentPerimeterChecks(app),
    new ContainmentChecks(app, { proxyPorts: [...proxyPorts(policy).agentFacing] }),
  ]);
  return { app, policy, policyFile, stack };
}
