import { loadPolicyCa, type PolicyCa } from '../lib/ca/policy-ca.js';
import type { JsonObject } from '../lib/json.js';
import {
  loadPolicy,
  type Policy,
  type PolicyFile,
  resolvePolicyFile,
} from '../lib/policy/index.js';
import { renderCheckedProxyConfig } from '../proxy/index.js';

/*
 * The start of every run: the policy read and validated once, and the Envoy config rendered
 * and validated against Envoy's API once. Everything after (the AWS assembly, the GCP plan,
 * local files, the checks) takes this value instead of reading or rendering again.
 */

export interface PreparedPolicy {
  readonly policy: Policy;
  readonly file: PolicyFile;
  /** The Envoy bootstrap for the policy, validated. */
  readonly envoyConfig: JsonObject;
  /** The private CA's public certificates, checked, when some entry is intercepted. */
  readonly ca?: PolicyCa;
}

function withCa(policy: Policy, file: PolicyFile): { ca?: PolicyCa } {
  const ca = loadPolicyCa(policy, file.path, file.shown);
  return ca === undefined ? {} : { ca };
}

/** Reads `given` (else the embedded default), validates it and renders the proxy config. */
export function preparePolicy(given?: string | PolicyFile): PreparedPolicy {
  const file = typeof given === 'object' ? given : resolvePolicyFile(given);
  const policy = loadPolicy(file);
  return { policy, file, envoyConfig: renderCheckedProxyConfig(policy), ...withCa(policy, file) };
}

/** Prepares a policy that was parsed elsewhere (a library user, a test). */
export function prepareParsed(policy: Policy, shown = '<policy>'): PreparedPolicy {
  // CA paths of a parsed policy are relative to the working directory.
  const file = { path: `${process.cwd()}/${shown}`, shown, embedded: false };
  return {
    policy,
    file: { path: shown, shown, embedded: false },
    envoyConfig: renderCheckedProxyConfig(policy),
    ...withCa(policy, file),
  };
}
