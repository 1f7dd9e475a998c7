import type { ExpectedProxy } from '../../contract/proxy-identity.js';
import { cidrDestinations, type Destinations, NOWHERE, unionOf } from '../destinations.js';
import type {
  Attachment,
  ContainmentModel,
  FirewallGroup,
  FirewallRule,
  Network,
  NetworkAcl,
  PrefixList,
  RouteTable,
  ServiceEndpoint,
  Subnet,
} from '../model.js';
import { EVERY_MEMBER } from '../model.js';
import { NEUTRAL_TERMS, type Terms } from '../terms.js';

export interface AnalysisOptions {
  /**
   * Ports agents may use on the proxy tier (from the policy). @default - the listener ports
   * of the proxy tier's load balancers in the model
   */
  readonly proxyPorts?: readonly number[];
  /**
   * The proxy the policy renders (image, configuration digest). @default - only the proxy
   * tier's structure is checked (tier marks and identities), not its image or configuration
   */
  readonly expectedProxy?: ExpectedProxy;
  /**
   * Each agent profile's own agent-facing ports (from the policy), when it has several: each
   * profile's groups must reach only their own ports on the proxy tier. @default - one
   * profile; every agent may use every port in `proxyPorts`
   */
  readonly profilePorts?: Readonly<Record<string, readonly number[]>>;
  /**
   * Prove who answers on the proxy and endpoint tiers' addresses (`identity`). Off for
   * inputs that do not hold what workloads run (AWS describe snapshots). @default true
   */
  readonly checkIdentities?: boolean;
}

/** Indexes over one model, built once so every check is a lookup (no quadratic scans). */
export class Context {
  readonly terms: Terms;
  readonly networks = new Map<string, Network>();
  readonly subnets = new Map<string, Subnet>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly acls = new Map<string, NetworkAcl>();
  readonly groups = new Map<string, FirewallGroup>();
  readonly rulesByGroup = new Map<string, FirewallRule[]>();
  readonly networkRules = new Map<string, FirewallRule[]>();
  readonly prefixLists = new Map<string, PrefixList>();
  readonly endpoints = new Map<string, ServiceEndpoint>();
  readonly membersByGroup = new Map<string, Attachment[]>();
  /** Attachments that are agents: tagged, in an agent subnet, or in an agent group. */
  readonly agents: Attachment[] = [];
  /** Groups whose members include agents. */
  readonly agentGroups = new Set<string>();
  /** Subnets agents run in. */
  readonly agentSubnets = new Set<string>();
  /** Agent address space: the agent subnets' blocks and the agent groups. */
  readonly agentSpace: Destinations;
  /** Ports agents may use on the proxy tier, and where they came from. */
  readonly proxyPorts: readonly number[];
  readonly proxyPortsSource: string;
  readonly proxyProtocols: ReadonlySet<'tcp' | 'udp'>;

  constructor(
    readonly model: ContainmentModel,
    options: AnalysisOptions = {},
  ) {
    this.terms = model.terms ?? NEUTRAL_TERMS;
    for (const n of model.networks) this.networks.set(n.id, n);
    for (const s of model.subnets) this.subnets.set(s.id, s);
    for (const t of model.routeTables) this.routeTables.set(t.id, t);
    for (const a of model.networkAcls) this.acls.set(a.id, a);
    for (const g of model.firewallGroups) this.groups.set(g.id, g);
    for (const p of model.prefixLists) this.prefixLists.set(p.id, p);
    for (const e of model.endpoints) this.endpoints.set(e.id, e);
    for (const rule of model.firewallRules) {
      if (rule.group === EVERY_MEMBER) {
        push(this.networkRules, rule.network ?? '', rule);
      } else {
        push(this.rulesByGroup, rule.group, rule);
      }
    }
    for (const a of model.attachments) {
      for (const g of a.groups) push(this.membersByGroup, g, a);
    }

    const agentHosts = new Set<string>();
    for (const a of model.attachments) {
      if (this.isAgentPlacement(a)) agentHosts.add(a.host ?? a.id);
    }
    for (const a of model.attachments) {
      if (agentHosts.has(a.host ?? a.id)) this.agents.push(a);
    }
    for (const g of model.firewallGroups) if (g.tier === 'agent') this.agentGroups.add(g.id);
    for (const s of model.subnets) if (s.tier === 'agent') this.agentSubnets.add(s.id);
    for (const a of this.agents) {
      for (const g of a.groups) {
        const tier = this.groups.get(g)?.tier;
        if (tier === undefined || tier === 'agent') this.agentGroups.add(g);
      }
      if (a.subnet !== undefined && this.subnets.get(a.subnet)?.tier === undefined) {
        this.agentSubnets.add(a.subnet);
      }
    }
    let space: Destinations = NOWHERE;
    for (const id of this.agentSubnets) {
      space = unionOf(space, this.subnetAddresses(id));
    }
    for (const g of this.agentGroups) space = unionOf(space, groupAtom(g));
    this.agentSpace = space;

    const fromListeners = [...new Set(model.proxyListeners.map((l) => l.port))].sort(
      (a, b) => a - b,
    );
    if (options.proxyPorts !== undefined) {
      this.proxyPorts = [...new Set(options.proxyPorts)].sort((a, b) => a - b);
      this.proxyPortsSource = 'the policy';
      this.proxyProtocols = new Set(['tcp']);
    } else {
      this.proxyPorts = fromListeners;
      this.proxyPortsSource = `the proxy load balancer listeners (${model.proxyListeners.map((l) => l.resource).join(', ')})`;
      this.proxyProtocols = new Set(model.proxyListeners.flatMap((l) => l.protocols));
    }
  }

  private isAgentPlacement(a: Attachment): boolean {
    if (a.tier === 'agent') return true;
    if (a.subnet !== undefined && this.subnets.get(a.subnet)?.tier === 'agent') return true;
    return a.groups.some((g) => this.groups.get(g)?.tier === 'agent');
  }

  /** Whether the attachment carries a group tagged as the agent group. */
  hasAgentGroup(a: Attachment): boolean {
    return a.groups.some((g) => this.groups.get(g)?.tier === 'agent');
  }

  subnetAddresses(id: string): Destinations {
    const subnet = this.subnets.get(id);
    if (subnet === undefined) return NOWHERE;
    return cidrDestinations(subnet.cidrs.filter(isCidrText)) ?? NOWHERE;
  }

  /**
   * Where an attachment is placed: its subnet, that subnet's route table when the subnet is
   * known, and its network (the subnet's, else its groups').
   */
  placement(a: Attachment): {
    readonly subnet: Subnet | undefined;
    readonly table: string | undefined;
    readonly network: string | undefined;
  } {
    const subnet = a.subnet === undefined ? undefined : this.subnets.get(a.subnet);
    const known = subnet !== undefined && subnet.unresolved === undefined;
    return {
      subnet,
      table: known ? this.routeTableOf(subnet) : undefined,
      network:
        subnet?.network ??
        a.groups.map((g) => this.groups.get(g)?.network).find((n) => n !== undefined),
    };
  }

  /** The route table a subnet uses (its own, or its network's main table). */
  routeTableOf(subnet: Subnet): string | undefined {
    if (subnet.routeTable !== undefined) return subnet.routeTable;
    return subnet.network === undefined
      ? undefined
      : this.networks.get(subnet.network)?.mainRouteTable;
  }

  /** A readable name for a destination atom. */
  label = (atomText: string): string => {
    const [kind, ...rest] = atomText.split(':');
    const id = rest.join(':');
    if (kind === 'group') {
      const g = this.groups.get(id);
      return `${this.terms.group} ${g?.resource ?? id}`;
    }
    if (kind === 'prefix-list') {
      const p = this.prefixLists.get(id);
      const name = p?.resource ?? id;
      return p?.service === undefined ? `prefix list ${name}` : name;
    }
    return `trusted ${id}`;
  };
}

export function groupAtom(id: string): Destinations {
  return { v4: [], v6: [], atoms: [`group:${id}`] };
}

function isCidrText(text: string): boolean {
  return /^[0-9a-fA-F:.]+\/\d+$/.test(text);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
