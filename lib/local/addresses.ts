import {
  formatIpv4,
  type Ipv4Range,
  isNetworkAddress,
  isPrivate,
  networkOf,
  overlaps,
  PRIVATE_RANGES,
  parseIpv4Cidr,
} from '../cidr.js';
import type { Policy } from '../policy/index.js';
import { LocalComposeError } from './errors.js';
import { selectProfiles } from './select.js';

/*
 * The local address plan. Each profile's network gets a fixed /24 from one pool, picked by the
 * profile's position in `agents` (so `--profile` gives a profile the same subnet as a full
 * run), and the proxy a fixed address on it. Envoy binds each profile's listeners to that
 * address alone: an agent reaches the proxy only through its own network, so it can reach
 * only its own profile's ports, as the clouds' per-profile security groups and tags do.
 */

/**
 * The pool the profile networks are cut from: private space outside Docker's default address
 * pools, so a network Docker creates for another project cannot take one of these subnets.
 */
export const DEFAULT_ADDRESS_POOL = '10.213.0.0/16';

/** Docker's default address pools (172.17-172.31 as /16s, 192.168.0.0/16 as /20s). */
const DOCKER_DEFAULT_POOLS: readonly string[] = [
  '172.17.0.0/16',
  '172.18.0.0/15',
  '172.20.0.0/14',
  '172.24.0.0/13',
  '192.168.0.0/16',
];
const DOCKER_POOLS_TEXT = '172.17.0.0/16 to 172.31.0.0/16 and 192.168.0.0/16';

/** Each profile network's prefix length, and the widest / narrowest pool accepted. */
const NETWORK_PREFIX = 24;
const WIDEST_POOL = 8;
/** Host parts inside each /24: the bridge's gateway, the proxy, and where agents are placed. */
const GATEWAY_HOST = 1;
const PROXY_HOST = 2;
/** Agents are given addresses from the upper half only, so none can take the proxy's. */
const AGENT_RANGE = { host: 128, prefix: 25 } as const;

/** Where unselected profiles' listeners bind with `--profile`: no agent can reach loopback. */
export const UNSELECTED_LISTENER_ADDRESS = '127.0.0.1';

/** One profile network's addressing. */
export interface ProfileNetworkAddresses {
  readonly profile: string;
  /** The network, e.g. `10.213.1.0/24`. */
  readonly subnet: string;
  /** Docker's bridge address on it. */
  readonly gateway: string;
  /** Where Docker places the profile's agents (never the proxy's address). */
  readonly ipRange: string;
  /** The proxy's fixed address on it: the only address the profile's listeners bind. */
  readonly proxy: string;
}

/** The pool, checked: a network address, private, no wider than a /8, outside Docker's pools. */
function checkedPool(pool: string): Ipv4Range {
  const fix = `Fix: use a range in 10.0.0.0/8 between a /${WIDEST_POOL} and a /${NETWORK_PREFIX}, e.g. "${DEFAULT_ADDRESS_POOL}" (the default).`;
  // Parsed as written, so that a pool with host bits set gets its own message.
  const cidr = parseIpv4Cidr(pool);
  if (cidr === undefined || cidr.prefix < WIDEST_POOL || cidr.prefix > NETWORK_PREFIX) {
    throw new LocalComposeError(
      `--address-pool "${pool}" is not an IPv4 range between a /${WIDEST_POOL} and a /${NETWORK_PREFIX} (each profile network is a /${NETWORK_PREFIX}). ${fix}`,
    );
  }
  if (!isNetworkAddress(cidr)) {
    throw new LocalComposeError(
      `--address-pool "${pool}" has host bits set; the range starts at ${formatIpv4(networkOf(cidr).base)}/${cidr.prefix}. ${fix}`,
    );
  }
  if (!isPrivate(cidr)) {
    throw new LocalComposeError(
      `--address-pool "${pool}" is not private address space (${PRIVATE_RANGES.join(', ')}), so the profile networks would hide real hosts. ${fix}`,
    );
  }
  if (DOCKER_DEFAULT_POOLS.some((r) => overlaps(cidr, parseIpv4Cidr(r) as Ipv4Range))) {
    throw new LocalComposeError(
      `--address-pool "${pool}" overlaps Docker's default address pools (${DOCKER_POOLS_TEXT}), so a network Docker creates for another project could take the same subnet and compose would fail to create the profile networks. ${fix}`,
    );
  }
  return cidr;
}

/**
 * The selected profiles' networks: profile i of `agents` gets the i-th /24 of the pool.
 * Throws a LocalComposeError (exit 2) when the pool is malformed, collides, or has too few /24s.
 */
export function profileNetworks(
  policy: Policy,
  options: { readonly profile?: string; readonly addressPool?: string } = {},
): ProfileNetworkAddresses[] {
  const pool = options.addressPool ?? DEFAULT_ADDRESS_POOL;
  const cidr = checkedPool(pool);
  const room = 2 ** (NETWORK_PREFIX - cidr.prefix);
  if (policy.agents.length > room) {
    throw new LocalComposeError(
      `--address-pool "${pool}" has room for ${room} profile network(s) (a /${NETWORK_PREFIX} each) but policy "${policy.name}" has ${policy.agents.length} agent profiles. Fix: use a pool of at least a /${NETWORK_PREFIX - Math.ceil(Math.log2(policy.agents.length))}, e.g. "${DEFAULT_ADDRESS_POOL}" (the default).`,
    );
  }
  const network = 2 ** (32 - NETWORK_PREFIX);
  return selectProfiles(policy, options.profile).map((profile) => {
    const base = cidr.base + policy.agents.indexOf(profile) * network;
    return {
      profile: profile.name,
      subnet: `${formatIpv4(base)}/${NETWORK_PREFIX}`,
      gateway: formatIpv4(base + GATEWAY_HOST),
      ipRange: `${formatIpv4(base + AGENT_RANGE.host)}/${AGENT_RANGE.prefix}`,
      proxy: formatIpv4(base + PROXY_HOST),
    };
  });
}

/**
 * Profile name -> the address its agent-facing Envoy listeners bind locally: the proxy's
 * address on the profile's network, or loopback for profiles `--profile` left out (their
 * networks are not in the compose file, and Envoy cannot bind an address it does not have).
 * Pass it to the renderer as `profileAddresses`.
 */
export function localListenerAddresses(
  policy: Policy,
  options: { readonly profile?: string; readonly addressPool?: string } = {},
): Record<string, string> {
  const networks = profileNetworks(policy, options);
  return Object.fromEntries(
    policy.agents.map((a) => [
      a.name,
      networks.find((n) => n.profile === a.name)?.proxy ?? UNSELECTED_LISTENER_ADDRESS,
    ]),
  );
}
