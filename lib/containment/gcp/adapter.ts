import { GCP_PLAN_FORMAT } from '../../contract/gcp-plan.js';
import type { ContainmentModel, Unprovable } from '../model.js';
import { GcpBuilder } from './builder.js';
import { buildDns } from './dns.js';
import { type GcpNetworkFacts, gcpPlanToNetworkFacts } from './facts.js';
import { buildFirewallRules } from './firewall.js';
import type { GcpOptions } from './names.js';
import { buildNetworks, buildRoutes } from './network.js';
import { GCP_TERMS } from './terms.js';
import { buildWorkloads, classify } from './workloads.js';

export type { GcpOptions } from './names.js';

/** Whether parsed JSON is a GCP plan or the output of `pulumi stack export`. */
export function isGcpInput(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const o = json as { format?: unknown; deployment?: { resources?: unknown } };
  return o.format === GCP_PLAN_FORMAT || Array.isArray(o.deployment?.resources);
}

/**
 * The GCP adapter: normalized facts (from a plan or a stack export) into the provider-neutral
 * model. Reads only data; no Pulumi, no Google SDK, no credentials.
 */
export function modelFromGcpFacts(
  facts: GcpNetworkFacts,
  source: string,
  options: GcpOptions = {},
): ContainmentModel {
  const b = new GcpBuilder(facts, options);
  buildNetworks(b, classify(b));
  buildRoutes(b);
  buildFirewallRules(b);
  buildWorkloads(b);
  buildDns(b);
  return b.toModel(`gcp-pulumi-${facts.source}`, GCP_TERMS, source, {
    unprovable: [...unknownValues(facts), ...unreadResources(facts)],
  });
}

/** A GCP plan or `pulumi stack export` output (parsed JSON) into the model. */
export function modelFromGcp(
  json: unknown,
  source: string,
  options: GcpOptions = {},
): ContainmentModel {
  return modelFromGcpFacts(gcpPlanToNetworkFacts(json), source, options);
}

/** Types whose unknown values cannot change what agents reach (logging, autoscaling). */
const HARMLESS_TYPES =
  /^gcp:(logging\/|projects\/iAMAuditConfig|compute\/(regionAutoscaler|autoscaler|regionInstanceGroupManager|instanceGroupManager):)/;
const HARMLESS_FIELDS = /^(image|sourceImage|enable-oslogin|metadata|disks)$/;

/** A resource's own name, or an environment variable's, is only a label. */
function harmless(type: string, path: string, field: string): boolean {
  if (HARMLESS_TYPES.test(type) || HARMLESS_FIELDS.test(field)) return true;
  return field === 'name' && (!path.includes('.') || path.includes('.containers['));
}

/**
 * Values Pulumi did not know (a preview) or hid (secrets) that feed containment: each is
 * "cannot prove", since the fact built without it may be wrong in either direction.
 */
function unknownValues(facts: GcpNetworkFacts): Unprovable[] {
  const out: Unprovable[] = [];
  for (const entry of new Set(facts.unresolved)) {
    const m = /^(\S+) ([^:]+): (.+) \((unknown|secret)\)$/.exec(entry);
    if (m === null) continue;
    const [, type = '', path = '', field = '', why] = m;
    if (harmless(type, path, field)) continue;
    const resource = path.split('.')[0] ?? path;
    out.push({
      resource,
      explanation: `${field} of ${type} ${path} is ${why === 'secret' ? 'a secret' : 'not known until deployment'}, so what it does to the perimeter cannot be checked. Fix: verify \`pulumi stack export\` after \`pulumi up\`, or make the value a plain one.`,
    });
  }
  return out;
}

/** Resource types the adapter does not read that can add a way out, and what they can add. */
const UNREAD: readonly [RegExp, string][] = [
  [
    /^gcp:compute\/(networkPeering|vpnTunnel|vpnGateway|haVpnGateway|externalVpnGateway|routerPeer|routerInterface|interconnectAttachment|packetMirroring|sharedVPC\w*|serviceAttachment)/,
    'adds routes, peers or copies of traffic to the network',
  ],
  [/^gcp:(networkconnectivity|servicenetworking)\//, 'connects the network to others'],
  [
    /^gcp:compute\/(firewallPolicy\w*|regionNetworkFirewallPolicy\w*|instanceFromTemplate|instanceFromMachineImage)/,
    'adds firewall rules or instances',
  ],
  [
    /^gcp:(cloudrun|cloudfunctions|cloudfunctionsv2|container|vpcaccess|notebooks|workbench|workstations|dataproc|composer|dataflow|batch|appengine)\//,
    'runs workloads whose placement and egress are not checked',
  ],
];

function unreadResources(facts: GcpNetworkFacts): Unprovable[] {
  return facts.otherResources.flatMap(({ type, name }) => {
    const what = UNREAD.find(([pattern]) => pattern.test(type))?.[1];
    return what === undefined
      ? []
      : [
          {
            resource: name,
            explanation: `${type} ${name} ${what}, and the verifier does not read that type. Fix: verify it separately, or keep it out of the perimeter's project.`,
          },
        ];
  });
}
