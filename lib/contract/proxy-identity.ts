import { createHash } from 'node:crypto';
import type { JsonObject } from '../json.js';

/*
 * How the proxy workload identifies itself to the verifier: the image it runs and a digest of
 * the configuration it is given. Builders (cdk/, pulumi/, lib/local) deliver the rendered
 * config; the verifier recomputes the digest from the policy and compares.
 */

/**
 * SHA-256 (hex) of a rendered Envoy bootstrap, over its compact JSON: the text the AWS task
 * passes inline and the GCP boot step writes, so either side can be hashed as delivered.
 */
export function proxyConfigDigest(config: JsonObject): string {
  return sha256Hex(JSON.stringify(config));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Environment variable on the proxy container that carries {@link proxyConfigDigest} when the
 * configuration is delivered out of band (a file or object the template does not contain).
 */
export const PROXY_CONFIG_DIGEST_ENV = 'AGENT_PERIMETER_CONFIG_SHA256';

/** What the verifier expects behind the proxy tier's addresses. */
export interface ExpectedProxy {
  /** The proxy image (`policy.proxy.image`). */
  readonly image: string;
  /** {@link proxyConfigDigest} of the config the policy renders. */
  readonly configDigest: string;
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Whether an image reference names the expected image. A digest identifies the content
 * wherever it is mirrored, so two references with the same digest match; a tag only matches
 * the same repository path and tag, also behind a registry prefix (a pull-through cache).
 */
export function sameImage(actual: string, expected: string): boolean {
  const digest = DIGEST.exec(expected)?.[0];
  if (digest !== undefined) return actual.endsWith(digest);
  if (actual === expected) return true;
  const path = expected.replace(/^docker\.io\//, '');
  return actual.endsWith(`/${path}`);
}
