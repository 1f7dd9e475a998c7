import type { Reader, ReadersOf } from './reader.js';
import { refName } from './refs.js';
import { T } from './resource-types.js';
import type { DnsFacts } from './types.js';

/* Cloud DNS: managed zones and their records, response policies and server policies. */

/** A response policy rule, with the name of the policy it belongs to. */
export interface PolicyRule {
  readonly policy: string;
  readonly rule: DnsFacts['responsePolicies'][number]['rules'][number];
}

export function responsePolicyRules(of: ReadersOf): PolicyRule[] {
  return of(T.responsePolicyRule).map((r) => ({
    policy: refName(r.str('responsePolicy') ?? ''),
    rule: {
      ruleName: r.str('ruleName') ?? '',
      dnsName: r.str('dnsName') ?? '',
      behavior: r.str('behavior'),
      localData: r.objects('localData.localDatas').map((d) => ({
        name: d.str('name') ?? '',
        type: d.str('type') ?? '',
        rrdatas: d.strings('rrdatas'),
      })),
    },
  }));
}

function networkUrls(r: Reader, path: string): string[] {
  return r
    .objects(path)
    .map((n) => n.ref('networkUrl'))
    .filter((n): n is string => n !== undefined)
    .sort();
}

/** `rules` comes from {@link responsePolicyRules}, read earlier to keep `unresolved` in order. */
export function dnsFacts(of: ReadersOf, rules: readonly PolicyRule[]): DnsFacts {
  return {
    zones: of(T.zone).map((r) => ({
      name: r.name(),
      dnsName: r.str('dnsName') ?? '',
      visibility: r.str('visibility') ?? 'public',
      networks: networkUrls(r, 'privateVisibilityConfig.networks'),
      forwarding: r.object('forwardingConfig') !== undefined,
      peering: r.object('peeringConfig') !== undefined,
    })),
    records: of(T.record).map((r) => ({
      zone: refName(r.str('managedZone') ?? ''),
      name: r.str('name') ?? '',
      type: r.str('type') ?? '',
      rrdatas: r.strings('rrdatas'),
    })),
    responsePolicies: of(T.responsePolicy).map((r) => {
      const name = r.str('responsePolicyName') ?? r.name();
      return {
        name,
        networks: networkUrls(r, 'networks'),
        rules: rules.filter((x) => x.policy === name).map((x) => x.rule),
      };
    }),
    serverPolicies: of(T.dnsPolicy).map((r) => ({
      name: r.name(),
      networks: networkUrls(r, 'networks'),
      logging: r.bool('enableLogging') ?? false,
      inboundForwarding: r.bool('enableInboundForwarding') ?? false,
      alternativeNameServers: r
        .objects('alternativeNameServerConfig.targetNameServers')
        .map((t) => t.str('ipv4Address'))
        .filter((t): t is string => t !== undefined),
    })),
  };
}
