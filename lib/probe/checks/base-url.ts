import {
  blocked,
  broken,
  notPlanned,
  type Planned,
  type PlannedCheck,
  type ProbeContext,
} from '../check.js';
import { describeCode } from '../net/errors.js';
import { httpRequest } from '../net/http.js';

/** Statuses a proxy answers with when it cannot reach the upstream. */
const PROXY_FAILURES = new Set([502, 503, 504]);

/**
 * The base-URL listeners to call: the targets' `base_urls`, or every `*_BASE_URL` variable
 * (how `agentEnvironment()` hands them out) that points at the proxy host.
 */
export function baseUrls(ctx: ProbeContext): string[] {
  if (ctx.targets.base_urls !== undefined) return [...ctx.targets.base_urls];
  const out = new Set<string>();
  for (const [name, value] of Object.entries(ctx.env)) {
    if (!name.endsWith('_BASE_URL') || value === undefined) continue;
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' && url.hostname === ctx.proxy.host.replace(/^\[|\]$/g, ''))
        out.add(value);
    } catch {
      // not a URL: not a base-URL listener
    }
  }
  return [...out].sort();
}

/**
 * Each credential-injecting base-URL listener answers: the request (sent without any key)
 * reaches the upstream through the proxy. A 502-504 or no answer is `broken`.
 */
export function baseUrlChecks(ctx: ProbeContext): Planned {
  const urls = baseUrls(ctx);
  if (urls.length === 0) {
    return {
      checks: [],
      skipped: [
        notPlanned(
          'base-url',
          `no *_BASE_URL variable points at ${ctx.proxy.host} and the targets list no base_urls`,
        ),
      ],
    };
  }
  const timeout = ctx.targets.timeout_ms;
  const checks: PlannedCheck[] = urls.map((url) => ({
    name: 'base-url',
    target: url,
    run: async () => {
      const answer = await httpRequest(url, { timeoutMs: timeout });
      if (answer.kind === 'error')
        return broken(
          `the base-URL listener does not answer: ${describeCode(answer.code, timeout)}`,
        );
      if (PROXY_FAILURES.has(answer.status))
        return broken(
          `answered ${answer.status}: the proxy cannot reach the upstream (${answer.body.split('\n')[0]?.slice(0, 120) ?? ''})`,
        );
      return blocked(
        `the upstream answered ${answer.status} through the listener (the proxy adds the credential; the agent sent none)`,
      );
    },
  }));
  return { checks, skipped: [] };
}
