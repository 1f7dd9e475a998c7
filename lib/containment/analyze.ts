import type { AnalysisOptions } from './analysis/context.js';
import { reachOf } from './analysis/reach.js';
import { scopeOf } from './analysis/scope.js';
import { CHECKS } from './checks/index.js';
import { describeFlows } from './flows.js';
import type { ContainmentModel } from './model.js';
import { dedupeViolations } from './violations.js';

export type { AnalysisOptions } from './analysis/context.js';

import type { Violation } from './violations.js';

/** One agent attachment and what it can reach. */
export interface AgentReach {
  readonly id: string;
  readonly resource: string;
  readonly kind: string;
  readonly subnet?: string;
  readonly groups: readonly string[];
  /** What its firewall groups allow out ("tcp 3128,8081 to security group LB; ..."). */
  readonly allowedByGroups: string;
  /** What passes groups, subnet ACL and routes together (at least one way). */
  readonly reachable: string;
}

export interface ContainmentResult {
  readonly source: string;
  readonly assumptions?: string;
  readonly agents: readonly AgentReach[];
  readonly violations: readonly Violation[];
  readonly proxyPorts: readonly number[];
  readonly proxyPortsSource: string;
  /** "the proxy tier on 3128, 8081 and the endpoints on 443" */
  readonly allowed: string;
}

/**
 * The containment analysis: a pure function from a model to what each agent attachment can
 * reach and every way out of the allowed set, one check per layer (`checks/`): routes,
 * addressing, firewall groups, subnet ACLs, DNS, endpoint policies, workloads, identities.
 * Each is judged on its own, so a path one layer still blocks is reported when another layer
 * opened it (C4).
 */
export function analyze(model: ContainmentModel, options: AnalysisOptions = {}): ContainmentResult {
  const scope = scopeOf(model, options);
  const { ctx, evaluator, allowed } = scope;
  const violations = CHECKS.flatMap((c) => c.check(scope));
  const agents: AgentReach[] = scope.guarded.map((a) => {
    const { subnet } = ctx.placement(a);
    const egress = evaluator.evaluate(a).egress;
    return {
      id: a.id,
      resource: a.resource,
      kind: a.kind,
      ...(subnet === undefined ? {} : { subnet: subnet.resource }),
      groups: a.groups.map((g) => ctx.groups.get(g)?.resource ?? g),
      allowedByGroups: describeFlows(egress, ctx.label, 8) || 'nothing',
      reachable: describeFlows(reachOf(ctx, a, egress), ctx.label, 8) || 'nothing',
    };
  });
  return {
    source: model.source,
    ...(model.assumptions === undefined ? {} : { assumptions: model.assumptions }),
    agents,
    violations: dedupeViolations(violations.map((v) => ({ ...v, source: model.source }))),
    proxyPorts: ctx.proxyPorts,
    proxyPortsSource: ctx.proxyPortsSource,
    allowed: allowed.describe(),
  };
}
