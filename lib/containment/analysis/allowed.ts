import { parseCidr } from '../addresses.js';
import {
  atom,
  cidrDestinations,
  type Destinations,
  difference,
  NOWHERE,
  unionOf,
} from '../destinations.js';
import { type Flows, flowsOf, mapFlows, PROTOCOL, unionFlows } from '../flows.js';
import type { ServiceEndpoint } from '../model.js';
import type { Context } from './context.js';

/** Destinations that never leave the host or the subnet: the limited broadcast address. */
const BROADCAST: Destinations = (() => {
  const c = parseCidr('255.255.255.255/32');
  return { v4: c === undefined ? [] : [[c.start, c.end]], v6: [], atoms: [] };
})();

export const HTTPS = 443;

/** Removes destinations that are never a way out: broadcast, and values declared trusted. */
export function withoutIgnorable(flows: Flows): Flows {
  return mapFlows(flows, (d) => {
    const trusted = d.atoms.filter((a) => a.startsWith('trusted:'));
    return difference(d, { ...BROADCAST, atoms: trusted });
  });
}

/** The proxy tier: its groups and subnets. */
export function proxyDestinations(ctx: Context): Destinations {
  let d = NOWHERE;
  for (const g of ctx.model.firewallGroups)
    if (g.tier === 'proxy') d = unionOf(d, atom('group', g.id));
  for (const s of ctx.model.subnets)
    if (s.tier === 'proxy') d = unionOf(d, ctx.subnetAddresses(s.id));
  return d;
}

/**
 * Services that hand out credentials: their endpoints serve the proxy tier (injected
 * secrets), never agents (C2), so a group in front of one is not an allowed destination.
 */
export const CREDENTIAL_SERVICES = new Set(['secretsmanager', 'kms', 'sts', 'ssm', 'iam']);

/**
 * Model services the proxy calls with its own identity (Bedrock signed by its task role): an
 * agent that reached their endpoint could use whatever credentials it holds or finds, outside
 * the proxy's model allowlist and logs. Like credential services, they serve the proxy only.
 */
export const MODEL_SERVICES = new Set(['bedrock-runtime', 'bedrock', 'bedrock-agent-runtime']);

/** Endpoint groups in front of a credential or model service (proxy tier only). */
export function credentialGroups(ctx: Context): Set<string> {
  const out = new Set<string>();
  for (const e of ctx.model.endpoints) {
    if (
      e.service !== undefined &&
      (CREDENTIAL_SERVICES.has(e.service) || MODEL_SERVICES.has(e.service))
    )
      for (const g of e.groups) out.add(g);
  }
  return out;
}

/** The service endpoints' interfaces: endpoint groups, endpoint subnets, interface subnets. */
export function endpointDestinations(ctx: Context): Destinations {
  let d = NOWHERE;
  const credentials = credentialGroups(ctx);
  for (const g of ctx.model.firewallGroups) {
    if (g.tier === 'endpoint' && !credentials.has(g.id)) d = unionOf(d, atom('group', g.id));
  }
  for (const s of ctx.model.subnets) {
    if (s.tier === 'endpoint') d = unionOf(d, ctx.subnetAddresses(s.id));
  }
  for (const e of ctx.model.endpoints) {
    if (e.kind !== 'interface') continue;
    for (const s of e.subnets) d = unionOf(d, ctx.subnetAddresses(s));
    d = unionOf(d, endpointAddresses(e));
  }
  return d;
}

/** The addresses an endpoint answers on outside its subnets (GCP's Google APIs VIPs). */
export function endpointAddresses(e: ServiceEndpoint): Destinations {
  return cidrDestinations(e.addresses ?? []) ?? NOWHERE;
}

/**
 * Prefix lists of the gateway endpoints on a route table (S3 for ECR image layers). Without
 * a route table (the placement is not in the input, and is reported as such), those of every
 * gateway endpoint in the network.
 */
export function gatewayPrefixLists(
  ctx: Context,
  routeTable: string | undefined,
  network?: string,
): string[] {
  return ctx.model.endpoints
    .filter((e) => e.kind === 'gateway' && e.prefixList !== undefined)
    .filter((e) =>
      routeTable === undefined
        ? network === undefined || e.network === network
        : e.routeTables.includes(routeTable),
    )
    .map((e) => e.prefixList as string);
}

/**
 * What an agent may reach: the proxy tier on the proxy ports, the endpoints on 443, and the
 * prefix lists of the gateway endpoints on its route table on 443. Whether those endpoints'
 * policies are scoped is checked separately (`endpoint-policy`), so a wide S3 endpoint policy
 * is reported on the endpoint itself.
 */
export class AllowedSet {
  private readonly proxy: Destinations;
  private readonly endpoints: Destinations;
  private readonly base: Flows;
  private readonly byTable = new Map<string, Flows>();

  constructor(private readonly ctx: Context) {
    this.proxy = proxyDestinations(ctx);
    this.endpoints = endpointDestinations(ctx);
    let base: Flows = flowsOf(
      { protocol: PROTOCOL.tcp, ports: { from: HTTPS, to: HTTPS } },
      this.endpoints,
    );
    for (const port of ctx.proxyPorts) {
      for (const p of ctx.proxyProtocols) {
        const protocol = p === 'tcp' ? PROTOCOL.tcp : PROTOCOL.udp;
        base = unionFlows(base, flowsOf({ protocol, ports: { from: port, to: port } }, this.proxy));
      }
    }
    this.base = base;
  }

  /** Allowed flows for an agent whose subnet uses `routeTable` (unknown: any in `network`). */
  flows(routeTable: string | undefined, network?: string): Flows {
    const key = routeTable ?? `network:${network ?? ''}`;
    const cached = this.byTable.get(key);
    if (cached !== undefined) return cached;
    let out = this.base;
    for (const pl of gatewayPrefixLists(this.ctx, routeTable, network)) {
      out = unionFlows(
        out,
        flowsOf(
          { protocol: PROTOCOL.tcp, ports: { from: HTTPS, to: HTTPS } },
          atom('prefix-list', pl),
        ),
      );
    }
    this.byTable.set(key, out);
    return out;
  }

  /** "the proxy tier on tcp 3128, 8081 and the endpoints on tcp 443" */
  describe(): string {
    const ports =
      this.ctx.proxyPorts.length === 0
        ? 'no port (no proxy listener found)'
        : this.ctx.proxyPorts.join(', ');
    return `the proxy tier on ${ports} and the endpoints on 443`;
  }
}
