import { type ExpectedProxy, sameImage } from '../../contract/proxy-identity.js';
import type { Context } from '../analysis/context.js';
import type { Scope } from '../analysis/scope.js';
import { type Attachment, isUnresolved, type Tier } from '../model.js';
import type { Violation } from '../violations.js';

/*
 * Who answers on the addresses agents may reach. The reachability checks prove that agents
 * reach only the proxy tier (on the proxy ports) and the endpoint tier (on 443); these prove
 * that what sits there is the proxy workload the policy rendered and the service endpoints,
 * so that a workload placed in a proxy subnet, in the proxy's groups, or behind the proxy's
 * load balancer cannot pose as the proxy.
 */

type Problem = Pick<Violation, 'channel' | 'explanation'> & { readonly fix?: string };

const REBUILD =
  'Fix: deploy the proxy the perimeter renders from this policy (synthesize again; do not edit the proxy task or template by hand), or verify against the policy it was built from.';

/** The tier whose addresses agents may reach that an attachment sits in, if any. */
function reachableTier(ctx: Context, a: Attachment): Tier | undefined {
  const tiers = [
    a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet)?.tier,
    ...a.groups.map((g) => ctx.groups.get(g)?.tier),
  ];
  if (tiers.includes('proxy')) return 'proxy';
  if (tiers.includes('endpoint')) return 'endpoint';
  return undefined;
}

function where(ctx: Context, a: Attachment, tier: Tier): string {
  const subnet = a.subnet === undefined ? undefined : ctx.subnets.get(a.subnet);
  const group = a.groups.map((g) => ctx.groups.get(g)).find((g) => g?.tier === tier);
  const places = [
    subnet?.tier === tier ? `${tier} subnet ${subnet.resource}` : undefined,
    group === undefined ? undefined : `${tier} ${ctx.terms.group} ${group.resource}`,
  ].filter((x) => x !== undefined);
  return places.join(' and ');
}

/** What is wrong with a workload posing as the proxy; empty when it is the proxy. */
function proxyProblems(
  ctx: Context,
  a: Attachment,
  expected: ExpectedProxy | undefined,
): Problem[] {
  const { proxyDefinition, principal: principalWord } = ctx.terms;
  const id = a.identity;
  const name = `${a.kind} ${a.resource}`;
  if (id === undefined) {
    return [
      {
        channel: 'identity',
        explanation: `${name} is not a proxy workload the perimeter defines: nothing says what it runs, so it could answer agents on the proxy ports in the proxy's place`,
      },
    ];
  }
  const out: Problem[] = [];
  if (id.tier !== 'proxy') {
    out.push({
      channel: 'identity',
      explanation: `${name} runs ${proxyDefinition} ${id.definition}, which is not the proxy's (its tier is ${id.tier ?? 'not set'}), so it could answer agents on the proxy ports in the proxy's place`,
    });
  }
  for (const image of id.images) {
    if (typeof image !== 'string') {
      out.push({ channel: 'cannot-prove', explanation: `${name}: ${image.unresolved}` });
    } else if (expected !== undefined && !sameImage(image, expected.image)) {
      out.push({
        channel: 'identity',
        explanation: `${name} runs image ${image}, not the proxy image ${expected.image} the policy names`,
        fix: REBUILD,
      });
    }
  }
  const p = id.principal;
  if (p !== undefined && isUnresolved(p)) {
    out.push({ channel: 'cannot-prove', explanation: `${name}: ${p.unresolved}` });
  } else if (p !== undefined && p.tier !== 'proxy') {
    out.push({
      channel: 'identity',
      explanation: `${name} runs as ${principalWord} ${p.resource}, which is not the proxy's identity`,
      fix: `Fix: run the proxy as the ${principalWord} the proxy tier creates (it holds only the proxy's permissions).`,
    });
  }
  const digest = id.configDigest;
  if (expected !== undefined) {
    if (digest === undefined) {
      out.push({
        channel: 'cannot-prove',
        explanation: `${name} is given no proxy configuration this input shows, so whether it runs the one the policy renders cannot be checked`,
      });
    } else if (typeof digest !== 'string') {
      out.push({ channel: 'cannot-prove', explanation: `${name}: ${digest.unresolved}` });
    } else if (digest !== expected.configDigest) {
      out.push({
        channel: 'identity',
        explanation: `${name} runs an Envoy configuration (sha256 ${digest.slice(0, 12)}...) other than the one the policy renders (sha256 ${expected.configDigest.slice(0, 12)}...)`,
        fix: REBUILD,
      });
    }
  }
  return out;
}

const FIX =
  'Fix: keep only the proxy workload the perimeter builds (and its load balancer) in the proxy subnets and groups, and only service endpoints in the endpoint subnets; run other workloads elsewhere.';

/**
 * Everything in the proxy tier is the proxy workload or a load balancer whose targets are only
 * that workload; everything in the endpoint tier is a service endpoint. Checked only when the
 * input has agents (otherwise nothing reaches those addresses) and the caller has not turned
 * identity checks off (`checkIdentities: false`).
 */
export function proxyIdentity({ ctx, options }: Scope): readonly Violation[] {
  if (options.checkIdentities === false || ctx.agents.length === 0) return [];
  const expected = options.expectedProxy;
  const agents = new Set(ctx.agents);
  const byResource = new Map<string, Attachment[]>();
  for (const a of ctx.model.attachments) {
    if (a.role === 'slot' || agents.has(a)) continue;
    if (reachableTier(ctx, a) === undefined) continue;
    byResource.set(a.resource, [...(byResource.get(a.resource) ?? []), a]);
  }
  const out: Violation[] = [];
  const report = (resource: string, list: readonly Problem[], context: string) => {
    for (const p of list) {
      out.push({
        resource,
        channel: p.channel,
        explanation: `${context}${p.explanation}. ${p.fix ?? (p.channel === 'cannot-prove' ? 'Fix: use literal values for the proxy workload, or verify the input that defines them.' : FIX)}`,
      });
    }
  };
  for (const [resource, list] of byResource) {
    const a = list[0] as Attachment;
    const tier = reachableTier(ctx, a) as Tier;
    const at = `${a.kind} ${resource} is in ${where(ctx, a, tier)}, which agents may reach; `;
    if (tier === 'endpoint') {
      if (a.endpoint === undefined)
        report(
          resource,
          [{ channel: 'identity', explanation: 'it is not a service endpoint' }],
          at,
        );
      continue;
    }
    if (a.role === 'workload') {
      report(resource, proxyProblems(ctx, a, expected), '');
      continue;
    }
    if (a.targets === undefined) {
      report(
        resource,
        [
          {
            channel: 'identity',
            explanation: 'it is neither the proxy workload nor its load balancer',
          },
        ],
        at,
      );
      continue;
    }
    for (const t of a.targets) {
      const via = `load balancer ${resource} forwards agents' connections (through ${t.via}) to `;
      if (t.kind === 'unresolved') {
        report(resource, [{ channel: 'cannot-prove', explanation: t.why }], via);
      } else if (t.kind === 'address') {
        report(
          resource,
          [
            {
              channel: 'identity',
              explanation: `the registered target ${t.address}, not the proxy workload`,
            },
          ],
          via,
        );
      } else {
        const target = ctx.model.attachments.find((x) => x.resource === t.resource);
        // A target in the proxy tier is judged (and reported) on its own.
        if (target !== undefined && reachableTier(ctx, target) === 'proxy') continue;
        const problems =
          target === undefined
            ? [
                {
                  channel: 'identity' as const,
                  explanation: `${t.resource}, which is not a proxy workload in the proxy tier`,
                },
              ]
            : proxyProblems(ctx, target, expected);
        report(resource, problems, target === undefined ? via : `${via.slice(0, -4)}: `);
      }
    }
  }
  return out;
}
