import { type AgentProfile, type Policy, proxyModelAccess } from '../policy/index.js';
import { LocalComposeError } from './errors.js';

/** The profiles `agent-perimeter local` runs: all of them, or the one `--profile` names. */
export function selectProfiles(policy: Policy, name: string | undefined): AgentProfile[] {
  if (proxyModelAccess(policy).provider !== 'anthropic') {
    throw new LocalComposeError(
      `model_access.provider "${proxyModelAccess(policy).provider}" needs the proxy's cloud identity (a task role or a service account), which a laptop's proxy does not have. Fix: run this policy on ${proxyModelAccess(policy).provider === 'bedrock' ? 'AWS (cdk deploy)' : 'GCP (pulumi up)'}, or use provider "anthropic" with an api.anthropic.com entry locally.`,
    );
  }
  if (name === undefined) return [...policy.agents];
  const profile = policy.agents.find((a) => a.name === name);
  if (profile === undefined) {
    throw new LocalComposeError(
      `--profile "${name}" is not an agent profile of policy "${policy.name}". Fix: use one of ${policy.agents.map((a) => `"${a.name}"`).join(', ')}.`,
    );
  }
  return [profile];
}
