import { egressRules, intendedSpace } from '../analysis/acl.js';
import { ruleName } from '../analysis/firewall.js';
import { subnetsPhrase } from '../analysis/routes.js';
import type { Scope } from '../analysis/scope.js';
import { allTraffic, describeFlows, type Flows, subtractFlows, unionFlows } from '../flows.js';
import type { AclEntry, NetworkAcl, Subnet } from '../model.js';
import { isUnresolved } from '../model.js';
import { evaluateOrdered } from '../ordered.js';
import type { Violation } from '../violations.js';

interface Leak {
  entry: AclEntry;
  acl: NetworkAcl;
  flows: Flows;
  subnets: Subnet[];
}

/**
 * The stateless layer: each agent subnet's ACL must not let anything out beyond the allowed
 * set on its own, so that one widened security group still leaves a second wall (C4). Egress
 * is judged alone: one-way UDP or ICMP is enough to leak data, return traffic or not.
 */
export function agentAcls({ ctx, allowed, uses }: Scope): readonly Violation[] {
  const out: Violation[] = [];
  const leaks = new Map<string, Leak>();
  const blind = new Map<string, { entry: AclEntry; acl: NetworkAcl; subnets: Subnet[] }>();
  const { acl: aclWord, group: groupWord, network: networkWord } = ctx.terms;
  for (const use of uses) {
    for (const subnet of use.subnets) {
      if (subnet.trusted === true) continue;
      const network = subnet.network === undefined ? undefined : ctx.networks.get(subnet.network);
      if (subnet.acl === undefined) {
        if (network?.defaultAcl === 'none') continue;
        out.push({
          resource: subnet.resource,
          channel: ctx.terms.channels.aclWeakened,
          explanation: `${subnetsPhrase([subnet])} has no ${aclWord} of its own, so it uses the default ${aclWord} of ${networkWord} ${network?.resource ?? '(unknown)'}, which allows all traffic: a widened ${groupWord} would be the only wall (C4). Fix: associate the subnet with the agent ${aclWord}.`,
        });
        continue;
      }
      const acl = ctx.acls.get(subnet.acl);
      if (acl === undefined || (acl.unresolved !== undefined && acl.trusted !== true)) {
        out.push({
          resource: subnet.resource,
          channel: 'cannot-prove',
          explanation: `${subnetsPhrase([subnet])} uses ${aclWord} ${acl?.resource ?? subnet.acl}, which ${acl?.unresolved ?? 'is not in the input'}, so its entries cannot be checked. Fix: associate a ${aclWord} defined in this template, or declare the value trusted.`,
        });
        continue;
      }
      if (acl.trusted === true) continue;
      const { space, lists } = intendedSpace(ctx, subnet, use);
      const rules = egressRules(acl, lists, network?.cidrs ?? []);
      const result = evaluateOrdered(rules, allTraffic(space));
      for (const entry of result.unresolved) {
        const key = `${entry.resource}\u0000${entry.ruleNumber}`;
        const prev = blind.get(key);
        if (prev === undefined) blind.set(key, { entry, acl, subnets: [subnet] });
        else prev.subnets.push(subnet);
      }
      const permitted = allowed.flows(use.tableId);
      for (const { rule: entry, flows } of result.decided) {
        const leak = subtractFlows(flows, permitted);
        if (leak.length === 0) continue;
        const key = `${entry.resource}\u0000${entry.location ?? ''}\u0000${entry.ruleNumber}`;
        const prev = leaks.get(key);
        if (prev === undefined) leaks.set(key, { entry, acl, flows: leak, subnets: [subnet] });
        else {
          prev.flows = unionFlows(prev.flows, leak);
          prev.subnets.push(subnet);
        }
      }
    }
  }
  for (const { entry, acl, subnets } of blind.values()) {
    out.push({
      resource: entry.resource,
      channel: 'cannot-prove',
      explanation: `${aclWord} entry ${ruleName(entry)} (rule ${entry.ruleNumber}) of ${acl.resource} on ${subnetsPhrase(subnets)} cannot be checked: ${unresolvedOf(entry)}. Fix: use literal values or ones defined in this template.`,
    });
  }
  for (const { entry, acl, flows, subnets } of leaks.values()) {
    out.push({
      resource: entry.resource,
      channel: ctx.terms.channels.aclWeakened,
      explanation: `${aclWord} entry ${ruleName(entry)} (rule ${entry.ruleNumber}, ${entry.action}) of ${acl.resource} lets ${describeFlows(flows, ctx.label, 3)} out of ${subnetsPhrase(subnets)}, beyond ${allowed.describe()}: if a ${groupWord} were widened, nothing else would stop it (C4). Fix: narrow the entry, or add deny entries with lower rule numbers.`,
    });
  }
  return out;
}

function unresolvedOf(entry: AclEntry): string {
  if (isUnresolved(entry.traffic)) return entry.traffic.unresolved;
  return typeof entry.cidr === 'string'
    ? `"${entry.cidr}" is not a CIDR block`
    : entry.cidr.unresolved;
}
