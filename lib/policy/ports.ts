import { policyModelPorts, policyProfiles, proxyEgress } from './profiles.js';
import type { Policy } from './schema.js';

/**
 * Envoy runs as a non-root user with every Linux capability dropped, so it cannot bind ports
 * below this one. The policy refuses proxy listener ports under it.
 */
export const FIRST_UNPRIVILEGED_PORT = 1024;

/** The proxy's listener ports, derived from the policy; every platform uses the same ones. */
export interface ProxyPorts {
  /** The HTTP_PROXY / HTTPS_PROXY listener of the first profile (`proxy.port`). */
  readonly forwardProxy: number;
  /** Every profile's HTTP_PROXY / HTTPS_PROXY listener, in profile order. */
  readonly forwardProxies: readonly number[];
  /** Base-URL listeners that inject credentials, in profile and policy order. */
  readonly inject: readonly number[];
  /** The shared Bedrock or Vertex AI listener (or the first profile's own), when there is one. */
  readonly model: number | undefined;
  /** Every Bedrock or Vertex AI listener: the shared one, then profiles' own. */
  readonly models: readonly number[];
  /** Load-balancer health checks (`proxy.health_port`); agents never need it. */
  readonly health: number;
  /** What agents connect to: the forward-proxy ports, the inject ports (all profiles), then the
   * model listeners. */
  readonly agentFacing: readonly number[];
  /** Every port Envoy listens on: `agentFacing` plus `health`. */
  readonly container: readonly number[];
}

export function proxyPorts(policy: Policy): ProxyPorts {
  const { port, health_port } = policy.proxy;
  const profiles = policyProfiles(policy);
  const forwardProxies = [...new Set(profiles.map((p) => p.forwardProxyPort))];
  const inject = [...new Set(profiles.flatMap((p) => p.inject.map((l) => l.port)))];
  const models = policyModelPorts(policy).map((m) => m.port);
  const agentFacing = [...new Set([...forwardProxies, ...inject, ...models])];
  return {
    forwardProxy: profiles[0]?.forwardProxyPort ?? port,
    forwardProxies,
    inject,
    model: models[0],
    models,
    health: health_port,
    agentFacing,
    container: [...agentFacing, health_port],
  };
}

/** Ports the proxy may open to the internet: the union of every profile's ports, sorted. */
export function upstreamPorts(policy: Policy): number[] {
  return [...new Set(proxyEgress(policy).flatMap((rule) => rule.ports))].sort((a, b) => a - b);
}

/** An inclusive port range. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** Collapses ports into the fewest inclusive ranges: [80, 443, 444, 445] -> 80, 443-445. */
export function portRanges(ports: readonly number[]): PortRange[] {
  const ranges: { from: number; to: number }[] = [];
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last !== undefined && port === last.to + 1) last.to = port;
    else ranges.push({ from: port, to: port });
  }
  return ranges;
}

/** "443" or "8081-8083", for rule descriptions. */
export function formatRange(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}
