import { checkTarget, TARGETS, type Target } from '../../app/check-target.js';
import { prepareLoaded } from '../../app/prepare.js';
import { UserError } from '../../lib/errors.js';
import {
  deploymentGaps,
  explainPolicy,
  interceptedRules,
  policyInjectListeners,
  proxyEgress,
} from '../../lib/policy/index.js';
import { type Command, defineCommand } from './command.js';
import { POLICY_OPTION, policyFromArgs, printPolicyWarnings } from './policy-arg.js';

export const checkPolicyCommand: Command = defineCommand({
  name: 'check-policy',
  summary: 'Validate a policy file (exit 0 valid, 2 invalid).',
  usage: `Usage: agent-perimeter check-policy [--policy FILE | FILE] [--target ${TARGETS.join('|')}] [--explain]

Validates the policy (default: the embedded agent-perimeter.yaml) and lists every problem
with its path, value, line and fix. Exit 0 when valid, 2 when not.

  --target    also build it for that target as synth, plan-gcp or local would (without
              writing anything), so "valid" means it will synth there; fails with the same
              message
  --explain   also print each agent profile's listener ports, effective allowlist and the
              credentials the proxy injects for it`,
  options: { ...POLICY_OPTION, explain: { type: 'boolean' }, target: { type: 'string' } },
  // The policy file, as a shorthand for --policy.
  positionals: 1,
  async run({ values, positionals }, io) {
    const { policy, source, file } = policyFromArgs(values.policy, positionals[0], 'check-policy');
    printPolicyWarnings(policy, source, io);
    if (values.target !== undefined) {
      if (!(TARGETS as readonly string[]).includes(values.target)) {
        throw new UserError(
          `agent-perimeter check-policy: --target "${values.target}" is not a target. Fix: one of ${TARGETS.join(', ')}.`,
        );
      }
      await checkTarget(prepareLoaded(policy, file), values.target as Target);
    }
    const hosts = proxyEgress(policy);
    const injected = policyInjectListeners(policy).length;
    const own = policy.agents.filter((a) => a.egress !== undefined).length;
    // The same CA checks synth runs, so the two always agree.
    const { loadPolicyCa } = await import('../../lib/ca/policy-ca.js');
    const ca = loadPolicyCa(policy, file.path, source);
    // What every deployment (synth for AWS and GCP, `local`) refuses: `--target` fails on it
    // with synth's own message (the build does); without a target the file is valid and this warns.
    for (const gap of deploymentGaps(policy))
      io.err(`${source}: warning: these deployments refuse this (check with --target): ${gap}`);
    const intercepted =
      ca === undefined
        ? ''
        : `, ${interceptedRules(policy).length} intercepted (CA valid until ${ca.facts.notAfter.toISOString().slice(0, 10)})`;
    io.out(
      `${source}: valid policy "${policy.name}": ${hosts.length} egress host(s), ${injected} base-URL listener(s) with credential injection${intercepted}, ${policy.agents.length} agent profile(s)${own > 0 ? ` (${own} with its own egress)` : ''}.`,
    );
    if (values.explain === true) io.out(explainPolicy(policy));
    return 0;
  },
});
