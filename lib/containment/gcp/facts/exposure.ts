import type { Reader } from './reader.js';
import type { AddressFact, BackendServiceFact, ForwardingRuleFact } from './types.js';

/* What can be reached from outside the network: forwarding rules and reserved addresses. */

export function backendService(r: Reader): BackendServiceFact {
  return {
    name: r.name(),
    ref: r.selfRef(),
    groups: r
      .objects('backends')
      .map((x) => x.ref('group'))
      .filter((g): g is string => g !== undefined),
  };
}

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
