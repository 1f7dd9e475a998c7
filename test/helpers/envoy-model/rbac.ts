import { isIP } from 'node:net';
import { parseCidr } from '../../../lib/containment/addresses.js';
import type { JsonObject } from '../../../proxy/index.js';
import { type Headers, headerMatches, list, ModelError, obj } from './match.js';

/*
 * Envoy's RBAC engine (source/extensions/filters/common/rbac/): a policy matches when any of
 * its permissions and any of its principals match; DENY refuses on the first matching policy,
 * ALLOW refuses when none matches. `upstream_ip_port` reads the address the dynamic forward
 * proxy saved and matches nothing when there is none.
 */

export interface RbacInput {
  readonly headers: Headers;
  /** `ip:port` saved by the DFP filter (`envoy.stream.upstream_address`), if any. */
  readonly upstreamAddress: string | undefined;
}

function ipOf(address: string): { family: 4 | 6; value: bigint } | undefined {
  const ip = address.startsWith('[')
    ? address.slice(1, address.indexOf(']'))
    : address.replace(/:\d+$/, '');
  const family = isIP(ip);
  if (family === 0) return undefined;
  const cidr = parseCidr(ip);
  return cidr === undefined ? undefined : { family: family as 4 | 6, value: cidr.start };
}

function upstreamIpMatches(config: JsonObject, input: RbacInput): boolean {
  if (input.upstreamAddress === undefined) return false;
  const ip = ipOf(input.upstreamAddress);
  const prefix = obj(config.upstream_ip);
  const cidr = parseCidr(`${prefix.address_prefix}/${prefix.prefix_len ?? 0}`);
  if (ip === undefined || cidr === undefined) throw new ModelError('bad upstream_ip matcher');
  if ((cidr.family === 'v4') !== (ip.family === 4)) return false;
  return ip.value >= cidr.start && ip.value <= cidr.end;
}

function permissionMatches(permission: JsonObject, input: RbacInput): boolean {
  if (permission.any === true) return true;
  if (permission.and_rules !== undefined) {
    return list(obj(permission.and_rules).rules).every((p) => permissionMatches(p, input));
  }
  if (permission.or_rules !== undefined) {
    return list(obj(permission.or_rules).rules).some((p) => permissionMatches(p, input));
  }
  if (permission.not_rule !== undefined) return !permissionMatches(obj(permission.not_rule), input);
  if (permission.header !== undefined) return headerMatches(obj(permission.header), input.headers);
  if (permission.matcher !== undefined) {
    const matcher = obj(permission.matcher);
    if (matcher.name !== 'envoy.rbac.matchers.upstream_ip_port') {
      throw new ModelError(`unknown RBAC matcher ${String(matcher.name)}`);
    }
    return upstreamIpMatches(obj(matcher.typed_config), input);
  }
  throw new ModelError(`unknown RBAC permission ${JSON.stringify(permission)}`);
}

function principalMatches(principal: JsonObject): boolean {
  if (principal.any === true) return true;
  throw new ModelError(`unknown RBAC principal ${JSON.stringify(principal)}`);
}

/** The name of the policy that refuses, or undefined when RBAC lets the request through. */
export function rbacRefusal(rules: JsonObject, input: RbacInput): string | undefined {
  const policies = Object.entries(obj(rules.policies)).map(([name, p]) => [name, obj(p)] as const);
  const matching = policies.find(
    ([, p]) =>
      list(p.permissions).some((perm) => permissionMatches(perm, input)) &&
      list(p.principals).some(principalMatches),
  );
  if (rules.action === 'DENY') return matching?.[0];
  if (rules.action === 'ALLOW' || rules.action === undefined) return matching ? undefined : 'none';
  throw new ModelError(`unknown RBAC action ${String(rules.action)}`);
}
