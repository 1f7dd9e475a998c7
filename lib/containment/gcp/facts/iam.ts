import { PROXY_COMPONENT_TYPE } from '../../../contract/tiers.js';
import type { Reader } from './reader.js';
import type { IamBindingFact, ServiceAccountFact } from './types.js';

/* Service accounts, and IAM grants from *IamMember, *IamBinding and *IamPolicy of any service. */

/** Matches an IAM resource type; group 1 is its module, the grant's scope. */
export const IAM_TYPE =
  /^gcp:([a-zA-Z0-9]+)\/[a-zA-Z0-9]*:[A-Za-z0-9]*Iam(Member|Binding|Policy)$/i;
/** The input that names the granted-on resource, by IAM resource flavour. */
const IAM_RESOURCE_KEYS = [
  'secretId',
  'repository',
  'serviceAccountId',
  'bucket',
  'subnetwork',
  'instanceName',
  'name',
  'folder',
  'orgId',
  'project',
];

export function iamBinding(r: Reader, type: string, scope: string): IamBindingFact[] {
  const resourceKey = IAM_RESOURCE_KEYS.find((k) => r.str(k) !== undefined);
  const resource = resourceKey === undefined ? undefined : r.str(resourceKey);
  if (/IamPolicy$/i.test(type)) {
    const text = r.str('policyData');
    if (text === undefined) return [];
    try {
      const parsed = JSON.parse(text) as {
        bindings?: { role?: string; members?: string[]; condition?: unknown }[];
      };
      return (parsed.bindings ?? []).map((b) => ({
        scope,
        type,
        resource,
        role: b.role ?? '',
        members: [...(b.members ?? [])].sort(),
        conditional: b.condition !== undefined,
      }));
    } catch {
      return [];
    }
  }
  const single = r.str('member');
  return [
    {
      scope,
      type,
      resource,
      role: r.str('role') ?? '',
      members: single !== undefined ? [single] : r.strings('members').sort(),
      conditional: r.object('condition') !== undefined,
    },
  ];
}

export function serviceAccount(r: Reader): ServiceAccountFact {
  const ref = r.selfRef();
  const email = r.str('email') ?? (ref.includes('@') ? ref.split('/').pop() : undefined);
  return {
    ref,
    accountId: r.str('accountId'),
    email,
    proxyTier: r.createdIn(PROXY_COMPONENT_TYPE),
  };
}
