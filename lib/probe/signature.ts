import { tunnelListenerNameOf } from '../proxy-contract.js';
import { otherPortTarget } from './checks/proxy.js';
import { authority } from './net/tcp.js';
import type { ProbeTargets } from './targets.js';

/*
 * What the probe's refused attempts look like in the audit logs, so the "any request refused"
 * alarms can leave exactly those out. Agents cannot choose their task definition, so flow-log
 * lines are told apart by it; proxy and DNS lines carry no such identity (the probe runs as the
 * first profile, from an address like any agent's), so there the signature is the probe's
 * profile plus the exact destinations it is configured to be refused at. A real agent refused at
 * one of those destinations goes uncounted too: it gained nothing (the attempt was refused, and
 * still logged), and setting the probe's targets to canary names of your own keeps that set to
 * names nobody else uses.
 */

/** The refusals one probe run causes in the proxy access log. */
export interface ProbeProxyRefusals {
  /** The probe's profile (the `profile` field on every line it causes). */
  readonly profile: string;
  /** `authority` of the CONNECTs it must be refused: the denied host, IP literals, another port. */
  readonly authorities: readonly string[];
  /** `sni` of the ClientHello naming another host inside an allowed tunnel. */
  readonly sniMismatch: readonly string[];
  /** `listener` of the allowed tunnel it sends plain bytes into (the no-TLS check). */
  readonly notTlsListeners: readonly string[];
}

export interface ProbeSignature {
  readonly proxy: ProbeProxyRefusals;
  /** `query_name`s the DNS firewall blocks for the probe (each with and without the final dot). */
  readonly blockedNames: readonly string[];
  /** Subdomains of these get blocked for the probe (the per-run canary name). */
  readonly blockedDomains: readonly string[];
}

/** The signature of a probe run with `targets` as the profile `profile`. */
export function probeSignature(targets: ProbeTargets, profile: string): ProbeSignature {
  const authorities = [targets.denied_host.text];
  for (const endpoint of [targets.public_ipv4[0], targets.public_ipv6[0]]) {
    if (endpoint !== undefined) authorities.push(authority(endpoint.address, 443));
  }
  const allowed = targets.allowed_host;
  if (allowed !== null) {
    authorities.push(otherPortTarget(allowed));
  }
  const names = [targets.denied_name];
  return {
    proxy: {
      profile,
      authorities: [...new Set(authorities)],
      sniMismatch: allowed === null ? [] : [targets.denied_host.host],
      notTlsListeners: allowed === null ? [] : [tunnelListenerNameOf(allowed.host, allowed.port)],
    },
    blockedNames: [...new Set(names.flatMap((n) => [n, `${n}.`]))],
    blockedDomains: targets.canary_domain === undefined ? [] : [targets.canary_domain],
  };
}
