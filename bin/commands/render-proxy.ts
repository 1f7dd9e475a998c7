import { resolve } from 'node:path';
import { writeFileAtomic } from '../../lib/write-file.js';
import { renderCheckedProxyConfig } from '../../proxy/render-checked.js';
import { envoyYaml } from '../../proxy/yaml.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs } from './policy-arg.js';

export const renderProxyCommand: Command = defineCommand({
  name: 'render-proxy',
  summary: "Render the policy into an Envoy config, validated against Envoy's API.",
  usage: `Usage: agent-perimeter render-proxy [--policy FILE] [--out FILE] [--ca-bundle PATH]

Renders the policy (default: the embedded agent-perimeter.yaml) into an Envoy v3 bootstrap,
validates it against Envoy's own API definitions, and writes YAML to --out (default: stdout).
Nothing is written unless the config validates.

Options:
  --policy FILE      policy file to render
  --out FILE         where to write the Envoy YAML (default: stdout)
  --ca-bundle PATH   CA bundle inside the Envoy container for upstream TLS verification`,
  options: { ...POLICY_OPTION, out: { type: 'string' }, 'ca-bundle': { type: 'string' } },
  async run({ values }, io) {
    const { policy, source } = policyFromArgs(values.policy);
    const caBundle = values['ca-bundle'];
    const config = renderCheckedProxyConfig(policy, caBundle === undefined ? {} : { caBundle });
    const text = envoyYaml(config, source);
    if (values.out === undefined) {
      io.out(text);
    } else {
      writeFileAtomic(resolve(values.out), text);
      io.err(
        `wrote ${values.out}: Envoy config for policy "${policy.name}" (validated against Envoy's v3 API)`,
      );
    }
    return 0;
  },
});
