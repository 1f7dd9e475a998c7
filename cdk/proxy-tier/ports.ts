import { type Policy, policyInjectListeners } from '../../lib/policy/index.js';
import { ProxyTierError } from './errors.js';

/**
 * Envoy runs as a non-root user with every Linux capability dropped, so it cannot bind the
 * privileged ports below this one.
 */
export const FIRST_UNPRIVILEGED_PORT = 1024;

/** The ports of one proxy tier, derived from the policy. */
export interface ProxyTierPorts {
  /** The HTTP_PROXY / HTTPS_PROXY listener (`proxy.port`). */
  readonly forwardProxy: number;
  /** Base-URL listeners that inject credentials, in policy order. */
  readonly inject: readonly number[];
  /** Load-balancer health checks (`proxy.health_port`); agents never need it. */
  readonly health: number;
  /**
   * What agents connect to through the load balancer: the forward-proxy port, then the
   * inject ports. The load balancer has one TCP listener per entry.
   */
  readonly agentFacing: readonly number[];
  /**
   * Every port the Envoy container listens on (`agentFacing` plus `health`): what the load
   * balancer's security group must reach on the tasks.
   */
  readonly container: readonly number[];
}

/**
 * The proxy tier's ports. Pure, so the network construct can build its security-group rules
 * from the policy before the tier exists. Throws for ports Envoy cannot bind.
 */
export function proxyTierPorts(policy: Policy): ProxyTierPorts {
  const { port, health_port } = policy.proxy;
  const inject = [...new Set(policyInjectListeners(policy).map((l) => l.port))];
  const agentFacing = [port, ...inject.filter((p) => p !== port)];
  const named: [number, string][] = [
    [port, 'proxy.port'],
    [health_port, 'proxy.health_port'],
    ...inject.map((p): [number, string] => [p, 'an inject listener port (egress[].inject.port)']),
  ];
  for (const [value, what] of named) {
    if (value < FIRST_UNPRIVILEGED_PORT) {
      throw new ProxyTierError(
        `${what} ${value} is a privileged port: Envoy runs as uid 101 with all Linux capabilities dropped and cannot bind it. Fix: use a port from ${FIRST_UNPRIVILEGED_PORT} to 65535 (agents reach the proxy through the load balancer, which listens on the same port).`,
      );
    }
  }
  if (agentFacing.includes(health_port)) {
    throw new ProxyTierError(
      `proxy.health_port ${health_port} is also an agent-facing listener port. Fix: give the health check its own port.`,
    );
  }
  return {
    forwardProxy: port,
    inject,
    health: health_port,
    agentFacing,
    container: [...agentFacing, health_port],
  };
}
