import { resolve } from 'node:path';
import { UserError } from '../../lib/errors.js';
import { sandboxRuntimeSettings } from '../../lib/sandbox-runtime/settings.js';
import { writeFileAtomic } from '../../lib/write-file.js';
import { usageError } from './args.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs } from './policy-arg.js';

export const sandboxRuntimeCommand: Command = defineCommand({
  name: 'sandbox-runtime',
  summary: 'Write a sandbox-runtime (srt) settings file for one agent profile.',
  usage: `Usage: agent-perimeter sandbox-runtime --agent NAME --out FILE [--proxy URL] [--policy FILE]

Writes settings for sandbox-runtime (npm @anthropic-ai/sandbox-runtime, "srt") that confine a
process on a laptop or CI runner to profile NAME's allowlist: allowed domains from the
profile's effective egress list (strict allowlist), internal address ranges denied, the
profile's scratch paths writable, the guide's credential files (C25) unreadable.

  --proxy URL   our proxy's forward-proxy URL as the sandbox reaches it, e.g.
                http://localhost:3129 for a second profile under \`agent-perimeter local\`:
                srt then sends everything through it (parent proxy), and the profile's base
                URLs (credential injection) are allowed. Without it, inject entries are left out.
  --out FILE    where to write the JSON settings (run: srt --settings FILE -- <command>)`,
  options: {
    ...POLICY_OPTION,
    agent: { type: 'string' },
    proxy: { type: 'string' },
    out: { type: 'string' },
  },
  async run({ values }, io) {
    if (values.agent === undefined || values.out === undefined) {
      throw usageError('sandbox-runtime', '--agent NAME and --out FILE are required.');
    }
    let proxy: URL | undefined;
    if (values.proxy !== undefined) {
      try {
        proxy = new URL(values.proxy);
      } catch {
        proxy = undefined;
      }
      if (proxy === undefined || proxy.protocol !== 'http:' || proxy.port === '') {
        throw new UserError(
          `agent-perimeter sandbox-runtime: --proxy "${values.proxy}" is not an http://HOST:PORT URL. Fix: give the forward-proxy listener of the profile, e.g. http://localhost:3128.`,
        );
      }
    }
    const { policy } = policyFromArgs(values.policy);
    const { settings, environment, notes } = sandboxRuntimeSettings(policy, values.agent, proxy);
    writeFileAtomic(resolve(values.out), `${JSON.stringify(settings, null, 2)}\n`);
    io.err(
      `wrote ${values.out}: srt settings for profile "${values.agent}" of policy "${policy.name}" (${settings.network.allowedDomains.length} allowed host:port, strict)`,
    );
    for (const [k, v] of Object.entries(environment)) io.out(`${k}=${v}`);
    for (const note of notes) io.err(`note: ${note}`);
    return 0;
  },
});
