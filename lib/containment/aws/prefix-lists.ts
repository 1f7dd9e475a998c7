import type { Builder } from './builder.js';
import { Opaque, Ref, type Value } from './values.js';

/** Short service name of a VPC endpoint: `com.amazonaws.<region>.ecr.api` -> `ecr.api`. */
export function endpointServiceName(b: Builder, v: Value | undefined): string | undefined {
  if (v === undefined) return undefined;
  const text = b.r.display(v);
  const privateLink = /(vpce-svc-[0-9a-z]+)/.exec(text);
  if (privateLink !== null) return privateLink[1];
  const m = /^(?:com\.amazonaws|aws\.api|aws\.sagemaker)\.[^.]+\.(.+)$/.exec(text);
  return m?.[1];
}

/**
 * The managed service a custom resource looks the prefix list up for: CDK's
 * `AwsCustomResource` calling `ec2:DescribeManagedPrefixLists` for
 * `com.amazonaws.<region>.<service>` (agent-perimeter's S3 prefix list lookup).
 */
function lookedUpService(
  b: Builder,
  id: string,
  attribute: string | undefined,
): string | undefined {
  if (attribute !== 'PrefixLists.0.PrefixListId') return undefined;
  const type = b.type(id) ?? '';
  if (!type.startsWith('Custom::') && type !== 'AWS::CloudFormation::CustomResource')
    return undefined;
  const p = b.props(id);
  const calls = [p.Create, p.Update].map((c) => (c === undefined ? '' : b.r.display(c)));
  const create = calls[0] ?? '';
  if (!/"action":"DescribeManagedPrefixLists"/.test(create) || !/"service":"EC2"/.test(create))
    return undefined;
  const services = calls.map(
    (c) => /"Values":\["com\.amazonaws\.[^".]+\.([a-z0-9.-]+)"\]/.exec(c)?.[1],
  );
  const first = services[0];
  return first !== undefined && services.every((s) => s === undefined || s === first)
    ? first
    : undefined;
}

/**
 * The prefix list id a value names, registering it in the model: `aws:<service>` for
 * AWS-managed lists (the same id the service's gateway endpoint routes use), the logical id
 * for `AWS::EC2::PrefixList`, the literal id otherwise. Undefined when the value is unknown.
 */
export function prefixListFor(b: Builder, v: Value | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const decoded = typeof v === 'string' ? b.r.decode(v) : v;
  if (decoded instanceof Ref) {
    const type = b.type(decoded.logicalId);
    if (type === 'AWS::EC2::PrefixList' && decoded.attribute !== 'Arn') {
      const p = b.props(decoded.logicalId);
      const entries = b
        .list(p.Entries)
        .map((e) =>
          e !== null &&
          typeof e === 'object' &&
          !Array.isArray(e) &&
          !(e instanceof Ref) &&
          !(e instanceof Opaque)
            ? b.text((e as Record<string, Value>).Cidr)
            : undefined,
        );
      const known = entries.filter((e) => e !== undefined);
      b.prefixLists.set(decoded.logicalId, {
        id: decoded.logicalId,
        resource: decoded.logicalId,
        ...(known.length === entries.length
          ? { entries: known }
          : { unresolved: 'has entries the verifier cannot read' }),
      });
      return known.length === entries.length ? decoded.logicalId : undefined;
    }
    const service = lookedUpService(b, decoded.logicalId, decoded.attribute);
    return service === undefined
      ? undefined
      : managed(b, service, `${service} managed prefix list (looked up by ${decoded.logicalId})`);
  }
  if (decoded instanceof Opaque) return decoded.trusted ? trustedList(b, decoded) : undefined;
  const text = b.text(decoded);
  if (text === undefined) return undefined;
  const service = b.options.managedPrefixLists?.[text];
  if (service !== undefined) return managed(b, service, `${service} managed prefix list ${text}`);
  if (!b.prefixLists.has(text)) b.prefixLists.set(text, { id: text, resource: text });
  return text;
}

function managed(b: Builder, service: string, resource: string): string {
  const id = `aws:${service}`;
  if (!b.prefixLists.has(id)) b.prefixLists.set(id, { id, resource, service });
  return id;
}

function trustedList(b: Builder, o: Opaque): string {
  const id = `trusted:${o.key}`;
  if (!b.prefixLists.has(id)) b.prefixLists.set(id, { id, resource: o.label, entries: [] });
  return id;
}

/** Registers the prefix lists of gateway endpoints (called after the routes are read). */
export function registerGatewayPrefixList(
  b: Builder,
  service: string | undefined,
  endpoint: string,
): string {
  if (service === undefined) {
    const id = `aws:endpoint-${endpoint}`;
    if (!b.prefixLists.has(id))
      b.prefixLists.set(id, { id, resource: `prefix list of gateway endpoint ${endpoint}` });
    return id;
  }
  return managed(b, service, `${service} managed prefix list`);
}
