import type { EndpointPolicy, PolicyStatement } from '../model.js';
import type { Builder } from './builder.js';
import { endpointOwnership, isTemplateResource } from './endpoint-ownership.js';
import { endpointServiceName, registerGatewayPrefixList } from './prefix-lists.js';
import { isValueRecord, Opaque, Ref, type Value } from './values.js';

function strings(b: Builder, v: Value | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return b.list(v).map((x) => b.r.display(x));
}

/** An endpoint policy document as statements; unknown parts make it unresolved. */
export function endpointPolicy(b: Builder, doc: Value | undefined): EndpointPolicy {
  if (doc === undefined || doc === null) {
    return {
      kind: 'full-access',
      how: 'has no policy document, so AWS attaches its full-access default (any action, any resource, any principal)',
    };
  }
  let value: Value = doc;
  if (typeof doc === 'string') {
    if (b.r.hasTokens(doc) && b.r.opaquesIn(doc).length > 0)
      return { kind: 'unresolved', why: b.whyUnknown(doc) };
    try {
      value = JSON.parse(b.r.display(doc)) as Value;
    } catch {
      return { kind: 'unresolved', why: 'is a string that is not JSON' };
    }
  }
  if (value instanceof Opaque || value instanceof Ref)
    return { kind: 'unresolved', why: b.whyUnknown(value) };
  if (!isValueRecord(value)) return { kind: 'unresolved', why: 'is not a policy document' };
  const statements: PolicyStatement[] = [];
  for (const s of b.list(value.Statement)) {
    if (!isValueRecord(s))
      return {
        kind: 'unresolved',
        why: `has a statement the verifier cannot read (${b.whyUnknown(s)})`,
      };
    const effect = b.text(s.Effect) === 'Deny' ? 'Deny' : 'Allow';
    const actions = strings(b, s.Action);
    const notActions = strings(b, s.NotAction);
    const resources = strings(b, s.Resource);
    const notResources = strings(b, s.NotResource);
    const own = b.list(s.Resource).filter((r) => isTemplateResource(b, r));
    statements.push({
      effect,
      ...(actions === undefined ? {} : { actions }),
      ...(notActions === undefined ? {} : { notActions }),
      ...(resources === undefined ? {} : { resources }),
      ...(notResources === undefined ? {} : { notResources }),
      ...(own.length === 0 ? {} : { ownResources: own.map((r) => b.r.display(r)) }),
    });
  }
  return { kind: 'statements', statements };
}

/** VPC endpoints with their service, route tables, interfaces and policy. */
export function buildEndpoints(b: Builder): void {
  for (const id of b.ids('AWS::EC2::VPCEndpoint')) {
    const p = b.props(id);
    const type = b.text(p.VpcEndpointType) ?? 'Gateway';
    const service = endpointServiceName(b, p.ServiceName);
    const network = b.networkId(p.VpcId);
    const kind = type === 'Gateway' ? 'gateway' : type === 'Interface' ? 'interface' : 'firewall';
    const ownership =
      kind === 'firewall' ? [] : endpointOwnership(b, id, service, p.PolicyDocument);
    b.endpoints.push({
      id,
      resource: id,
      ...(network === undefined ? {} : { network }),
      kind,
      ...(service === undefined ? {} : { service }),
      ...(kind === 'gateway' ? { prefixList: registerGatewayPrefixList(b, service, id) } : {}),
      routeTables: b
        .list(p.RouteTableIds)
        .map((t) => (t instanceof Ref ? t.logicalId : b.nameOf(t))),
      subnets: b
        .list(p.SubnetIds)
        .map((s) => b.subnetId(s))
        .filter((s) => s !== undefined),
      groups: b
        .list(p.SecurityGroupIds)
        .map((g) => b.groupId(g))
        .filter((g) => g !== undefined),
      policy:
        kind === 'firewall'
          ? { kind: 'statements', statements: [] }
          : endpointPolicy(b, p.PolicyDocument),
      ...(ownership.length === 0 ? {} : { ownership }),
    });
  }
}

/**
 * Listeners of the proxy tier's load balancers (those tagged `tier=proxy` or with a proxy
 * security group): the ports agents may use on the proxy.
 */
export function buildProxyListeners(b: Builder): void {
  for (const id of b.ids('AWS::ElasticLoadBalancingV2::Listener')) {
    const p = b.props(id);
    const lb =
      typeof p.LoadBalancerArn === 'string' ? b.r.decode(p.LoadBalancerArn) : p.LoadBalancerArn;
    if (!(lb instanceof Ref)) continue;
    const lbProps = b.props(lb.logicalId);
    const proxy =
      b.tier(lbProps) === 'proxy' ||
      b.list(lbProps.SecurityGroups).some((g) => {
        const gid = b.groupId(g);
        return gid !== undefined && b.groups.get(gid)?.tier === 'proxy';
      });
    const port = b.number(p.Port);
    if (!proxy || port === undefined) continue;
    const protocol = (b.text(p.Protocol) ?? 'TCP').toUpperCase();
    const protocols: ('tcp' | 'udp')[] =
      protocol === 'UDP' ? ['udp'] : protocol === 'TCP_UDP' ? ['tcp', 'udp'] : ['tcp'];
    b.proxyListeners.push({ resource: id, port, protocols });
  }
}
