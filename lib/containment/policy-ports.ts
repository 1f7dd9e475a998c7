import { injectListeners, type Policy } from '../policy/index.js';

/** The ports agents may use on the proxy: the forward-proxy port and the base-URL listeners. */
export function agentFacingPorts(policy: Policy): number[] {
  const inject = injectListeners(policy.egress, policy.proxy.inject_base_port).map((l) => l.port);
  return [...new Set([policy.proxy.port, ...inject])].sort((a, b) => a - b);
}
