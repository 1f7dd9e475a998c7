import { checkAcls } from './analysis/acl.js';
import { checkAddressing } from './analysis/addressing.js';
import { AllowedSet } from './analysis/allowed.js';
import { type AnalysisOptions, Context } from './analysis/context.js';
import { checkDns } from './analysis/dns.js';
import { checkEndpoints, checkIdentityGrants } from './analysis/endpoints.js';
import { checkFirewall, FirewallEvaluator } from './analysis/firewall.js';
import { checkIdentities } from './analysis/identity.js';
import { checkProfiles } from './analysis/profiles.js';
import { reachOf } from './analysis/reach.js';
import { checkDirectInternet, checkNat, checkRoutes, tableUses } from './analysis/routes.js';
import { checkWorkloads } from './analysis/workloads.js';
import { type Destinations, NOWHERE, unionOf } from './destinations.js';
import { describeFlows, destinationsOf } from './flows.js';
import type { ContainmentModel } from './model.js';
import { dedupeViolations, type Violation } from './violations.js';

export type { AnalysisOptions } from './analysis/context.js';

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
 * reach and every way out of the allowed set, layer by layer (routes, addressing, firewall
 * groups, subnet ACLs, DNS, endpoint policies, workloads). Each layer is judged on its own,
 * so a path one layer still blocks is reported when another layer opened it (C4).
 */
export function analyze(model: ContainmentModel, options: AnalysisOptions = {}): ContainmentResult {
  const ctx = new Context(model, options);
  const allowed = new AllowedSet(ctx);
  const evaluator = new FirewallEvaluator(ctx);
  const violations: Violation[] = model.unprovable.map((u) => ({
    resource: u.resource,
    channel: 'cannot-prove',
    explanation: u.explanation,
  }));

  const agents = ctx.agents;
  for (const a of agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    if (subnet?.unresolved !== undefined && subnet.trusted !== true) {
      violations.push({
        resource: a.resource,
        channel: 'cannot-prove',
        explanation: `${a.kind} ${a.resource} runs in subnet ${subnet.resource}, which ${subnet.unresolved}, so its routes, ACL and addressing cannot be checked. Fix: use a subnet defined in this template, or declare the value trusted once the template that defines it is verified.`,
      });
    }
  }
  const uses = tableUses(
    ctx,
    agents.filter((a) => a.subnet === undefined || ctx.subnets.get(a.subnet)?.trusted !== true),
  );
  violations.push(...checkRoutes(ctx, uses));
  violations.push(...checkDirectInternet(agents));
  violations.push(...checkNat(ctx, agents));
  violations.push(...checkAcls(ctx, allowed, uses));
  violations.push(...checkAddressing(ctx, agents));
  violations.push(...checkWorkloads(ctx, agents));

  const guarded = agents.filter((a) => ctx.hasAgentGroup(a));
  let reachableGroups = new Set<string>();
  let reachableAddresses: Destinations = NOWHERE;
  const reports: AgentReach[] = [];
  for (const a of guarded) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    const known = subnet !== undefined && subnet.unresolved === undefined;
    const table = known ? ctx.routeTableOf(subnet) : undefined;
    const network =
      subnet?.network ??
      a.groups.map((g) => ctx.groups.get(g)?.network).find((n) => n !== undefined);
    violations.push(...checkFirewall(ctx, evaluator, allowed, a, table, network));
    const egress = evaluator.evaluate(a).egress;
    const to = destinationsOf(egress);
    reachableGroups = new Set([
      ...reachableGroups,
      ...to.atoms.filter((x) => x.startsWith('group:')).map((x) => x.slice(6)),
    ]);
    reachableAddresses = unionOf(reachableAddresses, { ...to, atoms: [] });
    reports.push({
      id: a.id,
      resource: a.resource,
      kind: a.kind,
      ...(subnet === undefined ? {} : { subnet: subnet.resource }),
      groups: a.groups.map((g) => ctx.groups.get(g)?.resource ?? g),
      allowedByGroups: describeFlows(egress, ctx.label, 8) || 'nothing',
      reachable: describeFlows(reachOf(ctx, a, egress), ctx.label, 8) || 'nothing',
    });
  }
  violations.push(...checkProfiles(ctx, evaluator, guarded, options.profilePorts));
  const networks = new Set<string>();
  for (const a of agents) {
    const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
    const network =
      subnet?.network ??
      a.groups.map((g) => ctx.groups.get(g)?.network).find((n) => n !== undefined);
    if (network !== undefined && subnet?.trusted !== true) networks.add(network);
  }
  violations.push(...checkDns(ctx, networks));
  const tables = new Set(uses.map((u) => u.tableId).filter((t) => t !== undefined));
  violations.push(...checkEndpoints(ctx, reachableGroups, reachableAddresses, tables));
  violations.push(...checkIdentityGrants(ctx));
  if (options.checkIdentities !== false)
    violations.push(...checkIdentities(ctx, options.expectedProxy));

  return {
    source: model.source,
    ...(model.assumptions === undefined ? {} : { assumptions: model.assumptions }),
    agents: reports,
    violations: dedupeViolations(violations.map((v) => ({ ...v, source: model.source }))),
    proxyPorts: ctx.proxyPorts,
    proxyPortsSource: ctx.proxyPortsSource,
    allowed: allowed.describe(),
  };
}
