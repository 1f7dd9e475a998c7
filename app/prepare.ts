import { loadPolicyCa, type PolicyCa } from '../lib/ca/policy-ca.js';
import { type ExpectedProxy, proxyConfigDigest } from '../lib/contract/proxy-identity.js';
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
  /** What the verifier expects behind the proxy tier's addresses: this image and config. */
  readonly expectedProxy: ExpectedProxy;
  /** The private CA's public certificates, checked, when some entry is intercepted. */
  readonly ca?: PolicyCa;
}

/** `caBase`: the file CA paths are relative to (the policy file, or a name in the cwd). */
function prepared(policy: Policy, file: PolicyFile, caBase: string = file.path): PreparedPolicy {
  const envoyConfig = renderCheckedProxyConfig(policy);
  const ca = loadPolicyCa(policy, caBase, file.shown);
  return {
    policy,
    file,
    envoyConfig,
    expectedProxy: { image: policy.proxy.image, configDigest: proxyConfigDigest(envoyConfig) },
    ...(ca === undefined ? {} : { ca }),
  };
}

/** Reads `given` (else the embedded default), validates it and renders the proxy config. */
export function preparePolicy(given?: string | PolicyFile): PreparedPolicy {
  const file = typeof given === 'object' ? given : resolvePolicyFile(given);
  return prepareLoaded(loadPolicy(file), file);
}

/**
 * Prepares a policy a command has already read from `file` (so it is parsed once per run);
 * CA paths are relative to that file, as in {@link preparePolicy}.
 */
export function prepareLoaded(policy: Policy, file: PolicyFile): PreparedPolicy {
  return prepared(policy, file);
}

/** Prepares a policy that was parsed elsewhere (a library user, a test). */
export function prepareParsed(policy: Policy, shown = '<policy>'): PreparedPolicy {
  // CA paths of a parsed policy are relative to the working directory.
  return prepared(policy, { path: shown, shown, embedded: false }, `${process.cwd()}/${shown}`);
}
