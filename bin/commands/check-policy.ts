import { interceptedRules } from '../../lib/policy/index.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { policyFromArgs } from './policy-arg.js';

export const checkPolicyCommand: Command = {
  name: 'check-policy',
  summary: 'Validate a policy file (exit 0 valid, 2 invalid).',
  usage: `Usage: agent-perimeter check-policy [--policy FILE | FILE]

Validates the policy (default: the embedded agent-perimeter.yaml) and lists every problem
with its path, value, line and fix. Exit 0 when valid, 2 when not.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'check-policy',
      argv,
      { policy: { type: 'string' } },
      1,
    );
    const { policy, source, file } = policyFromArgs(values.policy, positionals[0], 'check-policy');
    const injected = policy.egress.filter((e) => e.inject !== undefined).length;
    // The same CA checks synth runs, so the two always agree.
    const { loadPolicyCa } = await import('../../lib/ca/policy-ca.js');
    const ca = loadPolicyCa(policy, file.path, source);
    const intercepted =
      ca === undefined
        ? ''
        : `, ${interceptedRules(policy).length} intercepted (CA valid until ${ca.facts.notAfter.toISOString().slice(0, 10)})`;
    io.out(
      `${source}: valid policy "${policy.name}": ${policy.egress.length} egress host(s), ${injected} with credential injection${intercepted}, ${policy.agents.length} agent profile(s).`,
    );
    return 0;
  },
};
