import { agentEnvironment } from '../../lib/agent-env.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { policyFromArgs } from './policy-arg.js';

export const agentEnvCommand: Command = {
  name: 'agent-env',
  summary: 'Print the environment an agent needs to use the proxy.',
  usage: `Usage: agent-perimeter agent-env --proxy HOST [--policy FILE] [--agent NAME] [--format env|json]

Prints the variables (HTTPS_PROXY, NO_PROXY, ANTHROPIC_BASE_URL, ...) that route an agent of
profile NAME (default: the first) through its own listeners on the proxy at HOST. No variable
holds a secret.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'agent-env',
      argv,
      {
        proxy: { type: 'string', default: 'localhost' },
        policy: { type: 'string' },
        agent: { type: 'string' },
        format: { type: 'string', default: 'env' },
      },
      0,
    );
    const { policy } = policyFromArgs(values.policy);
    const env = agentEnvironment(policy, values.proxy, values.agent);
    if (values.format === 'json') io.out(JSON.stringify(env, null, 2));
    else
      io.out(
        Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      );
    return 0;
  },
};
