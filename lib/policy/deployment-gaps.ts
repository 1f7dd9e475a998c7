import type { EgressRule, Policy } from './schema.js';

/*
 * Policy features the proxy renderer supports but a deployment (the AWS or GCP proxy tier,
 * the local compose project) does not deliver. Today: interception on AWS with the
 * landing-zone setting (every target delivers interception and the bearer/basic formats
 * otherwise, ADR 0021). That deployment refuses them rather than
 * produce a proxy that would fail once running; `check-policy --target` reports the same
 * lines, and `check-policy` alone warns with every target's.
 */

/** Where a policy is deployed. */
export type DeploymentTarget = 'aws' | 'gcp' | 'local';

/** Where an egress entry sits: `egress[2]` or `agents[0].egress[1]`. */
function entries(policy: Policy): { readonly path: string; readonly entry: EgressRule }[] {
  return [
    ...policy.egress.map((entry, i) => ({ path: `egress[${i}]`, entry })),
    ...policy.agents.flatMap((a, j) =>
      (a.egress ?? []).map((entry, i) => ({ path: `agents[${j}].egress[${i}]`, entry })),
    ),
  ];
}

/**
 * One line per feature `target` cannot deliver, with the fix; empty when none. Without a
 * target: every target's lines, each prefixed with the targets it applies to.
 */
export function deploymentGaps(policy: Policy, target?: DeploymentTarget): string[] {
  if (target === undefined) {
    const byLine = new Map<string, DeploymentTarget[]>();
    for (const t of ['aws', 'gcp', 'local'] as const) {
      for (const line of deploymentGaps(policy, t))
        byLine.set(line, [...(byLine.get(line) ?? []), t]);
    }
    return [...byLine].map(([line, targets]) => `${targets.join(', ')}: ${line}`);
  }
  const out: string[] = [];
  const intercepted = entries(policy).filter(({ entry }) => entry.tls === 'intercept');
  if (target === 'aws' && policy.landing_zone !== undefined) {
    for (const { path, entry } of intercepted) {
      out.push(
        `${path}.tls: "intercept" (${entry.host}) with landing_zone: the proxy issues its certificates into a task volume, which Fargate creates owned by root with mode 0755, so a run-once root init container must open it for Envoy (uid 101), and the landing-zone setting allows no root container (CT.ECS.PR.3). Fix: leave landing_zone out for this deployment, or keep tls: true for this host and give agents git access through a tool outside the boundary (README "Giving agents git access").`,
      );
    }
  }
  return out;
}
