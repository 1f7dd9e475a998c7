import { type Destinations, NOWHERE, unionOf } from '../destinations.js';
import { destinationsOf } from '../flows.js';
import type { Attachment, ContainmentModel } from '../model.js';
import { AllowedSet } from './allowed.js';
import { type AnalysisOptions, Context } from './context.js';
import { FirewallEvaluator } from './firewall.js';
import { type TableUse, tableUses } from './routes.js';

/**
 * What every check reads, computed once per model: the indexes, the allowed set, the
 * firewall evaluation and which agent route tables, networks, groups and addresses are in
 * play. A check is a function of this value (see `checks/`).
 */
export interface Scope {
  readonly ctx: Context;
  readonly options: AnalysisOptions;
  readonly allowed: AllowedSet;
  readonly evaluator: FirewallEvaluator;
  /** Agent subnets by route table (agents in trusted subnets left out). */
  readonly uses: readonly TableUse[];
  /** Agents that carry an agent group: their firewall groups are judged rule by rule. */
  readonly guarded: readonly Attachment[];
  /** Networks with agents (trusted subnets left out): each needs a DNS filter. */
  readonly agentNetworks: ReadonlySet<string>;
  /** Route tables agent subnets use. */
  readonly agentTables: ReadonlySet<string>;
  /** Groups and addresses some guarded agent's groups let it send to. */
  readonly reachableGroups: ReadonlySet<string>;
  readonly reachableAddresses: Destinations;
}

export function scopeOf(model: ContainmentModel, options: AnalysisOptions = {}): Scope {
  const ctx = new Context(model, options);
  const evaluator = new FirewallEvaluator(ctx);
  const agents = ctx.agents;
  const uses = tableUses(
    ctx,
    agents.filter((a) => ctx.placement(a).subnet?.trusted !== true),
  );
  const guarded = agents.filter((a) => ctx.hasAgentGroup(a));
  const reachableGroups = new Set<string>();
  let reachableAddresses: Destinations = NOWHERE;
  for (const a of guarded) {
    const to = destinationsOf(evaluator.evaluate(a).egress);
    for (const x of to.atoms) if (x.startsWith('group:')) reachableGroups.add(x.slice(6));
    reachableAddresses = unionOf(reachableAddresses, { ...to, atoms: [] });
  }
  const agentNetworks = new Set<string>();
  for (const a of agents) {
    const { subnet, network } = ctx.placement(a);
    if (network !== undefined && subnet?.trusted !== true) agentNetworks.add(network);
  }
  return {
    ctx,
    options,
    allowed: new AllowedSet(ctx),
    evaluator,
    uses,
    guarded,
    agentNetworks,
    agentTables: new Set(uses.map((u) => u.tableId).filter((t) => t !== undefined)),
    reachableGroups,
    reachableAddresses,
  };
}
