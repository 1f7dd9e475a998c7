import { agentEnvironment } from '../../lib/agent-env.js';
import { UserError } from '../../lib/errors.js';
import { policyProfile, policyProfiles } from '../../lib/policy/index.js';
import { parseProxyAddress } from '../../lib/proxy-address.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs } from './policy-arg.js';

/** The proxy host when `--proxy` is not given: `agent-perimeter local`'s proxy on this machine. */
export const DEFAULT_PROXY_HOST = 'localhost';

/** What `--format` prints: KEY=VALUE lines (the first, the default), or one JSON object. */
const FORMATS = ['env', 'json'] as const;

export const agentEnvCommand: Command = defineCommand({
  name: 'agent-env',
  summary: 'Print the environment an agent needs to use the proxy.',
  usage: `Usage: agent-perimeter agent-env [--proxy HOST[:PORT] | --proxy http://HOST[:PORT]] [--policy FILE] [--agent NAME] [--format ${FORMATS.join('|')}]

Prints the variables (HTTPS_PROXY, NO_PROXY, ANTHROPIC_BASE_URL or the Bedrock / Vertex AI
settings, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC, ...) that route an agent of profile NAME
(default: the first) through its own listeners on the proxy at HOST. No variable holds a
secret. Without --proxy the host is ${DEFAULT_PROXY_HOST} (the proxy of \`agent-perimeter
local\`), and a note says so on stderr. A PORT must be the profile's forward-proxy port. A
profile with a task role also gets the task-credential address in NO_PROXY.
docs/agent-environment.md explains every variable.`,
  options: {
    proxy: { type: 'string' },
    ...POLICY_OPTION,
    agent: { type: 'string' },
    format: { type: 'string', default: FORMATS[0] },
  },
  async run({ values }, io) {
    if (!(FORMATS as readonly string[]).includes(values.format)) {
      throw new UserError(
        `--format "${values.format}" is not a format. Fix: use ${FORMATS.join(' or ')}.`,
      );
    }
    const { policy } = policyFromArgs(values.policy);
    if (values.proxy === undefined) {
      io.err(
        `agent-env: no --proxy given, so the proxy host is ${DEFAULT_PROXY_HOST} (agent-perimeter local). Pass --proxy HOST for a cloud proxy.`,
      );
    }
    const address = parseProxyAddress(values.proxy ?? DEFAULT_PROXY_HOST);
    const profile =
      values.agent === undefined ? policyProfiles(policy)[0] : policyProfile(policy, values.agent);
    const port = profile?.forwardProxyPort ?? policy.proxy.port;
    if (address.port !== undefined && address.port !== port) {
      throw new UserError(
        `--proxy "${values.proxy}": port ${address.port} is not the forward-proxy port of profile "${profile?.name}" (${port}); agents reach the proxy's listeners on the ports the policy defines. Fix: pass the host alone, or --proxy ${address.host}:${port}.`,
      );
    }
    const env = agentEnvironment(policy, address.host, values.agent);
    if (values.format === 'json') io.out(JSON.stringify(env, null, 2));
    else
      io.out(
        Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n'),
      );
    return 0;
  },
});
