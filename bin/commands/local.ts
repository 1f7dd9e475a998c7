import { join, relative, resolve } from 'node:path';
import { loadPolicyCa } from '../../lib/ca/policy-ca.js';
import { LOCAL_RUNTIMES } from '../../lib/contract/runtimes.js';
import { UserError } from '../../lib/errors.js';
import {
  COMPOSE_FILE,
  DEFAULT_ADDRESS_POOL,
  ENVOY_FILE,
  LAUNCHER_FILE,
  localListenerAddresses,
  renderLocalFiles,
} from '../../lib/local/index.js';
import { CA_KEY_VARIABLE } from '../../lib/proxy-contract.js';
import { proxyCredentialInputs } from '../../lib/proxy-launch-inputs.js';
import { writeFileAtomic } from '../../lib/write-file.js';
import { renderCheckedProxyConfig } from '../../proxy/render-checked.js';
import { envoyYaml } from '../../proxy/yaml.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs, printPolicyWarnings } from './policy-arg.js';

const RUNTIMES = LOCAL_RUNTIMES;

/** Where the files go without --out. */
const DEFAULT_DIR = 'agent-perimeter-local';

export const localCommand: Command = defineCommand({
  name: 'local',
  summary: 'Write a docker compose file that runs the agents behind the proxy on this machine.',
  usage: `Usage: agent-perimeter local [--policy FILE] [--out DIR] [--profile NAME] [--runtime runsc]
                             [--address-pool CIDR]

Writes DIR/${COMPOSE_FILE} and DIR/${ENVOY_FILE} (default DIR: ${DEFAULT_DIR}): each agent
profile hardened as the guide's docker recipe (cap_drop ALL, no-new-privileges, read-only root,
size-bounded noexec/nosuid tmpfs scratch, memory/CPU/pids limits, non-root user) on an internal
network whose only other member is the Envoy proxy rendered from the same policy. Each profile
network gets a fixed /24 and the proxy a fixed address on it; Envoy binds that profile's
listeners to that address alone, so an agent reaches only its own profile's ports. Credentials
are read from your shell's environment when compose starts; they are never written to a file.

Options:
  --policy FILE     policy file (default: the embedded agent-perimeter.yaml)
  --out DIR         where to write the files (default: ${DEFAULT_DIR})
  --profile NAME    only this agent profile (default: all of them)
  --runtime runsc   run the agents under gVisor (needs runsc installed as a Docker runtime)
  --address-pool CIDR
                    private range for the profile networks, a /24 per profile in
                    \`agents\` order (default: ${DEFAULT_ADDRESS_POOL})`,
  options: {
    ...POLICY_OPTION,
    out: { type: 'string', default: DEFAULT_DIR },
    profile: { type: 'string' },
    runtime: { type: 'string' },
    'address-pool': { type: 'string' },
  },
  async run({ values }, io) {
    const runtime = values.runtime;
    if (runtime !== undefined && !(RUNTIMES as readonly string[]).includes(runtime)) {
      throw new UserError(
        `agent-perimeter local: --runtime "${runtime}" is not supported. Fix: use ${RUNTIMES.map((r) => `"${r}"`).join(' or ')}.`,
      );
    }
    const { policy, source, file } = policyFromArgs(values.policy);
    printPolicyWarnings(policy, source, io);
    const ca = loadPolicyCa(policy, file.path, source);
    const placement = {
      ...(values.profile === undefined ? {} : { profile: values.profile }),
      ...(values['address-pool'] === undefined ? {} : { addressPool: values['address-pool'] }),
    };
    // The same placement decides the compose file's addresses and what Envoy binds.
    const profileAddresses = localListenerAddresses(policy, placement);
    const envoy = envoyYaml(renderCheckedProxyConfig(policy, { profileAddresses }), source);
    const files = renderLocalFiles(policy, envoy, {
      source,
      ...placement,
      ...(ca === undefined ? {} : { ca }),
      ...(runtime === undefined ? {} : { runtime: runtime as (typeof RUNTIMES)[number] }),
    });
    const dir = resolve(values.out);
    for (const [name, text] of Object.entries(files)) writeFileAtomic(join(dir, name), text);
    const shown = relative(process.cwd(), dir) || '.';
    const variables = [
      ...proxyCredentialInputs(policy).secrets.map((s) => `${s.variable}=...`),
      // The CA key from the file `ca create` wrote (it never goes into the output directory).
      ...(ca === undefined ? [] : [`${CA_KEY_VARIABLE}="$(cat ca/ca.key)"`]),
    ];
    io.out(
      [
        `wrote ${join(shown, COMPOSE_FILE)}, ${join(shown, ENVOY_FILE)} and ${join(shown, LAUNCHER_FILE)} for policy "${policy.name}"`,
        ...(variables.length === 0 ? [] : [`  1. export ${variables.join(' ')}`]),
        `  ${variables.length === 0 ? '1' : '2'}. docker compose -f ${join(shown, COMPOSE_FILE)} up`,
      ].join('\n'),
    );
    return 0;
  },
});
