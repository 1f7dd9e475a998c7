import type { Finding } from '../model.js';
import type { Builder } from './builder.js';
import { isValueRecord, Opaque, Ref, type Value } from './values.js';

/*
 * Whose service an endpoint fronts and whose resources its policy names (the identity of what
 * agents reach through it). The endpoint-policy check already rejects wildcards, "any
 * resource" and PrivateLink services; this reader adds: the service is one the perimeter uses,
 * and every resource an Allow statement names is this stack's account's (created in the
 * template, or an ARN in AWS::AccountId), or owned by the AWS service itself (the ECR layer
 * bucket). A literal account only counts as this one when the statement is also limited to
 * principals of that account (aws:PrincipalAccount): a statement for another account's
 * principals grants the agents nothing.
 */

/** AWS services whose endpoints the perimeter creates where agents can reach them. */
export const PERIMETER_ENDPOINT_SERVICES: ReadonlySet<string> = new Set([
  's3',
  'ecr.api',
  'ecr.dkr',
  'logs',
  'secretsmanager',
  'bedrock-runtime',
]);

/** Buckets AWS services own and serve to every account (ECR image layers). */
const SERVICE_BUCKETS = [/^prod-([a-z0-9-]+|\uE000\d+\uE001)-starport-layer-bucket$/];

const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:resourceaccount', 's3:resourceaccount'];

/** The account a statement's StringEquals condition pins principals or resources to. */
function pinnedAccounts(b: Builder, condition: Value | undefined): Set<string> {
  const out = new Set<string>();
  if (!isValueRecord(condition)) return out;
  for (const [op, body] of Object.entries(condition)) {
    if (op !== 'StringEquals' || !isValueRecord(body)) continue;
    for (const [key, v] of Object.entries(body)) {
      if (!ACCOUNT_KEYS.includes(key.toLowerCase())) continue;
      for (const x of b.list(v)) out.add(b.r.display(x));
    }
  }
  return out;
}

const OWN = '<AWS-AccountId>';

/**
 * Types whose `Ref` and attributes are whatever a handler or another template returns (a
 * custom resource may answer with any account's ARN): not a resource this template creates.
 */
const PASS_THROUGH = /^(Custom::|AWS::CloudFormation::(CustomResource|Stack|WaitCondition)$)/;

/** The `Ref`/`Fn::GetAtt` a value is, or a string starts with (`${Bucket.Arn}/*`). */
function leadingRef(b: Builder, raw: Value): Ref | undefined {
  if (raw instanceof Ref) return raw;
  if (typeof raw !== 'string') return undefined;
  const first = /^\uE000\d+\uE001/.exec(raw)?.[0];
  const decoded = first === undefined ? undefined : b.r.decode(first);
  return decoded instanceof Ref ? decoded : undefined;
}

/** Whether a reference names a resource this template creates (not a pass-through value). */
function createdHere(b: Builder, ref: Ref): boolean {
  const type = b.type(ref.logicalId);
  return type !== undefined && !PASS_THROUGH.test(type);
}

/**
 * Whether a policy resource is one of this template's resources, or a path inside one: a
 * `Ref` or `Fn::GetAtt` (`Bucket.Arn`) of a resource the template creates, alone or at the
 * start of the string followed by a path (`Fn::Join` with `/*`). Nothing an attacker owns can
 * be named that way.
 */
export function isTemplateResource(b: Builder, raw: Value): boolean {
  const ref = leadingRef(b, raw);
  if (ref === undefined || !createdHere(b, ref)) return false;
  // `${Bucket.Arn}*` also matches `<bucket>-attacker`: only a path below the resource is its.
  const rest = typeof raw === 'string' ? raw.replace(/^\uE000\d+\uE001/, '') : '';
  return rest === '' || rest.startsWith('/');
}

/** What a resource named through a `Ref`/`Fn::GetAtt` of a pass-through type is, if it is one. */
function passThroughProblem(b: Builder, raw: Value): { how: string; unresolved: true } | undefined {
  const ref = leadingRef(b, raw);
  if (ref === undefined || createdHere(b, ref)) return undefined;
  return {
    how: `names ${b.r.display(raw)}, built from ${ref.label} (${b.type(ref.logicalId) ?? 'not defined'}), whose value its handler or nested template chooses at deploy time`,
    unresolved: true,
  };
}

/** What is wrong with one resource string of an Allow statement, if anything. */
function resourceProblem(
  b: Builder,
  raw: Value,
  pinned: ReadonlySet<string>,
): { how: string; unresolved?: true } | undefined {
  if (isTemplateResource(b, raw)) return undefined;
  const passThrough = passThroughProblem(b, raw);
  if (passThrough !== undefined) return passThrough;
  if (raw instanceof Opaque)
    return raw.trusted ? undefined : { how: `names a resource that ${raw.why}`, unresolved: true };
  if (typeof raw !== 'string') return undefined;
  const shown = b.r.display(raw);
  if (shown === '*' || shown.includes('*.')) return undefined;
  const open = b.r.opaquesIn(raw).filter((o) => !o.key.startsWith('pseudo:') && !o.trusted);
  if (open.length > 0)
    return { how: `names ${shown}, which ${(open[0] as Opaque).why}`, unresolved: true };
  const parts = raw.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return undefined;
  const [, , service = '', , account = '', ...rest] = parts;
  const accountShown = b.r.display(account);
  if (account !== '') {
    if (accountShown === OWN || pinned.has(accountShown)) return undefined;
    if (accountShown.includes('*') || accountShown === '') return undefined; // wide: endpoint-policy
    return {
      how: `names ${shown}, a resource of account ${accountShown}, not this stack's account (AWS::AccountId)`,
    };
  }
  if (b.r.display(service) !== 's3') return undefined;
  const bucketRaw = rest.join(':').split('/')[0] ?? '';
  const bucket = b.r.display(bucketRaw);
  if (bucket === '' || bucket.includes('*') || bucket.includes('?')) return undefined;
  if (SERVICE_BUCKETS.some((p) => p.test(bucketRaw))) return undefined;
  const refs = b.r.refsIn(bucketRaw);
  const foreign = refs.find((r) => !createdHere(b, r));
  if (foreign !== undefined) {
    return {
      how: `names bucket ${bucket}, built from ${foreign.label} (${b.type(foreign.logicalId) ?? 'not defined'}), whose value its handler or nested template chooses at deploy time`,
      unresolved: true,
    };
  }
  if (refs.length > 0) return undefined;
  if (pinned.has(OWN)) return undefined;
  if (ownBucketNames(b).has(bucket)) return undefined;
  return {
    how: `names bucket ${bucket}, which this template does not create and no AWS service owns, so any account may own it`,
  };
}

const bucketNames = new WeakMap<Builder, Set<string>>();

/** Names of the buckets the template creates (literal BucketName). */
function ownBucketNames(b: Builder): Set<string> {
  let names = bucketNames.get(b);
  if (names === undefined) {
    names = new Set(
      b
        .ids('AWS::S3::Bucket')
        .map((id) => b.text(b.props(id).BucketName))
        .filter((n) => n !== undefined),
    );
    bucketNames.set(b, names);
  }
  return names;
}

/** Findings on the endpoint's service and on whose resources its policy names. */
export function endpointOwnership(
  b: Builder,
  id: string,
  service: string | undefined,
  doc: Value | undefined,
): Finding[] {
  const out: Finding[] = [];
  if (service === undefined) {
    out.push({
      resource: id,
      how: 'service name the template does not fix',
      unresolved: true,
    });
  } else if (!service.startsWith('vpce-svc-') && !PERIMETER_ENDPOINT_SERVICES.has(service)) {
    out.push({
      resource: id,
      how: `service is ${service}, which the perimeter does not use from the agent tier`,
      fix: 'remove the endpoint, or keep it where only the proxy tier can reach it.',
    });
  }
  if (!isValueRecord(doc)) return out;
  b.list(doc.Statement).forEach((s, i) => {
    if (!isValueRecord(s) || b.text(s.Effect) === 'Deny') return;
    const pinned = pinnedAccounts(b, s.Condition);
    for (const raw of b.list(s.Resource)) {
      const problem = resourceProblem(b, raw, pinned);
      if (problem === undefined) continue;
      out.push({
        resource: id,
        how: `policy statement ${i + 1} ${problem.how}`,
        ...(problem.unresolved === true ? { unresolved: true } : {}),
      });
    }
  });
  return out;
}
