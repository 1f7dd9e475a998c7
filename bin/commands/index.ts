import { agentEnvCommand } from './agent-env.js';
import { caCommand } from './ca.js';
import { checkPolicyCommand } from './check-policy.js';
import type { Command } from './command.js';
import { localCommand } from './local.js';
import { planGcpCommand } from './plan-gcp.js';
import { probeCommand } from './probe.js';
import { renderProxyCommand } from './render-proxy.js';
import { sandboxRuntimeCommand } from './sandbox-runtime.js';
import { schemaCommand } from './schema.js';
import { synthCommand } from './synth.js';
import { validateEnvoyCommand } from './validate-envoy.js';
import { verifyCommand } from './verify.js';

/** Every subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  synthCommand,
  verifyCommand,
  probeCommand,
  planGcpCommand,
  checkPolicyCommand,
  renderProxyCommand,
  validateEnvoyCommand,
  agentEnvCommand,
  caCommand,
  localCommand,
  sandboxRuntimeCommand,
  schemaCommand,
];
