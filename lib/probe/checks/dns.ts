import { lookup } from 'node:dns/promises';
import {
  blocked,
  escaped,
  notPlanned,
  type Planned,
  type PlannedCheck,
  type ProbeContext,
} from '../check.js';
import { describeCode, errorCode } from '../net/errors.js';
import { dnsId, dnsQuery, parseDnsResponse, rcodeName } from '../net/payloads.js';
import { byDeadline } from '../net/settle.js';
import type { Endpoint } from '../targets.js';
import { dialDirectly, sendDirectly } from './direct-attempts.js';

/** The name the probe's canary lookup asks for: unique per run. */
export function canaryName(ctx: ProbeContext): string | undefined {
  const domain = ctx.targets.canary_domain;
  return domain === undefined ? undefined : `${ctx.nonce}.${domain}`;
}

/** What the system resolver said: the addresses, or why there are none. */
type Resolved = { addresses: string[] } | { code: string };

/** The system resolver (getaddrinfo: what programs use), bounded by the probe's timeout. */
function resolve(name: string, timeoutMs: number): Promise<Resolved> {
  const answer = lookup(name, { all: true, verbatim: true }).then<Resolved, Resolved>(
    (list) => ({ addresses: list.map((a) => a.address) }),
    (error: unknown) => ({ code: errorCode(error) }),
  );
  return byDeadline(answer, timeoutMs, () => ({ code: 'ETIMEDOUT' }));
}

function notResolved(code: string, timeoutMs: number): string {
  if (code === 'ENOTFOUND') return 'does not resolve (NXDOMAIN or no address)';
  return `does not resolve: ${describeCode(code, timeoutMs)}`;
}

function resolverUdp(ctx: ProbeContext, endpoint: Endpoint, name: string): PlannedCheck {
  return {
    name: 'dns-resolver-udp',
    target: endpoint.text,
    run: () => {
      const id = dnsId();
      return sendDirectly(endpoint, dnsQuery(name, id), ctx.targets.timeout_ms, {
        answered: (result) => {
          const answer = parseDnsResponse(result.data, id);
          return answer === undefined
            ? `${result.bytes} byte(s) came back from the resolver`
            : `the resolver answered ${name} directly (${rcodeName(answer.rcode)}, ${answer.answers} answer(s)): DNS leaves without the DNS firewall`;
        },
        unreachable: 'an ICMP unreachable came back: datagrams reach this resolver',
      });
    },
  };
}

function resolverTcp(ctx: ProbeContext, endpoint: Endpoint): PlannedCheck {
  return {
    name: 'dns-resolver-tcp',
    target: endpoint.text,
    run: () =>
      dialDirectly(endpoint, ctx.targets.timeout_ms, {
        connected: 'connected to the resolver over TCP directly',
        reset: 'a TCP reset came back: packets reach this resolver',
      }),
  };
}

/**
 * DNS as a way out: public resolvers asked directly (UDP and TCP), a name outside the
 * allowlist through the system resolver, and a unique name under the canary domain, which
 * must never reach that domain's authoritative server.
 */
export function dnsChecks(ctx: ProbeContext): Planned {
  const timeout = ctx.targets.timeout_ms;
  const canary = canaryName(ctx);
  const asked = canary ?? ctx.targets.denied_name;
  const checks: PlannedCheck[] = [
    ...ctx.targets.resolvers.map((e) => resolverUdp(ctx, e, asked)),
    ...ctx.targets.resolvers.map((e) => resolverTcp(ctx, e)),
    {
      name: 'dns-denied-name',
      target: ctx.targets.denied_name,
      run: async () => {
        const result = await resolve(ctx.targets.denied_name, timeout);
        if ('addresses' in result)
          return escaped(
            `resolved to ${result.addresses.join(', ')}: the resolver answers names outside the allowlist`,
          );
        return blocked(notResolved(result.code, timeout));
      },
    },
  ];
  if (canary === undefined) {
    return {
      checks,
      skipped: [
        notPlanned(
          'dns-canary',
          'no canary_domain in the targets; set one whose authoritative server you watch to prove no query leaves',
        ),
      ],
    };
  }
  checks.push({
    name: 'dns-canary',
    target: canary,
    run: async () => {
      const result = await resolve(canary, timeout);
      if ('addresses' in result)
        return escaped(
          `resolved to ${result.addresses.join(', ')}: the query reached the authoritative server of ${ctx.targets.canary_domain} (its query log shows ${ctx.nonce})`,
        );
      return blocked(
        `${notResolved(result.code, timeout)}; to be sure, ${ctx.nonce} must not appear in the query log of ${ctx.targets.canary_domain}`,
      );
    },
  });
  return { checks, skipped: [] };
}
