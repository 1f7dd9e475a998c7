import { profileNetworkTag } from '../../contract/tiers.js';
import type { Tier } from '../model.js';
import { ModelBuilder } from '../model-builder.js';
import type { GcpNetworkFacts, NetworkFact, SubnetFact } from './facts.js';
import { refName, sameRef } from './facts.js';
import { AGENT_TAG, type GcpOptions, PROXY_TAG } from './names.js';

/**
 * Shared state of one facts-to-model build: lookups by reference, and the model's
 * collections as they fill up. Ids are the facts' canonical references; firewall groups are
 * per network (`tag:<network>:<tag>`, `sa:<network>:<email>`), because a rule only applies
 * to instances of its own network.
 */
export class GcpBuilder extends ModelBuilder {
  readonly agentTags: ReadonlySet<string>;
  readonly proxyTags: ReadonlySet<string>;
  /** The policy's profiles, whose network tags mark their agents. */
  readonly profiles: readonly string[];
  /** Service accounts of the proxy instances: a proxy-tier firewall target. */
  readonly proxyAccounts = new Set<string>();
  /** Subnets the proxy instances run in (where its load balancer listens). */
  readonly proxySubnets = new Set<string>();

  constructor(
    readonly facts: GcpNetworkFacts,
    readonly options: GcpOptions = {},
  ) {
    super();
    this.agentTags = new Set(options.agentTags ?? [AGENT_TAG]);
    this.profiles = Object.keys(options.profilePorts ?? {});
    this.proxyTags = new Set(options.proxyTags ?? [PROXY_TAG]);
  }

  networkFact(ref: string | undefined): NetworkFact | undefined {
    return this.facts.networks.find((n) => sameRef(n.ref, ref));
  }

  subnetFact(ref: string | undefined): SubnetFact | undefined {
    return this.facts.subnets.find((s) => sameRef(s.ref, ref));
  }

  /** The model id of a network reference; one outside the input becomes an unresolved network. */
  networkId(ref: string | undefined): string | undefined {
    if (ref === undefined || ref === '') return undefined;
    const known = this.networkFact(ref);
    if (known !== undefined) return known.ref;
    const id = `ext:${ref}`;
    if (!this.networks.has(id)) {
      this.networks.set(id, {
        id,
        resource: refName(ref),
        cidrs: [],
        defaultAcl: 'none',
        unresolved: 'is not in the input',
      });
    }
    return id;
  }

  /**
   * The subnet an interface uses: the one it names or, when it names only a network, the
   * subnet named like the network (what Cloud Run and Compute Engine pick).
   */
  subnetRef(subnetwork: string | undefined, network: string | undefined): string | undefined {
    if (subnetwork !== undefined) return this.subnetFact(subnetwork)?.ref;
    if (network === undefined) return undefined;
    return this.facts.subnets.find(
      (s) => sameRef(s.network, network) && s.name === refName(network),
    )?.ref;
  }

  /** The model id of an interface's subnet; one outside the input becomes unresolved. */
  subnetId(subnetwork: string | undefined, network: string | undefined): string | undefined {
    const known = this.subnetRef(subnetwork, network);
    if (known !== undefined) return known;
    if (subnetwork !== undefined) return this.externalSubnet(subnetwork, refName(subnetwork));
    if (network === undefined) return undefined;
    return this.externalSubnet(`${network}#subnet`, `the subnet of network ${refName(network)}`);
  }

  private externalSubnet(id: string, name: string): string {
    if (!this.subnets.has(id)) {
      this.subnets.set(id, {
        id,
        resource: name,
        cidrs: [],
        unresolved: 'is not in the input',
      });
    }
    return id;
  }

  /** The network a subnet id belongs to. */
  networkOfSubnet(subnet: string | undefined): string | undefined {
    return subnet === undefined ? undefined : this.subnets.get(subnet)?.network;
  }

  tagGroup(network: string | undefined, tag: string): string {
    const profile = this.profileOfTag(tag);
    const tier: Tier | undefined =
      this.agentTags.has(tag) || profile !== undefined
        ? 'agent'
        : this.proxyTags.has(tag)
          ? 'proxy'
          : undefined;
    return this.group(`tag:${network ?? ''}:${tag}`, `tag ${tag}`, network, tier, profile);
  }

  /** The profile whose network tag this is (`profileNetworkTag`), if any. */
  private profileOfTag(tag: string): string | undefined {
    for (const name of this.profiles) if (tag === profileNetworkTag(name)) return name;
    return undefined;
  }

  accountGroup(network: string | undefined, email: string): string {
    const tier = this.proxyAccounts.has(email) ? 'proxy' : undefined;
    return this.group(`sa:${network ?? ''}:${email}`, `service account ${email}`, network, tier);
  }

  /** Firewall-policy secure tags: never on Cloud Run, and not read from instances. */
  secureTagGroup(network: string | undefined, tag: string): string {
    return this.group(`securetag:${network ?? ''}:${tag}`, `secure tag ${tag}`, network);
  }

  private group(
    id: string,
    resource: string,
    network?: string,
    tier?: Tier,
    profile?: string,
  ): string {
    if (!this.groups.has(id)) {
      this.groups.set(id, {
        id,
        resource,
        ...(network === undefined ? {} : { network }),
        ...(tier === undefined ? {} : { tier }),
        ...(profile === undefined ? {} : { profile }),
      });
    }
    return id;
  }
}
