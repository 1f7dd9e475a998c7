import { GCP_PLAN_FORMAT, type GcpPlan, type StackExport } from '../../../contract/gcp-plan.js';
import { dnsFacts, responsePolicyRules } from './dns.js';
import { address, backendService, forwardingRule } from './exposure.js';
import { firewallPolicies, firewallRule } from './firewall.js';
import { IAM_TYPE, iamBinding, serviceAccount } from './iam.js';
import { loggingFacts } from './logging.js';
import { nats, routers } from './nat.js';
import { implicitDefaultRoutes, network, route, subnet } from './networks.js';
import { Reader, type ReadersOf, type Source } from './reader.js';
import { T } from './resource-types.js';
import { exportedResources, fromExport, fromPlan, isPlan } from './sources.js';
import type { GcpNetworkFacts, IamBindingFact, PlanOrigin } from './types.js';
import { cloudRun, instance, instanceGroups } from './workloads.js';

/*
 * GCP network facts from an offline plan or `pulumi stack export`; the shapes and their
 * conventions are documented in ./types.ts.
 */

export { canonicalRef, refName, sameRef } from './refs.js';
export type * from './types.js';

/**
 * Normalizes an offline plan (`GcpPlan`, from `agent-perimeter plan-gcp`) or the output of
 * `pulumi stack export` into {@link GcpNetworkFacts}. Throws TypeError for anything else.
 */
export function gcpPlanToNetworkFacts(input: GcpPlan | StackExport | unknown): GcpNetworkFacts {
  let sources: Source[];
  let source: GcpNetworkFacts['source'];
  let meta: Partial<PlanOrigin> = {};
  if (isPlan(input)) {
    source = 'plan';
    sources = input.resources.map(fromPlan);
    meta = { policy: input.policy, project: input.project, region: input.region };
  } else {
    const exported = exportedResources(input);
    if (exported === undefined) {
      throw new TypeError(
        `not a GCP plan ("format": "${GCP_PLAN_FORMAT}") nor the output of \`pulumi stack export\` (deployment.resources).`,
      );
    }
    source = 'stack-export';
    sources = exported
      .filter((r) => r.delete !== true && !r.type.startsWith('pulumi:'))
      .map(fromExport);
  }

  const unresolved: string[] = [];
  const readers: { source: Source; reader: Reader }[] = sources.map((s) => ({
    source: s,
    reader: new Reader(s, unresolved),
  }));
  const of: ReadersOf = (type) =>
    readers.filter((x) => x.source.type === type).map((x) => x.reader);
  const handled = new Set<string>(Object.values(T));

  // Readers append to `unresolved` as they go, so the reads below keep their original order.
  const networks = of(T.network).map(network);
  const routes = [...of(T.route).map(route), ...implicitDefaultRoutes(networks)];
  const policies = firewallPolicies(of);
  const routerFacts = routers(of);
  const natFacts = nats(of, routerFacts);
  const groups = instanceGroups(of);
  const policyRules = responsePolicyRules(of);

  const iam: IamBindingFact[] = [];
  const otherResources: { type: string; name: string }[] = [];
  for (const { source: s, reader } of readers) {
    if (!s.custom || handled.has(s.type)) continue;
    const iamMatch = IAM_TYPE.exec(s.type);
    if (iamMatch !== null) iam.push(...iamBinding(reader, s.type, iamMatch[1] ?? ''));
    else otherResources.push({ type: s.type, name: reader.name() });
  }

  const facts: GcpNetworkFacts = {
    source,
    policy: meta.policy,
    project: meta.project,
    region: meta.region,
    networks,
    subnets: of(T.subnet).map(subnet),
    routes,
    firewallRules: of(T.firewall).map(firewallRule),
    firewallPolicies: policies,
    routers: routerFacts,
    nats: natFacts,
    cloudRun: [
      ...of(T.runService).map((r) => cloudRun(r, 'service')),
      ...of(T.runJob).map((r) => cloudRun(r, 'job')),
    ],
    instances: [
      ...of(T.template).map((r) => instance(r, 'template')),
      ...of(T.regionTemplate).map((r) => instance(r, 'template')),
      ...of(T.instance).map((r) => instance(r, 'instance')),
    ],
    instanceGroups: groups,
    forwardingRules: [...of(T.forwardingRule), ...of(T.globalForwardingRule)].map(forwardingRule),
    backendServices: [...of(T.regionBackendService), ...of(T.backendService)].map(backendService),
    addresses: [...of(T.address), ...of(T.globalAddress)].map(address),
    serviceAccounts: of(T.serviceAccount).map(serviceAccount),
    iam,
    dns: dnsFacts(of, policyRules),
    logging: loggingFacts(of),
    otherResources,
    unresolved,
  };
  return facts;
}
