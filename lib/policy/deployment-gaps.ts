import type { EgressRule, Policy } from './schema.js';

/*
 * Policy features the proxy renderer supports but the deployments (the AWS and GCP proxy
 * tiers, the local compose project) do not deliver yet. Each deployment refuses them rather
 * than produce a proxy that would fail once running; `check-policy` reports the same lines.
 */

/** Where an egress entry sits: `egress[2]` or `agents[0].egress[1]`. */
function entries(policy: Policy): { readonly path: string; readonly entry: EgressRule }[] {
  return [
    ...policy.egress.map((entry, i) => ({ path: `egress[${i}]`, entry })),
    ...policy.agents.flatMap((a, j) =>
      (a.egress ?? []).map((entry, i) => ({ path: `agents[${j}].egress[${i}]`, entry })),
    ),
  ];
}

/** One line per feature a deployment cannot deliver yet, with the fix; empty when none. */
export function deploymentGaps(policy: Policy): string[] {
  const out: string[] = [];
  for (const { path, entry } of entries(policy)) {
    if (entry.tls === 'intercept') {
      out.push(
        `${path}.tls: "intercept" (${entry.host}) renders and validates, but the AWS, GCP and local deployments do not yet give the proxy its CA key and certificate, nor the agents the trust bundle their TLS variables point at, so every agent TLS connection would fail once deployed. Fix: keep tls: true for this host and give agents git access through a tool outside the boundary (README "Giving agents git access"), or use the rendered Envoy config (render-proxy) with a proxy you deploy yourself.`,
      );
    }
    const format = entry.inject?.format ?? 'raw';
    if (format !== 'raw') {
      out.push(
        `${path}.inject.format: "${format}" (${entry.host}): the deployed proxies do not yet build the header value from the secret (the launcher can; the stacks do not pass it the format). Fix: store the whole header value in the secret (e.g. "Bearer <token>") and use format raw.`,
      );
    }
  }
  return out;
}
