import { PROXY_CONFIG_DIGEST_ENV, sha256Hex } from '../../contract/proxy-identity.js';
import type { ServiceTarget, Unresolved, WorkloadIdentity } from '../model.js';
import type { Builder } from './builder.js';
import { isValueRecord, Ref, type Value } from './values.js';

/*
 * Who runs behind an address: the task definition an ECS service runs (images, task role,
 * the proxy configuration it is given) and where a load balancer forwards (its listeners'
 * target groups, and what registers into them). The identity checks compare these with the
 * proxy the policy rendered.
 */

type Props = Record<string, Value>;

const rec = (v: Value | undefined): Props | undefined => (isValueRecord(v) ? v : undefined);

function refOf(b: Builder, v: Value | undefined): Ref | undefined {
  const x = typeof v === 'string' ? b.r.decode(v) : v;
  return x instanceof Ref ? x : undefined;
}

/** An image reference: literal text, or text whose digest is literal, else unresolved. */
function image(b: Builder, v: Value | undefined): string | Unresolved {
  const text = b.text(v);
  if (text !== undefined) return text;
  const shown = b.r.display(v);
  if (/@sha256:[a-f0-9]{64}$/.test(shown)) return shown;
  // Built only from the deploying account, region and URL suffix: this account's own ECR
  // (the proxy image's pull-through cache), whose literal path and tag are compared.
  if (
    typeof v === 'string' &&
    b.r.refsIn(v).length === 0 &&
    b.r.opaquesIn(v).every((o) => o.key.startsWith('pseudo:'))
  )
    return shown;
  return { unresolved: `its image ${b.whyUnknown(v)}` };
}

/** The config digest: of the inline bootstrap it is started with, else the contract variable. */
function configDigest(b: Builder, containers: readonly Props[]): string | Unresolved | undefined {
  for (const c of containers) {
    const args = b.list(c.Command);
    const at = args.findIndex((a) => b.text(a) === '--config-yaml');
    if (at >= 0) {
      const inline = args[at + 1];
      const text = b.text(inline);
      return text === undefined
        ? { unresolved: `its inline Envoy config ${b.whyUnknown(inline)}` }
        : sha256Hex(text);
    }
  }
  for (const c of containers) {
    for (const e of b.list(c.Environment).map(rec)) {
      if (e === undefined || b.text(e.Name) !== PROXY_CONFIG_DIGEST_ENV) continue;
      // The pin proves the config only where the launcher fetches and checks against it.
      if (!b.list(c.Command).some((a) => b.text(a) === '--config-s3')) {
        return {
          unresolved: `${PROXY_CONFIG_DIGEST_ENV} is set, but its container does not fetch and check the config (--config-s3)`,
        };
      }
      const text = b.text(e.Value);
      return text ?? { unresolved: `${PROXY_CONFIG_DIGEST_ENV} ${b.whyUnknown(e.Value)}` };
    }
  }
  return undefined;
}

/** What an ECS service or task set runs, from its task definition. */
export function taskIdentity(b: Builder, taskDefinition: Value | undefined): WorkloadIdentity {
  const ref = refOf(b, taskDefinition);
  if (ref === undefined || b.type(ref.logicalId) !== 'AWS::ECS::TaskDefinition') {
    const why = { unresolved: `its task definition ${b.whyUnknown(taskDefinition)}` };
    return { definition: b.r.display(taskDefinition), images: [why], principal: why };
  }
  const p = b.props(ref.logicalId);
  const containers = b
    .list(p.ContainerDefinitions)
    .map(rec)
    .filter((c) => c !== undefined);
  const tier = b.tier(p);
  const digest = configDigest(b, containers);
  return {
    definition: ref.logicalId,
    ...(tier === undefined ? {} : { tier }),
    images: containers.map((c) => image(b, c.Image)),
    ...principal(b, p.TaskRoleArn),
    ...(digest === undefined ? {} : { configDigest: digest }),
  };
}

function principal(b: Builder, role: Value | undefined): Pick<WorkloadIdentity, 'principal'> {
  if (role === undefined || role === null) return {};
  const ref = refOf(b, role);
  if (ref !== undefined && b.type(ref.logicalId) === 'AWS::IAM::Role') {
    const tier = b.tier(b.props(ref.logicalId));
    return { principal: { resource: ref.logicalId, ...(tier === undefined ? {} : { tier }) } };
  }
  const text = b.text(role);
  if (text !== undefined) return { principal: { resource: text } };
  return { principal: { unresolved: `its task role ${b.whyUnknown(role)}` } };
}

/** A target group's logical id, or how it is written when it is not one of the template. */
function keyOf(b: Builder, v: Value): string {
  return refOf(b, v)?.logicalId ?? b.r.display(v);
}

/** Target groups of a load balancer's listeners (default actions and listener rules). */
function targetGroupsOf(b: Builder, loadBalancer: string): Map<string, string> {
  const listeners = b
    .ids('AWS::ElasticLoadBalancingV2::Listener')
    .filter((l) => refOf(b, b.props(l).LoadBalancerArn)?.logicalId === loadBalancer);
  const groups = new Map<string, string>();
  const actions = (list: Value | undefined, via: string) => {
    for (const a of b.list(list).map(rec)) {
      if (a === undefined) continue;
      const forwards = [
        a.TargetGroupArn,
        ...b.list(rec(a.ForwardConfig)?.TargetGroups).map((t) => rec(t)?.TargetGroupArn),
      ];
      for (const tg of forwards) if (tg !== undefined) groups.set(keyOf(b, tg), via);
    }
  };
  for (const l of listeners) actions(b.props(l).DefaultActions, l);
  for (const rule of b.ids('AWS::ElasticLoadBalancingV2::ListenerRule')) {
    const p = b.props(rule);
    if (listeners.includes(refOf(b, p.ListenerArn)?.logicalId ?? '')) actions(p.Actions, rule);
  }
  return groups;
}

/**
 * Where a load balancer (v2) forwards: the services that register into its listeners' target
 * groups, targets registered by address, and target groups the template does not define.
 */
export function loadBalancerTargets(b: Builder, loadBalancer: string): ServiceTarget[] {
  const out: ServiceTarget[] = [];
  const registrants = new Map<string, string[]>();
  for (const id of [
    ...b.ids('AWS::ECS::Service', 'AWS::ECS::TaskSet'),
    ...b.ids('AWS::AutoScaling::AutoScalingGroup'),
  ]) {
    const p = b.props(id);
    const tgs = [
      ...b.list(p.LoadBalancers).map((x) => rec(x)?.TargetGroupArn),
      ...b.list(p.TargetGroupARNs),
    ];
    for (const tg of tgs) {
      if (tg === undefined) continue;
      const key = keyOf(b, tg);
      registrants.set(key, [...(registrants.get(key) ?? []), id]);
    }
  }
  for (const [key, via] of targetGroupsOf(b, loadBalancer)) {
    const tg = b.type(key) === 'AWS::ElasticLoadBalancingV2::TargetGroup' ? key : undefined;
    if (tg === undefined) {
      out.push({ kind: 'unresolved', why: `target group ${key} is not defined here`, via });
      continue;
    }
    for (const resource of registrants.get(key) ?? [])
      out.push({ kind: 'workload', resource, via: tg });
    for (const t of b.list(b.props(tg).Targets).map(rec)) {
      if (t === undefined) continue;
      out.push({ kind: 'address', address: b.r.display(t.Id), via: tg });
    }
  }
  return out;
}
