import { TIER_LABEL } from '../../../contract/tiers.js';
import { bootFacts } from './boot.js';
import type { Reader, ReadersOf } from './reader.js';
import { canonicalRef, sameRef } from './refs.js';
import { T } from './resource-types.js';
import type { CloudRunFact, InstanceFact, InstanceGroupFact } from './types.js';

/* Where agents run: Cloud Run services and jobs, VM instances and templates, instance groups. */

export function cloudRun(r: Reader, kind: 'service' | 'job'): CloudRunFact {
  const base = kind === 'service' ? 'template' : 'template.template';
  const vpc = r.object(`${base}.vpcAccess`);
  const connector = vpc?.str('connector');
  const interfaces = vpc?.objects('networkInterfaces') ?? [];
  const hasVpc = connector !== undefined || interfaces.length > 0;
  const containers = r.objects(`${base}.containers`);
  return {
    kind,
    name: r.name(),
    ref: r.selfRef(),
    region: r.str('location'),
    executionEnvironment: r.str(`${base}.executionEnvironment`),
    ingress: kind === 'service' ? (r.str('ingress') ?? 'INGRESS_TRAFFIC_ALL') : undefined,
    serviceAccount: r.str(`${base}.serviceAccount`),
    vpcAccess: hasVpc,
    egress: hasVpc ? (vpc?.str('egress') ?? 'PRIVATE_RANGES_ONLY') : undefined,
    connector: connector === undefined ? undefined : canonicalRef(connector),
    networkInterfaces: interfaces.map((i) => ({
      network: i.ref('network'),
      subnetwork: i.ref('subnetwork'),
      tags: i.strings('tags').sort(),
    })),
    images: containers.map((c) => c.str('image')).filter((i): i is string => i !== undefined),
    env: containers.flatMap((c) =>
      c.objects('envs').map((e) => ({
        name: e.str('name') ?? '',
        fromSecret: e.object('valueSource') !== undefined,
      })),
    ),
    secretVolumes: r.objects(`${base}.volumes`).filter((v) => v.object('secret') !== undefined)
      .length,
  };
}

export function instance(r: Reader, kind: 'template' | 'instance'): InstanceFact {
  const metadata = r.object('metadata');
  const osLogin = (metadata?.str('enable-oslogin') ?? '').toUpperCase() === 'TRUE';
  const shielded = r.object('shieldedInstanceConfig');
  const bootDisk =
    kind === 'template'
      ? (r.objects('disks').find((d) => d.bool('boot') === true) ?? r.objects('disks')[0])
      : r.object('bootDisk.initializeParams');
  return {
    kind,
    name: r.name(),
    ref: r.selfRef(),
    tags: r.strings('tags').sort(),
    serviceAccount: r.str('serviceAccount.email'),
    scopes: r.strings('serviceAccount.scopes'),
    networkInterfaces: r.objects('networkInterfaces').map((n) => ({
      network: n.ref('network'),
      subnetwork: n.ref('subnetwork'),
      externalIpv4: n.list('accessConfigs').length > 0,
      externalIpv6:
        n.list('ipv6AccessConfigs').length > 0 || n.str('ipv6AccessType') === 'EXTERNAL',
    })),
    canIpForward: r.bool('canIpForward') ?? false,
    shieldedVm: {
      secureBoot: shielded?.bool('enableSecureBoot') ?? false,
      vtpm: shielded?.bool('enableVtpm') ?? true,
      integrityMonitoring: shielded?.bool('enableIntegrityMonitoring') ?? true,
    },
    osLogin,
    metadataKeys: r.keys('metadata'),
    bootImage:
      kind === 'template' ? bootDisk?.str('sourceImage') : (bootDisk?.str('image') ?? undefined),
    tierLabel: r.str(`labels.${TIER_LABEL}`),
    boot: bootFacts(metadata?.str('user-data')),
  };
}

/** Managed instance groups (regional and zonal), each with the autoscaler that targets it. */
export function instanceGroups(of: ReadersOf): InstanceGroupFact[] {
  const autoscalers = [...of(T.regionAutoscaler), ...of(T.autoscaler)].map((r) => ({
    target: r.ref('target') ?? '',
    min: r.num('autoscalingPolicy.minReplicas') ?? 0,
    max: r.num('autoscalingPolicy.maxReplicas') ?? 0,
  }));
  return [...of(T.regionGroup), ...of(T.zoneGroup)].map((r) => {
    const ref = r.selfRef();
    const scaler = autoscalers.find((a) => sameRef(a.target, ref));
    return {
      name: r.name(),
      ref,
      region: r.str('region') ?? r.str('zone'),
      templates: r
        .objects('versions')
        .map((v) => v.ref('instanceTemplate'))
        .filter((t): t is string => t !== undefined),
      autohealingHealthCheck: r.ref('autoHealingPolicies.healthCheck'),
      autoscaling: scaler === undefined ? undefined : { min: scaler.min, max: scaler.max },
    };
  });
}
