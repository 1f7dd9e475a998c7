import type { Reader } from './reader.js';
import type { AddressFact, ForwardingRuleFact } from './types.js';

/* What can be reached from outside the network: forwarding rules and reserved addresses. */

export function forwardingRule(r: Reader): ForwardingRuleFact {
  const scheme = r.str('loadBalancingScheme') ?? 'EXTERNAL';
  return {
    name: r.name(),
    ref: r.selfRef(),
    region: r.str('region'),
    scheme,
    external: scheme.startsWith('EXTERNAL'),
    ipAddress: r.str('ipAddress'),
    ports: r.strings('ports'),
    allPorts: r.bool('allPorts') ?? false,
    network: r.ref('network'),
    subnetwork: r.ref('subnetwork'),
    backendService: r.ref('backendService'),
    target: r.ref('target'),
    allowGlobalAccess: r.bool('allowGlobalAccess') ?? false,
  };
}

export function address(r: Reader): AddressFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    address: r.str('address'),
    addressType: r.str('addressType') ?? 'EXTERNAL',
    subnetwork: r.ref('subnetwork'),
    purpose: r.str('purpose'),
  };
}
